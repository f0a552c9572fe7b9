"""Reading a patient's plan: the active prescription and its versions as plain values.

Everything that needs tonight's dose (the tonight card, reminders, flags, reports) comes
through here and then through titration.current_step / prescribed_dose.
"""

from django.db.models import Prefetch

from prescriptions.models import PlanStep, PlanVersion, Prescription


def current_prescription(patient):
    """The patient's newest prescription that has not ended, or None."""
    return (
        Prescription.objects.filter(patient=patient)
        .exclude(status=Prescription.Status.ENDED)
        .order_by("-start_date", "-pk")
        .first()
    )


def last_ending(patient):
    """The version that ended the patient's newest ended prescription (with its
    prescription and author), or None: what the pages show when no prescription is current."""
    return (
        PlanVersion.objects.filter(
            prescription__patient=patient,
            prescription__status=Prescription.Status.ENDED,
            kind=PlanVersion.Kind.ENDED,
        )
        .select_related("prescription", "author")
        .order_by("-created_at", "-pk")
        .first()
    )


def versions_for(prescription):
    """All versions of a prescription as titration.PlanVersion values (2 queries)."""
    if prescription is None:
        return []
    rows = PlanVersion.objects.filter(prescription=prescription).prefetch_related(
        Prefetch("steps", queryset=PlanStep.objects.order_by("position"))
    )
    return [row.as_plain() for row in rows]


def plan_rows(patient):
    """(prescription, [PlanVersion rows]) of the current prescription in 2 queries.

    Rows come with their author and prescription joined and their steps prefetched, newest
    version last; use ``row.as_plain()`` for titration.
    """
    current = (
        Prescription.objects.filter(patient=patient)
        .exclude(status=Prescription.Status.ENDED)
        .order_by("-start_date", "-pk")
        .values("pk")[:1]
    )
    rows = list(
        PlanVersion.objects.filter(prescription__in=current)
        .select_related("prescription", "author")
        .prefetch_related(Prefetch("steps", queryset=PlanStep.objects.order_by("position")))
        .order_by("number")
    )
    if not rows:
        # Every prescription is saved with its version 1 in one transaction
        # (changes.create_prescription), so no rows means no current prescription.
        return None, []
    return rows[0].prescription, rows
