import django.db.models.functions.datetime
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """relay_after gets a database default (now()), so an INSERT returns it: outbox_insert sets it from
    a subquery in the same statement and learns from it who owns the row."""

    dependencies = [
        ("retail_common", "0004_outbox_trace_context"),
    ]

    operations = [
        migrations.AlterField(
            model_name="outboxevent",
            name="relay_after",
            field=models.DateTimeField(
                db_default=django.db.models.functions.datetime.Now(), default=django.utils.timezone.now
            ),
        ),
    ]
