"""Knowledge base: articles with version history, attachments, required reading and receipts,
onboarding plans, campaign retrospectives, and the martech stack catalog.

Every write goes through ``knowledge.services``; the full-text index (FTS5 on SQLite, pg_trgm
on PostgreSQL) is kept in step by the database itself (see migrations/0002_search_index).
"""
from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from campaigns.models import CampaignRequest, CampaignType
from governance.models import BusinessUnit

TITLE_MAX = 200
BODY_MAX = 100_000  # characters of Markdown; a very long handbook page is ~30k


class Category(models.TextChoices):
    RULES = "rules", "運用ルール / Operating rules"
    PLAYBOOK = "playbook", "プレイブック / Playbook"
    BEST_PRACTICE = "best_practice", "ベストプラクティス / Best practice"
    HOWTO = "howto", "作業手順 / How-to"
    TOOL_GUIDE = "tool_guide", "ツールガイド / Tool guide"
    ONBOARDING = "onboarding", "オンボーディング / Onboarding"
    CALENDAR = "calendar", "マーケティングカレンダー / Marketing calendar"
    ORG = "org", "組織・体制 / Organisation"
    OTHER = "other", "その他 / Other"


class Status(models.TextChoices):
    DRAFT = "draft", "下書き / Draft"
    PUBLISHED = "published", "公開 / Published"
    ARCHIVED = "archived", "アーカイブ / Archived"


class Visibility(models.TextChoices):
    EVERYONE = "everyone", "全員 / Everyone"
    UNIT = "unit", "事業部内のみ / Unit only"


class Tag(models.Model):
    name = models.CharField("名称 / Name", max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "タグ / Tag"
        verbose_name_plural = "タグ / Tags"

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    """One wiki page. Title/body are the current version; history lives in ArticleVersion."""

    title = models.CharField("タイトル / Title", max_length=TITLE_MAX)
    body = models.TextField("本文(Markdown) / Body (Markdown)", blank=True, validators=[MaxLengthValidator(BODY_MAX)])
    body_html = models.TextField("本文HTML(サニタイズ済み) / Rendered body (sanitised)", blank=True, editable=False)
    category = models.CharField("カテゴリ / Category", max_length=20, choices=Category.choices, default=Category.OTHER, db_index=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="articles", verbose_name="タグ / Tags")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_articles", verbose_name="オーナー / Owner")
    status = models.CharField("状態 / Status", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    review_by = models.DateField("レビュー期限 / Review by", null=True, blank=True, db_index=True)
    unit = models.ForeignKey(BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="articles", verbose_name="事業部 / Unit")
    visibility = models.CharField("公開範囲 / Visibility", max_length=10, choices=Visibility.choices, default=Visibility.EVERYONE)
    campaign_types = models.ManyToManyField(CampaignType, blank=True, related_name="articles", verbose_name="キャンペーン種別 / Campaign types")
    task_types = models.ManyToManyField("tasks.TaskType", blank=True, related_name="articles", verbose_name="タスク種別 / Task types")
    version_number = models.PositiveIntegerField("版番号 / Version", default=0, editable=False)
    major = models.PositiveIntegerField("メジャー版 / Major version", default=0, editable=False)
    minor = models.PositiveIntegerField("マイナー版 / Minor version", default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    stale_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = "記事 / Article"
        verbose_name_plural = "記事 / Articles"
        indexes = [models.Index(fields=["status", "category"])]
        constraints = [
            models.CheckConstraint(condition=~models.Q(visibility="unit") | models.Q(unit__isnull=False), name="article_unit_visibility_needs_unit"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def version_label(self) -> str:
        return f"{self.major}.{self.minor}"


class ArticleVersion(models.Model):
    """An immutable snapshot written by every edit and restore."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("版番号 / Number")
    major = models.PositiveIntegerField("メジャー / Major")
    minor = models.PositiveIntegerField("マイナー / Minor")
    is_major = models.BooleanField("メジャー改訂 / Major change", default=False)
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="作成者 / Author")
    comment = models.CharField("変更内容 / Change note", max_length=300, blank=True)
    restored_from = models.PositiveIntegerField("復元元 / Restored from", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article_id", "-number"]
        verbose_name = "記事の版 / Article version"
        verbose_name_plural = "記事の版 / Article versions"
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.label}"

    @property
    def label(self) -> str:
        return f"{self.major}.{self.minor}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"kb/{instance.article_id}/{timezone.now():%Y%m}/{filename}"


class Attachment(models.Model):
    """An image or PDF attached to an article (type and size checked in services)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=300)
    original_name = models.CharField("ファイル名 / File name", max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField("サイズ / Size (bytes)")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "添付ファイル / Attachment"
        verbose_name_plural = "添付ファイル / Attachments"

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class RequiredReading(models.Model):
    """An article everyone with a role (or everyone in a unit) must read."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="requirements")
    role = models.CharField("ロール / Role", max_length=50, blank=True, help_text="Requester / Approver / MOps / Specialist / Admin")
    unit = models.ForeignKey(BusinessUnit, on_delete=models.CASCADE, null=True, blank=True, related_name="required_readings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "必読指定 / Required reading"
        verbose_name_plural = "必読指定 / Required reading"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="") & models.Q(unit__isnull=False)) | (~models.Q(role="") & models.Q(unit__isnull=True)),
                name="required_reading_role_xor_unit",
            ),
            models.UniqueConstraint(fields=["article", "role", "unit"], name="required_reading_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.article} → {self.role or self.unit}"


class ReadReceipt(models.Model):
    """``user`` confirmed reading ``version``; valid until the article's next major version."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_receipts")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="receipts")
    version = models.ForeignKey(ArticleVersion, on_delete=models.CASCADE, related_name="receipts")
    major = models.PositiveIntegerField("メジャー版 / Major version")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-read_at", "-id"]
        verbose_name = "既読記録 / Read receipt"
        verbose_name_plural = "既読記録 / Read receipts"
        constraints = [models.UniqueConstraint(fields=["user", "article", "major"], name="read_receipt_once_per_major")]

    def __str__(self) -> str:
        return f"{self.user} read {self.article_id} v{self.major}"


class OnboardingPlan(models.Model):
    """A sequence of articles a newcomer in ``role`` reads over their first weeks."""

    role = models.CharField("ロール / Role", max_length=50)
    name = models.CharField("名称 / Name", max_length=200)
    description = models.TextField("説明 / Description", blank=True, max_length=4000)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["role", "name"]
        verbose_name = "オンボーディングプラン / Onboarding plan"
        verbose_name_plural = "オンボーディングプラン / Onboarding plans"

    def __str__(self) -> str:
        return self.name


class OnboardingStep(models.Model):
    """One article of a plan with a check question (multiple choice, one right answer)."""

    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="steps")
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="onboarding_steps")
    order = models.PositiveIntegerField("順番 / Order", default=0)
    week = models.PositiveIntegerField("週 / Week", default=1, validators=[MinValueValidator(1)])
    question = models.CharField("確認問題 / Check question", max_length=500)
    choices = models.JSONField("選択肢 / Choices", default=list)
    correct_choice = models.PositiveIntegerField("正解(0始まり) / Correct choice (0-based)", default=0)

    class Meta:
        ordering = ["plan", "order", "id"]
        verbose_name = "オンボーディング項目 / Onboarding step"
        verbose_name_plural = "オンボーディング項目 / Onboarding steps"

    def __str__(self) -> str:
        return f"{self.plan}: {self.article}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not isinstance(self.choices, list) or len(self.choices) < 2 or not all(isinstance(c, str) and c.strip() for c in self.choices):
            raise ValidationError({"choices": "2つ以上の選択肢が必要です / At least two non-empty choices."})
        if self.correct_choice >= len(self.choices):
            raise ValidationError({"correct_choice": "正解の番号が選択肢の範囲外です / The correct choice is out of range."})


class OnboardingEnrollment(models.Model):
    plan = models.ForeignKey(OnboardingPlan, on_delete=models.CASCADE, related_name="enrollments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_enrollments")
    started_on = models.DateField("開始日 / Started", default=timezone.localdate)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_on", "id"]
        verbose_name = "オンボーディング参加 / Enrollment"
        verbose_name_plural = "オンボーディング参加 / Enrollments"
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="onboarding_enrollment_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan}"


class StepProgress(models.Model):
    """Attempts at one step's check question; ``passed_at`` is set by the first right answer."""

    enrollment = models.ForeignKey(OnboardingEnrollment, on_delete=models.CASCADE, related_name="progress")
    step = models.ForeignKey(OnboardingStep, on_delete=models.CASCADE, related_name="progress")
    attempts = models.PositiveIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "進捗 / Step progress"
        verbose_name_plural = "進捗 / Step progress"
        constraints = [models.UniqueConstraint(fields=["enrollment", "step"], name="step_progress_unique")]


class Retrospective(models.Model):
    """What a launched campaign taught: written by its requester or MOps."""

    campaign = models.OneToOneField(CampaignRequest, on_delete=models.PROTECT, related_name="retrospective", verbose_name="キャンペーン / Campaign")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="記入者 / Author")
    what_worked = models.TextField("良かった点 / What worked", max_length=10_000, validators=[MaxLengthValidator(10_000)])
    what_did_not = models.TextField("課題 / What did not work", max_length=10_000, blank=True, validators=[MaxLengthValidator(10_000)])
    what_to_change = models.TextField("次回への改善 / What to change", max_length=10_000, blank=True, validators=[MaxLengthValidator(10_000)])
    promoted_article = models.ForeignKey(Article, on_delete=models.SET_NULL, null=True, blank=True, related_name="source_retrospectives",
                                         verbose_name="ベストプラクティス記事 / Best-practice article")
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    promoted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "振り返り / Retrospective"
        verbose_name_plural = "振り返り / Retrospectives"

    def __str__(self) -> str:
        return f"振り返り / Retro: {self.campaign}"


class ToolCategory(models.TextChoices):
    MA = "ma", "MA / Marketing automation"
    CRM = "crm", "CRM / SFA"
    DATA = "data", "データ・名刺管理 / Data & contacts"
    ANALYTICS = "analytics", "アクセス解析 / Analytics"
    BI = "bi", "BI・ダッシュボード / BI"
    WEBINAR = "webinar", "ウェビナー・イベント / Webinar & events"
    DESIGN = "design", "デザイン / Design"
    CMS = "cms", "CMS・Web / CMS & web"
    ADS = "ads", "広告 / Advertising"
    COLLABORATION = "collaboration", "コラボレーション / Collaboration"
    OTHER = "other", "その他 / Other"


class ToolStatus(models.TextChoices):
    IN_USE = "in_use", "利用中 / In use"
    EVALUATING = "evaluating", "評価中 / Evaluating"
    RETIRED = "retired", "廃止 / Retired"


class Tool(models.Model):
    """One product of the martech stack, its cost and contract renewal."""

    name = models.CharField("名称 / Name", max_length=100, unique=True)
    vendor = models.CharField("ベンダー / Vendor", max_length=100, blank=True)
    category = models.CharField("カテゴリ / Category", max_length=20, choices=ToolCategory.choices, default=ToolCategory.OTHER, db_index=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="owned_tools", verbose_name="オーナー / Owner")
    users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="tools", verbose_name="利用者 / Users")
    seats = models.PositiveIntegerField("ライセンス数 / Seats", default=0)
    annual_cost = models.DecimalField("年額(円) / Annual cost (JPY)", max_digits=14, decimal_places=0, default=0, validators=[MinValueValidator(0)])
    renewal_date = models.DateField("契約更新日 / Renewal date", null=True, blank=True, db_index=True)
    status = models.CharField("状態 / Status", max_length=12, choices=ToolStatus.choices, default=ToolStatus.IN_USE, db_index=True)
    articles = models.ManyToManyField(Article, blank=True, related_name="tools", verbose_name="関連記事 / Articles")
    notes = models.TextField("メモ / Notes", blank=True, max_length=4000)
    renewal_reminded_for = models.DateField("通知済みの更新日 / Reminder sent for", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["category", "name"]
        verbose_name = "ツール / Tool"
        verbose_name_plural = "ツール / Tools"
        constraints = [models.CheckConstraint(condition=models.Q(annual_cost__gte=0), name="tool_cost_non_negative")]

    def __str__(self) -> str:
        return self.name


class Horizon(models.TextChoices):
    ONE = "1y", "1年 / 1 year"
    THREE = "3y", "3年 / 3 years"
    FIVE = "5y", "5年 / 5 years"


class RoadmapAction(models.TextChoices):
    ADOPT = "adopt", "導入 / Adopt"
    RETIRE = "retire", "廃止 / Retire"
    REPLACE = "replace", "置き換え / Replace"
    CONSOLIDATE = "consolidate", "統合 / Consolidate"
    EXPAND = "expand", "拡張 / Expand"


class RoadmapEntry(models.Model):
    title = models.CharField("タイトル / Title", max_length=200)
    action = models.CharField("種類 / Action", max_length=12, choices=RoadmapAction.choices, default=RoadmapAction.ADOPT)
    horizon = models.CharField("期間 / Horizon", max_length=2, choices=Horizon.choices, default=Horizon.ONE)
    tool = models.ForeignKey(Tool, on_delete=models.SET_NULL, null=True, blank=True, related_name="roadmap_entries", verbose_name="ツール / Tool")
    target_date = models.DateField("目標時期 / Target date", null=True, blank=True)
    expected_saving = models.DecimalField("想定削減額(円/年) / Expected saving (JPY/yr)", max_digits=14, decimal_places=0, default=0)
    notes = models.TextField("メモ / Notes", blank=True, max_length=4000)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["horizon", "target_date", "id"]
        verbose_name = "ロードマップ / Roadmap entry"
        verbose_name_plural = "ロードマップ / Roadmap entries"

    def __str__(self) -> str:
        return self.title


from .review_models import *  # noqa
