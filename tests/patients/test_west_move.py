"""A night logged further east, then the patient moves west: for a few hours that night is
one after tonight in the new zone. It was logged, so every surface still shows it (it was a
404 on the patient's night page and a blank "not yet" cell on both calendars)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions.plans import load
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

LOGGED_NIGHT = date(2026, 11, 25)
# 22:00 in Tokyo on the 25th: night of the 25th there.
LOGGED_AT = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
# An hour later the patient is in Los Angeles, where it is 06:00 on the 25th: before noon,
# so tonight there is the 24th.
NOW = LOGGED_AT + timedelta(hours=1)


@pytest.fixture
def moved(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=LOGGED_NIGHT,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=LOGGED_AT,
        evening_logged_at=LOGGED_AT,
        time_zone="Asia/Tokyo",
    )
    patient_a.time_zone = "America/Los_Angeles"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(NOW, tick=False):
        assert load(patient_a).tonight(patient_a.tz, NOW) == LOGGED_NIGHT - timedelta(days=1)
        yield entry


def _cell(page, day):
    """The calendar cell of a day of the month shown (its class and its text; days of other
    months, and today, have a second class)."""
    found = re.findall(
        rf'<td class="night-([^" ]*)">(?:<a href="[^"]*">)?'
        rf'<span class="day">{day}</span>(.*?)</td>',
        page,
    )
    assert len(found) == 1, found
    return found[0]


def test_the_patients_night_page_opens_the_entry_logged_ahead_of_tonight(client, patient_a, moved):
    client.force_login(patient_a.user)
    response = client.get(reverse("journal:night", args=[LOGGED_NIGHT]))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:entry", args=[moved.pk])
    # A night after tonight with nothing logged is still not a page.
    after = client.get(reverse("journal:night", args=[LOGGED_NIGHT + timedelta(days=1)]))
    assert after.status_code == 404


def test_the_patients_calendar_shows_the_night_logged_ahead_of_tonight(client, patient_a, moved):
    client.force_login(patient_a.user)
    page = client.get(reverse("journal:history")).content.decode()
    css, text = _cell(page, 25)
    assert css == "taken"
    assert "taken 1.5 mg" in text
    assert reverse("journal:night", args=[LOGGED_NIGHT]) in page
    assert _cell(page, 26)[0] == "future"


def test_the_clinicians_calendar_shows_the_night_logged_ahead_of_today(
    client, clinician_a, patient_a, moved
):
    clinician = Client()
    clinician.force_login(clinician_a)
    page = clinician.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    css, text = _cell(page, 25)
    assert css == "taken"
    assert "Taken" in text
    assert _cell(page, 26)[0] == "future"


# When the Tokyo night starts in Los Angeles: noon there on the 25th.
STARTS_HERE = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "says", "wrong"),
    [
        (
            "en",
            "Here it has not started yet: you can change it from Wed 25 Nov, 12:00.",
            "more than 7 days ago",
        ),
        (
            "de",
            "Hier hat sie noch nicht begonnen: Sie können sie ab Mi, 25. Nov, 12:00 ändern.",
            "mehr als 7 Tage zurück",
        ),
        (
            "es",
            "Aquí todavía no ha empezado: puede cambiarla a partir del mié 25 nov, 12:00.",
            "hace más de 7 días",
        ),
    ],
)
def test_the_entry_logged_ahead_of_tonight_says_when_it_can_be_changed_not_that_it_is_old(
    client, patient_a, moved, language, says, wrong
):
    client.force_login(patient_a.user)
    page = client.get(
        reverse("journal:entry", args=[moved.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert wrong not in page
    assert says in page
    # Not editable yet: the edit path refuses a night after tonight (check_editable).
    assert reverse("journal:evening", args=[LOGGED_NIGHT]) not in page


def test_the_entry_logged_ahead_of_tonight_can_be_changed_once_its_night_starts_here(
    client, patient_a, moved
):
    client.force_login(patient_a.user)
    with time_machine.travel(STARTS_HERE, tick=False):
        page = client.get(reverse("journal:entry", args=[moved.pk])).content.decode()
    assert reverse("journal:evening", args=[LOGGED_NIGHT]) in page
    assert "has not started yet" not in page
