"""On PostgreSQL the stored-figures recomputation log is append-only in the database too, like every audit table."""
from django.db import migrations

from audit.triggers import append_only_trigger


class Migration(migrations.Migration):

    dependencies = [("kpis", "0004_quarter_figures_store")]

    operations = [append_only_trigger("kpis_quarterfiguresevent")]
