"""On PostgreSQL the governance change log is append-only in the database too, like every audit table."""
from django.db import migrations

from audit.triggers import append_only_trigger


class Migration(migrations.Migration):

    dependencies = [("governance", "0003_translated_labels")]

    operations = [append_only_trigger("governance_governancechange")]
