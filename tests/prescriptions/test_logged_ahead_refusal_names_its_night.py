"""A change refused over a night logged ahead of tonight names that night by its date.

Logged at 22:00 in Tokyo on 25 Nov, then the patient moves to Los Angeles, where it is 06:00
on the 25th: tonight (still open) is the 24th, and the 25th is logged ahead of it. A change
from tonight or tomorrow is refused (changes.first_changeable_night), and the refusal said
"Tonight’s dose is already logged and stands" of the 25th, while the patient's tonight, the
24th, had nothing logged. A logged dose of tonight keeps its words.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.models import NightlyEntry
from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LOGGED_NIGHT = date(2026, 11, 25)
LOGGED_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 22:00 in Tokyo on the 25th
NOW = LOGGED_AT + timedelta(hours=1)  # 06:00 on the 25th in Los Angeles
TONIGHT = LOGGED_NIGHT - timedelta(days=1)
AHEAD_CHANGE = (
    "The dose of 25 Nov 2026 is already logged and stands: a change made now takes effect "
    "on 26 Nov 2026."
)
AHEAD_HOLD = (
    "The dose of 25 Nov 2026 is already logged and stands: a hold made now starts on 26 Nov 2026."
)


def _log(patient, night, at, zone):
    NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=at,
        evening_logged_at=at,
        time_zone=zone,
    )


@pytest.fixture
def moved(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    _log(patient_a, LOGGED_NIGHT, LOGGED_AT, "Asia/Tokyo")
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(NOW, tick=False):
        assert plans.load(patient_a).tonight(patient_a.tz, NOW) == TONIGHT
        yield patient_a


def _refusal(patient, clinician, build, now):
    plan = plans.load(patient)
    with pytest.raises(changes.PlanChangeError) as refused:
        changes.save_version(
            prescription_id=plan.prescription.pk,
            author=clinician,
            based_on=plan.latest.number,
            change=build(plan.latest),
            now=now,
        )
    assert PlanVersion.objects.filter(prescription=plan.prescription).count() == 1
    return str(refused.value)


def _steps_from(night):
    return lambda latest: changes.steps_change(
        latest,
        effective_night=night,
        start_date=night,
        steps=(titration.Step(Decimal("3"), None),),
        reason="Review",
    )


def _hold_from(night):
    return lambda latest: changes.hold_change(
        latest, hold_from=night, hold_until=None, reason="Surgery"
    )


def test_a_change_over_a_night_logged_ahead_names_that_night_by_its_date(moved, clinician_a):
    assert _refusal(moved, clinician_a, _steps_from(LOGGED_NIGHT), NOW) == AHEAD_CHANGE


def test_a_hold_over_a_night_logged_ahead_names_that_night_by_its_date(moved, clinician_a):
    assert _refusal(moved, clinician_a, _hold_from(TONIGHT), NOW) == AHEAD_HOLD


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "Die Dosis vom 25. Nov 2026 ist bereits eingetragen"),
        ("es", "La dosis del 25 nov 2026 ya está registrada"),
    ],
)
def test_the_night_logged_ahead_is_named_by_its_date_in_german_and_spanish(
    moved, clinician_a, language, expected
):
    with translation.override(language):
        assert _refusal(moved, clinician_a, _hold_from(TONIGHT), NOW).startswith(expected)


def test_the_hold_form_names_the_night_logged_ahead_by_its_date(moved, clinician_a):
    response = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:plan_hold", args=[moved.pk])
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert AHEAD_HOLD in text
    assert "Tonight’s dose is already logged" not in text


def test_the_urgent_acknowledgement_names_the_night_logged_ahead_by_its_date(moved, clinician_a):
    report = urgent_report(moved, NOW, symptoms=["severe_headache"], since="since_dose")
    response = signed_in(clinician_a).get(reverse("clinic:urgent_report", args=[report.pk]))
    text = response.content.decode()
    assert AHEAD_HOLD in text
    assert "Tonight’s dose is already logged" not in text


def test_tonights_logged_dose_keeps_its_words(patient_a, clinician_a):
    # London, 22:00 on the 25th: tonight is the 25th, and its dose is logged.
    evening = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
    make_plan(patient_a, clinician_a)
    _log(patient_a, LOGGED_NIGHT, evening, "Europe/London")
    with time_machine.travel(evening, tick=False):
        text = _refusal(patient_a, clinician_a, _steps_from(LOGGED_NIGHT), evening)
    assert text == (
        "Tonight’s dose is already logged and stands: a change made now takes effect from "
        "the night of 26 Nov 2026."
    )
