"""The review tables take the kpis app's names; permissions and the schedule follow them.

- ``AlterModelTable`` renames the tables (rows, ids and constraints are kept).
- Content types are relabelled knowledge -> kpis, so the permissions already granted to
  groups stay attached (a fresh database has no such rows yet: nothing to do).
- The daily quarterly-review schedule points at the job's new module.
"""
from django.db import migrations

MOVED_MODELS = ("reviewreport", "toolcostsnapshot")
OLD_JOB = "knowledge.review_jobs.schedule_quarter_review"
NEW_JOB = "kpis.jobs.schedule_quarter_review"


def relabel(apps, schema_editor, *, old: str, new: str, old_job: str, new_job: str, old_name: str, new_name: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=old_job).update(func=new_job, name=new_name)
    Schedule.objects.filter(name=old_name).update(name=new_name)


def forwards(apps, schema_editor) -> None:
    relabel(apps, schema_editor, old="knowledge", new="kpis", old_job=OLD_JOB, new_job=NEW_JOB,
            old_name="knowledge-quarterly-review", new_name="kpis-quarterly-review")


def backwards(apps, schema_editor) -> None:
    relabel(apps, schema_editor, old="kpis", new="knowledge", old_job=NEW_JOB, new_job=OLD_JOB,
            old_name="kpis-quarterly-review", new_name="knowledge-quarterly-review")


class Migration(migrations.Migration):

    dependencies = [
        ("kpis", "0001_initial"),
        ("knowledge", "0005_review_moved_to_kpis"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AlterModelTable(name="toolcostsnapshot", table=None),
        migrations.AlterModelTable(name="reviewreport", table=None),
        migrations.RunPython(forwards, backwards),
    ]
