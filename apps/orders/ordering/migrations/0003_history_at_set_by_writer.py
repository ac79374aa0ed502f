import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """History's `at` is set by its writer (default: now), so a move stamps its entry and the order's
    updated_at with one time. No SQL: the column and its values are unchanged."""

    dependencies = [
        ("ordering", "0002_cancel_reason_and_history_status_choices"),
    ]

    operations = [
        migrations.AlterField(
            model_name="orderstatuschange",
            name="at",
            field=models.DateTimeField(default=django.utils.timezone.now, editable=False),
        ),
    ]
