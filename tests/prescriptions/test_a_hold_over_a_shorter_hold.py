"""A hold signed over a shorter hold (it holds that hold's nights and more) moves the restart
that hold had, or, until resumed, drops it: asked, never silent (found by an audit).

A surgery hold 6-9 Dec restarts LDN on 10 Dec. A hold for 5-12 Dec signed over it moved
the restart to 13 Dec with nothing said. Now the save raises NeedsRestartConfirmation
naming the night LDN restarts on, and nothing is stored until the box is
ticked for that night. A hold until resumed over it is not asked: nothing restarts, and the
shorter hold stays under it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import changes, plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # the night of 3 Dec in London


def dec(day):
    return date(2026, 12, day)


def _held(patient, first, last):
    view = plans.load(patient)
    return "".join(
        {"on_hold": "H", "active": "A"}[view.status_on(dec(day))] for day in range(first, last + 1)
    )


@pytest.fixture
def surgery(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient_a, clinician_a, dec(6), dec(9), signed=SIGNED)
    assert _held(patient_a, 5, 14) == "AHHHHAAAAA"
    return patient_a


def test_a_longer_hold_over_it_asks_before_moving_its_restart(surgery, clinician_a):
    before = PlanVersion.objects.count()
    with pytest.raises(changes.NeedsRestartConfirmation) as asked:
        sign_hold(surgery, clinician_a, dec(5), dec(12), signed=NOW)
    assert asked.value.night == dec(13)
    assert (
        "This hold covers the hold signed from 6 Dec 2026 to 9 Dec 2026 and goes past it: LDN "
        "would no longer restart on 10 Dec 2026, but on 13 Dec 2026."
    ) in str(asked.value)
    assert "I confirm LDN restarts on the night of 13 Dec 2026" in str(asked.value)
    assert PlanVersion.objects.count() == before
    assert _held(surgery, 5, 14) == "AHHHHAAAAA"


def test_a_longer_hold_confirmed_for_its_restart_is_saved_and_recorded(surgery, clinician_a):
    version = sign_hold(
        surgery, clinician_a, dec(5), dec(12), signed=NOW, confirmed_restart=dec(13)
    )
    assert _held(surgery, 4, 14) == "AHHHHHHHHAA"
    assert "no longer restart on 10 Dec 2026, but on 13 Dec 2026" in (
        version.confirmed_safety_warning
    )


def test_a_hold_until_resumed_over_it_keeps_it_under_and_asks_nothing(surgery, clinician_a):
    """Held until resumed, nothing restarts: the clinician chose that. The shorter hold
    stays under it (a restart of it keeps the surgery hold), and acknowledging an urgent
    report signs such a hold with nobody to tick a box."""
    sign_hold(surgery, clinician_a, dec(5), None, signed=NOW)
    assert _held(surgery, 5, 20) == "H" * 16


def test_a_box_ticked_for_another_night_confirms_nothing(surgery, clinician_a):
    before = PlanVersion.objects.count()
    with pytest.raises(changes.NeedsRestartConfirmation):
        sign_hold(surgery, clinician_a, dec(5), dec(12), signed=NOW, confirmed_restart=dec(10))
    assert PlanVersion.objects.count() == before


def test_a_shorter_or_a_separate_hold_asks_nothing(surgery, clinician_a):
    sign_hold(surgery, clinician_a, dec(6), dec(8), signed=NOW)  # ends it earlier
    sign_hold(surgery, clinician_a, dec(15), dec(16), signed=NOW)
    assert _held(surgery, 5, 17) == "AHHHAAAAAAHHA"


def test_the_hold_form_shows_the_box_for_the_restart_it_moves(surgery, clinician_a):
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_hold", args=[surgery.pk]),
            {
                "based_on": str(plans.load(surgery).latest.number),
                "hold_reason": "planned_surgery",
                "hold_from": "2026-12-05",
                "hold_until": "2026-12-12",
                "reason": "Surgery moved",
                "patient_note": "",
            },
        )
    assert response.status_code == 200
    page = visible_text(response.content.decode())
    assert "LDN would no longer restart on 10 Dec 2026, but on 13 Dec 2026" in page
    assert "I confirm LDN restarts on the night of 13 Dec 2026" in page
    assert 'value="2026-12-13"' in response.content.decode()
    assert _held(surgery, 5, 14) == "AHHHHAAAAA"
