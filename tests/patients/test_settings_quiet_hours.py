"""The settings page's quiet-hours warnings: the evening doser's morning check-in and
missed-dose follow-up, each warning its own item, "Saved, but" only after the save that
produced it, the times it names in any zone, and the nights the clocks change."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.text import capfirst
from django.utils.translation import gettext

from patients.models import Patient, ReminderDelivery
from patients.notifications.due import morning_last_call_after
from patients.rules.schedule import Prefs, slots_for_night
from tests.patients.journal_support import make_plan, switch_dosing_time

pytestmark = pytest.mark.django_db

SETTINGS = reverse("journal:settings")
NOW = datetime(2026, 11, 21, 22, 0, tzinfo=UTC)


def quiet(patient, start, end, **more):
    Patient.objects.filter(pk=patient.pk).update(quiet_start=start, quiet_end=end, **more)
    patient.refresh_from_db()


def warning_on_page(client, at=NOW):
    """The page's quiet-hours warnings, each its own item."""
    with time_machine.travel(at, tick=False):
        return client.get(SETTINGS).context["quiet_warnings"]


def checkin_slot(patient, zone="UTC", night=date(2026, 1, 15), kind=ReminderDelivery.Kind.MORNING):
    """What the sweep schedules: the evening night's morning check-in (or ``kind``), quiet
    hours applied."""
    prefs = Prefs(
        tz=zone,
        reminder_time=patient.reminder_time,
        last_call=patient.last_call,
        last_call_time=patient.last_call_time,
        morning_checkin=patient.morning_checkin,
        morning_time=patient.morning_time,
        quiet_start=patient.quiet_start,
        quiet_end=patient.quiet_end,
    )
    slots = slots_for_night(prefs, night, "evening")
    return next((s for s in slots if s.kind == kind), None)


HELD_MORNING_AFTER = (
    "Your morning check-in reminder at 08:00, or the reminder to log last night's dose when "
    "nothing was logged, is inside your quiet hours (23:00 to 09:30), so it waits until "
    "09:30. Move your morning check-in time or the quiet hours if you want it earlier."
)


# --- an evening doser's morning check-in ---------------------------------------------------


def test_an_evening_dosers_warning_names_the_morning_check_in_quiet_hours_hold_back(
    patient_client, patient_a, clinician_a
):
    """Quiet 23:00 to 09:30 leave the 21:00 evening reminder alone, but hold the 08:00
    check-in (the morning after) until 09:30, and the follow-up sent then when nothing was
    logged: the page said nothing, then named the check-in alone."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), last_call=False)
    assert checkin_slot(patient_a).due_at.time() == time(9, 30)  # what the sweep does
    assert checkin_slot(patient_a, kind="missed").due_at.time() == time(9, 30)
    assert warning_on_page(patient_client) == [HELD_MORNING_AFTER]


def test_quiet_hours_past_noon_warn_an_evening_doser_that_no_check_in_reminder_comes(
    patient_client, patient_a, clinician_a
):
    """The check-in closes at noon (the evening night ends then): quiet until 12:30 drop its
    reminder; saying it waits would be wrong."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(12, 30), morning_time=time(8, 0), last_call=False)
    assert checkin_slot(patient_a) is None
    assert checkin_slot(patient_a, kind="missed") is None
    assert warning_on_page(patient_client) == [
        "Your morning check-in reminder at 08:00, or the reminder to log last night's dose "
        "when nothing was logged, is inside your quiet hours (23:00 to 12:30): neither can "
        "reach you (both are sent only until noon). Move your morning check-in time or the "
        "quiet hours if you want them."
    ]


def test_an_evening_doser_whose_morning_time_is_outside_quiet_hours_hears_nothing_of_it(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(7, 0), morning_time=time(8, 0), last_call=False)
    assert warning_on_page(patient_client) == []


@pytest.mark.parametrize(
    ("end", "said"),
    [
        (
            time(9, 30),
            "Your reminder to log last night's dose, sent at 08:00 when nothing was logged, is "
            "inside your quiet hours (23:00 to 09:30), so it waits until 09:30. Move your "
            "morning check-in time or the quiet hours if you want it earlier.",
        ),
        (
            time(12, 30),
            "Your reminder to log last night's dose, sent at 08:00 when nothing was logged, is "
            "inside your quiet hours (23:00 to 12:30): it cannot reach you (it is sent only "
            "until noon). Move your morning check-in time or the quiet hours if you want it.",
        ),
    ],
)
def test_with_the_check_in_off_the_warning_still_names_the_missed_dose_follow_up(
    patient_client, patient_a, clinician_a, end, said
):
    """The follow-up (a reminder to log last night's dose, at the morning time when nothing
    was logged) is sent with the check-in off too, and quiet hours hold or drop it as the
    check-in: the page said nothing at all."""
    make_plan(patient_a, clinician_a)
    quiet(
        patient_a, time(23, 0), end, morning_time=time(8, 0), morning_checkin=False, last_call=False
    )
    slot = checkin_slot(patient_a, kind="missed")  # what the sweep does
    assert (slot.due_at.time() if slot else None) == (end if end < time(12) else None)
    assert warning_on_page(patient_client) == [said]


def test_the_check_in_sentence_follows_the_evening_reminders_one(
    patient_client, patient_a, clinician_a
):
    """Quiet 20:00 to 09:30 hold both: the evening reminder at 21:00, then the check-in."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(20, 0), time(9, 30), morning_time=time(8, 0), last_call=False)
    assert warning_on_page(patient_client) == [
        WHOLE_EVENING,
        HELD_MORNING_AFTER.replace("23:00", "20:00"),
    ]


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_check_in_warning_is_in_the_patients_language(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), last_call=False)
    warning = warning_on_page(patient_client)
    with translation.override(language):
        held = gettext(
            "Your morning check-in reminder at %(reminder)s, or the reminder to log last "
            "night's dose when nothing was logged, is inside your quiet hours (%(start)s "
            "to %(end)s), so it waits until %(end)s. Move your morning check-in time or "
            "the quiet hours if you want it earlier."
        )
    assert "check-in" not in held  # translated
    assert warning == [held % {"reminder": "08:00", "start": "23:00", "end": "09:30"}]


def test_the_warning_reads_the_sweeps_check_in_slot_not_a_rule_of_its_own(
    patient_client, patient_a, clinician_a
):
    """Cross-check over a day of quiet-hour ends: the page says the check-in waits exactly
    when the sweep moves it, and that none comes exactly when the sweep drops it."""
    make_plan(patient_a, clinician_a)
    for end in (time(7, 0), time(8, 0), time(8, 30), time(11, 59), time(12, 0), time(13, 0)):
        quiet(patient_a, time(23, 0), end, morning_time=time(8, 0), last_call=False)
        slot = checkin_slot(patient_a)
        warning = " ".join(warning_on_page(patient_client))
        assert ("waits until" in warning) == (slot is not None and slot.due_at.time() != time(8))
        assert ("neither can reach you" in warning) == (slot is None), end


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
    return response.context["quiet_warnings"], [str(m) for m in response.context["messages"]]


def test_the_page_opened_with_no_save_says_how_things_stand_not_saved_but(
    patient_client, patient_a, clinician_a
):
    """It said "Saved, but ..." whenever it was opened, days after any save."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(19, 0), time(8, 0))
    assert warning_on_page(patient_client) == [WHOLE_EVENING]


def test_the_save_that_leaves_no_evening_reminder_says_saved_but_once_then_how_things_stand(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    response = save(patient_client, **OVER_THE_EVENING)
    assert said(response) == ([SAVED_BUT_EVENING], [])  # "saved" said once, with its "but"
    assert response.content.decode().count("no evening reminder can reach you") == 1
    # Opened again: the warning stands while it holds, without claiming a save just made it.
    assert warning_on_page(patient_client) == [WHOLE_EVENING]


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
    assert said(response) == ([WHOLE_EVENING], [SAVED])


def test_a_save_that_gives_the_reminders_back_just_confirms(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(19, 0), time(8, 0))
    assert said(save(patient_client)) == ([], [SAVED])


def test_a_morning_doser_hears_saved_but_only_from_the_save_over_their_whole_day(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    whole_day = {"quiet_start": "00:30", "quiet_end": "00:00", "morning_checkin": ""}
    warnings, flashed = said(save(patient_client, **whole_day))
    assert len(warnings) == 1
    assert warnings[0].startswith(
        "Saved, but your quiet hours run from your morning time to the end of your morning "
        "dosing window (14:00)"
    )
    assert flashed == []
    assert warning_on_page(patient_client)[0].startswith(
        "Your quiet hours run from your morning time to the end of your morning dosing window"
    )
    assert said(save(patient_client, display_name="Pat", **whole_day))[1] == [SAVED]


@pytest.mark.parametrize("language", ["de", "es"])
def test_saved_but_is_in_the_language_just_chosen(patient_client, patient_a, clinician_a, language):
    make_plan(patient_a, clinician_a)
    warning, _ = said(save(patient_client, language=language, **OVER_THE_EVENING))
    with translation.override(language):
        assert warning == [gettext(SAVED_BUT_EVENING)]
    assert warning != [SAVED_BUT_EVENING]


# --- the times and the day it names, in any zone and across daylight-saving changes ---------

# Tonight's warning, said until the last evening night before the switch to mornings.
HELD_MORNING_AFTER_UNTIL_THE_SWITCH = (
    "Until the night of Wednesday 25 November, while your plan has evening dosing: "
    + HELD_MORNING_AFTER[0].lower()
    + HELD_MORNING_AFTER[1:]
)
SWITCH_TO_MORNINGS = (
    "From Thursday 26 November, when your plan changes to morning dosing: your dose reminder "
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
    quiet(
        patient_a,
        time(23, 0),
        time(9, 30),
        morning_time=time(8, 0),
        time_zone=zone,
        last_call=False,
    )
    with time_machine.travel(at, tick=False):
        warning = patient_client.get(SETTINGS).context["quiet_warnings"]
    assert warning == [HELD_MORNING_AFTER_UNTIL_THE_SWITCH, SWITCH_TO_MORNINGS]


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
        warning = patient_client.get(SETTINGS).context["quiet_warnings"]
    assert warning == [capfirst(SWITCH_TO_MORNINGS.split(": ", 1)[1])]


# --- each warning its own item --------------------------------------------------------------


def test_two_warnings_are_two_paragraphs_and_saved_but_is_said_once(
    patient_client, patient_a, clinician_a
):
    """Quiet 19:00 to 09:30 leave no evening reminder and hold the 09:00 check-in: the page
    ran both into one paragraph of some 90 words ("... earlier. Your morning check-in ...").
    Each is its own paragraph, in one warning box; the save that did it says "Saved, but"
    once, with no flash beside it."""
    make_plan(patient_a, clinician_a)
    response = save(patient_client, quiet_start="19:00", quiet_end="09:30", morning_checkin="on")
    warnings, flashed = said(response)
    page = response.content.decode()
    assert warnings == [
        SAVED_BUT_EVENING,
        HELD_MORNING_AFTER.replace("08:00", "09:00").replace("23:00", "19:00"),
    ]
    assert flashed == []
    assert page.count("Saved, but") == 1
    assert page.count('class="message warning stack stack-tight"') == 1
    for warning in warnings:
        assert f"<p>{escape(warning)}</p>" in page
    again = warning_on_page(patient_client)
    assert again == [WHOLE_EVENING, warnings[1]]


# --- the nights the clocks change -------------------------------------------------------------

BEFORE_BERLIN_SPRING = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
SPRING_NIGHT = date(2026, 3, 28)  # Berlin's clocks go from 02:00 to 03:00 on Sunday 29 March


def _berlin_slot(patient, night, kind="evening"):
    return checkin_slot(patient, zone="Europe/Berlin", night=night, kind=kind)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "On the night of Saturday 28 March (the clocks change early on Sunday 29 March): "
            "your evening reminder is not sent; your last call is not sent.",
        ),
        (
            "de",
            "In der Nacht vom Samstag, 28. März (die Uhren werden früh am Sonntag, 29. März "
            "umgestellt): Ihre Abend-Erinnerung wird nicht gesendet; Ihre letzte Erinnerung "
            "wird nicht gesendet.",
        ),
        (
            "es",
            "La noche del sábado 28 de marzo (la hora cambia de madrugada el domingo 29 de "
            "marzo): su recordatorio de la noche no se envía; su último aviso no se envía.",
        ),
    ],
)
def test_quiet_hours_ending_in_the_skipped_hour_say_the_reminder_is_not_sent_that_night(
    patient_client, patient_a, clinician_a, language, said
):
    """Quiet 20:00 to 02:30 in Berlin: the evening reminder waits until 02:30 on every night
    but the one the clocks skip from 02:00 to 03:00. That night the quiet hours end at 03:00,
    when the dosing window closes, and the sweep drops it; the page said it waits until
    02:30 on every night."""
    make_plan(patient_a, clinician_a, start=date(2026, 3, 1))
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(20, 0), time(2, 30), time_zone="Europe/Berlin", morning_time=time(9))
    # What the sweep does: 02:30 the night before, nothing on the night of the change.
    usual = _berlin_slot(patient_a, SPRING_NIGHT - timedelta(days=1))
    assert usual.due_at == datetime(2026, 3, 28, 1, 30, tzinfo=UTC)  # 02:30 CET
    assert _berlin_slot(patient_a, SPRING_NIGHT) is None
    assert _berlin_slot(patient_a, SPRING_NIGHT, kind="last_call") is None
    warnings = warning_on_page(patient_client, at=BEFORE_BERLIN_SPRING)
    with translation.override(language):
        # Both held to 02:30 on a usual night: said once.
        together = gettext(
            "Your evening reminder at %(reminder)s and your last call at %(time)s are inside "
            "your quiet hours (%(start)s to %(end)s), so they both wait until %(until)s. Move "
            "them or the quiet hours if you want them earlier."
        ) % {
            "reminder": "21:00",
            "time": "23:30",
            "start": "20:00",
            "end": "02:30",
            "until": "02:30",
        }
    assert warnings == [together, said]


@pytest.mark.parametrize(
    ("zone", "end"),
    [
        ("Europe/Berlin", time(1, 30)),  # ends before the skipped hour: the same every night
        ("UTC", time(2, 30)),  # no clock change at all
    ],
)
def test_no_clock_change_warning_where_the_schedule_is_the_same_that_night(
    patient_client, patient_a, clinician_a, zone, end
):
    make_plan(patient_a, clinician_a, start=date(2026, 3, 1))
    quiet(patient_a, time(20, 0), end, time_zone=zone, morning_time=time(9), last_call=False)
    slot = checkin_slot(patient_a, zone=zone, night=SPRING_NIGHT, kind="evening")
    assert slot.due_at.astimezone(ZoneInfo(zone)).time() == end
    warnings = warning_on_page(patient_client, at=BEFORE_BERLIN_SPRING)
    assert len(warnings) == 1
    assert "clocks change" not in warnings[0]


def test_the_clock_change_is_looked_for_only_from_tonight_on(
    patient_client, patient_a, clinician_a
):
    """The day after Berlin's spring change, the next one it would skip is a year away:
    on 30 March 2026 nothing is said of it until 2027's comes within the year ahead."""
    make_plan(patient_a, clinician_a, start=date(2026, 3, 1))
    quiet(
        patient_a,
        time(20, 0),
        time(2, 30),
        time_zone="Europe/Berlin",
        morning_time=time(9),
        last_call=False,
    )
    after = warning_on_page(patient_client, at=datetime(2026, 3, 30, 12, 0, tzinfo=UTC))
    assert len(after) == 2  # 28 March 2027 is within the year ahead
    assert after[1].startswith(
        "On the night of Saturday 27 March (the clocks change early on Sunday 28 March)"
    )


CLOCK_CHANGE_LINE = re.compile(
    r"On the night of \w+ (\d+) March \(the clocks change early on \w+ (\d+) March\): (.*)\."
)


@pytest.mark.parametrize(
    ("zone", "end", "said"),
    [
        (
            "Europe/Berlin",
            time(2, 30),
            "On the night of Saturday 27 March (the clocks change early on Sunday 28 March): "
            "your evening reminder is not sent; your last call is not sent.",
        ),
        (
            "America/New_York",
            time(2, 30),
            "On the night of Saturday 13 March (the clocks change early on Sunday 14 March): "
            "your evening reminder is not sent; your last call is not sent.",
        ),
        (
            "Europe/London",
            time(1, 30),
            "On the night of Saturday 27 March (the clocks change early on Sunday 28 March): "
            "your last call comes at 02:00.",
        ),
    ],
)
def test_the_clock_change_line_names_the_dose_night_whose_reminders_it_changes(
    patient_client, patient_a, clinician_a, zone, end, said
):
    """Berlin or New York, quiet 20:00 to 02:30 (London 23:00 to 01:30): the reminders the
    skipped hour drops (or moves) are Saturday night's, held until a time the clocks skip
    early on Sunday; the line said "On Sunday 28 March", and Sunday evening's reminder is
    sent as on any night. The night it names is the one whose slots the sweep changes."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    start = time(23, 0) if zone == "Europe/London" else time(20, 0)
    quiet(patient_a, start, end, time_zone=zone, last_call=True, last_call_time=time(1, 0))
    warnings = warning_on_page(patient_client, at=NOW)
    assert warnings[-1] == said
    night_day, change_day, _ = CLOCK_CHANGE_LINE.fullmatch(said).groups()
    named, after = date(2027, 3, int(night_day)), date(2027, 3, int(change_day))
    assert after == named + timedelta(days=1)
    local = ZoneInfo(zone)
    usual = checkin_slot(patient_a, zone=zone, kind="last_call").due_at.astimezone(local)
    for night in (named - timedelta(days=1), after):  # the nights around: as every night
        slot = checkin_slot(patient_a, zone=zone, night=night, kind="last_call")
        assert slot.due_at.astimezone(local).time() == usual.time()
    changed = checkin_slot(patient_a, zone=zone, night=named, kind="last_call")
    if "comes at" in said:
        assert changed.due_at.astimezone(local).time() == time(2, 0)
    else:
        assert changed is None
        assert checkin_slot(patient_a, zone=zone, night=named, kind="evening") is None
        assert checkin_slot(patient_a, zone=zone, night=after, kind="evening") is not None


def test_a_clock_change_line_after_a_signed_switch_is_said_on_its_own(
    patient_client, patient_a, clinician_a
):
    """A morning doser whose switch to evenings is signed from 1 Dec: the spring-forward line
    for an evening night after the switch names its own night, without the switch's "From
    Tuesday 1 December, when your plan changes to evening dosing: on the night of ..." (two
    dates and two colons in one sentence; found by QA). The night is still the one whose
    reminders the sweep drops, under the evening dosing the switch brings."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1), dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", date(2026, 12, 1))
    quiet(patient_a, time(20, 0), time(2, 30), time_zone="Europe/Berlin", last_call=True)

    warnings = warning_on_page(patient_client)

    line = (
        "On the night of Saturday 27 March (the clocks change early on Sunday 28 March): "
        "your evening reminder is not sent; your last call is not sent."
    )
    assert line in warnings
    assert not any("when your plan changes" in w and "On the night of" in w for w in warnings)
    assert not any("when your plan changes" in w and "on the night of" in w for w in warnings)
    assert (
        checkin_slot(patient_a, zone="Europe/Berlin", night=date(2027, 3, 27), kind="evening")
        is None
    )


# --- the last call on every night ----------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Your last call at 23:30 is inside your quiet hours (22:00 to 02:30), so it waits "
            "until 02:30. Move the last call or the quiet hours if you want it earlier.",
        ),
        (
            "de",
            "Ihre letzte Erinnerung um 23:30 liegt in Ihren Ruhezeiten (22:00 bis 02:30) und "
            "wartet daher bis 02:30. Verschieben Sie die letzte Erinnerung oder die Ruhezeiten, "
            "wenn Sie sie früher möchten.",
        ),
        (
            "es",
            "Su último aviso de las 23:30 cae dentro de sus horas de silencio (de 22:00 a "
            "02:30), así que espera hasta las 02:30. Mueva el último aviso o las horas de "
            "silencio si lo quiere antes.",
        ),
    ],
)
def test_quiet_hours_holding_the_last_call_every_night_say_so(
    patient_client, patient_a, clinician_a, language, said
):
    """Berlin, quiet 22:00 to 02:30, reminder 21:00: the 23:30 last call waits until 02:30
    on every night, and the page said only that the night the clocks change drops it."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(22, 0), time(2, 30), time_zone="Europe/Berlin", last_call=True)
    slot = checkin_slot(patient_a, zone="Europe/Berlin", kind="last_call")
    assert slot.due_at.astimezone(ZoneInfo("Europe/Berlin")).time() == time(2, 30)
    warnings = warning_on_page(patient_client)
    assert warnings[0] == said
    assert len(warnings) == 2  # and the night the clocks change


def test_quiet_hours_dropping_the_last_call_every_night_say_it_cannot_reach_you(
    patient_client, patient_a, clinician_a
):
    """Quiet 23:00 to 09:30 hold the 23:30 last call past 03:00, when the dosing window
    closes: the sweep never sends it."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), morning_checkin=False)
    assert checkin_slot(patient_a, kind="last_call") is None
    assert warning_on_page(patient_client)[0] == (
        "Your last call at 23:30 is inside your quiet hours (23:00 to 09:30): it cannot reach "
        "you (the dosing window closes at 03:00). Move the last call or the quiet hours if you "
        "want it."
    )


@pytest.mark.parametrize(
    ("start", "end", "last_call"),
    [
        (time(22, 0), time(2, 30), False),  # no last call asked for
        (time(0, 0), time(2, 30), True),  # quiet hours after it
    ],
)
def test_no_last_call_warning_when_quiet_hours_leave_it_alone(
    patient_client, patient_a, clinician_a, start, end, last_call
):
    make_plan(patient_a, clinician_a)
    quiet(patient_a, start, end, last_call=last_call)
    assert not [w for w in warning_on_page(patient_client) if "last call" in w.lower()]


# --- The evening reminder and the last call held to one moment: said once -----------------

HELD_TOGETHER = {
    "en": (
        "Your evening reminder at 21:00 and your last call at 23:30 are inside your quiet "
        "hours (20:00 to 02:30), so they both wait until 02:30. Move them or the quiet hours "
        "if you want them earlier."
    ),
    "de": (
        "Ihre Abend-Erinnerung um 21:00 und Ihre letzte Erinnerung um 23:30 liegen in Ihren "
        "Ruhezeiten (20:00 bis 02:30) und warten daher beide bis 02:30. Verschieben Sie sie "
        "oder die Ruhezeiten, wenn Sie sie früher möchten."
    ),
    "es": (
        "Su recordatorio de la noche a las 21:00 y su último aviso de las 23:30 caen dentro "
        "de sus horas de silencio (de 20:00 a 02:30), así que ambos esperan hasta las 02:30. "
        "Muévalos o mueva las horas de silencio si los quiere antes."
    ),
}


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_an_evening_reminder_and_last_call_held_to_one_moment_are_said_once(
    patient_client, patient_a, clinician_a, language
):
    """Quiet 20:00 to 02:30 hold the 21:00 reminder and the 23:30 last call both to 02:30:
    the page said "... waits until 02:30" in two paragraphs (found in QA)."""
    make_plan(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(
        patient_a,
        time(20, 0),
        time(2, 30),
        reminder_time=time(21, 0),
        last_call_time=time(23, 30),
        morning_checkin=False,
    )
    # The sweep holds both to one moment.
    evening = checkin_slot(patient_a, kind=ReminderDelivery.Kind.EVENING)
    last_call = checkin_slot(patient_a, kind=ReminderDelivery.Kind.LAST_CALL)
    assert evening.due_at == last_call.due_at
    assert evening.due_at.time() == time(2, 30)
    assert warning_on_page(patient_client) == [HELD_TOGETHER[language]]


def test_held_to_different_moments_each_is_said_on_its_own(patient_client, patient_a, clinician_a):
    """Quiet 20:00 to 22:00 hold only the evening reminder; the last call comes as asked."""
    make_plan(patient_a, clinician_a)
    quiet(patient_a, time(20, 0), time(22, 0), morning_checkin=False)
    warnings = warning_on_page(patient_client)
    assert len(warnings) == 1
    assert warnings[0].startswith("Your evening reminder at 21:00 is inside your quiet hours")


# --- the evening reminder's time is the sweep's, as the last call's is ---------------------


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_quiet_hours_past_the_window_leave_no_evening_reminder_and_the_page_says_so(
    patient_client, patient_a, clinician_a, language
):
    """Quiet 20:00 to 03:30, reminder 21:00, last call 02:45: the sweep drops the evening
    reminder (held to 03:30, after the dosing window closes at 03:00). It sent the last call
    at 03:30 (useful for an hour after its time), saying "There is still time before the
    dosing window ends" half an hour after it had: a last call now expires at the window's
    end (schedule.slots_for_night), so neither comes, and the page says the quiet hours
    cover the whole evening window. The page took the reminder's time from the quiet hours'
    end and said it waits until 03:30; it reads the sweep's slots."""
    make_plan(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(20, 0), time(3, 30), last_call_time=time(2, 45), morning_checkin=False)
    assert checkin_slot(patient_a, kind="evening") is None  # what the sweep does
    assert checkin_slot(patient_a, kind="last_call") is None
    warnings = warning_on_page(patient_client)
    with translation.override(language):
        assert warnings[0] == gettext(WHOLE_EVENING)
    assert not any("03:30" in w and ("21:00" in w or "02:45" in w) for w in warnings)


# --- a switch of dosing time that starts on a clock-change day -----------------------------


def test_the_last_evening_before_a_switch_on_a_clock_change_day_is_judged_as_an_evening(
    patient_client, patient_a, clinician_a
):
    """Berlin, quiet 20:00 to 02:30, a switch to mornings signed from Sunday 28 March 2027,
    the day the clocks skip 02:00 to 03:00. Saturday 27 March is still an evening night
    (the plan's position that night): its reminders, held to 02:30 early on Sunday, are
    dropped by the sweep. That night was looked at by neither side of the switch (its
    change day is the switch's first night) and nothing was said of it."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2027, 3, 28))
    quiet(patient_a, time(20, 0), time(2, 30), time_zone="Europe/Berlin", last_call=True)
    # What the sweep does with that night, under evening dosing.
    assert _berlin_slot(patient_a, date(2027, 3, 27)) is None
    assert _berlin_slot(patient_a, date(2027, 3, 27), kind="last_call") is None
    warnings = warning_on_page(patient_client)
    assert warnings[1:] == [
        "On the night of Saturday 27 March (the clocks change early on Sunday 28 March): "
        "your evening reminder is not sent; your last call is not sent."
    ]


def test_each_clock_change_night_is_judged_under_the_dosing_time_the_plan_has_that_night(
    patient_client, patient_a, clinician_a
):
    """Mornings from 1 December, then evenings again from 1 March 2027: Berlin's spring
    change (early on 28 March) falls in the second evening stretch, so its night is judged
    as an evening (read from the plan night by night), not as the morning the first switch
    brings."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 12, 1))
    switch_dosing_time(patient_a, clinician_a, "evening", date(2027, 3, 1))
    quiet(patient_a, time(20, 0), time(2, 30), time_zone="Europe/Berlin", last_call=True)
    warnings = warning_on_page(patient_client)
    assert (
        "On the night of Saturday 27 March (the clocks change early on Sunday 28 March): "
        "your evening reminder is not sent; your last call is not sent."
    ) in warnings


# --- tonight's warnings hold until a signed switch of dosing time -----------------------------


@pytest.mark.parametrize(
    ("language", "until"),
    [
        ("en", "Until the night of Wednesday 25 November, while your plan has evening dosing: "),
        (
            "de",
            "Bis zur Nacht vom Mittwoch, 25. November, solange Ihr Plan abendliche Einnahme "
            "vorsieht: ",
        ),
        (
            "es",
            "Hasta la noche del miércoles 25 de noviembre, mientras su plan sea de toma por la "
            "noche: ",
        ),
    ],
)
def test_a_warning_about_tonights_dosing_time_says_it_holds_until_a_signed_switch(
    patient_client, patient_a, clinician_a, language, until
):
    """Quiet 23:00 to 09:30 drop the 23:30 last call of every evening night, and mornings
    are signed from Thursday 26 November: the page said "it cannot reach you" as if for
    good, beside "From Thursday 26 November, when your plan changes to morning dosing";
    it holds until the night of Wednesday 25 November, the last evening."""
    _to_mornings_from_the_26th(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(23, 0), time(9, 30), morning_time=time(8, 0), morning_checkin=False)
    assert checkin_slot(patient_a, kind="last_call") is None  # what the sweep does
    warnings = warning_on_page(patient_client)
    with translation.override(language):
        dropped = gettext(
            "Your last call at %(time)s is inside your quiet hours (%(start)s to "
            "%(end)s): it cannot reach you (the dosing window closes at 03:00). Move the "
            "last call or the quiet hours if you want it."
        ) % {"time": "23:30", "start": "23:00", "end": "09:30"}
        after = gettext("From %(day)s, when your plan changes to morning dosing: %(warning)s")
    if language != "de":
        dropped = dropped[0].lower() + dropped[1:]
    assert warnings[0] == until + dropped
    # Each warning about tonight's dosing time says until when; the switch's say from when.
    before = after.split("%(day)s")[0]
    assert all(w.startswith(until) or w.startswith(before) for w in warnings), warnings


def test_a_morning_dosers_warning_holds_until_the_day_before_the_switch_to_evenings(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", date(2026, 11, 25))
    quiet(patient_a, time(20, 0), time(9, 30), morning_time=time(8, 0), morning_checkin=False)
    with time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), tick=False):
        warnings = patient_client.get(SETTINGS).context["quiet_warnings"]
    assert warnings[0] == (
        "Until Tuesday 24 November, while your plan has morning dosing: your dose reminder "
        "at 08:00 is inside your quiet hours (20:00 to 09:30), so it waits until 09:30. Move "
        "your morning time or the quiet hours if you want it earlier."
    )
    assert warnings[1].startswith("From Wednesday 25 November, when your plan changes to")


def test_saved_but_says_until_the_switch_too(patient_client, patient_a, clinician_a):
    """The save that leaves no evening reminder, with mornings signed from the 26th: it
    leaves none until the last evening night."""
    _to_mornings_from_the_26th(patient_a, clinician_a)
    warnings, flashed = said(save(patient_client, **OVER_THE_EVENING))
    assert warnings[0] == (
        "Saved, but until the night of Wednesday 25 November, while your plan has evening "
        "dosing: " + WHOLE_EVENING[0].lower() + WHOLE_EVENING[1:]
    )
    assert flashed == []
    assert warning_on_page(patient_client)[0] == (
        "Until the night of Wednesday 25 November, while your plan has evening dosing: "
        + WHOLE_EVENING[0].lower()
        + WHOLE_EVENING[1:]
    )


# --- a morning doser's last call -------------------------------------------------------------


def _morning_last_call_slot(patient):
    """What the sweep schedules: a morning doser's last call on a typical day (the
    setting's minutes after the dose reminder), quiet hours applied."""
    prefs = Prefs(
        tz="UTC",
        morning_time=patient.morning_time,
        quiet_start=patient.quiet_start,
        quiet_end=patient.quiet_end,
        morning_last_call_after=morning_last_call_after(),
    )
    slots = slots_for_night(prefs, date(2026, 1, 15), "morning")
    return next((s for s in slots if s.kind == ReminderDelivery.Kind.LAST_CALL), None)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Your last call at 10:00 is inside your quiet hours (09:00 to 12:00), so it waits "
            "until 12:00. Move your morning time or the quiet hours if you want it earlier.",
        ),
        (
            "de",
            "Ihre letzte Erinnerung um 10:00 liegt in Ihren Ruhezeiten (09:00 bis 12:00) und "
            "wartet daher bis 12:00. Verschieben Sie Ihre Morgenzeit oder die Ruhezeiten, wenn "
            "Sie sie früher möchten.",
        ),
        (
            "es",
            "Su último aviso de las 10:00 cae dentro de sus horas de silencio (de 09:00 a "
            "12:00), así que espera hasta las 12:00. Cambie su hora de la mañana o las horas "
            "de silencio si lo quiere antes.",
        ),
    ],
)
def test_quiet_hours_holding_a_morning_dosers_last_call_say_so(
    patient_client, patient_a, clinician_a, language, said
):
    """Morning time 08:00, quiet 09:00 to 12:00: the dose reminder comes at 08:00, the last
    call two hours later waits until 12:00, and the page said nothing of it (an evening
    doser's held last call is said)."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    quiet(patient_a, time(9, 0), time(12, 0), morning_time=time(8, 0))
    assert _morning_last_call_slot(patient_a).due_at.time() == time(12, 0)
    assert warning_on_page(patient_client) == [said]


def test_quiet_hours_past_the_morning_window_say_a_morning_dosers_last_call_cannot_reach_them(
    patient_client, patient_a, clinician_a
):
    """Quiet 09:00 to 15:00 hold the 10:00 last call past 14:00, when the morning dosing
    window ends and the card no longer offers "Taken now": the sweep drops it. (It said
    the day ends at midnight, when the reminders expired then.)"""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    quiet(patient_a, time(9, 0), time(15, 0), morning_time=time(8, 0))
    assert _morning_last_call_slot(patient_a) is None
    assert warning_on_page(patient_client)[0] == (
        "Your last call at 10:00 is inside your quiet hours (09:00 to 15:00): it cannot reach "
        "you (your morning dosing window ends at 14:00). Move your morning time or the quiet "
        "hours if you want it."
    )


def test_a_morning_dosers_last_call_warning_reads_the_minutes_the_sweep_uses(
    patient_client, patient_a, clinician_a, settings
):
    """With the last call 30 minutes after the dose reminder (the setting the sweep reads),
    quiet 08:15 to 09:00 hold it; read with a default of two hours the page said nothing."""
    settings.LDN_MORNING_LAST_CALL_MINUTES = 30
    make_plan(patient_a, clinician_a, dosing_time="morning")
    quiet(patient_a, time(8, 15), time(9, 0), morning_time=time(8, 0), morning_checkin=False)
    assert _morning_last_call_slot(patient_a).due_at.time() == time(9, 0)
    assert warning_on_page(patient_client) == [
        "Your last call at 08:30 is inside your quiet hours (08:15 to 09:00), so it waits "
        "until 09:00. Move your morning time or the quiet hours if you want it earlier."
    ]


def test_no_morning_last_call_warning_when_it_is_off_or_outside_quiet_hours(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    quiet(patient_a, time(9, 0), time(12, 0), morning_time=time(8, 0), last_call=False)
    assert warning_on_page(patient_client) == []
    quiet(patient_a, time(10, 30), time(12, 0), morning_time=time(8, 0), last_call=True)
    assert warning_on_page(patient_client) == []
