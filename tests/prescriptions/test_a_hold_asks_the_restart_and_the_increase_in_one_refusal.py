"""A hold that ends a hold until resumed (or a shorter hold) and makes a step up asks both in
one refusal, both boxes drawn together: it was refused for the restart, and once that box
was ticked and signed, again for the increase. Here: 1.5 mg from 1 Dec, 3 mg 8-14 Dec,
4.5 mg from 15 Dec, on hold from 8 Dec until resumed; a hold for 8-14 Dec signed on 1 Dec
restarts LDN on 15 Dec at 4.5 mg, 3 mg above the 1.5 mg of 7 Dec."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.changes import NeedsConfirmation, NeedsRestartConfirmation, hold_change
from tests.patients.journal_support import make_plan, sign_change, sign_hold, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # 14:00 in London: tonight is 1 Dec
DEC_1 = date(2026, 12, 1)
DEC_15 = date(2026, 12, 15)
RESTART_BOX = "I confirm LDN restarts on the night of 15 Dec 2026"
INCREASE = (
    "Please confirm this increase: 4.5 mg on the night of 15 Dec 2026 after 1.5 mg on the "
    "night of 7 Dec 2026 (no dose in between) is an increase of 3 mg, more than 1.5 mg in "
    "one step."
)


@pytest.fixture
def held_until_resumed(patient_a, clinician_a):
    """Held from 8 Dec, the first night of the 3 mg step, until resumed."""
    _plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, date(2026, 12, 8), None, signed=SIGNED)
    return patient_a


@pytest.fixture
def held_8_to_10_dec(patient_a, clinician_a):
    """Held 8-10 Dec: LDN restarts on 11 Dec at 3 mg (+1.5 mg, asked nothing)."""
    _plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, date(2026, 12, 8), date(2026, 12, 10), signed=SIGNED)
    return patient_a


def _plan(patient, clinician):
    make_plan(
        patient,
        clinician,
        steps=(("1.5", 7), ("3", 7), ("4.5", None)),
        start=DEC_1,
        formulation="other",
    )


def _post(clinician, patient, **boxes):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(SIGNED, tick=False):
        return client.post(
            reverse("clinic:plan_hold", args=[patient.pk]),
            {
                "based_on": str(plans.load(patient).latest.number),
                "hold_reason": "planned_surgery",
                "hold_from": "2026-12-08",
                "hold_until": "2026-12-14",
                "reason": "Surgery",
                **boxes,
            },
        )


def _boxes(response):
    """The confirmation boxes drawn, by name."""
    return set(
        re.findall(r'<input type="checkbox" name="(confirm_\w+)"', response.content.decode())
    )


def _text(response):
    return html.unescape(visible_text(response.content.decode()))


def test_one_refusal_asks_the_restart_and_the_increase(held_until_resumed, clinician_a):
    response = _post(clinician_a, held_until_resumed)
    assert response.status_code == 200
    text = _text(response)
    assert "LDN restarts on the night of 15 Dec 2026" in text
    assert INCREASE in text
    assert (
        f"Tick “{RESTART_BOX}” and “I confirm this increase” and sign again to save it; "
        "nothing was saved. To keep the plan on hold until resumed, do not sign this hold: "
        "its dates are already on hold."
    ) in text
    assert _boxes(response) == {"confirm_restart", "confirm_increase"}
    assert plans.load(held_until_resumed).latest.number == 2


def test_both_boxes_ticked_save_the_hold_with_both_confirmations(held_until_resumed, clinician_a):
    response = _post(
        clinician_a, held_until_resumed, confirm_restart="2026-12-15", confirm_increase="on"
    )
    assert response.status_code == 302
    latest = plans.load(held_until_resumed).latest_row
    assert (latest.number, latest.hold_from, latest.hold_until) == (
        3,
        date(2026, 12, 8),
        date(2026, 12, 14),
    )
    assert "an increase of 3 mg" in latest.confirmed_safety_warning
    assert "LDN restarts on the night of 15 Dec 2026" in latest.confirmed_safety_warning


def test_the_restart_box_alone_saves_nothing_and_asks_the_increase(held_until_resumed, clinician_a):
    response = _post(clinician_a, held_until_resumed, confirm_restart="2026-12-15")
    assert response.status_code == 200
    assert INCREASE in _text(response)
    assert "confirm_increase" in _boxes(response)
    assert plans.load(held_until_resumed).latest.number == 2


def test_the_increase_box_alone_saves_nothing_and_asks_the_restart(held_until_resumed, clinician_a):
    response = _post(clinician_a, held_until_resumed, confirm_increase="on")
    assert response.status_code == 200
    text = _text(response)
    assert f"Tick “{RESTART_BOX}” and sign again to save it" in text
    assert _boxes(response) == {"confirm_restart", "confirm_increase"}
    assert plans.load(held_until_resumed).latest.number == 2


def test_a_hold_over_a_shorter_hold_asks_its_moved_restart_and_the_increase_at_once(
    held_8_to_10_dec, clinician_a
):
    response = _post(clinician_a, held_8_to_10_dec)
    text = _text(response)
    assert "LDN would no longer restart on 11 Dec 2026, but on 15 Dec 2026." in text
    assert INCREASE in text
    assert (
        f"Tick “{RESTART_BOX}” and “I confirm this increase” and sign again to save it; "
        "nothing was saved."
    ) in text
    assert _boxes(response) == {"confirm_restart", "confirm_increase"}
    assert plans.load(held_8_to_10_dec).latest.number == 2


def test_the_save_raises_one_restart_refusal_carrying_the_increase(held_until_resumed, clinician_a):
    with pytest.raises(NeedsRestartConfirmation) as refused:
        _sign(held_until_resumed, clinician_a)
    assert refused.value.night == DEC_15
    assert [w.night for w in refused.value.increase] == [DEC_15]
    with pytest.raises(NeedsConfirmation):
        _sign(held_until_resumed, clinician_a, confirmed_restart=DEC_15)
    assert plans.load(held_until_resumed).latest.number == 2


def _sign(patient, clinician, **confirmed):
    return sign_change(
        patient,
        clinician,
        lambda plan: hold_change(
            plan.latest,
            hold_from=date(2026, 12, 8),
            hold_until=date(2026, 12, 14),
            reason="Surgery",
            versions=tuple(plan.versions),
        ),
        SIGNED,
        **confirmed,
    )
