"""An evening doser's reminders against the end of the evening dosing window (03:00, when
"Taken now" ends: nights.dosing_window_end), for times stored before the settings form took
evening times only from 12:00 to 02:30, half an hour before the end
(schedule.last_dose_reminder_time; written here straight to the model, as a migration from
the older rules leaves them), decided by the sweep's one rule (schedule.slots_for_night,
read through wanted_slots) and said on the settings page from the same rule.

- A last call stored at 03:30 was sent at 03:30, after the window, saying "There is still
  time before the dosing window ends"; one stored at 03:00 came at the window's very end.
  It comes DOSE_REMINDER_MARGIN (half an hour) before the end instead (02:30), or, with no
  room left after the evening reminder, not at all.
- An evening reminder time stored at 03:30 (or 11:00) came after the window (or the next
  late morning, after the missed-dose follow-up): it is read as 02:30.
- One stored in the window's last half hour (02:59, taken by the form from 12:00 to 02:59)
  left a minute to take the dose with one tap: it is read as 02:30 too, reminder or last
  call.
- Quiet hours no longer hold a last call past the window's end: it is dropped, as a morning
  doser's is, and the page says so.
The settings page names the stored time and the time used (stale_evening_times), in
en/de/es; "Next reminder" reads the same slots."""

import html
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.journal import entries
from patients.models import Patient, ReminderDelivery
from patients.rules.schedule import DOSE_REMINDER_MARGIN, Prefs, slots_for_night
from prescriptions import plans
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.reminder_support import (
    SETTINGS_FORM,
    claim,
    described_by,
    patient_on_plan,
    send_at,
    settings_page_at,
)

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

NIGHT = date(2026, 1, 15)  # London is on GMT: local time is UTC
NEXT = date(2026, 1, 16)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def slots(tz="Europe/London", night=NIGHT, **fields):
    prefs = Prefs(tz=tz, **fields)
    return {slot.kind: slot for slot in slots_for_night(prefs, night, "evening")}


def stored(patient, **fields):
    """Older values written straight to the row, bypassing the form (as a migration would)."""
    Patient.objects.filter(pk=patient.pk).update(**fields)
    patient.refresh_from_db()
    return patient


# --- 1. the last call never comes at or after the window's end ------------------------------


@pytest.mark.parametrize(
    "stored_time",
    [time(2, 31), time(2, 45), time(2, 59), time(3, 0), time(3, 30), time(8, 0), time(11, 59)],
)
def test_a_last_call_stored_after_the_last_half_hour_comes_half_an_hour_before_the_end(
    stored_time,
):
    """03:30 was sent at 03:30 (useful for an hour after its time), 03:00 at the window's
    very end, 11:59 the next late morning: each after "Taken now" had ended; 02:59 left a
    minute to take the dose."""
    found = slots(last_call_time=stored_time)
    assert found[Kind.LAST_CALL].due_at == utc(2026, 1, 16, 2, 30)
    assert found[Kind.LAST_CALL].expires_at == utc(2026, 1, 16, 3, 0)


@pytest.mark.parametrize("inside", [time(23, 30), time(1, 0), time(2, 15), time(2, 30)])
def test_a_last_call_the_form_accepts_keeps_its_time(inside):
    found = slots(last_call_time=inside)
    assert found[Kind.LAST_CALL].due_at == datetime.combine(
        NIGHT if inside.hour >= 12 else NEXT, inside, UTC
    )


@pytest.mark.parametrize("reminder", [time(2, 1), time(2, 15), time(2, 45)])
def test_no_moved_last_call_when_the_window_leaves_no_half_hour_after_the_reminder(reminder):
    """A last call moved to 02:30 would come less than half an hour after (or before) an
    evening reminder at 02:01 or later: a second nudge at once, or none worth the name."""
    found = slots(reminder_time=reminder, last_call_time=time(3, 30))
    assert Kind.EVENING in found
    assert Kind.LAST_CALL not in found


def test_a_moved_last_call_half_an_hour_after_the_reminder_is_kept():
    found = slots(reminder_time=time(2, 0), last_call_time=time(3, 30))
    assert found[Kind.LAST_CALL].due_at == utc(2026, 1, 16, 2, 30)


def test_no_last_call_is_ever_due_at_or_after_the_window_end():
    end = utc(2026, 1, 16, 3, 0)
    for reminder_minutes in range(12 * 60, 27 * 60, 37):
        reminder = (datetime(2026, 1, 15) + timedelta(minutes=reminder_minutes)).time()
        for minutes in range(0, 24 * 60, 13):
            last = (datetime(2026, 1, 15) + timedelta(minutes=minutes)).time()
            found = slots(reminder_time=reminder, last_call_time=last)
            if Kind.LAST_CALL in found:
                assert found[Kind.LAST_CALL].due_at < end
                assert found[Kind.LAST_CALL].expires_at <= end


@pytest.mark.parametrize(
    ("tz", "night", "stored_time", "expected"),
    [
        # Helsinki, 2026-03-29 03:00 EET -> 04:00 EEST: the window ends at the jump (01:00
        # UTC); a stored 03:00 came then. Half an hour before: 02:30 EET.
        ("Europe/Helsinki", date(2026, 3, 28), time(3, 0), utc(2026, 3, 29, 0, 30)),
        # London, 2026-03-29 01:00 GMT -> 02:00 BST: 03:00 BST is 02:00 UTC.
        ("Europe/London", date(2026, 3, 28), time(3, 0), utc(2026, 3, 29, 1, 30)),
        # New York, 2026-03-08 02:00 EST -> 03:00 EDT: 02:30 is skipped, so a 02:30 (or a
        # stored 03:00) last call fell on the jump, the window's very end (07:00 UTC); it
        # comes half an hour of real time before it, at 01:30 EST.
        ("America/New_York", date(2026, 3, 7), time(2, 30), utc(2026, 3, 8, 6, 30)),
        ("America/New_York", date(2026, 3, 7), time(3, 0), utc(2026, 3, 8, 6, 30)),
    ],
)
def test_on_a_spring_forward_night_the_last_call_still_comes_before_the_window_ends(
    tz, night, stored_time, expected
):
    found = slots(tz=tz, night=night, last_call_time=stored_time)
    assert found[Kind.LAST_CALL].due_at == expected


def test_the_margin_is_half_an_hour():
    assert timedelta(minutes=30) == DOSE_REMINDER_MARGIN


# --- 2. the evening reminder time stored after the window -----------------------------------


@pytest.mark.parametrize(
    "stored_time", [time(2, 31), time(2, 59), time(3, 0), time(3, 30), time(11, 0)]
)
def test_an_evening_reminder_stored_after_the_last_half_hour_comes_half_an_hour_before_the_end(
    stored_time,
):
    """03:30 came after "Taken now" had ended; 11:00 the next late morning, two hours
    after the follow-up asking whether last night's dose was taken."""
    found = slots(reminder_time=stored_time, last_call=False)
    assert found[Kind.EVENING].due_at == utc(2026, 1, 16, 2, 30)


@pytest.mark.parametrize("inside", [time(12, 0), time(21, 0), time(2, 29), time(2, 30)])
def test_an_evening_reminder_the_form_accepts_keeps_its_time(inside):
    found = slots(reminder_time=inside, last_call=False)
    assert found[Kind.EVENING].due_at == datetime.combine(
        NIGHT if inside.hour >= 12 else NEXT, inside, UTC
    )


def test_a_stored_reminder_and_last_call_both_after_the_window_leave_one_nudge():
    found = slots(reminder_time=time(3, 30), last_call_time=time(4, 0))
    assert found[Kind.EVENING].due_at == utc(2026, 1, 16, 2, 30)
    assert Kind.LAST_CALL not in found


def test_the_morning_after_is_untouched_by_a_stale_evening_time():
    found = slots(reminder_time=time(3, 30), last_call_time=time(3, 45))
    assert found[Kind.MORNING].due_at == found[Kind.MISSED].due_at == utc(2026, 1, 16, 9, 0)


# --- 3. quiet hours never hold a last call past the window ---------------------------------


def test_quiet_hours_that_hold_a_last_call_past_the_window_drop_it():
    """Quiet 20:00 to 03:30, last call 02:45: it was sent at 03:30, "There is still time
    before the dosing window ends", half an hour after it had."""
    found = slots(last_call_time=time(2, 45), quiet_start=time(20, 0), quiet_end=time(3, 30))
    assert Kind.LAST_CALL not in found


def test_quiet_hours_that_end_inside_the_window_still_hold_the_moved_last_call():
    found = slots(last_call_time=time(3, 30), quiet_start=time(2, 0), quiet_end=time(2, 45))
    assert found[Kind.LAST_CALL].due_at == utc(2026, 1, 16, 2, 45)


# --- 4. the sweep and the outbox, with the clock at each moment ----------------------------


@pytest.mark.django_db
def test_the_sweep_sends_a_stale_last_call_before_the_window_ends():
    patient = patient_on_plan(start=NIGHT, morning_checkin=False)
    stored(patient, last_call_time=time(3, 30))
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert send_at(utc(2026, 1, 15, 21, 0), evening) == Status.SENT
    assert claim(utc(2026, 1, 16, 2, 29)) == []
    [last_call] = claim(utc(2026, 1, 16, 2, 30))
    assert ReminderDelivery.objects.get(pk=last_call).kind == Kind.LAST_CALL
    assert send_at(utc(2026, 1, 16, 2, 30), last_call) == Status.SENT
    assert claim(utc(2026, 1, 16, 3, 30)) == []  # nothing after the window
    assert [m.subject for m in mail.outbox] == [
        "Time for tonight's dose",
        "Last call for last night's dose",
    ]


@pytest.mark.django_db
def test_the_sweep_sends_a_stale_evening_reminder_before_the_window_ends():
    patient = patient_on_plan(start=NIGHT, morning_checkin=False, last_call=False)
    stored(patient, reminder_time=time(3, 30))
    assert claim(utc(2026, 1, 16, 2, 29)) == []
    [evening] = claim(utc(2026, 1, 16, 2, 30))
    assert ReminderDelivery.objects.get(pk=evening).kind == Kind.EVENING
    assert claim(utc(2026, 1, 16, 3, 30)) == []


@pytest.mark.django_db
def test_a_last_call_claimed_at_the_windows_end_before_the_fix_is_not_sent():
    """A row claimed by the old rule (due 03:00, useful for an hour) is judged again when
    it is sent: the window has ended, so there is no "still time"."""
    patient = patient_on_plan(start=NIGHT, morning_checkin=False)
    row = ReminderDelivery.objects.create(
        key=f"r:{patient.pk}:{NIGHT.isoformat()}:last_call:email",
        recipient=patient.user,
        patient=patient,
        night=NIGHT,
        kind=Kind.LAST_CALL,
        channel=ReminderDelivery.Channel.EMAIL,
        due_at=utc(2026, 1, 16, 3, 0),
        expires_at=utc(2026, 1, 16, 4, 0),
        claimed_at=utc(2026, 1, 16, 3, 0),
    )
    assert send_at(utc(2026, 1, 16, 3, 0), row.pk) == Status.SKIPPED
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.last_error == "Too late: the dosing window ended before it could be sent."


# --- 5. the settings page says the time used ------------------------------------------------

SETTINGS = reverse("journal:settings")
AT_NOON = utc(2026, 1, 15, 12, 0)


def settings_page(client, patient, language="en"):
    return settings_page_at(client, patient, AT_NOON, language)


STALE_LAST_CALL = {
    "en": (
        "Your last call time (03:30) is too late: a reminder comes at least half an hour "
        "before the evening dosing window ends (03:00), so your last call comes at 02:30 "
        "instead. Choose an evening time from 12:00 to 02:30 to change it."
    ),
    "de": (
        "Ihre Zeit für die letzte Erinnerung (03:30) ist zu spät: Eine Erinnerung kommt "
        "mindestens eine halbe Stunde bevor das abendliche Einnahmefenster endet (03:00), "
        "daher kommt Ihre letzte Erinnerung stattdessen um 02:30. Wählen Sie eine Abendzeit "
        "von 12:00 bis 02:30, um dies zu ändern."
    ),
    "es": (
        "Su hora del último aviso (03:30) es demasiado tarde: un recordatorio llega al menos "
        "media hora antes de que termine el intervalo de toma de la noche (03:00), así que "
        "su último aviso llega a las 02:30 en su lugar. Elija una hora de la noche de 12:00 "
        "a 02:30 para cambiarlo."
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_settings_page_says_a_stale_last_call_and_the_time_used(client, language):
    patient = stored(patient_on_plan(start=NIGHT), last_call_time=time(3, 30))
    page = settings_page(client, patient, language)
    assert page.context["form"].stale_evening_times() == STALE_LAST_CALL[language]
    assert STALE_LAST_CALL[language] in html.unescape(page.content.decode())


STALE_REMINDER = {
    "en": (
        "Your evening reminder time (11:00) is too late: a reminder comes at least half an "
        "hour before the evening dosing window ends (03:00), so your evening reminder comes "
        "at 02:30 instead. Choose an evening time from 12:00 to 02:30 to change it."
    ),
    "de": (
        "Ihre Zeit für die Abend-Erinnerung (11:00) ist zu spät: Eine Erinnerung kommt "
        "mindestens eine halbe Stunde bevor das abendliche Einnahmefenster endet (03:00), "
        "daher kommt Ihre Abend-Erinnerung stattdessen um 02:30. Wählen Sie eine Abendzeit "
        "von 12:00 bis 02:30, um dies zu ändern."
    ),
    "es": (
        "Su hora del recordatorio de la noche (11:00) es demasiado tarde: un recordatorio "
        "llega al menos media hora antes de que termine el intervalo de toma de la noche "
        "(03:00), así que su recordatorio de la noche llega a las 02:30 en su lugar. Elija "
        "una hora de la noche de 12:00 a 02:30 para cambiarlo."
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_settings_page_says_a_stale_evening_reminder_and_the_time_used(client, language):
    patient = stored(patient_on_plan(start=NIGHT, last_call=False), reminder_time=time(11, 0))
    page = settings_page(client, patient, language)
    assert page.context["form"].stale_evening_times() == STALE_REMINDER[language]
    assert STALE_REMINDER[language] in html.unescape(page.content.decode())


NO_ROOM = {
    "en": (
        "Your last call time (03:30) is too late: a reminder comes at least half an hour "
        "before the evening dosing window ends (03:00), so it would come at 02:30, too soon "
        "after your evening reminder: no last call is sent. Choose an evening time from "
        "12:00 to 02:30 to change it."
    ),
    "de": (
        "Ihre Zeit für die letzte Erinnerung (03:30) ist zu spät: Eine Erinnerung kommt "
        "mindestens eine halbe Stunde bevor das abendliche Einnahmefenster endet (03:00), "
        "sie käme also um 02:30, zu kurz nach Ihrer Abend-Erinnerung: Es wird keine letzte "
        "Erinnerung gesendet. Wählen Sie eine Abendzeit von 12:00 bis 02:30, um dies zu "
        "ändern."
    ),
    "es": (
        "Su hora del último aviso (03:30) es demasiado tarde: un recordatorio llega al menos "
        "media hora antes de que termine el intervalo de toma de la noche (03:00), así que "
        "llegaría a las 02:30, demasiado pronto después de su recordatorio de la noche: no "
        "se envía ningún último aviso. Elija una hora de la noche de 12:00 a 02:30 para "
        "cambiarlo."
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_settings_page_says_no_last_call_comes_when_there_is_no_room(client, language):
    patient = stored(
        patient_on_plan(start=NIGHT), reminder_time=time(2, 15), last_call_time=time(3, 30)
    )
    notice = settings_page(client, patient, language).context["form"].stale_evening_times()
    assert notice == NO_ROOM[language]


@pytest.mark.django_db
def test_both_stale_times_are_said(client):
    patient = stored(
        patient_on_plan(start=NIGHT), reminder_time=time(3, 30), last_call_time=time(4, 0)
    )
    notice = settings_page(client, patient).context["form"].stale_evening_times()
    assert notice.startswith(
        "Your evening reminder time (03:30) is too late: a reminder comes at least half an "
        "hour before the evening dosing window ends (03:00), so your evening reminder comes "
        "at 02:30 instead. Your last call time (04:00) is too late: a reminder comes at "
        "least half an hour before the evening dosing window ends (03:00), so it would come "
        "at 02:30, too soon after your evening reminder: no last call is sent."
    )


@pytest.mark.django_db
def test_no_notice_for_evening_times_the_form_accepts(client):
    patient = stored(
        patient_on_plan(start=NIGHT), reminder_time=time(2, 0), last_call_time=time(2, 30)
    )
    assert settings_page(client, patient).context["form"].stale_evening_times() == ""


@pytest.mark.django_db
def test_no_notice_for_a_stale_last_call_that_is_switched_off(client):
    patient = stored(patient_on_plan(start=NIGHT), last_call=False, last_call_time=time(3, 30))
    assert settings_page(client, patient).context["form"].stale_evening_times() == ""


@pytest.mark.django_db
def test_no_notice_for_a_morning_doser_with_no_switch_to_evenings(client):
    """Their evening times are not used (the page says so beside the fields)."""
    patient = patient_on_plan(start=NIGHT, dosing_time="morning")
    stored(patient, reminder_time=time(3, 30), last_call_time=time(3, 45))
    assert settings_page(client, patient).context["form"].stale_evening_times() == ""


@pytest.mark.django_db
def test_the_notice_is_given_ahead_of_a_signed_switch_to_evening_dosing(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", date(2026, 11, 28))
    stored(patient_a, last_call_time=time(3, 30))
    with time_machine.travel(utc(2026, 11, 25, 10, 0), tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form.stale_evening_times() == STALE_LAST_CALL["en"]


@pytest.mark.django_db
def test_the_settings_pages_next_reminder_is_the_time_used(client):
    patient = stored(
        patient_on_plan(start=NIGHT, last_call=False, morning_checkin=False),
        reminder_time=time(3, 30),
    )
    assert "02:30" in settings_page(client, patient).context["next_reminder"]


@pytest.mark.django_db
def test_the_stale_evening_notice_describes_the_stale_fields(client):
    """The notice stands above the reminder times: each stale field names it in its
    aria-describedby (a screen reader on the field hears that its time is not the one used);
    a field whose time is used as saved does not."""
    patient = stored(patient_on_plan(start=NIGHT), last_call_time=time(3, 30))
    page = settings_page(client, patient)
    assert 'id="stale-evening-times"' in page.content.decode()
    assert described_by(page, "id_last_call_time")[-1] == "stale-evening-times"
    assert "stale-evening-times" not in described_by(page, "id_reminder_time")
    both = stored(patient, reminder_time=time(11, 0))
    page = settings_page(client, both)
    assert described_by(page, "id_reminder_time")[-1] == "stale-evening-times"
    assert described_by(page, "id_last_call_time")[-1] == "stale-evening-times"


# --- 6. the window's last half hour: the form, the sweep, "At my usual time", the notice ----


def save_settings(client, **changes):
    with time_machine.travel(AT_NOON, tick=False):
        return client.post(SETTINGS, {**SETTINGS_FORM, **changes})


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {"reminder_time": "02:30", "last_call": ""},
        {"reminder_time": "02:00", "last_call_time": "02:30"},
    ],
)
def test_the_form_takes_an_evening_time_half_an_hour_before_the_window_ends(
    patient_client, patient_a, changes
):
    assert save_settings(patient_client, **changes).status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.reminder_time == time.fromisoformat(changes["reminder_time"])
    assert patient_a.last_call_time == time.fromisoformat(changes.get("last_call_time", "23:30"))


REFUSED_EVENING = {
    "en": (
        "Choose an evening time from 12:00 to 02:30: the dosing window ends at 03:00, and a "
        "reminder comes at least half an hour before that, to leave you time to take your "
        "dose."
    ),
    "de": (
        "Wählen Sie eine Abendzeit von 12:00 bis 02:30: Das Einnahmefenster endet um 03:00, "
        "und eine Erinnerung kommt mindestens eine halbe Stunde vorher, damit Ihnen Zeit "
        "bleibt, Ihre Dosis einzunehmen."
    ),
    "es": (
        "Elija una hora de la noche de 12:00 a 02:30: el intervalo de toma termina a las "
        "03:00, y un recordatorio llega al menos media hora antes, para dejarle tiempo de "
        "tomar su dosis."
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("reminder_time", {"reminder_time": "02:31", "last_call": ""}),
        ("last_call_time", {"reminder_time": "02:00", "last_call_time": "02:31"}),
        ("last_call_time", {"last_call_time": "02:59"}),
    ],
)
def test_the_form_refuses_an_evening_time_in_the_windows_last_half_hour(
    patient_client, patient_a, language, field, changes
):
    """02:59 was taken: a last call a minute before "Taken now" ends."""
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    response = save_settings(patient_client, language=language, **changes)
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].errors[field]] == [REFUSED_EVENING[language]]
    patient_a.refresh_from_db()
    assert (patient_a.reminder_time, patient_a.last_call_time) == (time(21, 0), time(23, 30))


@pytest.mark.django_db
def test_the_evening_fields_help_names_the_times_the_form_takes(patient_client):
    with time_machine.travel(AT_NOON, tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form["reminder_time"].help_text == (
        "If tonight's dose is not logged by then. From 12:00 to 02:30."
    )
    assert form["last_call_time"].help_text == (
        "By 02:30, half an hour before the window ends at 03:00."
    )


@pytest.mark.django_db
def test_a_reminder_stored_in_the_last_half_hour_is_02_30_for_the_sweep_the_card_and_the_notice(
    client,
):
    """02:45, stored when the form took 12:00 to 02:59: the sweep sends the evening
    reminder at 02:30, "At my usual time" offers 02:30 (schedule.dose_reminder_time), and
    the notice names 02:30; none says 02:45."""
    patient = stored(
        patient_on_plan(start=NIGHT, last_call=False, morning_checkin=False),
        reminder_time=time(2, 45),
    )
    assert claim(utc(2026, 1, 16, 2, 29)) == []
    [evening] = claim(utc(2026, 1, 16, 2, 30))
    assert ReminderDelivery.objects.get(pk=evening).kind == Kind.EVENING
    usual = entries.usual_time(plans.load(patient), patient, NIGHT)
    assert usual == utc(2026, 1, 16, 2, 30)
    notice = settings_page(client, patient).context["form"].stale_evening_times()
    assert notice == (
        "Your evening reminder time (02:45) is too late: a reminder comes at least half an "
        "hour before the evening dosing window ends (03:00), so your evening reminder comes "
        "at 02:30 instead. Choose an evening time from 12:00 to 02:30 to change it."
    )
    client.force_login(patient.user)
    with time_machine.travel(utc(2026, 1, 16, 4, 0), tick=False):
        home = client.get(reverse("journal:home")).content.decode()
    assert "At my usual time, 02:30" in home


@pytest.mark.django_db
def test_a_last_call_stored_in_the_last_half_hour_is_sent_at_02_30_and_named_so(client):
    patient = stored(
        patient_on_plan(start=NIGHT, morning_checkin=False), last_call_time=time(2, 59)
    )
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert ReminderDelivery.objects.get(pk=evening).kind == Kind.EVENING
    assert claim(utc(2026, 1, 16, 2, 29)) == []
    [last_call] = claim(utc(2026, 1, 16, 2, 30))
    assert ReminderDelivery.objects.get(pk=last_call).kind == Kind.LAST_CALL
    page = settings_page(client, patient)
    assert page.context["form"].stale_evening_times() == (
        "Your last call time (02:59) is too late: a reminder comes at least half an hour "
        "before the evening dosing window ends (03:00), so your last call comes at 02:30 "
        "instead. Choose an evening time from 12:00 to 02:30 to change it."
    )
    assert described_by(page, "id_last_call_time")[-1] == "stale-evening-times"
