"""A task's history names each event in words, not by its stored action key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks import services

pytestmark = pytest.mark.django_db


def test_history_shows_translated_event_labels(client, generated, mona, sam):
    _, tasks = generated
    task = next(iter(tasks.values()))
    services.task_assign(task_id=task.pk, assignee=sam, by=mona)
    services.task_start(task_id=task.pk, by=sam)
    client.force_login(mona)
    ja = client.get(reverse("tasks:detail", args=[task.pk])).content.decode()
    assert "· 担当を割り当て" in ja and "· 開始" in ja
    assert "· assign" not in ja and "· start" not in ja and "· create" not in ja
    en = client.get(reverse("tasks:detail", args=[task.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "· Assigned" in en and "· Started" in en and "· Created" in en
