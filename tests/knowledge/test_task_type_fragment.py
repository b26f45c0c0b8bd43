"""The task page's how-to panel: the knowledge fragment for a task type."""

from __future__ import annotations


def test_task_type_fragment_is_a_fragment(client, org, db):
    from tasks.models import TaskType, WorkRole

    role = WorkRole.objects.create(slug="web", name="Web")
    ttype = TaskType.objects.create(slug="landing-page", name="LP制作", role=role)
    client.force_login(org["sam"])
    r = client.get(f"/kb/task-types/{ttype.slug}/", {"fragment": "1"})
    assert r.status_code == 200
    assert "<html" not in r.content.decode()  # a fragment, not a page
