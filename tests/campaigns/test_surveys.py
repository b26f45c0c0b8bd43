"""The quarterly satisfaction survey: open, answer once (editable), aggregate, anonymity."""

from __future__ import annotations

import pytest
from django.urls import reverse

from campaigns.models import Survey, SurveyResponse
from campaigns.quarters import Quarter
from governance import roles
from tests.conftest import api_as as api
from tests.conftest import make_user

ANSWER = {
    "q_speed": 4,
    "q_quality": 5,
    "q_communication": 3,
    "q_process": 2,
    "q_overall": 4,
    "strengthen": "LPの制作スピード",
    "unclear": "依頼フォームの予算欄",
}


def test_survey_round_trip_and_anonymous_aggregation(org):
    r = api(org["mona"]).post("/api/surveys/", {"quarter": "2026q3", "anonymous": True}, format="json")
    assert r.status_code == 201 and r.json()["quarter"] == "2026Q3"
    sid = r.json()["id"]
    assert api(org["alice"]).post(f"/api/surveys/{sid}/respond/", ANSWER, format="json").status_code == 201
    assert (
        api(org["bob"])
        .post(f"/api/surveys/{sid}/respond/", {**ANSWER, "q_speed": 2, "strengthen": ""}, format="json")
        .status_code
        == 201
    )
    # answering again updates the same response
    assert (
        api(org["bob"])
        .post(f"/api/surveys/{sid}/respond/", {**ANSWER, "q_speed": 1, "strengthen": ""}, format="json")
        .status_code
        == 201
    )
    assert SurveyResponse.objects.count() == 2
    results = api(org["mona"]).get(f"/api/surveys/{sid}/results/").json()
    speed = next(q for q in results["questions"] if q["name"] == "q_speed")
    assert (speed["mean"], speed["count"], speed["distribution"]["1"]) == (2.5, 2, 1)
    # Two answers: too few for free text (the wording would give the author away).
    assert results["comments"] == [] and results["comments_hidden"] is True
    dan = make_user("dan", roles.REQUESTER, org["alice"].unit_memberships.first().unit)
    third = api(dan).post(f"/api/surveys/{sid}/respond/", {**ANSWER, "unclear": ""}, format="json")
    assert third.status_code == 201
    results = api(org["mona"]).get(f"/api/surveys/{sid}/results/").json()
    assert results["comments"] == [  # in text order, never in answer order, never with a name
        {"respondent": None, "strengthen": "", "unclear": "依頼フォームの予算欄"},
        {"respondent": None, "strengthen": "LPの制作スピード", "unclear": ""},
        {"respondent": None, "strengthen": "LPの制作スピード", "unclear": "依頼フォームの予算欄"},
    ]
    assert api(org["alice"]).get(f"/api/surveys/{sid}/results/").status_code == 403


@pytest.mark.parametrize(
    "payload,field",
    [
        ({**ANSWER, "q_speed": 6}, "q_speed"),
        ({**ANSWER, "q_overall": 0}, "q_overall"),
        ({"q_speed": 3}, "q_quality"),
    ],
)
def test_bad_answers_are_refused(org, payload, field):
    survey = Survey.objects.create(quarter="2026Q3")
    r = api(org["alice"]).post(f"/api/surveys/{survey.pk}/respond/", payload, format="json")
    assert r.status_code == 400 and field in r.json()
    assert not SurveyResponse.objects.exists()


def test_closed_survey_and_roles(org):
    survey = Survey.objects.create(quarter="2026Q3")
    assert api(org["alice"]).post("/api/surveys/", {"quarter": "2026Q4"}, format="json").status_code == 403
    assert api(org["mona"]).post("/api/surveys/", {"quarter": "2026Q3"}, format="json").status_code == 400
    assert api(org["mona"]).post("/api/surveys/", {"quarter": "Q3-2026"}, format="json").status_code == 400
    assert api(org["charlie"]).post(f"/api/surveys/{survey.pk}/respond/", ANSWER, format="json").status_code == 403
    api(org["mona"]).post(f"/api/surveys/{survey.pk}/close/")
    assert api(org["alice"]).post(f"/api/surveys/{survey.pk}/respond/", ANSWER, format="json").status_code == 409


def test_survey_pages(client, org):
    survey = Survey.objects.create(quarter="2026Q3", anonymous=False)
    client.force_login(org["alice"])
    assert "回答する" in client.get(reverse("campaigns:surveys")).content.decode()
    r = client.post(reverse("campaigns:survey", args=[survey.pk]), {**ANSWER, "q_speed": "9"})
    assert r.status_code == 200 and "q_speed" in r.context["form"].errors
    assert client.post(reverse("campaigns:survey", args=[survey.pk]), ANSWER).status_code == 302
    client.force_login(org["mona"])
    page = client.get(reverse("campaigns:survey", args=[survey.pk])).content.decode()
    assert "alice" in page and "LPの制作スピード" in page


@pytest.mark.parametrize(
    "text,start,end",
    [
        ("2026Q1", "2026-01-01", "2026-03-31"),
        ("2026Q4", "2026-10-01", "2026-12-31"),
        ("2025-q2", "2025-04-01", "2025-06-30"),
    ],
)
def test_quarters(text, start, end):
    q = Quarter.parse(text)
    assert (str(q.start), str(q.end)) == (start, end)
    assert Quarter.of(q.end) == q and q.next().previous() == q


@pytest.mark.parametrize("anonymous", [True, False])
def test_admin_never_ties_an_anonymous_answer_to_a_name(client, org, anonymous):
    survey = Survey.objects.create(quarter="2026Q3", anonymous=anonymous, opened_by=org["mona"])
    for name, text in (("alice", "アリスの意見"), ("bob", "ボブの意見"), ("sam", "サムの意見")):
        SurveyResponse.objects.create(survey=survey, respondent=org[name], **{**ANSWER, "strengthen": text})
    client.force_login(org["root"])
    page = client.get(reverse("admin:campaigns_survey_change", args=[survey.pk])).content.decode()
    inline = page[page.index('id="responses-group"') :]  # the answers (the survey form lists every user)
    assert "アリスの意見" in inline  # three answers: the text is shown
    assert ("alice" in inline) is (not anonymous)
    SurveyResponse.objects.filter(respondent=org["sam"]).delete()
    page = client.get(reverse("admin:campaigns_survey_change", args=[survey.pk])).content.decode()
    assert ("アリスの意見" in page) is (not anonymous)  # two answers: no free text for anonymous surveys


def test_kpi_report_drops_free_text_below_the_threshold(org):
    from kpis.reviews import restrict_rows

    report = {"satisfaction": {"responses": 2, "comments": [{"strengthen": "x", "unclear": ""}]}}
    assert restrict_rows(report, org["mona"])["satisfaction"]["comments"] == []
    report = {"satisfaction": {"responses": 3, "comments": [{"strengthen": "x", "unclear": ""}]}}
    assert restrict_rows(report, org["mona"])["satisfaction"]["comments"] != []
