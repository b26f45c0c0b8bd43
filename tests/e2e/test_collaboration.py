"""Issue 13's journey in a real browser: a campaign run through comments, mentions, files,
review and the board, each person in their own browser (and language), nobody opening email.

requester (ja) submits, attaches the brief and @-mentions the approver -> approver (en) sees the
bell, follows the notice, downloads the brief, replies with a mention and approves -> MOps (ja)
assigns a generated task from the task list and @-mentions the specialist on it -> specialist
(en) follows the notice, drags the card, moves it on by the keyboard menu and hands in a link
for review, with no way to approve it himself -> requester (ja, the task type's reviewer)
returns it once, the specialist hands in v2, the requester approves -> the request timeline
shows the discussion, the file and the review steps.

Screenshots land in artifacts/e2e/collab-*.png (one 390 px shot of the request page and of the
board). Skipped, with the reason printed, where Chromium is missing.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.tasks.conftest import people, task_types, template, work_roles  # noqa: F401

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BRIEF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _jobs_inline(jobs_inline):
    """Notices, mails and webhooks run inline (``jobs_inline`` in tests/conftest.py)."""


class Person:
    """One user in their own browser context (own session, own language), logged in by the form."""

    def __init__(self, browser, base: str, username: str, locale: str):
        self.base, self.username = base, username
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale=locale, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(20_000)
        self.page.goto(base + "/login/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main form button[type=submit]")
        self.page.wait_for_url(lambda url: "/login/" not in url)

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(ARTIFACTS / f"collab-{name}.png"), full_page=True)

    def bell_count(self) -> int:
        count = self.page.locator("a.bell .bell-count")
        return int(count.inner_text()) if count.count() else 0

    def mention(self, area_selector: str, typed: str, pick: str) -> None:
        """Type ``@`` + part of a name into the comment box and pick ``pick`` from the offer."""
        area = self.page.locator(area_selector)
        area.click()
        area.press("End")
        self.page.keyboard.type(typed)
        option = self.page.locator(".mention-list li[role=option]", has_text=pick)
        option.first.click()

    def open_notice(self, label: str, subject: str) -> None:
        """From the bell to the notification centre, whose unread count the bell showed, then
        through the unread notice ``label: subject`` to its object."""
        shown = self.bell_count()
        self.page.locator("a.bell").click()
        self.page.wait_for_url("**/notifications/**")
        unread_tab = self.page.locator(".notice-tabs a[href='?show=unread']").inner_text()
        assert int(re.sub(r"\D", "", unread_tab)) == shown == self.page.locator("ul.notices li.unread").count()
        self.page.locator("ul.notices li.unread a", has_text=f"{label}: {subject}").first.click()
        self.page.wait_for_load_state()


def test_a_campaign_run_through_the_product(browser, live_server, org, template, people):  # noqa: F811
    from campaigns.models import CampaignRequest
    from integrations.models import NotificationPreference
    from tasks.models import Deliverable, Task, TaskType

    alice, charlie, mona, sam = org["alice"], org["charlie"], org["mona"], org["sam"]
    # Japanese names: the @ offer finds people by them, not only by username.
    charlie.last_name, charlie.first_name = "千葉", "晴"
    charlie.save()
    # The plan is reviewed by the requester and needs a deliverable (a file or a link).
    TaskType.objects.filter(slug="plan").update(review_by="requester", deliverable="any")
    for user, language in ((alice, "ja"), (charlie, "en"), (mona, "ja"), (sam, "en")):
        NotificationPreference.objects.update_or_create(
            user=user, defaults={"language": language, "language_chosen": True}
        )
    base = live_server.url
    launch = timezone.localdate() + dt.timedelta(days=60)

    # 1. The requester (ja) submits the request, attaches the brief, mentions the approver.
    requester = Person(browser, base, "alice", "ja-JP")
    page = requester.page
    requester.go("/requests/new/")
    page.fill("#id_name", "共同作業ウェビナー")
    page.fill("#id_objective", "製造業のIT部門から商談を創出する")
    page.select_option("#id_campaign_type", label="ウェビナー")
    page.select_option("#id_business_unit", label="東京本社")
    page.fill("#id_launch_date", launch.isoformat())
    page.fill("#id_end_date", launch.isoformat())
    page.fill("#id_budget", "900000")
    page.check("#id_needs_landing_page")
    page.fill("#id_target_leads", "300")
    # the type and dates refresh the feasibility and playbook panels: let them land first (an
    # in-memory SQLite live server answers one writer at a time)
    page.wait_for_load_state("networkidle")
    page.click("button[name=submit]")
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    req = CampaignRequest.objects.get(name="共同作業ウェビナー")
    assert req.state == "submitted"
    page.locator("form.attach-form input[type=file]").set_input_files(
        {"name": "brief.pdf", "mimeType": "application/pdf", "buffer": BRIEF}
    )
    page.locator("form.attach-form button[type=submit]").click()
    page.wait_for_url("**#files")
    assert page.locator("#files a", has_text="brief.pdf").count() == 1
    body = "#discussion textarea"
    page.fill(body, "ブリーフを添付しました。KPIの根拠をご確認ください ")
    requester.mention(body, "@千", "千葉")
    assert page.input_value(body).endswith("@charlie ")
    page.locator(body).press("End")
    page.keyboard.type("よろしくお願いします。")
    page.locator("#discussion button[type=submit]").click()
    page.wait_for_url("**#comment-*")
    assert "コメントを投稿しました。" in page.content()
    comment = page.locator("#discussion ol.comments li").last
    assert "KPIの根拠" in comment.inner_text()
    requester.shot("1-requester-request")

    # 2. The approver (en) sees the bell, follows the notice, reads and downloads the brief.
    approver = Person(browser, base, "charlie", "en-US")
    page = approver.page
    assert approver.bell_count() == 2  # the request to approve, and the mention
    approver.open_notice("Mentioned in a comment", "共同作業ウェビナー")
    assert f"/requests/{req.pk}/" in page.url and "#comment-" in page.url
    discussion = page.locator("#discussion").inner_text()
    assert "KPIの根拠" in discussion and "Type @ to mention someone who can see this request" in discussion
    approver.shot("2-approver-request")
    brief = page.locator("#files a", has_text="brief.pdf")
    with page.expect_download() as download:
        brief.click()
    assert download.value.suggested_filename == "brief.pdf"
    assert download.value.path().read_bytes() == BRIEF
    headers = approver.context.request.get(base + brief.get_attribute("href")).headers
    assert headers["content-type"] == "application/pdf"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-disposition"].startswith("attachment")
    page.fill(body, "Thanks, the KPI case is clear. ")
    approver.mention(body, "@ali", "alice")
    page.locator("#discussion button[type=submit]").click()
    page.wait_for_url("**#comment-*")
    assert "Comment posted." in page.content()
    page.locator("form[action$='/approve/'] button[type=submit]").click()
    page.wait_for_load_state()
    req.refresh_from_db()
    assert req.state == "in_production"
    plan = Task.objects.get(campaign=req, task_type__slug="plan")

    # 3. MOps (ja) sees the generated tasks, assigns the plan from the task list, mentions sam.
    mops = Person(browser, base, "mona", "ja-JP")
    page = mops.page
    mops.go(f"/requests/{req.pk}/")
    for task in Task.objects.filter(campaign=req):
        assert page.locator(f"a[href$='/tasks/{task.pk}/']", has_text=task.key).count()
    mops.go(f"/work/tasks/?campaign={req.pk}")
    page.locator(f"input[name=ids][value='{plan.pk}']").check()
    page.select_option("#bulk-tasks select[name=action]", "assign")
    picker = page.locator("#bulk-tasks .ts-control")
    picker.click()
    page.keyboard.type("sam")
    page.locator(".ts-dropdown .option", has_text="sam").first.click()
    page.locator("#bulk-tasks button[type=submit]").click()
    page.wait_for_load_state()
    assert "1 件完了、0 件は実行できませんでした。" in page.locator("[role=status]").inner_text()
    mops.shot("3-mops-assigned")
    plan.refresh_from_db()
    assert plan.assignee == sam
    mops.go(f"/tasks/{plan.pk}/")
    assert "sam" in page.locator("dl.facts").inner_text()
    area = "form[action$='/comment/'] textarea"
    page.fill(area, "企画書をお願いします ")
    mops.mention(area, "@sa", "sam")
    page.locator("form[action$='/comment/'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("li[id^=task-comment-]", has_text="企画書をお願いします").count() == 1

    # 4. The specialist (en) follows the notice, drags the card, moves it on by the keyboard.
    specialist = Person(browser, base, "sam", "en-US")
    page = specialist.page
    assert specialist.bell_count() == 2  # the assignment and the mention
    specialist.open_notice("Mentioned in a comment", plan.key)
    assert f"/tasks/{plan.pk}/" in page.url
    assert "企画書をお願いします" in page.content()
    specialist.go("/tasks/")
    page.wait_for_function("() => window.Sortable !== undefined")
    card = f".taskcard[data-task='{plan.pk}']"
    page.drag_and_drop(f"{card} a", ".cards[data-state='in_progress']")
    page.wait_for_selector(f".cards[data-state='in_progress'] {card}")
    page.wait_for_function("() => document.getElementById('board-status').textContent.length > 0")
    assert not page.locator("#board-status.error").count()
    # the keyboard way: the card's "Move to" menu, then the dialog asks for hours and the link
    select = page.locator(f"{card} .move-form select")
    select.focus()
    select.select_option("in_review")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    dialog = page.locator("#move-dialog")
    dialog.locator("#move-hours").fill("3")
    dialog.locator("#move-link").fill("http://127.0.0.1/plan-v1")
    dialog.locator("#move-comment").fill("v1 of the plan")
    dialog.locator("[data-dialog-ok]").click()
    page.wait_for_selector(f".cards[data-state='in_review'] {card}")
    assert f"{plan.key} moved to In review." in page.locator("#board-status").inner_text()
    # four-eyes on the board too: nothing moves the card on to Done for its assignee
    assert page.locator(f"{card} .move-form select option[value=done]").count() == 0
    specialist.shot("4-specialist-board")
    specialist.go(f"/tasks/{plan.pk}/")
    assert "plan-v1" in page.locator(".card.review").inner_text()
    assert page.locator(f"form[action$='/tasks/{plan.pk}/complete/']").count() == 0  # four-eyes
    assert "cannot approve their own work" in page.content()

    # 5. The requester (the reviewer) returns it once; v2 comes in; the requester approves.
    page = requester.page
    requester.go("/")
    assert requester.bell_count() == 3  # the approval, the approver's reply and the review request
    requester.open_notice("タスクのレビュー依頼", plan.key)
    assert f"/tasks/{plan.pk}/" in page.url
    return_form = page.locator(f"form[action$='/tasks/{plan.pk}/return_review/']")
    return_form.locator("textarea[name=comment]").fill("目標値の根拠を追記してください")
    return_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert f"{plan.key}: 「" in page.content() and "」を実行しました。" in page.content()
    plan.refresh_from_db()
    assert plan.state == "in_progress"

    page = specialist.page
    specialist.go("/")
    specialist.open_notice("Task returned from review", plan.key)
    assert "目標値の根拠を追記してください" in page.content()
    submit = page.locator(f"form[action$='/tasks/{plan.pk}/submit_review/']")
    submit.locator("input[name=file]").set_input_files(
        {"name": "plan-v2.pdf", "mimeType": "application/pdf", "buffer": BRIEF}
    )
    submit.locator("input[name=actual_hours]").fill("4")
    submit.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "plan-v2.pdf" in page.locator(".card.review").inner_text()
    assert page.locator(f"form[action$='/tasks/{plan.pk}/complete/']").count() == 0

    page = requester.page
    requester.go("/")
    requester.open_notice("タスクのレビュー依頼", plan.key)
    assert "plan-v2.pdf" in page.locator(".card.review").inner_text()
    page.locator(f"form[action$='/tasks/{plan.pk}/complete/'] button[type=submit]").click()
    page.wait_for_load_state()
    plan.refresh_from_db()
    assert plan.state == "done"
    requester.shot("5-requester-approved")

    # 6. The request's timeline shows the discussion, the file and the review steps.
    requester.go(f"/requests/{req.pk}/")
    history = page.locator("#history")
    assert history.locator("h2").inner_text() == "履歴"
    timeline = history.inner_text()
    assert timeline.count("コメントしました") == 2 and "@charlie" in timeline and "@alice" in timeline
    assert "ファイルを添付しました" in timeline and "brief.pdf" in timeline
    assert "3 件のタスクを生成" in timeline  # in the reader's language, whoever approved
    steps = [li.inner_text() for li in history.locator("li.review-step").all()]
    assert len(steps) == 4, steps  # v1 submitted, returned, v2 submitted, approved
    assert all(plan.key in step for step in steps)
    assert "レビューを依頼" in steps[0] and "成果物 v1" in steps[0] and "v1 of the plan" in steps[0]
    assert "差し戻し" in steps[1] and "目標値の根拠を追記してください" in steps[1]
    assert "レビューを依頼" in steps[2] and "成果物 v2" in steps[2]
    assert "レビューで承認" in steps[3]
    requester.shot("6-requester-timeline")
    page.set_viewport_size({"width": 390, "height": 844})
    requester.shot("390-request")
    specialist.page.set_viewport_size({"width": 390, "height": 844})
    specialist.go("/tasks/")
    specialist.shot("390-board")

    assert Deliverable.objects.filter(task=plan).count() == 2
    for person in (requester, approver, mops, specialist):
        person.context.close()
