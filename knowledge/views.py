"""Knowledge pages: articles (list, detail, edit with preview, history, diff), search,
required reading, attachments. Onboarding, retrospectives and the stack catalog are in
views_more.py. Straight-line views: access -> validate -> one service call -> redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from campaigns.forms import add_errors
from campaigns.models import CampaignType
from campaigns.params import PageParams, parse_params
from campaigns.services import Conflict
from campaigns.uploads import download_response
from tasks.models import TaskType

from . import rendering, selectors, services
from .forms import ArticleFilter, ArticleForm, AttachmentForm, DiffParams, PlaybookParams, RequirementForm
from .search import search_articles


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    archived = request.GET.get("status") == "archived"
    filterset = ArticleFilter(request.GET, queryset=selectors.article_list_for(request.user, include_archived=archived))
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/list.html",
        {
            "filter": filterset,
            "page": page,
            "query": _query(request),
            "is_editor": selectors.is_editor(request.user),
            "unread_count": selectors.unread_required_for(request.user).count(),
        },
    )


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()
    archived = request.GET.get("status") == "archived"
    filterset = ArticleFilter(request.GET, queryset=selectors.article_list_for(request.user, include_archived=archived))
    hits, total, per_page = [], 0, 20
    page_no = parse_params(PageParams, request.GET).cleaned_data.get("page") or 1
    if q and filterset.is_valid():
        hits, total = search_articles(
            request.user,
            q,
            scope=filterset.qs,
            include_archived=archived,
            limit=per_page,
            offset=(page_no - 1) * per_page,
        )
    return render(
        request,
        "knowledge/search.html",
        {
            "q": q,
            "filter": filterset,
            "hits": hits,
            "total": total,
            "page_no": page_no,
            "has_next": page_no * per_page < total,
            "query": _query(request),
        },
    )


def _form_page(request, form, *, article=None, preview_html=None):
    return render(
        request,
        "knowledge/form.html",
        {
            "form": form,
            "article": article,
            "preview_html": preview_html,
            "title": _("Edit: %(title)s") % {"title": article.title} if article else _("New article"),
        },
    )


@login_required
def article_new(request: HttpRequest) -> HttpResponse:
    form = ArticleForm(request.POST or None, initial={"category": request.GET.get("category", "other")})
    form.fields.pop("major")
    form.fields.pop("expected_version")
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            return _form_page(request, form, preview_html=rendering.render_markdown(form.cleaned_data["body"]))
        try:
            article = services.article_create(
                by=request.user, comment=form.cleaned_data["comment"], **form.service_fields()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:detail", pk=article.pk)
    return _form_page(request, form)


@login_required
def article_edit(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for(request.user, pk)
    if not selectors.can_edit(request.user, article):
        raise PermissionDenied
    form = ArticleForm(request.POST or None, initial=ArticleForm.initial_for(article))
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            return _form_page(
                request, form, article=article, preview_html=rendering.render_markdown(form.cleaned_data["body"])
            )
        d = form.cleaned_data
        try:
            services.article_update(
                article_id=pk,
                by=request.user,
                major=d["major"],
                comment=d["comment"],
                expected_version=d["expected_version"],
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("knowledge:detail", pk=pk)
    return _form_page(request, form, article=article)


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for(request.user, pk)
    is_editor = selectors.is_editor(request.user)
    required = any(True for _requirement in article.requirements.all())
    return render(
        request,
        "knowledge/detail.html",
        {
            "article": article,
            "can_edit": selectors.can_edit(request.user, article),
            "is_editor": is_editor,
            "receipt": selectors.has_read(request.user, article),
            "required": required,
            "report": selectors.reading_report(article) if is_editor and required else None,
            "attachment_form": AttachmentForm(),
            "requirement_form": RequirementForm() if is_editor else None,
            "retros": article.source_retrospectives.select_related("campaign"),
            "onboarding_steps": article.onboarding_steps.select_related("plan"),
        },
    )


@login_required
def article_history(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for(request.user, pk)
    return render(
        request,
        "knowledge/history.html",
        {
            "article": article,
            "versions": selectors.article_versions(article),
            "can_edit": selectors.can_edit(request.user, article),
        },
    )


@login_required
def article_diff(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for(request.user, pk)
    params = parse_params(DiffParams, request.GET)
    if not params.is_valid():
        messages.error(request, _("No such version."))
        return redirect("knowledge:history", pk=pk)
    b = params.cleaned_data["b"] or article.version_number
    a = params.cleaned_data["a"] or b - 1
    versions = {v.number: v for v in article.versions.filter(number__in=[a, b]).select_related("author")}
    if a not in versions or b not in versions:
        messages.error(request, _("No such version."))
        return redirect("knowledge:history", pk=pk)
    return render(
        request,
        "knowledge/diff.html",
        {
            "article": article,
            "a": versions[a],
            "b": versions[b],
            "lines": rendering.diff_lines(versions[a].body, versions[b].body),
        },
    )


def _act(request, pk, fn, ok: str, **kw):
    selectors.article_get_for(request.user, pk)
    try:
        fn(article_id=pk, by=request.user, **kw)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ok)


@login_required
@require_POST
def article_restore(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    _act(
        request,
        pk,
        services.article_restore,
        _("v%(n)s restored as a new version.") % {"n": number},
        number=number,
        major=bool(request.POST.get("major")),
    )
    return redirect("knowledge:detail", pk=pk)


@login_required
@require_POST
def article_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    fns = {"publish": services.article_publish, "archive": services.article_archive}
    if action not in fns:
        raise PermissionDenied
    _act(request, pk, fns[action], "OK")
    return redirect("knowledge:detail", pk=pk)


@login_required
@require_POST
def article_delete(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get_for(request.user, pk)
    try:
        services.article_delete(article_id=article.pk, by=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("knowledge:detail", pk=pk)
    messages.success(request, _("Deleted."))
    return redirect("knowledge:list")


@login_required
@require_POST
def article_read(request: HttpRequest, pk: int) -> HttpResponse:
    _act(request, pk, services.receipt_record, _("Marked as read."))
    return redirect("knowledge:detail", pk=pk)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.article_get_for(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file."))
    else:
        _act(request, pk, services.attachment_add, _("Attached."), upload=form.cleaned_data["file"])
    return redirect("knowledge:detail", pk=pk)


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get_for(request.user, attachment_id)
    response = download_response(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        inline=attachment.is_image,
        filename=attachment.original_name,
    )
    return response


@login_required
@require_POST
def attachment_delete(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = selectors.attachment_get_for(request.user, attachment_id)
    services.attachment_delete(attachment_id=attachment.pk, by=request.user)
    messages.success(request, _("Deleted."))
    return redirect("knowledge:detail", pk=attachment.article_id)


@login_required
@require_POST
def requirement_add(request: HttpRequest, pk: int) -> HttpResponse:
    form = RequirementForm(request.POST)
    if form.is_valid():
        _act(
            request,
            pk,
            services.requirement_add,
            _("Marked as required."),
            role=form.cleaned_data["role"],
            unit=form.cleaned_data["unit"],
        )
    return redirect("knowledge:detail", pk=pk)


@login_required
@require_POST
def requirement_remove(request: HttpRequest, pk: int, requirement_id: int) -> HttpResponse:
    selectors.article_get_for(request.user, pk)
    services.requirement_remove(requirement_id=requirement_id, by=request.user)
    return redirect("knowledge:detail", pk=pk)


@login_required
def required_reading(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/required.html", {"articles": selectors.required_for(request.user)})


@login_required
def campaign_type_page(request: HttpRequest, slug: str) -> HttpResponse:
    from .selectors import retrospective_list_for

    ctype = get_object_or_404(CampaignType, slug=slug)
    return render(
        request,
        "knowledge/campaign_type.html",
        {
            "ctype": ctype,
            "articles": selectors.articles_for_campaign_type(request.user, ctype.pk),
            "retros": retrospective_list_for(request.user).filter(campaign__campaign_type=ctype)[:50],
        },
    )


@login_required
def task_type_page(request: HttpRequest, slug: str) -> HttpResponse:
    ttype = get_object_or_404(TaskType, slug=slug)
    # ?fragment=1: just the articles, for the panel on the task page.
    template = "knowledge/_articles_table.html" if request.GET.get("fragment") else "knowledge/task_type.html"
    return render(
        request,
        template,
        {
            "ttype": ttype,
            "articles": selectors.articles_for_task_type(request.user, ttype.pk),
        },
    )


@login_required
def playbooks_fragment(request: HttpRequest) -> HttpResponse:
    """HTML fragment: published playbooks of ``?campaign_type=<slug or id>`` (for the request form)."""
    params = parse_params(PlaybookParams, request.GET)
    ctype = params.cleaned_data.get("campaign_type")
    articles = selectors.articles_for_campaign_type(request.user, ctype.pk) if ctype else []
    return render(request, "knowledge/_playbooks.html", {"ctype": ctype, "articles": articles})


@login_required
def imported_page(request: HttpRequest, source: str, key: str) -> HttpResponse:
    """A link between imported wiki pages: redirect to the article (its page checks who may read it)."""
    from .imports import find

    article = find(source, key)
    if article is None:
        raise Http404("No such imported page")
    return redirect("knowledge:detail", pk=article.pk)
