"""Pages: webhook configuration and delivery log (Admins), notification preferences (everyone)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from campaigns.forms import add_errors

from . import services
from .forms import PreferenceForm, WebhookForm
from .models import Webhook
from .notify import preference_for
from .payloads import absolute


def _admin_only(request: HttpRequest) -> None:
    if not services.can_configure_webhooks(request.user):
        raise PermissionDenied


@login_required
def webhook_list(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_save(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Webhook “%(name)s” created.") % {"name": webhook.name})
            return redirect("integrations:webhook", pk=webhook.pk)
    webhooks = Webhook.objects.order_by("name", "id")
    return render(request, "integrations/webhooks.html", {"form": form, "webhooks": webhooks})


@login_required
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    webhook = get_object_or_404(Webhook, pk=pk)
    form = WebhookForm(request.POST or None, instance=webhook)
    if request.method == "POST" and form.is_valid():
        try:
            services.webhook_save(webhook=webhook, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("integrations:webhook", pk=webhook.pk)
    page = Paginator(webhook.deliveries.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "integrations/webhook_detail.html", {"webhook": webhook, "form": form, "page": page})


@login_required
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    get_object_or_404(Webhook, pk=pk)
    services.webhook_send_test(webhook_id=pk, by=request.user)
    messages.success(request, _("Test delivery queued."))
    return redirect("integrations:webhook", pk=pk)


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    get_object_or_404(Webhook, pk=pk)
    services.webhook_rotate_secret(webhook_id=pk, by=request.user)
    messages.success(request, _("Secret rotated: update the receiver."))
    return redirect("integrations:webhook", pk=pk)


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    services.webhook_delete(webhook_id=pk, by=request.user)
    messages.success(request, _("Deleted."))
    return redirect("integrations:webhooks")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    pref = preference_for(request.user)
    form = PreferenceForm(request.POST or None, instance=pref)
    if request.method == "POST" and form.is_valid():
        try:
            services.preference_update(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("integrations:preferences")
    return _preferences_page(request, form, pref)


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The header's language switcher: Django's ``set_language`` (cookie, session), and for a
    signed-in user the stored preference too, so mails and the next login follow the choice."""
    code = request.POST.get("language", "")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        services.preference_update(user=request.user, language=code, language_chosen=True)
    return set_language(request)


def _preferences_page(request: HttpRequest, form, pref, new_feed_url: str | None = None) -> HttpResponse:
    return render(
        request,
        "integrations/preferences.html",
        {
            "form": form,
            "pref": pref,
            "new_feed_url": new_feed_url,
            "has_feed": bool(pref.feed_token_hash),
        },
    )


@login_required
@require_POST
def feed_regenerate(request: HttpRequest) -> HttpResponse:
    token = services.feed_token_regenerate(user=request.user)
    pref = preference_for(request.user)
    pref.refresh_from_db()
    # Shown once: only the token's hash is stored.
    url = absolute("integrations:calendar-feed", token)
    return _preferences_page(request, PreferenceForm(instance=pref), pref, new_feed_url=url)


@login_required
@require_POST
def feed_revoke(request: HttpRequest) -> HttpResponse:
    services.feed_token_revoke(user=request.user)
    messages.success(request, _("Calendar feed revoked."))
    return redirect("integrations:preferences")
