"""Survey pages: MOps opens and reads; requesters answer."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from governance import policy, roles

from . import surveys
from .models import Survey, SurveyResponse
from .services import Conflict


class OpenSurveyForm(forms.Form):
    quarter = forms.CharField(label=_("Quarter"), max_length=7, help_text=_("e.g. 2026Q4"))
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False, initial=True)


class ResponseForm(forms.ModelForm):
    class Meta:
        model = SurveyResponse
        fields = [*surveys.QUESTION_FIELDS, "strengthen", "unclear"]
        widgets = {
            name: forms.RadioSelect(choices=[(i, str(i)) for i in range(1, 6)]) for name in surveys.QUESTION_FIELDS
        }
        widgets.update({"strengthen": forms.Textarea(attrs={"rows": 3}), "unclear": forms.Textarea(attrs={"rows": 3})})


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    form = OpenSurveyForm(request.POST or None)
    if request.method == "POST":
        if not policy.is_ops(request.user):
            raise PermissionDenied
        if form.is_valid():
            try:
                surveys.survey_open(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("quarter", exc.messages)
            else:
                messages.success(request, _("Survey opened."))
                return redirect("campaigns:surveys")
    answered = set(SurveyResponse.objects.filter(respondent=request.user).values_list("survey_id", flat=True))
    return render(
        request,
        "campaigns/surveys.html",
        {
            "surveys": Survey.objects.all(),
            "form": form,
            "answered": answered,
            "is_ops": policy.is_ops(request.user),
            "is_requester": policy.has_role(request.user, roles.REQUESTER),
        },
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    if policy.has_role(request.user, roles.REQUESTER) and not policy.is_ops(request.user):
        existing = SurveyResponse.objects.filter(survey=survey, respondent=request.user).first()
        form = ResponseForm(request.POST or None, instance=existing)
        if request.method == "POST" and form.is_valid():
            data = {k: form.cleaned_data[k] for k in form.Meta.fields}
            try:
                surveys.survey_respond(survey_id=survey.pk, by=request.user, **data)
            except (ValidationError, Conflict) as exc:
                form.add_error(None, getattr(exc, "messages", [str(exc)]))
            else:
                messages.success(request, _("Thank you for your answer."))
                return redirect("campaigns:surveys")
        return render(request, "campaigns/survey_answer.html", {"survey": survey, "form": form})
    results = surveys.survey_results(survey=survey, viewer=request.user)
    return render(
        request,
        "campaigns/survey_results.html",
        {"survey": survey, "results": results, "min_text": surveys.min_responses_for_text()},
    )


@login_required
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    surveys.survey_close(survey_id=get_object_or_404(Survey, pk=pk).pk, by=request.user)
    return redirect("campaigns:survey", pk=pk)
