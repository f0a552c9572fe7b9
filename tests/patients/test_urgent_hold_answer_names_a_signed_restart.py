"""An urgent report answered "hold the plan", then a restart signed: the patient's report
page said "Your plan is on hold: do not take LDN until your clinician tells you to restart."
and the home card's answer "Do not take LDN until they tell you to restart." while the
tonight card below named the hold's last night. Both now read the answer's hold
(PlanView.hold_as_signed, the value the "continue" wordings read) and name that night."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from ldn_journal.local_dates import local_date
from patients.urgent import reports as urgent
from tests.patients.journal_support import make_plan, sign_restart, visible_text
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 26 Nov
RESTART = date(2026, 11, 30)
LAST = RESTART - timedelta(days=1)
LATER = NOW + timedelta(hours=23)  # the home card still shows the answer


def _held_then_restarted(patient, clinician, dosing_time="evening"):
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    made = urgent_report(patient, NOW)
    urgent.acknowledge(
        made, clinician, "Stop for now.", NOW + timedelta(minutes=5), decision="hold"
    )
    sign_restart(patient, clinician, RESTART, 0, signed=NOW + timedelta(hours=12))
    return made


def _page(patient, name, *args, language="en"):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    with time_machine.travel(LATER, tick=False):
        response = signed_in(patient.user).get(reverse(name, args=args))
    assert response.status_code == 200
    return visible_text(response.content.decode())


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def test_the_report_page_and_the_home_card_name_the_last_night_held(patient_a, clinician_a):
    made = _held_then_restarted(patient_a, clinician_a)

    report = _page(patient_a, "journal:urgent_detail", made.pk)
    home = _page(patient_a, "journal:home")

    said = f"do not take LDN up to and including the night of {_day(LAST)}."
    assert f"Hold the plan. Your plan is on hold: {said}" in report
    assert "tells you to restart" not in report
    assert (
        "Your clinician answered: hold the plan. Do not take LDN up to and including the night "
        f"of {_day(LAST)}." in home
    )
    assert (
        f"Paused by your clinician — do not take LDN up to and including the night of {_day(LAST)}."
        in home
    )
    assert "until they tell you to restart" not in home


def test_a_morning_dosers_pages_name_the_last_day_held(patient_a, clinician_a):
    made = _held_then_restarted(patient_a, clinician_a, dosing_time="morning")

    report = _page(patient_a, "journal:urgent_detail", made.pk)
    home = _page(patient_a, "journal:home")

    assert f"Your plan is on hold: do not take LDN up to and including {_day(LAST)}." in report
    assert f"Do not take LDN up to and including {_day(LAST)}." in home


@pytest.mark.parametrize(
    ("language", "report_words", "home_words"),
    [
        (
            "de",
            "Ihr Plan ist pausiert: Nehmen Sie bis einschließlich der Nacht vom {day} kein LDN "
            "ein.",
            "Nehmen Sie bis einschließlich der Nacht vom {day} kein LDN ein.",
        ),
        (
            "es",
            "Su plan está en pausa: no tome LDN hasta la noche del {day} inclusive.",
            "No tome LDN hasta la noche del {day} inclusive.",
        ),
    ],
)
def test_the_last_night_held_reads_in_german_and_spanish(
    patient_a, clinician_a, language, report_words, home_words
):
    made = _held_then_restarted(patient_a, clinician_a)
    day = _day(LAST, language)
    report = _page(patient_a, "journal:urgent_detail", made.pk, language=language)
    assert report_words.format(day=day) in report
    assert home_words.format(day=day) in _page(patient_a, "journal:home", language=language)
