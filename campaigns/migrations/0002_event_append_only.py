"""On PostgreSQL the audit log is append-only in the database too: UPDATE and DELETE raise."""
from django.db import migrations

from audit.triggers import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("campaigns", "0001_initial")]
    operations = [append_only_trigger("campaigns_requestevent")]
