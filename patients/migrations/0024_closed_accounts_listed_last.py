"""The clinician list puts a closed account's patient after every open one: the stored
attention row and its care-team links say `closed`, first in the list's order (and its
indexes). The rows of accounts closed before this are made due, so the list (or the
minute task) rewrites them with it.
"""

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def closed_rows_due(apps, _schema_editor):
    PatientAttention = apps.get_model("patients", "PatientAttention")
    AccountClosure = apps.get_model("accounts", "AccountClosure")
    closed_users = AccountClosure.objects.filter(closed_at__isnull=False).values("user_id")
    PatientAttention.objects.filter(
        patient__user_id__in=closed_users, valid_until__gt=timezone.now()
    ).update(valid_until=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0023_entry_evening_first_logged_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("accounts", "0006_account_closure"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="careteammembership",
            name="care_team_attention",
        ),
        migrations.RemoveIndex(
            model_name="patientattention",
            name="attention_sort",
        ),
        migrations.AddField(
            model_name="careteammembership",
            name="closed",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="patientattention",
            name="closed",
            field=models.BooleanField(default=False),
        ),
        migrations.AddIndex(
            model_name="careteammembership",
            index=models.Index(
                fields=[
                    "clinician",
                    "closed",
                    "-severity_1",
                    "-severity_2",
                    "-severity_3",
                    "-nights_silent",
                    "name_key",
                    "patient",
                ],
                name="care_team_attention",
            ),
        ),
        migrations.AddIndex(
            model_name="patientattention",
            index=models.Index(
                fields=["closed", "-severity_1", "-severity_2", "-severity_3", "-nights_silent"],
                name="attention_sort",
            ),
        ),
        migrations.RunPython(closed_rows_due, migrations.RunPython.noop),
    ]
