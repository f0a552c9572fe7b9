"""An urgent report answered "continue as planned": the clinician's form, the patient's home
card answer and the patient's report page say one hold, the plan's as signed from tonight
(PlanView.hold_as_signed). The report page read its own values (status_on tonight,
first_held_night) and said "You can take your doses as planned." under a hold signed to
start later, a hold the form and the home card named; and "put on hold since: do not take
LDN until your clinician tells you to restart" of a dated hold put on the plan after the
answer, whose restart the home card named."""

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

NOW = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of Sat 5 Dec
TONIGHT = date(2026, 12, 5)
SIGNED = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
RUNNING = (date(2026, 12, 3), date(2026, 12, 10))
AHEAD = (date(2026, 12, 10), date(2026, 12, 12))


def _signed(patient, clinician, scenario, dosing_time="evening"):
    make_plan(
        patient, clinician, steps=(("3", None),), start=date(2026, 11, 1), dosing_time=dosing_time
    )
    if scenario == "running":
        first, last = RUNNING
        sign_hold(
            patient, clinician, first, last, signed=SIGNED, confirmed_restart=last + timedelta(1)
        )
    elif scenario == "dated ahead":
        sign_hold(patient, clinician, *AHEAD, signed=SIGNED)
    elif scenario == "open ahead":
        sign_hold(patient, clinician, AHEAD[0], signed=SIGNED)


def _day(night, language="en"):
    with translation.override(language):
        return local_date(night, "day")


def _get(user, name, pk, at, marker, language="en"):
    """The text of the part of the page that begins with ``marker`` (a tag's start) up to its
    closing tag, as read on screen."""
    user.language = language
    user.save(update_fields=["language"])
    with time_machine.travel(at, tick=False):
        response = signed_in(user).get(reverse(name, args=[pk] if pk else []))
    assert response.status_code == 200
    page = response.content.decode()
    assert marker in page, marker
    start = page.index(marker)
    closing = "</" + marker[1:].split(" ", 1)[0] + ">"
    return visible_text(page[start : page.index(closing, start)])


def _surfaces(patient, clinician, language="en"):
    """(the clinician's form before answering, the home card's answer, the report page's
    answer) for a report made at NOW and answered "continue"."""
    made = urgent_report(patient, NOW)
    form = _get(
        clinician,
        "clinic:urgent_report",
        made.pk,
        NOW + timedelta(minutes=5),
        '<form method="post"',
    )
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        answered = signed_in(clinician).post(
            reverse("clinic:urgent_acknowledge", args=[made.pk]),
            {"note": "Carry on.", "decision": "continue"},
        )
    assert answered.status_code == 302
    later = NOW + timedelta(minutes=20)
    home = _get(patient.user, "journal:home", None, later, '<div class="urgent-answer"', language)
    report = _get(
        patient.user,
        "journal:urgent_detail",
        made.pk,
        later,
        '<section class="card" role="status" aria-labelledby="seen-title"',
        language,
    )
    return form, home, report


def _said(scenario):
    """What each surface says of the hold, built from the one value."""
    if scenario == "none":
        return (
            "Continue: the pause ends and the patient doses as planned.",
            "Your clinician answered: continue as planned.",
            "Continue as planned. You can take your doses as planned.",
        )
    if scenario == "running":
        until = _day(RUNNING[1])
        return (
            f"Continue: the pause ends and the plan stays as signed, on hold up to and including "
            f"the night of {until}",
            f"continue with your plan as it stands — it is on hold up to and including the night "
            f"of {until}.",
            "Continue with your plan as it stands. It is on hold: do not take LDN up to and "
            f"including the night of {until}.",
        )
    first, last = (_day(night) for night in AHEAD)
    if scenario == "dated ahead":
        return (
            "the patient doses as planned until then, and the plan stays as signed: on hold from "
            f"the night of {first} up to and including the night of {last}",
            f"it goes on hold from the night of {first} up to and including the night of {last}.",
            "Continue with your plan as it stands. Take your doses as planned until it goes on "
            f"hold: do not take LDN from the night of {first} up to and including the night of "
            f"{last}.",
        )
    return (
        "the patient doses as planned until then, and the plan stays as signed: on hold from "
        f"the night of {first} until you restart it",
        f"it goes on hold from the night of {first} until they restart it.",
        "Continue with your plan as it stands. Take your doses as planned until it goes on hold: "
        f"do not take LDN from the night of {first} until your clinician tells you to restart.",
    )


HOLDS = {
    "none": None,
    "running": plans.SignedHold(*RUNNING, morning=False),
    "dated ahead": plans.SignedHold(*AHEAD, morning=False, begun=False),
    "open ahead": plans.SignedHold(AHEAD[0], None, morning=False, begun=False),
}


@pytest.mark.parametrize("scenario", list(HOLDS))
def test_the_form_the_home_card_and_the_report_page_say_one_hold(patient_a, clinician_a, scenario):
    _signed(patient_a, clinician_a, scenario)
    plan = plans.load(patient_a)
    assert plan.hold_as_signed(TONIGHT) == HOLDS[scenario]
    assert (urgent.standing_hold(plan, TONIGHT) or urgent.hold_ahead(plan, TONIGHT)) == HOLDS[
        scenario
    ]

    surfaces = _surfaces(patient_a, clinician_a)

    for surface, said in zip(surfaces, _said(scenario), strict=True):
        assert said in surface
    form, home, report = surfaces
    if HOLDS[scenario] is None:
        assert "A hold is signed" not in form
        assert "already on hold" not in form
        assert "goes on hold" not in home + report
        assert "it is on hold" not in home + report.lower()
    else:
        assert "You can take your doses as planned." not in report
        assert "Your clinician answered: continue as planned." not in home


def test_a_morning_dosers_report_page_names_the_days_of_the_hold_ahead(patient_a, clinician_a):
    _signed(patient_a, clinician_a, "dated ahead", dosing_time="morning")
    _, home, report = _surfaces(patient_a, clinician_a)
    first, last = (_day(night) for night in AHEAD)
    assert f"it goes on hold from {first} up to and including {last}." in home
    assert (
        "Take your doses as planned until it goes on hold: do not take LDN from "
        f"{first} up to and including {last}."
    ) in report
    assert "night" not in report


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Nehmen Sie Ihre Dosen wie geplant ein, bis er pausiert wird: Nehmen Sie ab der"),
        ("es", "Tome sus dosis según lo previsto hasta que entre en pausa: no tome LDN desde la"),
    ],
)
def test_the_report_pages_hold_ahead_reads_in_german_and_spanish(
    patient_a, clinician_a, language, words
):
    _signed(patient_a, clinician_a, "open ahead")
    _, _, report = _surfaces(patient_a, clinician_a, language)
    assert words in report
    assert _day(AHEAD[0], language) in report


def test_a_dated_hold_put_on_the_plan_after_the_answer_names_its_last_night(patient_a, clinician_a):
    """Signed the day after "continue": "put on hold since", with its last night (the value
    the home card's answer reads), not "until your clinician tells you to restart"."""
    _signed(patient_a, clinician_a, "none")
    made = urgent_report(patient_a, NOW)
    urgent.acknowledge(
        made, clinician_a, "Carry on.", NOW + timedelta(minutes=5), decision="continue"
    )
    first, last = date(2026, 12, 7), date(2026, 12, 9)
    sign_hold(patient_a, clinician_a, first, last, signed=NOW + timedelta(days=1))
    at = datetime(2026, 12, 8, 20, 0, tzinfo=UTC)

    report = _get(
        patient_a.user,
        "journal:urgent_detail",
        made.pk,
        at,
        '<section class="card" role="status" aria-labelledby="seen-title"',
    )

    assert (
        "Continue as planned. Your plan has been put on hold since: do not take LDN up to and "
        f"including the night of {_day(last)}."
    ) in report
    assert "tells you to restart" not in report
