"""The patient's "My plan" page: tonight's dose, the next change and the history of changes.

Patients read their plan; they never see the care team's internal reasons, and nothing here
accepts a POST (any POST answers 404, like every plan URL a patient is not meant to use).
"""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required
from patients.models import Patient
from prescriptions import titration
from prescriptions.panel import patient_tonight
from prescriptions.plans import last_ending, plan_rows


@role_required(Role.PATIENT)
def my_plan(request):
    if request.method != "GET":
        raise Http404
    patient = get_object_or_404(Patient.objects.visible_to(request.user))
    prescription, rows = plan_rows(patient)
    plain = [row.as_plain() for row in rows]
    night = patient_tonight(patient, plain, timezone.now())
    position = titration.current_step(plain, night)
    in_effect = titration.version_in_effect(plain, night)
    volume = None
    if prescription is not None and position.dose_mg is not None:
        volume = prescription.volume_for(position.dose_mg)
    return render(
        request,
        "prescriptions/patient/my_plan.html",
        {
            "patient": patient,
            "prescription": prescription,
            "position": position,
            "volume_ml": volume,
            "tonight": night,
            "hold_note": rows[-1].patient_note if position.status == titration.ON_HOLD else "",
            "schedule": titration.step_schedule(in_effect) if in_effect else [],
            "changes": list(reversed(rows)),
            "ending": last_ending(patient) if prescription is None else None,
        },
    )
