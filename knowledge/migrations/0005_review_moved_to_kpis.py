"""ReviewReport and ToolCostSnapshot now belong to the kpis app (state only; see kpis/0001)."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0004_translated_labels"),
        ("kpis", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="reviewreport", name="requested_by"),
                migrations.DeleteModel(name="ToolCostSnapshot"),
                migrations.DeleteModel(name="ReviewReport"),
            ],
            database_operations=[],
        ),
    ]
