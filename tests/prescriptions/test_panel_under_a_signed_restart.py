"""The plan panel under a hold whose restart is already signed: the plan is on hold tonight,
so the panel offers "Resume" (to move the restart), as for an open hold, not "Hold". It read
the newest version, the restart, which has no hold (found by exploratory QA)."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.prescriptions.signed_restart_support import NOW, _held_from_dec_2, _resume
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db


def _actions(client, patient):
    hold = reverse("clinic:plan_hold", args=[patient.pk])
    resume = reverse("clinic:plan_resume", args=[patient.pk])
    with time_machine.travel(NOW, tick=False):
        pages = [
            client.get(reverse(name, args=[patient.pk])).content.decode()
            for name in ("clinic:patient", "clinic:plan")
        ]
    return [(f'href="{hold}"' in html, f'href="{resume}"' in html) for html in pages]


def test_a_hold_with_a_signed_restart_offers_resume_not_hold(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    client = signed_in_reauthenticated(clinician_a)
    # An open hold: "Resume" on the patient page and the plan page.
    assert _actions(client, patient_a) == [(False, True), (False, True)]
    _resume(patient_a, clinician_a)
    # Still on hold tonight, the restart on the 10th: the same offer.
    assert _actions(client, patient_a) == [(False, True), (False, True)]


def _sign_restart(client, patient, on, step="1"):
    # Step 2, 3 mg: the page offers the held plan's steps (1.5 mg, 3 mg), not the signed
    # restart's own (3 mg only, which "0" chose before titration.restart_choices).
    url = reverse("clinic:plan_resume", args=[patient.pk])
    with time_machine.travel(NOW, tick=False):
        form = client.get(url).content.decode()
        response = client.post(
            url,
            {
                "based_on": str(plans.load(patient).latest.number),
                "resume_on": str(on),
                "step": step,
                "reason": "Surgery moved",
                "patient_note": "",
            },
        )
    return form, response


@pytest.mark.parametrize(
    ("on", "held_until"),
    [(date(2026, 12, 15), date(2026, 12, 14)), (date(2026, 12, 6), date(2026, 12, 5))],
)
def test_the_signed_restart_is_moved_later_or_earlier(patient_a, clinician_a, on, held_until):
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    client = signed_in_reauthenticated(clinician_a)
    form, response = _sign_restart(client, patient_a, on)
    # The form opens on the restart already signed.
    assert 'value="2026-12-10"' in form
    assert response.status_code == 302
    assert PlanVersion.objects.filter(kind="resume").count() == 2
    view = plans.load(patient_a)
    # On hold every night until the new restart (none left to the old one), then 3 mg.
    assert view.held_until(NOW.date()) == held_until
    assert {view.status_on(date(2026, 12, day)) for day in range(3, on.day)} == {"on_hold"}
    assert view.on(on).dose_mg == 3
    found = view.next_change(NOW.date())
    assert (found.night, found.position.dose_mg) == (on, 3)
