"""The signed-in patient's plan as a page has already read it, kept on the request, so the
layout around the page (the tab bar's "Tonight" or "Today") asks it without reading it again.

A page that reads the plan keeps it here (`keep`); on a page that does not, the tab bar reads
it itself, and only when it is rendered (`dosing_time_now`).
"""

from __future__ import annotations

from django.utils import timezone

from patients.models import NOT_READ, Patient, own_profile_read_with
from prescriptions import plans, titration

_KEPT = "_patient_plan"


def keep(request, patient, plan: plans.PlanView) -> None:
    """The page's own patient and plan, for the rest of this request."""
    setattr(request, _KEPT, (patient, plan))


def dosing_time_now(request) -> str:
    """The dosing time of the night the signed-in patient is in now (PlanView.dosing_time_at:
    whether the pages say "tonight" or "today"): from the plan the page kept, else read once
    (the plan, and the patient unless it came with the user) and kept; evening for someone
    with no patient profile."""
    kept = getattr(request, _KEPT, None)
    if kept is None:
        patient = own_profile_read_with(request.user)
        if patient is NOT_READ:
            patient = Patient.objects.visible_to(request.user).first()
        if patient is None:
            return titration.EVENING
        kept = (patient, plans.load(patient))
        keep(request, *kept)
    patient, plan = kept
    return plan.dosing_time_at(patient.tz, timezone.now())


def kept_patient(request) -> Patient | None:
    """The patient whose plan this request kept (by a page or by `dosing_time_now`), without
    reading anything; None when nothing was kept (no patient profile, or nothing asked yet)."""
    kept = getattr(request, _KEPT, None)
    return kept[0] if kept is not None else None
