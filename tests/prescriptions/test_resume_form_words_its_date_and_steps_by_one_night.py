"""The Resume form words its restart date and the steps it offers by one night: the restart
night posted, else the night the form opens on (review note: the restart-night choice lived
in ResumeForm apart from the base form's date wording).

A plan in steps of 60 nights, on evenings, mornings signed from 10 Dec; held 5-12 Dec, so
the form opens on 13 Dec (a morning). Posted with a restart date that is not a date, the
label said "Restart on the night of" (the first changeable night's, 2 Dec, an evening) over
steps "for 60 days" (the form's restart night's).
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold, switch_dosing_time

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec


@pytest.fixture
def held_before_mornings(clinician):
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician)  # 1.5 mg for 60 nights from 1 Nov, then 3 mg, 4.5 mg
    switch_dosing_time(patient, clinician, titration.MORNING, date(2026, 12, 10), signed=NOW)
    sign_hold(patient, clinician, date(2026, 12, 5), date(2026, 12, 12), signed=NOW)
    return patient


def test_opened_the_restart_day_and_its_steps_say_days(held_before_mornings, clinic_page):
    page = clinic_page("clinic:plan_resume", held_before_mornings, NOW)
    assert "Restart on the day of" in page
    assert "Step 1: 1.5 mg for 60 days" in page


@pytest.mark.parametrize("posted", ["", "13/12/2026", "tomorrow"])
def test_posted_no_date_the_label_and_the_steps_say_the_same_words(
    held_before_mornings, clinic_page, posted
):
    data = {
        "based_on": plans.load(held_before_mornings).latest.number,
        "resume_on": posted,
        "step": "0",
        "reason": "Healed",
    }
    page = clinic_page("clinic:plan_resume", held_before_mornings, NOW, data=data)
    assert "Step 1: 1.5 mg for 60 days" in page
    assert "Restart on the day of" in page
    assert "Restart on the night of" not in page
