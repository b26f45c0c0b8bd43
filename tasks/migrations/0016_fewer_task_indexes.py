"""Issue 19: drop the single-column indexes that a composite index already starts with.

Every index of ``tasks_task`` is written by each UPDATE that changes an indexed column, and the
SLA sweep's first run changes thousands of rows at once (30 indexes on PostgreSQL before this).
The field changes go to the migration state only; the database drops the indexes Django named
after each field (the same names on both databases; ``IF EXISTS``: the PostgreSQL ``_like``
pattern-ops copies exist there only). AlterField would rebuild the whole task table on SQLite once
per field, and drop and re-validate the foreign keys on PostgreSQL. Going back leaves them dropped:
the composite indexes serve every query they served.
"""

import django.db.models.deletion
import django_fsm
from django.conf import settings
from django.db import migrations, models

DROPPED = [
    "tasks_task_assignee_id_2c3ca866",
    "tasks_task_at_risk_at_455005df",
    "tasks_task_campaign_id_543bb934",
    "tasks_task_due_at_264c15ef",
    "tasks_task_sla_claim_8121f91a",
    "tasks_task_sla_claim_8121f91a_like",
    "tasks_task_sla_state_63515345",
    "tasks_task_sla_state_63515345_like",
    "tasks_task_state_e83638fe",
    "tasks_task_state_e83638fe_like",
    "tasks_slanotification_claim_7cc3827e",
    "tasks_slanotification_claim_7cc3827e_like",
    "tasks_slanotification_task_id_43acd366",
]


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0013_calendar_day_indexes"),
        ("tasks", "0015_calendar_day_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="task",
            name="tasks_task_assigne_c80627_idx",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="slanotification",
                    name="claim",
                    field=models.CharField(blank=True, default="", editable=False, max_length=40),
                ),
                migrations.AlterField(
                    model_name="slanotification",
                    name="task",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sla_notifications",
                        to="tasks.task",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="assignee",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tasks",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="Assignee",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="at_risk_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="campaign",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="tasks",
                        to="campaigns.campaignrequest",
                        verbose_name="Campaign",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="due_at",
                    field=models.DateTimeField(blank=True, null=True, verbose_name="Due"),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="sla_claim",
                    field=models.CharField(blank=True, default="", editable=False, max_length=40),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="sla_state",
                    field=models.CharField(
                        choices=[
                            ("on_track", "On track"),
                            ("at_risk", "At risk"),
                            ("breached", "Breached"),
                            ("met", "Met"),
                            ("missed", "Missed"),
                        ],
                        default="on_track",
                        max_length=10,
                        verbose_name="SLA",
                    ),
                ),
                migrations.AlterField(
                    model_name="task",
                    name="state",
                    field=django_fsm.FSMField(
                        choices=[
                            ("todo", "To do"),
                            ("in_progress", "In progress"),
                            ("waiting", "Waiting"),
                            ("in_review", "In review"),
                            ("done", "Done"),
                            ("cancelled", "Cancelled"),
                        ],
                        default="todo",
                        max_length=50,
                        protected=True,
                        verbose_name="State",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    [f'DROP INDEX IF EXISTS "{name}"' for name in DROPPED], reverse_sql=migrations.RunSQL.noop
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="slanotification",
            index=models.Index(fields=["claim"], name="sla_notification_claim_idx"),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(fields=["sla_claim"], name="task_sla_claim_idx"),
        ),
    ]
