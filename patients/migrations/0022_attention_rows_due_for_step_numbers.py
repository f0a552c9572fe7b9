"""Every stored attention row is due again, so the list's rows are rewritten with the plan's
step numbers (prescriptions 0008-0009: PlanPosition.step_number / step_total): a row written
before them read "step None of None" (found by exploratory QA). A list view rewrites its
due rows before it reads them (attention.list_page), and the `patients.refresh_attention`
task the rest within the minute.
"""

from django.db import migrations
from django.utils import timezone


def mark_due(apps, schema_editor):
    PatientAttention = apps.get_model("patients", "PatientAttention")
    PatientAttention.objects.filter(valid_until__gt=timezone.now()).update(
        valid_until=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0021_entry_changed_since"),
        ("prescriptions", "0009_backfill_plan_version_steps_before"),
    ]

    operations = [
        migrations.RunPython(mark_due, migrations.RunPython.noop),
    ]
