"""The quarterly internal stakeholder satisfaction survey: open, answer, close, aggregate."""

from __future__ import annotations

from statistics import mean
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance import policy, roles

from .models import SURVEY_QUESTIONS, Survey, SurveyResponse
from .quarters import Quarter
from .services import Conflict

QUESTION_FIELDS = [name for name, _ in SURVEY_QUESTIONS]


def min_responses_for_text() -> int:
    """Below this many responses no free text is shown anywhere (results page, API, admin, KPI
    exports): with two answers in a small team, the wording gives the author away."""
    from django.conf import settings

    return int(getattr(settings, "MOPS_SURVEY_MIN_RESPONSES_FOR_TEXT", 3))


def free_text_visible(response_count: int) -> bool:
    return response_count >= min_responses_for_text()


@transaction.atomic
def survey_open(*, quarter: str, anonymous: bool = True, by) -> Survey:
    """MOps opens the survey for a quarter (once per quarter)."""
    if not policy.is_ops(by):
        raise PermissionDenied(_("Only MOps opens surveys."))
    q = str(Quarter.parse(quarter))
    if Survey.objects.filter(quarter=q).exists():
        raise ValidationError({"quarter": _("A survey for %(quarter)s exists already.") % {"quarter": q}})
    return Survey.objects.create(quarter=q, anonymous=anonymous, opened_by=by)


@transaction.atomic
def survey_close(*, survey_id: int, by) -> Survey:
    """Close a survey: no more answers."""
    if not policy.is_ops(by):
        raise PermissionDenied
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey_id)
    if survey.closed_at is None:
        survey.closed_at = timezone.now()
        survey.save(update_fields=["closed_at"])
    return survey


@transaction.atomic
def survey_respond(*, survey_id: int, by, strengthen: str = "", unclear: str = "", **scores: Any) -> SurveyResponse:
    """A requester answers (or re-answers) an open survey."""
    if not policy.has_role(by, roles.REQUESTER):
        raise PermissionDenied(_("Only requesters answer the survey."))
    survey = Survey.objects.select_for_update(of=("self",)).get(pk=survey_id)
    if not survey.is_open:
        raise Conflict(_("This survey is closed."))
    response = SurveyResponse.objects.filter(survey=survey, respondent=by).first() or SurveyResponse(
        survey=survey, respondent=by
    )
    for name in QUESTION_FIELDS:
        setattr(response, name, scores.get(name))
    response.strengthen, response.unclear = strengthen or "", unclear or ""
    response.submitted_at = timezone.now()
    response.full_clean(exclude=["survey", "respondent"])
    try:
        response.save()
    except IntegrityError:
        raise Conflict(_("Already answered; reload.")) from None
    return response


def survey_results(*, survey: Survey, viewer) -> dict[str, Any]:
    """Scores per question (mean, count, distribution) and comments; names hidden when anonymous."""
    if not policy.is_ops(viewer) and not policy.has_role(viewer, roles.APPROVER):
        raise PermissionDenied
    responses = list(SurveyResponse.objects.filter(survey=survey).select_related("respondent"))
    questions = []
    for name, label in SURVEY_QUESTIONS:
        values = [getattr(r, name) for r in responses]
        questions.append(
            {
                "name": name,
                "label": label,
                "count": len(values),
                "mean": round(mean(values), 2) if values else None,
                "distribution": {score: values.count(score) for score in range(1, 6)},
            }
        )
    show_text = not survey.anonymous or free_text_visible(len(responses))
    comments = [
        {
            "respondent": None if survey.anonymous else r.respondent.username,
            "strengthen": r.strengthen,
            "unclear": r.unclear,
        }
        for r in responses
        if show_text and (r.strengthen or r.unclear)
    ]
    if survey.anonymous:
        # Answer order would pair a comment with who answered when: sort by the text instead.
        comments.sort(key=lambda c: (c["strengthen"], c["unclear"]))
    return {
        "quarter": survey.quarter,
        "anonymous": survey.anonymous,
        "responses": len(responses),
        "questions": questions,
        "comments": comments,
        "comments_hidden": not show_text,
        "is_open": survey.is_open,
    }
