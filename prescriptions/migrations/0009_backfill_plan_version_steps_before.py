"""The plan's steps before each existing version's first (PlanVersion.steps_before, 0008),
worked out from the versions before it, so a restart saved before 0008 reads "Step 2 of 2"
instead of "Step 1 of 1".

Per prescription, in version order: a version with the previous version's steps (a hold, a
dosing-time switch, a restart at step 1) carries its number; one whose steps are a proper
suffix of the previous version's (a restart at a later step, an applied next step) counts
the steps dropped too; any other list of steps is a new list, numbered from 1. A version
already given a number (saved after 0008) keeps it. Reversing leaves the numbers: 0008's
reverse drops the column.
"""

from django.db import migrations


def steps_before_after(previous_steps, previous_before, steps):
    """A version's steps_before from the version before it (``*_steps``: (dose, days)
    tuples in step order)."""
    steps, previous_steps = tuple(steps), tuple(previous_steps)
    if steps == previous_steps:
        return previous_before
    dropped = len(previous_steps) - len(steps)
    if steps and dropped > 0 and previous_steps[dropped:] == steps:
        return previous_before + dropped
    return 0


def forwards(apps, schema_editor):
    Prescription = apps.get_model("prescriptions", "Prescription")
    ids = list(Prescription.objects.order_by("pk").values_list("pk", flat=True))
    for first in range(0, len(ids), BATCH):
        _backfill(apps, ids[first : first + BATCH])


BATCH = 500  # prescriptions read at a time: a clinic's whole history is not held at once


def _backfill(apps, prescription_ids):
    PlanVersion = apps.get_model("prescriptions", "PlanVersion")
    PlanStep = apps.get_model("prescriptions", "PlanStep")
    steps_of = {}
    for version_id, dose, days in (
        PlanStep.objects.filter(version__prescription_id__in=prescription_ids)
        .order_by("version_id", "position")
        .values_list("version_id", "dose_mg", "days")
    ):
        steps_of.setdefault(version_id, []).append((dose, days))
    changed = []
    previous = None  # (prescription_id, steps, steps_before) of the version before
    for version in (
        PlanVersion.objects.filter(prescription_id__in=prescription_ids)
        .order_by("prescription_id", "number")
        .only("pk", "prescription_id", "steps_before")
    ):
        steps = tuple(steps_of.get(version.pk, ()))
        if version.steps_before == 0 and previous and previous[0] == version.prescription_id:
            number = steps_before_after(previous[1], previous[2], steps)
            if number:
                version.steps_before = number
                changed.append(version)
        previous = (version.prescription_id, steps, version.steps_before)
    PlanVersion.objects.bulk_update(changed, ["steps_before"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("prescriptions", "0008_plan_version_steps_before"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
