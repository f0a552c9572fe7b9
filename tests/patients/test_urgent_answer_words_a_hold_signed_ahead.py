"""An urgent report answered "continue as planned" while a hold is signed to start later (a
hold for 10-12 Dec signed on 3 Dec; the report on 5 Dec): the clinician's form spoke only of
a hold running tonight, so it said "the patient doses as planned" and nothing of the hold
ahead, and the patient's answer on the home card said "continue as planned" from the card's
own tonight (position, hold_until). Both now read the hold the plan as signed keeps from
tonight, running or to come (PlanView.hold_as_signed), and say when it starts; the answer
has its own context (answer_hold), not the card's."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.journal import entries as journal
from patients.pause import Answer
from patients.urgent import reports as urgent
from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 5 Dec
TONIGHT = date(2026, 12, 5)
FIRST, LAST = date(2026, 12, 10), date(2026, 12, 12)
SIGNED = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)


def _held_ahead(patient, clinician, last=LAST, dosing_time="evening"):
    """3 mg nightly since 1 Nov; a hold signed on 3 Dec from ``FIRST`` to ``last``."""
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    sign_hold(patient, clinician, FIRST, last, signed=SIGNED)
    return patient


@pytest.fixture
def held_ahead(patient_a, clinician_a):
    return _held_ahead(patient_a, clinician_a)


@pytest.fixture
def held_ahead_open_ended(patient_a, clinician_a):
    return _held_ahead(patient_a, clinician_a, last=None)


@pytest.fixture
def held_ahead_morning(patient_a, clinician_a):
    return _held_ahead(patient_a, clinician_a, dosing_time="morning")


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def _clinician_form(clinician, made, at=NOW + timedelta(minutes=5)):
    with time_machine.travel(at, tick=False):
        page = signed_in(clinician).get(reverse("clinic:urgent_report", args=[made.pk]))
    assert page.status_code == 200
    return visible_text(page.content.decode())


def _continue(clinician, made):
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = signed_in(clinician).post(
            reverse("clinic:urgent_acknowledge", args=[made.pk]),
            {"note": "Carry on; the surgery hold stands.", "decision": "continue"},
            follow=True,
        )
    assert response.status_code == 200
    return visible_text(response.content.decode())


def _home(patient, language="en"):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        page = signed_in(patient.user).get(reverse("journal:home"))
    assert page.status_code == 200
    return visible_text(page.content.decode())


def test_the_hold_as_signed_from_tonight_is_the_hold_ahead(held_ahead):
    plan = plans.load(held_ahead)
    assert plan.hold_as_signed(TONIGHT) == plans.SignedHold(FIRST, LAST, False, begun=False)
    assert urgent.hold_ahead(plan, TONIGHT) == plan.hold_as_signed(TONIGHT)
    assert urgent.standing_hold(plan, TONIGHT) is None
    # From its first night it is the hold running, begun.
    assert urgent.standing_hold(plan, FIRST) == plans.SignedHold(FIRST, LAST, False)
    assert plan.hold_as_signed(LAST + timedelta(days=1)) is None


def test_the_clinicians_form_says_the_hold_signed_ahead_and_what_continue_keeps(
    held_ahead, clinician_a
):
    page = _clinician_form(clinician_a, urgent_report(held_ahead, NOW))
    assert (
        f"A hold is signed from the night of {_day(FIRST)} up to and including the night of "
        f"{_day(LAST)}. Continue: the pause ends, the patient doses as planned until then, and "
        f"the plan stays as signed: on hold from the night of {_day(FIRST)} up to and "
        f"including the night of {_day(LAST)}, then the patient doses as signed."
    ) in page
    assert "the patient doses as planned. Hold" not in page


def test_the_clinicians_form_says_an_open_ended_hold_ahead_lasts_until_a_restart(
    held_ahead_open_ended, clinician_a
):
    page = _clinician_form(clinician_a, urgent_report(held_ahead_open_ended, NOW))
    assert (
        f"A hold is signed from the night of {_day(FIRST)}, with no restart signed. Continue: "
        "the pause ends, the patient doses as planned until then, and the plan stays as "
        f"signed: on hold from the night of {_day(FIRST)} until you restart it."
    ) in page


def test_the_clinicians_form_keeps_saying_tonights_dose_stands(held_ahead, clinician_a):
    """Tonight's dose logged before the report: the form says it stands, then the hold."""
    with time_machine.travel(NOW, tick=False):
        journal.log_taken_now(held_ahead, NOW, uuid.uuid4())
    page = _clinician_form(clinician_a, urgent_report(held_ahead, NOW + timedelta(minutes=1)))
    said = page.split("What happens next", 1)[1]
    assert "dose is already logged and stands" in said
    assert said.index("dose is already logged and stands") < said.index("A hold is signed")


def test_the_clinician_is_told_the_patient_continues_with_the_hold_ahead(held_ahead, clinician_a):
    page = _continue(clinician_a, urgent_report(held_ahead, NOW))
    assert (
        "Acknowledged: the patient now sees your note and may continue as planned, with the "
        f"hold signed from {_day(FIRST)}."
    ) in page


def test_the_home_card_answer_says_when_the_hold_ahead_starts(held_ahead, clinician_a):
    _continue(clinician_a, urgent_report(held_ahead, NOW))
    page = _home(held_ahead)
    assert (
        "Your clinician answered: continue with your plan as it stands — it goes on hold from "
        f"the night of {_day(FIRST)} up to and including the night of {_day(LAST)}."
    ) in page
    assert "Your clinician answered: continue as planned." not in page
    assert "it is on hold" not in page  # tonight is a dosing night
    assert "Taken now" in page


def test_the_home_card_answer_under_an_open_ended_hold_ahead(held_ahead_open_ended, clinician_a):
    _continue(clinician_a, urgent_report(held_ahead_open_ended, NOW))
    assert (
        "Your clinician answered: continue with your plan as it stands — it goes on hold from "
        f"the night of {_day(FIRST)} until they restart it."
    ) in _home(held_ahead_open_ended)


def test_a_morning_dosers_answer_names_days(held_ahead_morning, clinician_a):
    _continue(clinician_a, urgent_report(held_ahead_morning, NOW))
    page = _home(held_ahead_morning)
    assert (
        "Your clinician answered: continue with your plan as it stands — it goes on hold from "
        f"{_day(FIRST)} up to and including {_day(LAST)}."
    ) in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Setzen Sie Ihren Plan so fort, wie er ist — er wird ab der Nacht vom"),
        ("es", "continúe con su plan tal como está; se pondrá en pausa desde la noche del"),
    ],
)
def test_the_answer_reads_in_german_and_spanish(held_ahead, clinician_a, language, words):
    _continue(clinician_a, urgent_report(held_ahead, NOW))
    assert words in _home(held_ahead, language)


ANSWER = Answer(report_id=1, at=NOW, decision="continue", note="", by="Dr A")


@pytest.mark.parametrize(
    ("hold", "said"),
    [
        (
            plans.SignedHold(FIRST, LAST, False, begun=False),
            "it goes on hold from the night of Thu 10 Dec up to and including the night of "
            "Sat 12 Dec.",
        ),
        (
            plans.SignedHold(date(2026, 12, 3), LAST, False),
            "it is on hold up to and including the night of Sat 12 Dec.",
        ),
        (None, "Your clinician answered: continue as planned."),
    ],
)
def test_the_answer_reads_its_own_context_not_the_cards(hold, said):
    """Drawn with only the answer and its hold: no position, hold_until or
    hold_until_morning of the tonight card (it read those)."""
    with translation.override("en"):
        html = render_to_string(
            "patients/urgent/_answer.html", {"answer": ANSWER, "answer_hold": hold}
        )
    assert said in visible_text(html)
