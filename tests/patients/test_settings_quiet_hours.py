"""The settings page's quiet-hours warning: the evening doser's morning check-in, "Saved,
but" only after the save that produced it, and the times it names in any zone."""

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from patients.models import Patient, ReminderDelivery
from patients.rules.schedule import Prefs, slots_for_night
from tests.patients.journal_support import make_plan, switch_dosing_time

pytestmark = pytest.mark.django_db

SETTINGS = reverse("journal:settings")
NOW = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


def quiet(patient, start, end, **more):
    Patient.objects.filter(pk=patient.pk).update(quiet_start=start, quiet_end=end, **more)
    patient.refresh_from_db()


def warning_on_page(client):
    with time_machine.travel(NOW, tick=False):
        return client.get(SETTINGS).context["quiet_warning"]


def checkin_slot(patient, zone="UTC", night=date(2026, 1, 15)):
    """What the sweep schedules: the evening night's morning check-in, quiet hours applied."""
    prefs = Prefs(
        tz=zone,
        reminder_time=patient.reminder_time,
        morning_time=patient.morning_time,
        quiet_start=patient.quiet_start,
        quiet_end=patient.quiet_end,
    )
    slots = slots_for_night(prefs, night, "evening")
    return next((s for s in slots if s.kind == ReminderDelivery.Kind.MORNING), None)


# --- an evening doser's morning check-in ---------------------------------------------------


def test_an_evening_dosers_warning_names_the_morning_check_in_quiet_hours_hold_back(
    patient_client, patient_a, clinician_a
):
    """Quiet 23:00 to 09:30 leave the 21:00 evening reminder alone, but hold the 08:00
    check-in (the morning after) until 09:30: the page said nothing."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0))
    assert checkin_slot(patient_a).due_at.time() == time(9, 30)  # what the sweep does
    assert warning_on_page(patient_client) == (
        "Your morning check-in reminder at 08:00 is inside your quiet hours (23:00 to "
        "09:30), so it waits until 09:30. Move your morning check-in time or the quiet hours "
        "if you want it earlier."
    )


def test_quiet_hours_past_noon_warn_an_evening_doser_that_no_check_in_reminder_comes(
    patient_client, patient_a, clinician_a
):
    """The check-in closes at noon (the evening night ends then): quiet until 12:30 drop its
    reminder; saying it waits would be wrong."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(12, 30), morning_time=time(8, 0))
    assert checkin_slot(patient_a) is None
    warning = warning_on_page(patient_client)
    assert warning == (
        "Your morning check-in reminder at 08:00 is inside your quiet hours (23:00 to "
        "12:30): no morning check-in reminder can reach you (the check-in closes at noon). "
        "Move your morning check-in time or the quiet hours if you want one."
    )


def test_an_evening_doser_with_the_check_in_off_or_outside_quiet_hours_hears_nothing_of_it(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(7, 0), morning_time=time(8, 0))
    assert warning_on_page(patient_client) == ""
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), morning_checkin=False)
    assert warning_on_page(patient_client) == ""


def test_the_check_in_sentence_follows_the_evening_reminders_one(
    patient_client, patient_a, clinician_a
):
    """Quiet 20:00 to 09:30 hold both: the evening reminder at 21:00, then the check-in."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(20, 0), time(9, 30), morning_time=time(8, 0), last_call=False)
    warning = warning_on_page(patient_client)
    assert "quiet hours cover the whole evening window" in warning.split("check-in")[0]
    assert warning.endswith(
        "Your morning check-in reminder at 08:00 is inside your quiet hours (20:00 to "
        "09:30), so it waits until 09:30. Move your morning check-in time or the quiet hours "
        "if you want it earlier."
    )


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_check_in_warning_is_in_the_patients_language(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0))
    warning = warning_on_page(patient_client)
    with translation.override(language):
        held = gettext(
            "Your morning check-in reminder at %(reminder)s is inside your quiet hours "
            "(%(start)s to %(end)s), so it waits until %(end)s. Move your morning check-in "
            "time or the quiet hours if you want it earlier."
        )
    assert "check-in" not in held  # translated
    assert warning == held % {"reminder": "08:00", "start": "23:00", "end": "09:30"}


def test_the_warning_reads_the_sweeps_check_in_slot_not_a_rule_of_its_own(
    patient_client, patient_a, clinician_a
):
    """Cross-check over a day of quiet-hour ends: the page says the check-in waits exactly
    when the sweep moves it, and that none comes exactly when the sweep drops it."""
    make_plan(patient_a, clinician_a)
    for end in (time(7, 0), time(8, 0), time(8, 30), time(11, 59), time(12, 0), time(13, 0)):
        quiet(patient_a, time(23, 0), end, morning_time=time(8, 0))
        slot = checkin_slot(patient_a)
        warning = warning_on_page(patient_client)
        assert ("waits until" in warning) == (slot is not None and slot.due_at.time() != time(8))
        assert ("no morning check-in reminder" in warning) == (slot is None), end


# --- "Saved, but": only after the save that left no dose reminder --------------------------

SAVED = "Your settings are saved."
WHOLE_EVENING = (
    "Your quiet hours cover the whole evening window: no evening reminder can reach you. "
    "Shorten the quiet hours to get one."
)
SAVED_BUT_EVENING = (
    "Saved, but your quiet hours cover the whole evening window: no evening reminder can "
    "reach you. Shorten the quiet hours to get one."
)
FORM = {
    "display_name": "Patient A",
    "time_zone": "Europe/London",
    "reminder_time": "21:00",
    "last_call": "on",
    "last_call_time": "23:30",
    "morning_time": "09:00",
    "remind_by_email": "on",
    "quiet_start": "",
    "quiet_end": "",
}
OVER_THE_EVENING = {"quiet_start": "19:00", "quiet_end": "08:00"}


def save(client, **changes):
    with time_machine.travel(NOW, tick=False):
        return client.post(SETTINGS, {**FORM, **changes}, follow=True)


def said(response):
    return response.context["quiet_warning"], [str(m) for m in response.context["messages"]]


def test_the_page_opened_with_no_save_says_how_things_stand_not_saved_but(
    patient_client, patient_a, clinician_a
):
    """It said "Saved, but ..." whenever it was opened, days after any save."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(19, 0), time(8, 0))
    assert warning_on_page(patient_client) == WHOLE_EVENING


def test_the_save_that_leaves_no_evening_reminder_says_saved_but_once_then_how_things_stand(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    response = save(patient_client, **OVER_THE_EVENING)
    assert said(response) == (SAVED_BUT_EVENING, [])  # "saved" said once, with its "but"
    assert response.content.decode().count("no evening reminder can reach you") == 1
    # Opened again: the warning stands while it holds, without claiming a save just made it.
    assert warning_on_page(patient_client) == WHOLE_EVENING


@pytest.mark.parametrize(
    "changes",
    [
        {"display_name": "Pat"},  # nothing to do with reminders
        {"quiet_start": "18:00"},  # still over the whole evening, as before
    ],
)
def test_a_save_that_leaves_it_as_it_was_confirms_and_still_says_how_things_stand(
    patient_client, patient_a, clinician_a, changes
):
    """Already warned, unchanged by this save: "Your settings are saved.", and the warning
    still there, reading as a standing fact; it said "Saved, but" as if this save did it."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(19, 0), time(8, 0))
    response = save(patient_client, **{**OVER_THE_EVENING, **changes})
    assert said(response) == (WHOLE_EVENING, [SAVED])


def test_a_save_that_gives_the_reminders_back_just_confirms(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(19, 0), time(8, 0))
    assert said(save(patient_client)) == ("", [SAVED])


def test_a_morning_doser_hears_saved_but_only_from_the_save_over_their_whole_day(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    whole_day = {"quiet_start": "00:30", "quiet_end": "00:00", "morning_checkin": ""}
    warning, flashed = said(save(patient_client, **whole_day))
    assert warning.startswith("Saved, but your quiet hours cover the whole day your morning")
    assert flashed == []
    assert warning_on_page(patient_client).startswith(
        "Your quiet hours cover the whole day your morning dose can be logged"
    )
    assert said(save(patient_client, display_name="Pat", **whole_day))[1] == [SAVED]


@pytest.mark.parametrize("language", ["de", "es"])
def test_saved_but_is_in_the_language_just_chosen(patient_client, patient_a, clinician_a, language):
    make_plan(patient_a, clinician_a)
    warning, _ = said(save(patient_client, language=language, **OVER_THE_EVENING))
    with translation.override(language):
        assert warning == gettext(SAVED_BUT_EVENING)
    assert warning != SAVED_BUT_EVENING


# --- the times and the day it names, in any zone and across daylight-saving changes ---------

HELD_CHECKIN = (
    "Your morning check-in reminder at 08:00 is inside your quiet hours (23:00 to 09:30), so "
    "it waits until 09:30. Move your morning check-in time or the quiet hours if you want it "
    "earlier."
)
SWITCH_TO_MORNINGS = (
    "From Thursday 26 November, when your plan changes to morning dosing: Your dose reminder "
    "and morning check-in at 08:00 are inside your quiet hours (23:00 to 09:30), so they wait "
    "until 09:30. Move your morning time or the quiet hours if you want them earlier."
)


def _to_mornings_from_the_26th(patient, clinician):
    """An evening plan from 1 Jan; a switch to morning dosing from the night of Thursday
    26 November, signed on 2 Jan."""
    make_plan(patient, clinician, start=date(2026, 1, 1))
    switch_dosing_time(
        patient, clinician, "morning", date(2026, 11, 26), signed=datetime(2026, 1, 2, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("zone", "at"),
    [
        ("Pacific/Kiritimati", datetime(2026, 11, 24, 20, 0, tzinfo=UTC)),  # UTC+14: 25th 10:00
        ("Pacific/Pago_Pago", datetime(2026, 11, 25, 20, 0, tzinfo=UTC)),  # UTC-11: 25th 09:00
        ("America/New_York", datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),  # 01:30, clocks go back
        ("America/New_York", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),  # 03:30, just went forward
        ("Europe/London", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # 01:30 GMT, went back
        ("Australia/Lord_Howe", datetime(2026, 10, 3, 15, 45, tzinfo=UTC)),  # half-hour jump
    ],
)
def test_the_warning_names_the_patients_wall_times_and_day_in_any_zone(
    patient_client, patient_a, clinician_a, zone, at
):
    """The times are the patient's own settings (wall times), never converted to or from
    UTC, on a daylight-saving night too; the switch's day is the plan's night as the
    patient's calendar names it (checked: nothing was shown wrong)."""
    _to_mornings_from_the_26th(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), time_zone=zone)
    with time_machine.travel(at, tick=False):
        warning = patient_client.get(SETTINGS).context["quiet_warning"]
    assert warning == f"{HELD_CHECKIN} {SWITCH_TO_MORNINGS}"


def test_far_east_of_utc_the_switch_is_said_by_the_patients_own_tonight(
    patient_client, patient_a, clinician_a
):
    """26 November 03:30 in Kiritimati (UTC+14; the evening window has closed) is 13:30 on
    the 25th in UTC: the switch to mornings signed from the 26th has begun for the patient,
    so the page warns as for a morning doser and announces no switch; read in UTC it would
    still say "From Thursday 26 November"."""
    _to_mornings_from_the_26th(patient_a, clinician_a)
    quiet(
        patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), time_zone="Pacific/Kiritimati"
    )
    with time_machine.travel(datetime(2026, 11, 25, 13, 30, tzinfo=UTC), tick=False):
        warning = patient_client.get(SETTINGS).context["quiet_warning"]
    assert warning == SWITCH_TO_MORNINGS.split(": ", 1)[1]
