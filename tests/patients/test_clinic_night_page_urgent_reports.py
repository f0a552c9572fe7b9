"""The clinician's night page lists the urgent reports the patient made for that night, also
on a night with no nightly entry (it showed none, and 404'd or said "nothing was logged")."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ldn_journal.accounts.models import AccessLog
from patients.urgent import reports as urgent
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)


def night_url(patient, night):
    return reverse("clinic:night", args=[patient.pk, night.isoformat()])


def at(text):
    return datetime.fromisoformat(text)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


@time_machine.travel(NOW, tick=False)
def test_the_night_page_lists_the_nights_urgent_report_with_severity_time_and_status(
    clinician_client, journal
):
    # 22:15 UTC on 29 March is 23:15 in London (BST from that morning): its night.
    urgent_report(journal, at("2026-03-29T22:15:00Z"), severity="severe", symptoms=["vomiting"])
    page = clinician_client.get(night_url(journal, date(2026, 3, 29)))
    assert page.status_code == 200
    assert "Urgent reaction reports" in page.text
    assert "Severe" in page.text
    assert "Vomiting" in page.text
    assert '23:15 <abbr class="tz"' in page.text  # the patient's zone, not UTC's 22:15
    assert "Not yet" in page.text
    assert "4.5 mg taken" in page.text  # the entry is still there beside it


@time_machine.travel(NOW, tick=False)
def test_an_acknowledged_report_says_who_acknowledged_it(clinician_client, clinician_a, journal):
    report = urgent_report(journal, at("2026-03-29T22:15:00Z"), severity="moderate")
    urgent.acknowledge(report, clinician_a, "Skip tonight", at("2026-03-29T22:40:00Z"))
    page = clinician_client.get(night_url(journal, date(2026, 3, 29))).text
    assert "Moderate" in page
    assert re.search(r"Dr A, <time[^>]*>[^<]*23:40", page)  # who, and when in London
    assert "Not yet" not in page


@time_machine.travel(NOW, tick=False)
def test_the_night_before_and_after_a_report_list_no_report(clinician_client, journal):
    urgent_report(journal, at("2026-03-29T22:15:00Z"))
    for night in (date(2026, 3, 28), date(2026, 3, 30)):
        page = clinician_client.get(night_url(journal, night))
        assert page.status_code == 200
        assert "Urgent reaction reports" not in page.text


@time_machine.travel(NOW, tick=False)
def test_a_night_with_only_an_urgent_report_answers_and_shows_it(clinician_client, patient_a):
    """No plan and no entry: the report alone puts its night on record (it was a 404)."""
    urgent_report(patient_a, at("2026-03-27T20:00:00Z"), symptoms=["racing_heart"])
    page = clinician_client.get(night_url(patient_a, date(2026, 3, 27)))
    assert page.status_code == 200
    assert "Racing heart" in page.text
    assert "Nothing was logged for this night." not in page.text
    assert "No dose or check-in was logged for this night." in page.text
    assert AccessLog.objects.filter(action="entry.view", patient=patient_a).count() == 1
    # Its neighbours on record are linked: the report's night is the record's first.
    assert f'href="{night_url(patient_a, date(2026, 3, 28))}"' in page.text
    assert f'href="{night_url(patient_a, date(2026, 3, 26))}"' not in page.text
    assert clinician_client.get(night_url(patient_a, date(2026, 3, 26))).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_report_on_a_night_ahead_of_tonight_after_a_move_west_is_shown_and_linked(
    clinician_client, journal
):
    # Made in Tokyo at 17:00 on 31 March (its night of 31 March); now in Los Angeles it is
    # 02:00 on 31 March, so the patient's tonight is 30 March until noon there.
    journal.time_zone = "Asia/Tokyo"
    journal.save(update_fields=["time_zone"])
    urgent_report(journal, timezone.now() - timedelta(hours=1))
    journal.time_zone = "America/Los_Angeles"
    journal.save(update_fields=["time_zone"])
    ahead = TONIGHT + timedelta(days=1)
    page = clinician_client.get(night_url(journal, ahead))
    assert page.status_code == 200
    assert '17:00 <abbr class="tz" title="Asia/Tokyo">' in page.text
    tonight = clinician_client.get(night_url(journal, TONIGHT)).text
    assert f'href="{night_url(journal, ahead)}"' in tonight
    assert clinician_client.get(night_url(journal, ahead + timedelta(days=1))).status_code == 404
