"""The trend chart's hold marker says how the hold ends, as the plan says it.

An open-ended hold, a hold dated to end and a hold with a restart signed all had the same
marker ("Plan version 2: Put on hold"): the chart did not show that the plan restarts, nor
when nor at what dose. The marker's text now says it from the plan view (PlanView.held_until
and the dose on the night after it), the answer the plan panel's "On hold until" reads.
"""

import re
from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from patients.clinic import dashboard
from prescriptions import changes
from tests.patients.journal_support import make_plan, sign_change, sign_hold

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 20, 20, 0, tzinfo=UTC)
SIGNED = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
DEC_6, DEC_12, DEC_13 = date(2026, 12, 6), date(2026, 12, 12), date(2026, 12, 13)


def _hold_markers(patient, clinician, *, multiples=True):
    page = dashboard.patient_page(patient, [clinician], NOW)
    svg, _series = dashboard.trend_between(
        page, date(2026, 11, 20), date(2026, 12, 20), multiples=multiples
    )
    # An ending's marker is its own kind (test_chart_marks_an_ending_as_an_ending): read here
    # with the holds', whose words it shares.
    return re.findall(r'<line class="marker marker-(?:hold|end)"[^>]*><title>([^<]*)</title>', svg)


def _hold_marker(patient, clinician, *, multiples=True):
    (title,) = _hold_markers(patient, clinician, multiples=multiples)
    return title


@pytest.fixture
def plan(patient_a, clinician_a):
    # 1.5 mg from 1 Nov for 14 nights, then 3 mg: 3 mg by the time of the hold.
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))


def test_an_open_ended_hold_says_until_resumed(plan, patient_a, clinician_a):
    sign_hold(patient_a, clinician_a, DEC_6, signed=SIGNED)
    assert _hold_marker(patient_a, clinician_a) == (
        "6 Dec 2026: Plan version 2: Put on hold — until resumed"
    )


def test_a_hold_with_a_restart_signed_says_until_when_and_the_restart_dose(
    plan, patient_a, clinician_a
):
    sign_hold(patient_a, clinician_a, DEC_6, signed=SIGNED, restart_on=DEC_13, restart_step=0)
    expected = "6 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 1.5 mg"
    assert _hold_marker(patient_a, clinician_a) == expected
    # The printed report's single chart reads the same marker.
    assert _hold_marker(patient_a, clinician_a, multiples=False) == expected


def test_a_dated_hold_says_the_dose_the_plan_goes_back_to(plan, patient_a, clinician_a):
    sign_hold(patient_a, clinician_a, DEC_6, DEC_12, signed=SIGNED)
    assert _hold_marker(patient_a, clinician_a) == (
        "6 Dec 2026: Plan version 2: Put on hold — until 12 Dec 2026, restart at 3 mg"
    )


@pytest.mark.parametrize(
    ("language", "ends"),
    [
        ("de", "bis 12. Dez 2026, Neustart mit 1,5 mg"),
        ("es", "hasta el 12 dic 2026, reinicio con 1,5 mg"),
    ],
)
def test_the_restart_reads_in_german_and_spanish(plan, patient_a, clinician_a, language, ends):
    sign_hold(patient_a, clinician_a, DEC_6, signed=SIGNED, restart_on=DEC_13, restart_step=0)
    with translation.override(language):
        assert _hold_marker(patient_a, clinician_a).endswith(ends)


def test_an_ending_keeps_its_marker_without_a_hold_ending(plan, patient_a, clinician_a):
    """An ending is signed as an open hold (changes.end_change); its marker says the
    prescription ended, not "until resumed"."""
    sign_change(
        patient_a,
        clinician_a,
        lambda view: changes.end_change(view.latest, tonight_night=DEC_6, reason="No benefit"),
        SIGNED,
    )
    assert _hold_marker(patient_a, clinician_a) == "6 Dec 2026: Plan version 2: Prescription ended"


def _end_on(patient, clinician, night):
    sign_change(
        patient,
        clinician,
        lambda view: changes.end_change(view.latest, tonight_night=night, reason="No benefit"),
        datetime.combine(night, datetime.min.time(), tzinfo=UTC).replace(hour=20),
    )


@pytest.mark.parametrize(
    ("language", "ends"),
    [
        ("en", "until the prescription ended on 12 Dec 2026"),
        ("de", "bis die Verordnung am 12. Dez 2026 endete"),
        ("es", "hasta que la prescripción finalizó el 12 dic 2026"),
    ],
)
def test_an_open_hold_cut_by_the_prescriptions_ending_says_it_lasted_until_the_ending(
    plan, patient_a, clinician_a, language, ends
):
    """It read "Put on hold — until 11 Dec 2026", as if the hold had run out that night and
    the plan had gone on; the ending's night is the one the plan panel says it ended on."""
    sign_hold(patient_a, clinician_a, DEC_6, signed=SIGNED)
    _end_on(patient_a, clinician_a, DEC_12)
    with translation.override(language):
        hold, _ending = _hold_markers(patient_a, clinician_a)
    assert hold.endswith(f" — {ends}")


def test_a_hold_dated_past_the_ending_says_the_ending_cut_it(plan, patient_a, clinician_a):
    sign_hold(patient_a, clinician_a, DEC_6, date(2026, 12, 18), signed=SIGNED)
    _end_on(patient_a, clinician_a, DEC_12)
    assert _hold_markers(patient_a, clinician_a) == [
        "6 Dec 2026: Plan version 2: Put on hold — until the prescription ended on 12 Dec 2026",
        "12 Dec 2026: Plan version 3: Prescription ended",
    ]
