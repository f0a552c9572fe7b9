"""The clinician's workspace: identifiers, the night page, the export picker, the calendar."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from ldn_journal.accounts import closure
from ldn_journal.accounts.models import AccessLog
from patients.models import CareTeamMembership, FlagReview, Patient
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.urgent_support import report_for

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


def identifiers_url(patient):
    return reverse("clinic:identifiers", args=[patient.pk])


# --- identifiers --------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_care_team_saves_identifiers_and_the_change_is_logged(clinician_client, patient_a):
    response = clinician_client.post(
        identifiers_url(patient_a),
        {"date_of_birth": "1971-04-02", "record_number": "MRN-00417", "phone": "+44 20 7946 0958"},
    )
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert (patient_a.record_number, patient_a.phone) == ("MRN-00417", "+44 20 7946 0958")
    assert patient_a.phone_uri == "tel:+442079460958"
    assert AccessLog.objects.filter(action="patient.identifiers", patient=patient_a).exists()
    assert patient_a.history.order_by("-history_id").first().record_number == "MRN-00417"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "2030-01-01", "between 1 Jan 1900 and today"),
        ("date_of_birth", "1850-01-01", "between 1 Jan 1900 and today"),
        ("date_of_birth", "soon", "Enter the date of birth as YYYY-MM-DD"),
        ("record_number", "<script>", "letters, digits, dots, slashes or hyphens"),
        ("record_number", "x" * 31, "letters, digits, dots, slashes or hyphens"),
        ("phone", "call me", "6 to 15 digits"),
        ("phone", "+1 2", "6 to 15 digits"),
        ("phone", "1" * 16, "6 to 15 digits"),
    ],
)
def test_bad_identifiers_are_refused_with_what_is_allowed(
    clinician_client, patient_a, field, value, message
):
    response = clinician_client.post(identifiers_url(patient_a), {field: value})
    assert response.status_code == 200
    assert message in response.text
    patient_a.refresh_from_db()
    assert getattr(patient_a, field) in (None, "")


def test_another_teams_patient_identifiers_are_404(clinician_client, patient_b):
    assert clinician_client.get(identifiers_url(patient_b)).status_code == 404
    assert clinician_client.post(identifiers_url(patient_b), {"phone": "+44 1"}).status_code == 404


@pytest.mark.parametrize(
    ("area", "signed_in"),
    [("clinic:identifiers", "clinician_client"), ("manage:patient_identifiers", "admin_client_")],
)
def test_a_closed_accounts_identifiers_cannot_be_entered_again(request, patient_a, area, signed_in):
    # Closing forgets them; the form took them again (found by exploratory QA).
    client = request.getfixturevalue(signed_in)
    closure.close_account(patient_a.user, by=None, request=None)
    url = reverse(area, args=[patient_a.pk])

    response = client.post(url, {"record_number": "A-1", "phone": "+44 20 7946 0958"}, follow=True)

    assert "This account is closed: its identifiers were forgotten" in response.text
    patient_a.refresh_from_db()
    assert (patient_a.record_number, patient_a.phone) == ("", "")
    assert "This account is closed" in client.get(url, follow=True).text


def test_the_patient_page_offers_no_identifier_edit_for_a_closed_account(
    clinician_client, patient_a
):
    # The edit is refused for a closed account, yet the page offered it (found by QA).
    page_url = reverse("clinic:patient", args=[patient_a.pk])
    assert identifiers_url(patient_a) in clinician_client.get(page_url).text

    closure.close_account(patient_a.user, by=None, request=None)

    page = clinician_client.get(page_url).text
    assert identifiers_url(patient_a) not in page
    assert "Edit identifiers" not in page


def test_a_deactivated_but_not_closed_patients_page_still_offers_the_identifier_edit(
    clinician_client, patient_a
):
    patient_a.user.is_active = False
    patient_a.user.save(update_fields=["is_active"])

    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text

    assert identifiers_url(patient_a) in page


def test_an_admin_edits_identifiers_from_the_manage_area(admin_client_, patient_a):
    url = reverse("manage:patient_identifiers", args=[patient_a.pk])
    response = admin_client_.post(url, {"record_number": "A-1"})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.record_number == "A-1"


def test_a_patient_cannot_edit_identifiers(patient_client, patient_a):
    assert patient_client.get(identifiers_url(patient_a)).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_identifiers_show_in_the_header_the_report_and_the_urgent_page(clinician_client, journal):
    Patient.objects.filter(pk=journal.pk).update(record_number="MRN-9", phone="+1 555 0100 22")
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk])).text
    report = clinician_client.get(reverse("clinic:report", args=[journal.pk])).text
    assert "MRN-9" in page
    assert 'href="tel:+1555010022"' in page
    assert "MRN-9" in report
    assert "report-running" in report


# --- the night page and the evidence links -------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_night_page_shows_the_entry_in_the_patients_zone(clinician_client, journal):
    night = TONIGHT - timedelta(days=2)
    response = clinician_client.get(reverse("clinic:night", args=[journal.pk, night.isoformat()]))
    assert response.status_code == 200
    assert "Night of Saturday 28 March 2026" in response.text
    assert "4.5 mg taken" in response.text
    assert "BST" in response.text  # 21:30 UTC is 22:30 in London, labelled with the zone
    assert AccessLog.objects.filter(action="entry.view", patient=journal).exists()


@time_machine.travel(NOW, tick=False)
def test_a_night_without_an_entry_says_nothing_was_logged(clinician_client, journal):
    # The plan began 40 nights ago, the entries 30: a night between is on record, unlogged.
    night = TONIGHT - timedelta(days=35)
    url = reverse("clinic:night", args=[journal.pk, night.isoformat()])
    assert "Nothing was logged for this night" in clinician_client.get(url).text


@pytest.mark.parametrize(
    "night",
    # The edges of the calendar were a 500 (the night before 0001-01-01 is no date). Other
    # ISO 8601 spellings of a night on record (basic, week date) answered 200: its address
    # is YYYY-MM-DD only.
    [
        "2026-02-30",
        "yesterday",
        "9999-99-99",
        "0001-01-01",
        "1899-12-31",
        "9999-12-31",
        "20260330",
        "2026-W14-1",
        "2026W141",
        "2026-3-30",
        "\u0662\u0660\u0662\u0666-03-30",
    ],
)
@time_machine.travel(NOW, tick=False)
def test_a_bad_night_is_404(clinician_client, patient_a, night):
    assert (
        clinician_client.get(f"/clinic/patients/{patient_a.pk}/nights/{night}/").status_code == 404
    )


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("night", ["1000-01-01", "1900-01-01", "2026-01-01", "2026-02-17"])
def test_a_night_before_the_record_is_404_and_no_read_is_logged(clinician_client, journal, night):
    """It answered 200 "Nothing was logged" for any night back to the year 1000, and
    logged a read each time. The record starts with the plan, 40 nights before tonight
    (18 Feb 2026), as on the patient page."""
    url = reverse("clinic:night", args=[journal.pk, night])
    assert clinician_client.get(url).status_code == 404
    assert not AccessLog.objects.filter(action="entry.view").exists()


@time_machine.travel(NOW, tick=False)
def test_the_first_night_of_the_record_answers_with_no_link_before_it(clinician_client, journal):
    first = TONIGHT - timedelta(days=40)
    page = clinician_client.get(reverse("clinic:night", args=[journal.pk, first.isoformat()]))
    assert page.status_code == 200
    before = reverse("clinic:night", args=[journal.pk, (first - timedelta(days=1)).isoformat()])
    after = reverse("clinic:night", args=[journal.pk, (first + timedelta(days=1)).isoformat()])
    assert f'href="{before}"' not in page.text
    assert f'href="{after}"' in page.text
    assert AccessLog.objects.filter(action="entry.view", patient=journal).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_patient_with_no_record_has_only_tonights_page(clinician_client, patient_a):
    """No plan and no entry: the record is tonight alone, with no link either way."""
    tonight = reverse("clinic:night", args=[patient_a.pk, TONIGHT.isoformat()])
    page = clinician_client.get(tonight)
    assert page.status_code == 200
    assert f'href="/clinic/patients/{patient_a.pk}/nights/' not in page.text
    before = reverse("clinic:night", args=[patient_a.pk, (TONIGHT - timedelta(days=1)).isoformat()])
    assert clinician_client.get(before).status_code == 404


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "night", [TONIGHT + timedelta(days=1), date(2030, 1, 1), date(9998, 12, 31)]
)
def test_a_night_after_the_patients_tonight_is_404_and_no_read_is_logged(
    clinician_client, journal, night
):
    url = reverse("clinic:night", args=[journal.pk, night.isoformat()])
    assert clinician_client.get(url).status_code == 404
    assert not AccessLog.objects.filter(action="entry.view").exists()


@time_machine.travel(NOW, tick=False)
def test_tonights_page_answers_with_no_link_to_the_night_after_it(clinician_client, journal):
    page = clinician_client.get(reverse("clinic:night", args=[journal.pk, TONIGHT.isoformat()]))
    assert page.status_code == 200
    after = reverse("clinic:night", args=[journal.pk, (TONIGHT + timedelta(days=1)).isoformat()])
    assert f'href="{after}"' not in page.text
    before = reverse("clinic:night", args=[journal.pk, (TONIGHT - timedelta(days=1)).isoformat()])
    assert f'href="{before}"' in page.text


@time_machine.travel(NOW, tick=False)
def test_an_entry_a_night_ahead_of_tonight_after_a_move_west_is_shown_and_linked(
    clinician_client, journal
):
    # Logged in Tokyo at 17:00 on 31 March (its night of 31 March); now in Los Angeles it
    # is 02:00 on 31 March, so the patient's tonight is 30 March until noon there.
    ahead = TONIGHT + timedelta(days=1)
    taken = timezone.now() - timedelta(hours=1)
    journal.entries.create(
        night=ahead,
        status="taken",
        dose_mg="4.5",
        prescribed_mg="4.5",
        taken_at=taken,
        time_zone="Asia/Tokyo",
    )
    journal.time_zone = "America/Los_Angeles"
    journal.save(update_fields=["time_zone"])
    url = reverse("clinic:night", args=[journal.pk, ahead.isoformat()])
    page = clinician_client.get(url)
    assert page.status_code == 200
    assert "4.5 mg taken" in page.text
    # The dose's time is Tokyo's, where it was taken: moving never moves a past dose.
    in_tokyo = timezone.localtime(taken, ZoneInfo("Asia/Tokyo"))
    assert f'{in_tokyo:%H:%M} <abbr class="tz" title="Asia/Tokyo">JST</abbr>' in page.text
    in_los_angeles = timezone.localtime(taken, ZoneInfo("America/Los_Angeles"))
    assert f"{in_los_angeles:%H:%M}" not in page.text
    tonight = clinician_client.get(reverse("clinic:night", args=[journal.pk, TONIGHT.isoformat()]))
    assert f'href="{url}"' in tonight.text


def test_another_teams_night_is_404(clinician_client, patient_b):
    url = reverse("clinic:night", args=[patient_b.pk, "2026-01-01"])
    assert clinician_client.get(url).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_a_flags_evidence_links_each_night_with_its_values(clinician_client, journal):
    give_nights([journal], TONIGHT - timedelta(days=31), 1, dose="3")  # before: no flag
    entry = journal.entries.get(night=TONIGHT - timedelta(days=3))
    entry.dose_mg = entry.dose_mg - 1
    entry.save()
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk])).text
    night_url = reverse("clinic:night", args=[journal.pk, entry.night.isoformat()])
    assert f'href="{night_url}"' in page
    assert "3.5 mg taken, 4.5 mg prescribed" in page


# --- the export picker, the calendar, the list ------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_a_bad_export_range_comes_back_to_the_picker_with_the_message(clinician_client, journal):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2026-03-30", "end": "2026-03-01"})
    assert response.status_code == 302
    assert response["Location"].endswith("?start=2026-03-30&end=2026-03-01#export")
    page = clinician_client.get(response["Location"].split("#")[0]).text
    assert 'id="export"' in page
    assert "The start date is after the end date" in page


@time_machine.travel(NOW, tick=False)
def test_the_picker_defaults_to_the_whole_record(clinician_client, journal):
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk])).text
    assert 'value="2026-02-18"' in page  # the plan's first night, 40 nights back
    assert "The whole record by default (18 Feb 2026 to 30 Mar 2026)" in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("month", "title"),
    [
        ("2026-02", "Adherence, February 2026"),
        ("2027-05", "Adherence, March 2026"),  # never after this month
        ("garbage", "Adherence, March 2026"),
        ("2026-13", "Adherence, March 2026"),
        # Not a month a page shows: this month, not an overflow (a 500 before).
        ("99999999999999999999-01", "Adherence, March 2026"),
        ("1899-12", "Adherence, March 2026"),
        # Before the record's first month (the plan's first night, 18 Feb): that month.
        ("1900-01", "Adherence, February 2026"),
        ("2025-01", "Adherence, February 2026"),
    ],
)
def test_the_calendar_goes_back_by_month(clinician_client, journal, month, title):
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk]), {"month": month})
    assert page.status_code == 200
    assert title in page.text


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("month", "previous"), [("2026-03", "2026-02"), ("2026-02", None), ("2025-01", None)]
)
def test_the_calendar_offers_no_month_before_the_records_first(
    clinician_client, journal, month, previous
):
    """The record starts on 18 Feb 2026 (record_start: the plan's first night). The ← link
    went back forever, to months of "No dose prescribed" on every day (found by QA)."""
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk]), {"month": month})
    links = re.findall(r'href="[^"?]*\?month=(\d{4}-\d{2})#calendar">←', page.text)
    assert links == ([previous] if previous else [])


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_who_reviewed_last_and_when(clinician_client, journal, clinician_a):
    FlagReview.objects.create(patient=journal, reviewed_through=TONIGHT, reviewed_by=clinician_a)
    page = clinician_client.get(reverse("clinic:patients")).text
    assert "Last reviewed" in page
    assert f"{clinician_a.name}, " in page


def test_the_account_menu_links_the_digest_settings(clinician_client):
    page = clinician_client.get(reverse("account_email")).text
    assert reverse("clinic:digest_settings") in page


def test_the_urgent_flag_links_to_its_report(clinician_client, patient_a):
    report = report_for(patient_a, timezone.now())
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text
    assert f'href="{reverse("clinic:urgent_report", args=[report.pk])}"' in page
    assert "open the report to acknowledge it" in page


# --- the care team in the page's heading ---------------------------------------------------------


def test_the_heading_marks_a_deactivated_colleague_on_the_care_team(
    clinician_client, patient_a, clinician_b
):
    # It named them as any member, while they read nothing and get no alert (the admin's
    # care-team page said "Deactivated" beside the same name; found by exploratory QA).
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_b)
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])

    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()

    heading = re.search(r"care team:(.*?)</p>", page, re.S).group(1)
    assert re.search(r"Dr B <span[^>]*>Deactivated</span>", heading)
    assert "Dr A <span" not in heading
