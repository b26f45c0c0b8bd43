"""Governance on the tasks side: who executes which task, who sees it, which template applies,
who edits templates. The request records its model at submission; tasks follow that record."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns import services as campaign_services
from governance import roles, services
from tasks.assignment import assignable_users, suggest_for
from tasks.generation import tasks_generate
from tasks.models import Person, Task, TaskEvent, TaskTemplate, TaskType, TemplateEntry
from tests.conftest import make_user, request_fields


def client_for(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def set_model(root, model, units=None):
    services.governance_update(model=model, hybrid_threshold=Decimal("3000000"), units=units or [], by=root)


@pytest.fixture
def kinds(task_types):
    """plan/lp/qa: operations; email: content; design: brand."""
    TaskType.objects.filter(pk=task_types["email"].pk).update(kind="content")
    TaskType.objects.filter(pk=task_types["design"].pk).update(kind="brand")
    for tt in task_types.values():
        tt.refresh_from_db()
    return task_types


@pytest.fixture
def osaka_team(osaka, work_roles, people):
    """olivia heads Osaka (approver, staff); oscar is an Osaka specialist with every role."""
    olivia = make_user("olivia", roles.APPROVER, osaka, is_staff=True)
    osaka.head = olivia
    osaka.save()
    oscar = make_user("oscar", roles.SPECIALIST, osaka)
    person = Person.objects.create(user=oscar, weekly_hours=Decimal(40))
    person.roles.set(list(work_roles.values()))
    return {"olivia": olivia, "oscar": oscar}


@pytest.fixture
def gen(org, root, charlie, mona, make_request, template, kinds, osaka_team):
    """Set the model, submit and approve a request of ``unit``, generate its tasks (by task type slug)."""

    def make(model, unit="tokyo"):
        set_model(root, model)
        if unit == "tokyo":
            req = make_request(org["alice"], actions=["submit", "approve"], actors={"approve": charlie})
        else:
            from governance.models import BusinessUnit

            approver = osaka_team["olivia"] if model != "centralised" else charlie
            req = make_request(
                org["bob"],
                actions=["submit", "approve"],
                actors={"approve": approver},
                business_unit=BusinessUnit.objects.get(slug="osaka"),
            )
        assert req.state == "approved", req.state
        tasks = tasks_generate(request_id=req.pk, by=mona)
        return req, {t.task_type.slug: t for t in tasks}

    return make


# --- who executes: model x task kind x assignee's unit -> allowed / refused ---------------------
# The request comes from Tokyo. sam: Tokyo specialist; oscar: Osaka specialist; mona: MOps.
EXECUTION = [
    ("centralised", "lp", "sam", True),
    ("centralised", "lp", "oscar", True),
    ("centralised", "email", "oscar", True),
    ("centralised", "design", "oscar", True),
    ("decentralised", "lp", "sam", True),
    ("decentralised", "lp", "oscar", False),
    ("decentralised", "email", "sam", True),
    ("decentralised", "email", "oscar", False),
    ("decentralised", "design", "oscar", False),
    ("decentralised", "plan", "mona", True),
    ("hybrid", "email", "sam", True),
    ("hybrid", "email", "oscar", False),
    ("hybrid", "lp", "oscar", True),
    ("hybrid", "design", "oscar", True),
    ("hybrid", "lp", "sam", True),
    ("hybrid", "plan", "mona", True),
]


@pytest.mark.parametrize("model,kind_of,assignee,allowed", EXECUTION)
def test_execution_matrix_through_the_api(gen, mona, model, kind_of, assignee, allowed):
    req, tasks = gen(model)
    task = tasks[kind_of]
    r = client_for(mona).post(f"/api/tasks/{task.pk}/assign/", {"assignee": assignee}, format="json")
    task.refresh_from_db()
    if allowed:
        assert r.status_code == 200, r.content
        assert task.assignee.username == assignee
    else:
        assert r.status_code == 400, r.content
        assert "assignee" in r.json()
        assert "メンバーではありません" in str(r.json())  # "... is not a member", in Japanese
        assert task.assignee_id is None
        assert not TaskEvent.objects.filter(task=task, action="assign").exists()


def test_in_flight_requests_keep_their_execution_rule(gen, root, mona):
    req, tasks = gen("centralised")
    set_model(root, "decentralised")  # later change: the request recorded centralised
    r = client_for(mona).post(f"/api/tasks/{tasks['lp'].pk}/assign/", {"assignee": "oscar"}, format="json")
    assert r.status_code == 200, r.content


def test_unit_override_decides_execution(gen, root, mona):
    req, _ = gen("centralised")
    set_model(root, "centralised", units=[{"unit": "tokyo", "model": "decentralised"}])
    other = campaign_services.request_create(by=req.requester, **request_fields(name="second"))
    campaign_services.request_transition(request_id=other.pk, action="submit", by=req.requester)
    other.refresh_from_db()
    assert other.governance_params["model"] == "decentralised"
    campaign_services.request_transition(
        request_id=other.pk, action="approve", by=other.approval_routes.first().approver
    )
    new = {t.task_type.slug: t for t in tasks_generate(request_id=other.pk, by=mona)}
    r = client_for(mona).post(f"/api/tasks/{new['lp'].pk}/assign/", {"assignee": "oscar"}, format="json")
    assert r.status_code == 400


def test_suggestions_and_choices_only_propose_eligible_people(gen, osaka_team, sam):
    _, tokyo_tasks = gen("decentralised")
    _, osaka_tasks = gen("decentralised", unit="osaka")
    suggested = suggest_for([tokyo_tasks["lp"], osaka_tasks["lp"]])
    assert suggested[tokyo_tasks["lp"].pk] == sam
    assert suggested[osaka_tasks["lp"].pk] == osaka_team["oscar"]
    lp = tokyo_tasks["lp"]
    choices = set(assignable_users(lp.task_type, lp).values_list("username", flat=True))
    assert "oscar" not in choices and {"sam", "mona"} <= choices
    assert "oscar" in set(assignable_users(lp.task_type).values_list("username", flat=True))


def test_auto_assignment_respects_execution(org, root, charlie, mona, make_request, template, kinds, osaka_team):
    set_model(root, "decentralised")
    TemplateEntry.objects.filter(template=template, task_type=kinds["lp"]).update(auto_assignee=osaka_team["oscar"])
    req = make_request(org["alice"], actions=["submit", "approve"], actors={"approve": charlie})
    tasks = {t.task_type.slug: t for t in tasks_generate(request_id=req.pk, by=mona)}
    tasks["lp"].refresh_from_db()
    assert tasks["lp"].assignee_id is None  # oscar is in Osaka; the Tokyo request runs decentralised


# --- visibility -------------------------------------------------------------------------------


@pytest.mark.parametrize("model,oscar_status", [("decentralised", 404), ("centralised", 200), ("hybrid", 200)])
def test_specialists_of_other_units_do_not_see_decentralised_tasks(gen, osaka_team, sam, mona, model, oscar_status):
    req, tasks = gen(model)
    lp = tasks["lp"]
    oscar = osaka_team["oscar"]
    assert client_for(oscar).get(f"/api/tasks/{lp.pk}/").status_code == oscar_status
    assert client_for(sam).get(f"/api/tasks/{lp.pk}/").status_code == 200
    assert client_for(mona).get(f"/api/tasks/{lp.pk}/").status_code == 200
    listed = {t["id"] for t in client_for(oscar).get("/api/tasks/?page_size=200").json().get("results", [])}
    assert (lp.pk in listed) == (oscar_status == 200)


def test_specialist_sees_tasks_assigned_to_them_even_in_another_unit(gen, osaka_team, mona):
    req, tasks = gen("decentralised")
    Task.objects.filter(pk=tasks["qa"].pk).update(assignee=osaka_team["oscar"])  # e.g. assigned before a change
    c = client_for(osaka_team["oscar"])
    assert c.get(f"/api/tasks/{tasks['qa'].pk}/").status_code == 200
    assert c.get(f"/api/tasks/{tasks['lp'].pk}/").status_code == 404


# --- templates per unit -----------------------------------------------------------------------


@pytest.fixture
def tokyo_template(webinar, tokyo, kinds, work_roles):
    """Tokyo's own webinar template: a single extra content task "press"."""
    press = TaskType.objects.create(slug="press", name="プレスリリース", role=work_roles["ops"], kind="content")
    tpl = TaskTemplate.objects.create(campaign_type=webinar, unit=tokyo, name="tokyo webinar")
    TemplateEntry.objects.create(template=tpl, task_type=press, order=99)
    return tpl


@pytest.fixture
def brand_review(work_roles):
    return TaskType.objects.create(
        slug="brand-review", name="ブランドレビュー", name_en="Brand review", role=work_roles["design"], kind="brand"
    )


def test_centralised_uses_the_central_template_only(gen, tokyo_template, brand_review):
    _, tasks = gen("centralised")
    assert set(tasks) == {"plan", "lp", "email", "design", "qa"}


def test_decentralised_uses_the_units_template_else_central(gen, tokyo_template, brand_review):
    _, tokyo_tasks = gen("decentralised")
    assert set(tokyo_tasks) == {"press"}
    _, osaka_tasks = gen("decentralised", unit="osaka")  # Osaka has no template of its own
    assert set(osaka_tasks) == {"plan", "lp", "email", "design", "qa"}


def test_hybrid_uses_central_plus_unit_extras(gen, tokyo_template, brand_review):
    _, tasks = gen("hybrid")
    assert set(tasks) == {"plan", "lp", "email", "design", "qa", "press"}  # design is a brand task


def test_hybrid_adds_a_brand_review_when_the_templates_have_none(gen, kinds, brand_review, mona):
    TemplateEntry.objects.filter(task_type=kinds["design"]).delete()
    req, tasks = gen("hybrid")
    assert "brand-review" in tasks
    review = tasks["brand-review"]
    assert review.template_entry_id is None
    assert set(review.depends_on.values_list("task_type__slug", flat=True)) == {"qa"}
    assert review.due_at >= tasks["qa"].due_at
    # Idempotent: generating again adds nothing.
    again = tasks_generate(request_id=req.pk, by=mona)
    assert len(again) == len(tasks)
    assert Task.objects.filter(campaign=req).count() == len(tasks)


@pytest.mark.parametrize("model", ["centralised", "decentralised"])
def test_no_forced_brand_review_outside_hybrid(gen, kinds, brand_review, model):
    TemplateEntry.objects.filter(task_type=kinds["design"]).delete()
    _, tasks = gen(model)
    assert "brand-review" not in tasks


def test_hybrid_brand_review_goes_to_the_central_team(gen, kinds, brand_review, mona):
    TemplateEntry.objects.filter(task_type=kinds["design"]).delete()
    _, tasks = gen("hybrid")
    r = client_for(mona).post(f"/api/tasks/{tasks['brand-review'].pk}/assign/", {"assignee": "oscar"}, format="json")
    assert r.status_code == 200, r.content


def test_one_template_per_type_and_unit(webinar, tokyo, template):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        TaskTemplate(campaign_type=webinar, name="second central").full_clean()
    TaskTemplate(campaign_type=webinar, unit=tokyo, name="tokyo").full_clean()


# --- template edit permission in the admin ------------------------------------------------------


@pytest.fixture
def osaka_template(webinar, osaka, template):
    return TaskTemplate.objects.create(campaign_type=webinar, unit=osaka, name="osaka webinar")


@pytest.mark.parametrize(
    "org_model,osaka_override,head_may_edit",
    [
        ("decentralised", None, True),
        ("hybrid", None, True),
        ("centralised", None, False),
        ("centralised", "decentralised", True),
        ("decentralised", "centralised", False),
    ],
)
def test_admin_template_permission(
    client, root, osaka_team, osaka_template, template, mona, org_model, osaka_override, head_may_edit
):
    units = [{"unit": "osaka", "model": osaka_override}] if osaka_override else []
    set_model(root, org_model, units)
    own = reverse("admin:tasks_tasktemplate_change", args=[osaka_template.pk])
    central = reverse("admin:tasks_tasktemplate_change", args=[template.pk])
    client.force_login(osaka_team["olivia"])
    assert client.get(own).status_code == (200 if head_may_edit else 403)
    assert client.get(central).status_code in (403, 302)
    if head_may_edit:
        r = client.post(
            own,
            {
                "campaign_type": osaka_template.campaign_type_id,
                "unit": osaka_template.unit_id,
                "name": "renamed",
                "is_active": "on",
                "entries-TOTAL_FORMS": "0",
                "entries-INITIAL_FORMS": "0",
            },
        )
        assert r.status_code == 302, r.content[:2000]
        osaka_template.refresh_from_db()
        assert osaka_template.name == "renamed"
    client.force_login(mona)
    assert client.get(own).status_code == 200
    assert client.get(central).status_code == 200


def test_admin_unit_head_cannot_create_a_central_template(client, root, osaka_team, webinar):
    set_model(root, "decentralised")
    client.force_login(osaka_team["olivia"])
    r = client.post(
        reverse("admin:tasks_tasktemplate_add"),
        {
            "campaign_type": webinar.pk,
            "unit": "",
            "name": "sneaky",
            "is_active": "on",
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 200  # the form comes back with an error
    assert not TaskTemplate.objects.filter(name="sneaky").exists()
