"""A hold's reason kind, stored apart from the clinician's words (PlanVersion.reason_kind).

Until now the hold form glued the kind's English value in front of the words typed
("Opioid pain relief: Zahn-OP"), and acknowledging an urgent report stored an English
sentence; both then read in English on German and Spanish pages. Existing holds whose reason
starts with exactly one of those English prefixes get the kind and keep only the words after
it; any other reason is left as it is (its kind blank). Reversing glues the prefixes back.
"""

import re

from django.db import migrations, models

PREFIXES = {
    "Planned surgery: ": "planned_surgery",
    "Opioid pain relief: ": "opioid_pain_relief",
    "Side effects: ": "side_effects",
    "Other: ": "other",
}
URGENT = re.compile(r"Put on hold when acknowledging urgent report (#\d+)\.")


def split_reason(reason):
    """(kind, words) for a hold's stored reason, or None when it has no known prefix."""
    for prefix, kind in PREFIXES.items():
        if reason.startswith(prefix) and reason[len(prefix) :].strip():
            return kind, reason[len(prefix) :].strip()
    match = URGENT.fullmatch(reason)
    if match:
        return "urgent_report", match.group(1)
    return None


def forwards(apps, schema_editor):
    PlanVersion = apps.get_model("prescriptions", "PlanVersion")
    changed = []
    for version in PlanVersion.objects.filter(kind="hold", reason_kind="").only("pk", "reason"):
        split = split_reason(version.reason)
        if split:
            version.reason_kind, version.reason = split
            changed.append(version)
    PlanVersion.objects.bulk_update(changed, ["reason_kind", "reason"], batch_size=500)


def backwards(apps, schema_editor):
    PlanVersion = apps.get_model("prescriptions", "PlanVersion")
    labels = {kind: prefix for prefix, kind in PREFIXES.items()}
    changed = []
    for version in PlanVersion.objects.exclude(reason_kind="").only("pk", "reason", "reason_kind"):
        if version.reason_kind == "urgent_report":
            version.reason = f"Put on hold when acknowledging urgent report {version.reason}."
        else:
            version.reason = labels[version.reason_kind] + version.reason
        changed.append(version)
    PlanVersion.objects.bulk_update(changed, ["reason"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0006_plan_version_confirmed_safety_warning"),
    ]

    operations = [
        migrations.AddField(
            model_name="planversion",
            name="reason_kind",
            field=models.CharField(
                blank=True,
                choices=[
                    ("planned_surgery", "Planned surgery"),
                    ("opioid_pain_relief", "Opioid pain relief"),
                    ("side_effects", "Side effects"),
                    ("other", "Other"),
                    ("urgent_report", "Put on hold when acknowledging an urgent report"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
