"""The patient's phone (issue 16): entries kept offline and sent later, honest times past the
dosing window, times shown in the zone they were logged in, and the calm layout's rules."""

import subprocess
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from shutil import which

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts.time_zones import SESSION_KEY
from patients.journal import charts, entries
from patients.models import ClinicianPreferences, NightlyEntry
from patients.notifications import due
from patients.rules import nights, schedule
from prescriptions import plans
from tests.patients.journal_support import NOW, TONIGHT, make_plan
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

HOME = reverse("journal:home")
TAKEN = reverse("journal:taken_now")
REPLAY = {"HTTP_X_LDN_REPLAY": "1"}


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


def sid():
    return str(uuid.uuid4())


def replay(client, url, acted_at, **data):
    data.setdefault("submission_id", sid())
    return client.post(url, {**data, "acted_at": acted_at.isoformat()}, **REPLAY)


# --- Kept offline, sent later ---------------------------------------------------------------


def test_a_replayed_taken_now_stores_the_moment_the_patient_tapped_marked_offline(
    patient_client, plan
):
    tapped = NOW - timedelta(minutes=90)  # 20:30 London, the same night
    with time_machine.travel(NOW, tick=False):
        response = replay(patient_client, TAKEN, tapped)
    assert response.status_code == 200
    assert response.json()["ok"] is True
    entry = NightlyEntry.objects.get()
    assert entry.taken_at == tapped
    assert entry.logged_offline
    assert entry.night == TONIGHT
    assert entry.time_zone == "Europe/London"


def test_a_morning_checked_in_online_keeps_the_mark_of_a_dose_logged_offline(patient_client, plan):
    # A break-check: the morning's save set the mark from its own submit alone, and no test
    # failed; the clinician's records, CSV and FHIR then said the dose was logged online.
    with time_machine.travel(NOW, tick=False):
        replay(patient_client, TAKEN, NOW - timedelta(minutes=30))
    with time_machine.travel(datetime(2026, 11, 26, 8, 0, tzinfo=UTC), tick=False):
        response = patient_client.post(
            reverse("journal:morning", args=[TONIGHT]),
            {"submission_id": sid(), "sleep_quality": "6", "dreams": "none"},
        )
    assert response.status_code == 302
    entry = NightlyEntry.objects.get()
    assert entry.has_morning
    assert entry.logged_offline


def test_a_second_replay_of_the_same_submission_changes_nothing(patient_client, plan):
    submission = sid()
    tapped = NOW - timedelta(minutes=30)
    with time_machine.travel(NOW, tick=False):
        replay(patient_client, TAKEN, tapped, submission_id=submission)
    first = NightlyEntry.objects.get()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        response = replay(patient_client, TAKEN, tapped, submission_id=submission)
    assert response.json()["ok"] is True
    again = NightlyEntry.objects.get()
    assert (again.taken_at, again.updated_at) == (first.taken_at, first.updated_at)


def test_a_replay_from_a_night_past_the_retro_window_is_refused_with_the_reason(
    patient_client, plan, settings
):
    tapped = NOW - timedelta(days=settings.LDN_RETRO_DAYS + 1)
    with time_machine.travel(NOW, tick=False):
        response = replay(patient_client, TAKEN, tapped)
    assert response.status_code == 409
    assert response.json()["ok"] is False
    assert "can no longer be saved" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


def test_a_replay_past_that_nights_dosing_window_is_refused_not_stored_at_a_false_time(
    patient_client, plan
):
    tapped = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # the morning after
    with time_machine.travel(tapped + timedelta(hours=1), tick=False):
        response = replay(patient_client, TAKEN, tapped)
    assert response.json() == {
        "ok": False,
        "message": "It is past the night's dosing window, so the time now would be wrong. "
        "Say when you took it.",
    }
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize("acted_at", ["", "yesterday", "2026-11-25T21:00"])  # no zone: refused
def test_a_replay_without_a_valid_moment_is_refused_and_nothing_is_stored(
    patient_client, plan, acted_at
):
    with time_machine.travel(NOW, tick=False):
        response = patient_client.post(
            TAKEN, {"submission_id": sid(), "acted_at": acted_at}, **REPLAY
        )
    assert response.json()["ok"] is False
    assert "no valid time" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


@pytest.mark.parametrize(
    "name", ["journal:taken_now", "journal:evening", "journal:skip", "journal:morning"]
)
def test_a_replay_from_the_year_one_is_refused_not_a_500(patient_client, plan, name):
    """0001-01-01 overflowed computing its night (a 500 on Taken now; the other forms
    stored it and the clinician read "saved Mon 1 Jan, 18:03 LMT")."""
    url = reverse(name) if name == "journal:taken_now" else reverse(name, args=[TONIGHT])
    data = {"dose": "1.5", "taken_at": "2026-11-25T21:00", "reason": "forgot", "pain": "3"}
    with time_machine.travel(NOW, tick=False):
        response = replay(patient_client, url, datetime(1, 1, 1, tzinfo=UTC), **data)
    assert response.status_code == 409
    assert "can no longer be saved" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


def test_a_replay_kept_before_its_night_began_is_refused(patient_client, plan):
    """A dose for the night of the 25th kept at 10:00 on the 21st was stored as logged four
    days before it was taken."""
    with time_machine.travel(NOW, tick=False):
        response = replay(
            patient_client,
            reverse("journal:evening", args=[TONIGHT]),
            datetime(2026, 11, 21, 10, 0, tzinfo=UTC),
            dose="1.5",
            taken_at="2026-11-25T21:00",
        )
    assert response.status_code == 409
    assert "before its night began" in response.json()["message"]
    assert not NightlyEntry.objects.exists()


def test_a_phone_clock_ahead_of_the_server_cannot_put_a_dose_in_the_future(patient_client, plan):
    with time_machine.travel(NOW, tick=False):
        replay(patient_client, TAKEN, NOW + timedelta(minutes=30))
    assert NightlyEntry.objects.get().taken_at == NOW


def test_a_replayed_skip_and_morning_check_in_keep_the_moment_and_the_offline_mark(
    patient_client, plan
):
    skipped_at = NOW - timedelta(minutes=10)
    with time_machine.travel(NOW, tick=False):
        skip = replay(
            patient_client, reverse("journal:skip", args=[TONIGHT]), skipped_at, reason="forgot"
        )
    morning_at = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    with time_machine.travel(morning_at + timedelta(hours=2), tick=False):
        morning = replay(
            patient_client, reverse("journal:morning", args=[TONIGHT]), morning_at, pain="3"
        )
    assert skip.json()["ok"]
    assert morning.json()["ok"]
    entry = NightlyEntry.objects.get()
    assert entry.evening_logged_at == skipped_at
    assert entry.morning_logged_at == morning_at
    assert entry.pain == 3
    assert entry.logged_offline


def test_a_refused_replayed_form_answers_with_its_errors_as_json(patient_client, plan):
    with time_machine.travel(NOW, tick=False):
        response = replay(patient_client, reverse("journal:skip", args=[TONIGHT]), NOW)
    assert response.status_code == 400
    assert response.json() == {"ok": False, "message": "Choose a reason."}


def test_the_clinician_sees_an_entry_logged_offline_marked_as_such(
    patient_client, clinician_a, patient_a, plan
):
    with time_machine.travel(NOW, tick=False):
        replay(patient_client, TAKEN, NOW - timedelta(minutes=5))
        page = signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))
    assert "logged offline" in page.content.decode()


# --- Honest times -------------------------------------------------------------------------


MORNING_AFTER = datetime(2026, 11, 26, 11, 26, tzinfo=UTC)  # 11:26 London, still "last night"


def test_the_morning_after_an_unlogged_night_the_card_asks_when_instead_of_taken_now(
    patient_client, plan
):
    with time_machine.travel(MORNING_AFTER, tick=False):
        page = patient_client.get(HOME).content.decode()
    assert "When did you take it?" in page
    assert "At my usual time, 21:00" in page
    assert ">Taken now</button>" not in page


def test_within_the_dosing_window_the_card_offers_one_tap(patient_client, plan):
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(HOME).content.decode()
    assert ">Taken now</button>" in page
    assert "When did you take it?" not in page


@pytest.mark.parametrize(
    ("chosen", "stored"),
    [
        ("21:00", datetime(2026, 11, 25, 21, 0, tzinfo=UTC)),
        ("23:40", datetime(2026, 11, 25, 23, 40, tzinfo=UTC)),
        ("01:15", datetime(2026, 11, 26, 1, 15, tzinfo=UTC)),  # after midnight: same night
    ],
)
def test_the_chosen_time_is_stored_for_the_night_not_the_time_of_the_tap(
    patient_client, plan, chosen, stored
):
    with time_machine.travel(MORNING_AFTER, tick=False):
        response = patient_client.post(
            reverse("journal:taken_at", args=[TONIGHT]), {"submission_id": sid(), "time": chosen}
        )
    assert response.status_code == 302
    entry = NightlyEntry.objects.get()
    assert entry.night == TONIGHT
    assert entry.taken_at == stored
    assert not entry.logged_offline


@pytest.mark.parametrize(
    ("chosen", "message"),
    [("11:30", "cannot be in the future"), ("25:00", "like 22:15"), ("", "Choose the time")],
)
def test_a_time_in_the_future_or_not_a_time_is_refused_and_nothing_stored(
    patient_client, plan, chosen, message
):
    with time_machine.travel(MORNING_AFTER, tick=False):
        response = patient_client.post(
            reverse("journal:taken_at", args=[TONIGHT]),
            {"submission_id": sid(), "time": chosen},
            follow=True,
        )
    assert message in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_taken_now_posted_from_a_stale_page_past_the_window_stores_nothing(patient_client, plan):
    with time_machine.travel(MORNING_AFTER, tick=False):
        response = patient_client.post(TAKEN, {"submission_id": sid()}, follow=True)
    assert "Say when you took it." in response.content.decode()
    assert not NightlyEntry.objects.exists()


def test_the_dose_form_past_the_window_starts_at_the_usual_time_not_now(patient_client, plan):
    with time_machine.travel(MORNING_AFTER, tick=False):
        page = patient_client.get(reverse("journal:evening", args=[TONIGHT])).content.decode()
    assert 'value="2026-11-25T21:00"' in page


def test_the_dosing_window_of_an_evening_night_ends_at_three_the_next_morning():
    end = nights.dosing_window_end(TONIGHT, "Europe/London", nights.EVENING)
    assert end == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


# --- Zones --------------------------------------------------------------------------------


def _taken_in_london_then_moved_to_sydney(patient_client, patient_a):
    dose_time = datetime(2026, 11, 25, 22, 15, tzinfo=UTC)  # 22:15 London
    with time_machine.travel(dose_time, tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
    patient_a.time_zone = "Australia/Sydney"
    patient_a.save()
    session = patient_client.session
    session[SESSION_KEY] = "Australia/Sydney"
    session.save()


def test_a_dose_taken_in_london_still_shows_22_15_london_after_moving_to_sydney(
    patient_client, patient_a, plan
):
    _taken_in_london_then_moved_to_sydney(patient_client, patient_a)
    entry = NightlyEntry.objects.get()
    assert entry.time_zone == "Europe/London"
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    assert "4.5 mg at 22:15 London" in page or "mg at 22:15 London" in page
    assert "09:15" not in page


def test_an_edit_after_the_move_lists_the_times_where_they_were_logged(
    patient_client, clinician_a, patient_a, plan
):
    # The change history wrote the times in the patient's new zone (Sydney's 09:15 for a
    # London 22:15), and the clinician's history took the day from one zone and the time
    # from the other.
    _taken_in_london_then_moved_to_sydney(patient_client, patient_a)
    entry = NightlyEntry.objects.get()
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC), tick=False):
        response = patient_client.post(
            reverse("journal:evening", args=[TONIGHT]),
            {"dose": "4.5", "taken_at": "2026-11-25T22:10", "submission_id": sid()},
        )
        assert response.status_code == 302
        page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
        history = signed_in(clinician_a).get(
            reverse("clinic:entry_history", args=[patient_a.pk, entry.pk])
        )
    changes = page[page.index('id="history-title"') :]
    assert "Wed 25 Nov, 22:15 London" in changes
    assert "Wed 25 Nov, 22:10 London" in changes
    assert "09:10" not in changes  # 22:10 London in Sydney
    cells = history.content.decode()
    assert '>25 Nov 22:10 <abbr class="tz" title="Europe/London">GMT</abbr>' in cells
    assert "26 Nov 22:1" not in cells


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("journal:morning", {"sleep_quality": "6", "dreams": "none"}),
        ("journal:skip", {"reason": "forgot"}),
    ],
    ids=["morning check-in", "changed to skipped"],
)
def test_a_night_completed_after_the_move_keeps_the_zone_it_was_logged_in(
    patient_client, patient_a, plan, url, data
):
    # A break-check: writing the patient's new zone on the entry when the night was
    # completed after the move (the morning the patient lands) passed every test; every
    # surface reads the entry's zone, so the dose would have moved to 09:15 Sydney.
    _taken_in_london_then_moved_to_sydney(patient_client, patient_a)
    entry = NightlyEntry.objects.get()
    with time_machine.travel(datetime(2026, 11, 26, 9, 0, tzinfo=UTC), tick=False):
        response = patient_client.post(
            reverse(url, args=[TONIGHT]), {"submission_id": sid(), **data}
        )
        assert response.status_code == 302
        page = patient_client.get(reverse("journal:entry", args=[entry.pk])).content.decode()
    entry.refresh_from_db()
    assert entry.time_zone == "Europe/London"
    if entry.status == "taken":
        assert "mg at 22:15 London" in page


def test_the_clinician_in_another_zone_sees_the_time_labelled_with_the_patients_zone(
    patient_client, clinician_a, patient_a, plan
):
    _taken_in_london_then_moved_to_sydney(patient_client, patient_a)
    ClinicianPreferences.objects.update_or_create(
        user=clinician_a, defaults={"time_zone": "America/New_York"}
    )
    clinician_client = signed_in(clinician_a)
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    assert "22:15 London" in page


def _move(patient_client, patient, zone):
    patient.time_zone = zone
    patient.save()
    session = patient_client.session
    session[SESSION_KEY] = zone
    session.save()


def test_a_night_logged_in_sydney_can_be_completed_after_moving_to_london(
    patient_client, patient_a, plan
):
    # 22:00 in Sydney (11:00 UTC): the night of 25 Nov there. That evening the patient is in
    # London, where the night of 25 Nov runs from 12:00 UTC: the dose page refused its own
    # prefilled 22:00 (and any bedtime) as outside the night, judged by London's noon.
    _move(patient_client, patient_a, "Australia/Sydney")
    with time_machine.travel(datetime(2026, 11, 25, 11, 0, tzinfo=UTC), tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
    entry = NightlyEntry.objects.get()
    assert (entry.night, entry.time_zone) == (TONIGHT, "Australia/Sydney")
    _move(patient_client, patient_a, "Europe/London")
    url = reverse("journal:evening", args=[TONIGHT])
    with time_machine.travel(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), tick=False):
        page = patient_client.get(url).content.decode()
        response = patient_client.post(
            url,
            {
                "dose": "1.5",
                "taken_at": "2026-11-25T22:00",
                "bedtime": "2026-11-25T22:45",
                "submission_id": sid(),
            },
        )
    # The times are Sydney's, where they were logged; the night is tonight in London too,
    # and the page says so as the home card does (it said "Last night": Sydney's morning).
    assert 'value="2026-11-25T22:00"' in page
    assert "Tonight, Wednesday 25 November" in page
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.taken_at == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    assert entry.bedtime == datetime(2026, 11, 25, 11, 45, tzinfo=UTC)


def test_a_viewer_in_the_same_zone_sees_the_time_without_a_label(patient_client, plan):
    with time_machine.travel(datetime(2026, 11, 25, 22, 15, tzinfo=UTC), tick=False):
        patient_client.post(TAKEN, {"submission_id": sid()})
        page = patient_client.get(HOME).content.decode()
    assert "at 22:15<" in page
    assert "22:15 London" not in page


# --- Layout and accessibility rules --------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "tab"),
    [
        (reverse("journal:home"), "Tonight"),
        (reverse("journal:evening", args=[TONIGHT]), "Tonight"),
        (reverse("journal:history"), "History"),
        (reverse("journal:trends"), "History"),
        (reverse("journal:plan"), "Plan"),
        (reverse("journal:settings"), "More"),
        (reverse("journal:access_log"), "More"),
        (reverse("account_email"), "More"),
    ],
)
def test_the_bottom_tab_bar_highlights_the_tab_of_every_page(patient_client, plan, url, tab):
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(url).content.decode()
    bar = page[page.index('<nav class="tab-bar"') :]
    assert bar.count('aria-current="page"') == 1
    assert f'aria-current="page">{tab}</a>' in bar


def test_help_text_has_the_id_that_aria_describedby_names(patient_client, plan):
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(reverse("journal:evening", args=[TONIGHT])).content.decode()
    assert 'aria-describedby="id_dose_helptext"' in page
    assert 'id="id_dose_helptext"' in page


def test_a_failed_submit_puts_focus_on_an_error_summary_linking_to_the_field(patient_client, plan):
    with time_machine.travel(NOW, tick=False):
        page = patient_client.post(
            reverse("journal:evening", args=[TONIGHT]),
            {"submission_id": sid(), "dose": "15", "taken_at": "2026-11-25T21:30"},
        ).content.decode()
    summary = page[page.index('class="error-summary"') :]
    assert "autofocus" in summary[:200]
    assert 'href="#id_dose"' in summary


def test_the_error_summary_joins_a_question_and_its_message_without_doubled_punctuation(
    patient_client, plan
):
    """It read "What is happening?: Choose at least one…"."""
    with time_machine.travel(NOW, tick=False):
        page = patient_client.post(reverse("journal:urgent_report"), {}).content.decode()
    summary = page[page.index('class="error-summary"') :]
    assert "What is happening? — " in summary
    assert "?:" not in summary


def test_a_reminder_inside_quiet_hours_gets_a_warning_on_the_settings_page(
    patient_client, patient_a
):
    patient_a.reminder_time = time(21, 0)
    patient_a.quiet_start, patient_a.quiet_end = time(20, 0), time(22, 30)
    patient_a.save()
    page = patient_client.get(reverse("journal:settings")).content.decode()
    assert "Your evening reminder at 21:00 is inside your quiet hours (20:00 to 22:30)" in page
    # In the patient's language (it was an English f-string on German pages).
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])
    page = patient_client.get(reverse("journal:settings")).content.decode()
    assert "Ihre Abend-Erinnerung um 21:00 liegt in Ihren Ruhezeiten (20:00 bis 22:30)" in page


def test_the_old_reminders_address_leads_to_the_one_settings_page(patient_client):
    response = patient_client.get(reverse("journal:reminders"))
    assert response.status_code == 301
    assert response["Location"] == reverse("journal:settings") + "#reminders"


@pytest.mark.skipif(which("make") is None, reason="needs make")
def test_make_run_on_another_port_points_emailed_links_at_that_port():
    root = Path(__file__).resolve().parents[2]
    plan = subprocess.run(
        ["make", "-n", "run", "PORT=8123"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "export SITE_URL='http://127.0.0.1:8123'" in plan


def test_trends_draw_one_panel_per_measure_with_the_dose_steps_shaded_at_52_weeks(
    patient_client, patient_a, plan
):
    start, end = TONIGHT - timedelta(days=52 * 7 - 1), TONIGHT
    dose = charts.Series(
        "dose",
        "Dose (mg)",
        [(TONIGHT - timedelta(days=d), 1.5 if d > 100 else 3) for d in range(300)],
    )
    pain = charts.Series(
        "pain", "Pain", [(TONIGHT - timedelta(days=d), d % 10) for d in range(300)]
    )
    panels = charts.small_multiples([pain], start, end, dose=dose)
    assert [panel.series.key for panel in panels] == ["pain"]
    svg = str(panels[0].svg)
    assert svg.count('class="dose-band"') == 2
    assert "1.5 mg" in svg
    assert "3 mg" in svg
    assert 'font-size="14"' in svg
    with time_machine.travel(NOW, tick=False):
        page = patient_client.get(reverse("journal:trends"), {"weeks": 52}).content.decode()
    assert page.count('class="chart-panel"') == 5
    assert "<table" in page


# --- "At my usual time" is the dose reminder's time ----------------------------------------------


@pytest.mark.parametrize(
    ("dosing_time", "usual"), [("morning", time(9, 0)), ("evening", time(21, 0))]
)
def test_the_usual_time_is_the_dose_reminders_time(patient_a, clinician_a, dosing_time, usual):
    """One time for both: a morning doser was offered the evening reminder time (21:00, still
    to come at 15:40, so the tap always failed) while their reminder came at 09:00."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    plan = plans.load(patient_a)
    prefs = schedule.Prefs(
        tz=patient_a.time_zone,
        reminder_time=patient_a.reminder_time,
        morning_time=patient_a.morning_time,
    )
    slots = schedule.slots_for_night(prefs, TONIGHT, dosing_time)
    reminder = next(slot for slot in slots if slot.kind == schedule.EVENING_DOSE)
    moment = entries.usual_time(plan, patient_a, TONIGHT)
    assert moment == reminder.due_at
    assert moment.astimezone(patient_a.tz).time() == usual


def test_the_usual_time_follows_a_changed_reminder_time(patient_a, clinician_a):
    """Never cached per patient: a cache keyed by the patient (its pk) kept the old time for
    the life of the worker (79b9d3d put the slots' lru_cache on dose_reminder_time)."""
    make_plan(patient_a, clinician_a)
    plan = plans.load(patient_a)
    assert entries.usual_time(plan, patient_a, TONIGHT).astimezone(patient_a.tz).time() == time(
        21, 0
    )
    patient_a.reminder_time = time(22, 15)
    patient_a.save(update_fields=["reminder_time"])
    fresh = type(patient_a).objects.get(pk=patient_a.pk)
    assert entries.usual_time(plan, fresh, TONIGHT).astimezone(fresh.tz).time() == time(22, 15)
    assert hasattr(schedule.slots_for_night, "cache_info")  # the slots stay cached


def test_a_morning_doser_past_the_window_logs_at_their_usual_morning_time(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    afternoon = datetime(2026, 11, 25, 15, 40, tzinfo=UTC)  # London: 15:40 on the 25th
    with time_machine.travel(afternoon, tick=False):
        home = patient_client.get(HOME).content.decode()
        assert "At my usual time, 09:00" in home
        patient_client.post(
            reverse("journal:taken_at", args=[TONIGHT]), {"submission_id": sid(), "time": "09:00"}
        )
    entry = NightlyEntry.objects.get(night=TONIGHT)
    assert entry.taken_at == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_a_stale_morning_time_offers_the_time_the_reminder_came(
    patient_client, patient_a, clinician_a
):
    """A morning time after the morning's window (23:30 under the 14:00 end) is read as the
    sweep reads it (13:30, schedule.morning_reminder_time): the card offers that time, the
    one the dose reminder came at, no longer a time still to come (it offered nothing)."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.morning_time = time(23, 30)
    patient_a.save(update_fields=["morning_time"])
    with time_machine.travel(datetime(2026, 11, 25, 15, 40, tzinfo=UTC), tick=False):
        home = patient_client.get(HOME).content.decode()
    assert "When did you take it?" in home
    assert "At my usual time, 13:30" in home


def test_the_dose_form_starts_at_the_time_a_stale_morning_time_is_read_as(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.morning_time = time(23, 30)
    patient_a.save(update_fields=["morning_time"])
    with time_machine.travel(datetime(2026, 11, 25, 15, 40, tzinfo=UTC), tick=False):
        page = patient_client.get(reverse("journal:evening", args=[TONIGHT])).content.decode()
    assert 'value="2026-11-25T23:30"' not in page
    assert 'value="2026-11-25T13:30"' in page


# Stored times the form no longer accepts, and the time each is read as.
STALE_TIMES = [
    ("evening", {"reminder_time": time(3, 30)}, None, time(2, 30)),
    ("evening", {"reminder_time": time(11, 0)}, None, time(2, 30)),
    ("evening", {"reminder_time": time(2, 59)}, None, time(2, 30)),
    ("evening", {"reminder_time": time(2, 30)}, None, time(2, 30)),
    ("evening", {"reminder_time": time(2, 29)}, None, time(2, 29)),
    ("morning", {"morning_time": time(11, 30)}, time(10, 0), time(9, 30)),
    ("morning", {"morning_time": time(9, 45)}, time(10, 0), time(9, 30)),
    ("morning", {"morning_time": time(9, 30)}, time(10, 0), time(9, 30)),
    ("morning", {"morning_time": time(9, 29)}, time(10, 0), time(9, 29)),
]


@pytest.mark.parametrize(("dosing_time", "stored", "window_end", "used"), STALE_TIMES)
def test_the_usual_time_and_the_dose_reminder_never_disagree(
    patient_a, clinician_a, settings, dosing_time, stored, window_end, used
):
    """ "At my usual time" offered the stored time (03:30, 11:30) while the dose reminder came
    at the time the sweep reads it as (02:30, 09:30): one function for both
    (schedule.dose_reminder_time)."""
    if window_end is not None:
        settings.LDN_MORNING_DOSING_WINDOW_END = window_end
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    for name, value in stored.items():
        setattr(patient_a, name, value)
    patient_a.save(update_fields=list(stored))
    plan = plans.load(patient_a)
    slots = schedule.slots_for_night(due.prefs_of(patient_a, False), TONIGHT, dosing_time)
    reminder = next(slot for slot in slots if slot.kind == schedule.EVENING_DOSE)
    moment = entries.usual_time(plan, patient_a, TONIGHT)
    assert moment == reminder.due_at
    assert moment.astimezone(patient_a.tz).time() == used


def test_an_evening_doser_past_the_window_is_offered_the_time_their_reminder_came(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    patient_a.reminder_time = time(3, 30)  # stored before the form took 12:00 to 02:30 only
    patient_a.save(update_fields=["reminder_time"])
    with time_machine.travel(datetime(2026, 11, 26, 4, 0, tzinfo=UTC), tick=False):
        home = patient_client.get(HOME).content.decode()
    assert "At my usual time, 02:30" in home
    assert "At my usual time, 03:30" not in home


def test_the_outbox_reads_the_sessions_csrf_token_as_json_never_kept(
    patient_client, clinician_a, client
):
    response = patient_client.get(reverse("journal:outbox_token"))
    assert response.status_code == 200
    token = response.json()["csrf"]
    assert len(token) >= 32
    assert "no-store" in response["Cache-Control"]
    client.logout()
    assert client.get(reverse("journal:outbox_token")).status_code == 302  # sign in first
    client.force_login(clinician_a)
    assert client.get(reverse("journal:outbox_token")).status_code == 404
