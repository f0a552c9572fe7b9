"""The Switch dosing time page of an evening doser at 05:00, last night's dose logged: its
help said only "Last night's dose is already logged and stands: a change made now takes
effect from the night of 6 Dec", while a switch to mornings cannot start on 6 Dec (that
morning has begun: changes.first_switch_night), so the form opened on 7 Dec and 6 Dec was
refused. The help now goes on with each dosing time's first night when one is later."""

import uuid
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.journal import entries as journal
from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LOGGED = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)  # London is on UTC: the night of 5 Dec
AT_FIVE = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # 05:00: still the night of 5 Dec
STANDS = (
    "Last night’s dose is already logged and stands: a change made now takes effect from the "
    "night of 6 Dec 2026."
)


@pytest.fixture
def logged_last_night(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 1))
    with time_machine.travel(LOGGED, tick=False):
        journal.log_taken_now(patient_a, LOGGED, uuid.uuid4())
    return patient_a


def _page(clinician, patient, at, data=None):
    client = signed_in_reauthenticated(clinician)
    url = reverse("clinic:plan_dosing_time", args=[patient.pk])
    with time_machine.travel(at, tick=False):
        response = client.post(url, data) if data else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_at_five_the_help_names_the_first_morning_after_the_logged_dose(
    logged_last_night, clinician_a
):
    html = _page(clinician_a, logged_last_night, AT_FIVE)
    said = visible_text(html)
    assert (
        f"{STANDS} Evening dosing: Tonight (6 Dec) or later. Morning dosing: 7 Dec or later."
        in (said)
    )
    assert 'name="effective_night" value="2026-12-07"' in html  # the form opens there


def test_a_switch_to_mornings_from_the_day_begun_is_refused_and_the_help_says_it_once(
    logged_last_night, clinician_a
):
    """Refused for that day (a morning begun), the logged dose's words are said once under
    the field, and the first nights after them stay."""
    versions = PlanVersion.objects.count()
    html = _page(
        clinician_a,
        logged_last_night,
        AT_FIVE,
        {
            "based_on": "1",
            "dosing_time": "morning",
            "effective_night": "2026-12-05",
            "reason": "Sleep",
        },
    )
    assert PlanVersion.objects.count() == versions
    # Under the field, as its error (no longer also as its help), and in the error summary.
    assert visible_text(html).count("Last night’s dose is already logged and stands") == 2
    assert "Morning dosing: 7 Dec or later." in visible_text(html)


def test_in_the_evening_after_the_dose_the_help_says_the_one_night(logged_last_night, clinician_a):
    """At 21:30 both dosing times can start on 6 Dec: the logged dose's words alone."""
    said = visible_text(_page(clinician_a, logged_last_night, LOGGED.replace(minute=30)))
    stands = STANDS.replace("Last night’s", "Tonight’s")
    assert stands in said
    assert f"{stands} Evening dosing" not in said
