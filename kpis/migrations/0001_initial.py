"""The review tables move from knowledge to kpis: state only here, the rows stay where they are.

knowledge/0003 created ``knowledge_reviewreport`` and ``knowledge_toolcostsnapshot``; this
migration adopts them into the kpis app's state (knowledge/0005 drops them from knowledge's
state) and 0002 renames them, so an existing database moves forward without copying a row.
"""
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("knowledge", "0004_translated_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ToolCostSnapshot",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("quarter", models.CharField(max_length=7)),
                        ("category", models.CharField(max_length=20)),
                        ("tools", models.PositiveIntegerField(default=0)),
                        ("annual_cost", models.DecimalField(decimal_places=0, default=0, max_digits=14)),
                        ("taken_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "db_table": "knowledge_toolcostsnapshot",
                        "verbose_name": "Tool cost snapshot",
                        "verbose_name_plural": "Tool cost snapshots",
                        "ordering": ["quarter", "category"],
                        "constraints": [models.UniqueConstraint(fields=("quarter", "category"), name="tool_snapshot_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="ReviewReport",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("quarter", models.CharField(db_index=True, max_length=7, verbose_name="Quarter")),
                        ("unit", models.CharField(blank=True, default="", max_length=50, verbose_name="Unit")),
                        ("status", models.CharField(choices=[("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")], db_index=True, default="queued", max_length=10, verbose_name="Status")),
                        ("progress", models.PositiveSmallIntegerField(default=0, verbose_name="Progress (%)")),
                        ("step", models.CharField(blank=True, max_length=100, verbose_name="Step")),
                        ("file", models.FileField(blank=True, upload_to="reviews/", verbose_name="File")),
                        ("error", models.TextField(blank=True)),
                        ("scheduled", models.BooleanField(default=False, verbose_name="Scheduled")),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("requested_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "knowledge_reviewreport",
                        "verbose_name": "Quarterly review",
                        "verbose_name_plural": "Quarterly reviews",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [
                            models.CheckConstraint(condition=models.Q(("progress__lte", 100)), name="review_progress_max_100"),
                            models.UniqueConstraint(condition=models.Q(("scheduled", True)), fields=("quarter", "unit"), name="review_one_scheduled_per_quarter"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
