""" "Continue as planned" on a plan already on hold (exploratory QA, demo patient3): the
patient's home card said "Your clinician answered: continue as planned." above "Paused by
your clinician — do not take LDN.", their report page "Continue as planned. Your plan has
been put on hold since: …" of a hold older than the report, and the clinician's form "the
patient doses as planned" without a word of the hold. Every surface now reads the hold from
the plan (PlanView.status_on, held_until: reports.standing_hold) and says it."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.urgent import reports as urgent
from prescriptions import plans
from tests.patients.journal_support import make_plan, sign_hold, visible_text
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 5 Dec
TONIGHT = date(2026, 12, 5)
HELD_FROM = date(2026, 12, 3)
HELD_UNTIL = date(2026, 12, 10)


@pytest.fixture
def held(patient_a, clinician_a):
    """On 3 Dec at 3 mg; on hold since the night of 3 Dec, up to and including 10 Dec."""
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(
        patient_a,
        clinician_a,
        HELD_FROM,
        HELD_UNTIL,
        signed=datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
        confirmed_restart=HELD_UNTIL + timedelta(days=1),
    )
    return patient_a


@pytest.fixture
def held_open_ended(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    sign_hold(patient_a, clinician_a, HELD_FROM, signed=datetime(2026, 12, 3, 18, 0, tzinfo=UTC))
    return patient_a


def _clinician_form(clinician, made, language="en"):
    clinician.language = language
    clinician.save(update_fields=["language"])
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        page = signed_in(clinician).get(reverse("clinic:urgent_report", args=[made.pk]))
    assert page.status_code == 200
    return visible_text(page.content.decode())


def _continue(clinician, made):
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = signed_in(clinician).post(
            reverse("clinic:urgent_acknowledge", args=[made.pk]),
            {"note": "Stay off it until we talk.", "decision": "continue"},
            follow=True,
        )
    assert response.status_code == 200
    return visible_text(response.content.decode())


def _patient_page(patient, name, *args, language="en"):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        page = signed_in(patient.user).get(reverse(name, args=args))
    assert page.status_code == 200
    return visible_text(page.content.decode())


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def test_the_standing_hold_is_the_plans_hold_tonight(held):
    plan = plans.load(held)

    hold = urgent.standing_hold(plan, TONIGHT)

    assert (
        (hold.first, hold.last)
        == (HELD_FROM, plan.held_until(TONIGHT))
        == (
            HELD_FROM,
            HELD_UNTIL,
        )
    )
    assert urgent.standing_hold(plan, HELD_UNTIL + timedelta(days=1)) is None


def test_the_clinicians_form_says_the_plan_is_on_hold_and_what_continue_keeps(held, clinician_a):
    page = _clinician_form(clinician_a, urgent_report(held, NOW))

    assert (
        f"The plan is already on hold, since the night of {_day(HELD_FROM)}, up to and "
        f"including the night of {_day(HELD_UNTIL)}. Continue: the pause ends and the plan "
        f"stays as signed, on hold up to and including the night of {_day(HELD_UNTIL)}"
    ) in page
    assert "the patient doses as planned" not in page


def test_the_clinicians_form_says_an_open_ended_hold_lasts_until_a_restart(
    held_open_ended, clinician_a
):
    page = _clinician_form(clinician_a, urgent_report(held_open_ended, NOW))

    assert (
        f"The plan is already on hold, since {_day(HELD_FROM)}, with no restart signed. "
        "Continue: the pause ends and the plan stays as signed, on hold until you restart it"
    ) in page
    assert "the patient doses as planned" not in page


def test_the_clinician_is_told_the_plan_stays_on_hold_after_continue(held, clinician_a):
    page = _continue(clinician_a, urgent_report(held, NOW))

    assert "their plan stays on hold as signed" in page
    assert "may continue as planned" not in page


def test_the_home_card_answer_says_the_hold_it_continues_and_agrees_with_the_card(
    held, clinician_a
):
    _continue(clinician_a, urgent_report(held, NOW))

    page = _patient_page(held, "journal:home")

    until = _day(plans.load(held).held_until(TONIGHT))
    assert (
        "Your clinician answered: continue with your plan as it stands — it is on hold up to "
        f"and including the night of {until}."
    ) in page
    # The card below it names the same last night.
    assert f"do not take LDN up to and including the night of {until}." in page
    assert "Your clinician answered: continue as planned." not in page


def test_the_home_card_answer_under_an_open_ended_hold_waits_for_a_restart(
    held_open_ended, clinician_a
):
    _continue(clinician_a, urgent_report(held_open_ended, NOW))

    page = _patient_page(held_open_ended, "journal:home")

    assert (
        "Your clinician answered: continue with your plan as it stands — it is on hold until "
        "they restart it."
    ) in page
    assert "Your clinician answered: continue as planned." not in page


def test_the_report_page_says_continue_with_the_plan_on_hold_not_put_on_hold_since(
    held, clinician_a
):
    made = urgent_report(held, NOW)
    _continue(clinician_a, made)

    page = _patient_page(held, "journal:urgent_detail", made.pk)

    assert (
        "Continue with your plan as it stands. It is on hold: do not take LDN up to and "
        f"including the night of {_day(HELD_UNTIL)}."
    ) in page
    assert "Continue as planned." not in page
    assert "put on hold since" not in page


@pytest.mark.parametrize(
    ("language", "form_words", "card_words", "report_words"),
    [
        (
            "de",
            "Der Plan ist bereits pausiert, seit",
            "Ihre behandelnde Person hat geantwortet: Setzen Sie Ihren Plan so fort, wie er "
            "ist — er ist pausiert, bis sie ihn neu startet.",
            "Setzen Sie Ihren Plan so fort, wie er ist. Er ist pausiert:",
        ),
        (
            "es",
            "El plan ya está en pausa, desde el",
            "Su profesional sanitario ha respondido: continúe con su plan tal como está; está "
            "en pausa hasta que lo reanude.",
            "Continúe con su plan tal como está. Está en pausa:",
        ),
    ],
)
def test_the_answer_under_a_hold_reads_in_german_and_spanish(
    held_open_ended, clinician_a, language, form_words, card_words, report_words
):
    made = urgent_report(held_open_ended, NOW)
    assert form_words in _clinician_form(clinician_a, made, language)
    _continue(clinician_a, made)

    assert card_words in _patient_page(held_open_ended, "journal:home", language=language)
    assert report_words in _patient_page(
        held_open_ended, "journal:urgent_detail", made.pk, language=language
    )
