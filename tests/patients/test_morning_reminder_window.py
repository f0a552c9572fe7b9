"""A morning doser's dose reminders are useful until the morning dosing window ends, as the
home card's "Taken now" is (nights.dosing_window_end, LDN_MORNING_DOSING_WINDOW_END).

After the window (14:00 local by default) the card refuses "Taken now" ("It is past today's
dosing window") and asks "When did you take it?"; the dose reminder stayed valid until
midnight, so one sent late (a backlog, an outage) or held by quiet hours went out at 20:00
saying "Time for today's dose"."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.models import NightlyEntry, ReminderDelivery
from patients.notifications import sweep
from patients.notifications.outbox import send_delivery
from patients.rules.schedule import Prefs, slots_for_night
from tests.patients.reminder_support import patient_on_plan

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

DAY = date(2026, 1, 15)  # London is on GMT: local time is UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def claim(at):
    return sweep.sweep(at, dispatch=lambda ids: None).claimed


def send_at(at, delivery_id):
    with time_machine.travel(at, tick=False):
        return send_delivery(delivery_id)


def dose_slots(prefs):
    return {
        slot.kind: slot
        for slot in slots_for_night(prefs, DAY, "morning")
        if slot.kind in (Kind.EVENING, Kind.LAST_CALL)
    }


def test_a_morning_dosers_dose_reminder_and_last_call_are_useful_until_the_window_ends():
    slots = dose_slots(Prefs(tz="Europe/London", morning_time=time(8, 0)))
    assert slots[Kind.EVENING].expires_at == utc(2026, 1, 15, 14, 0)
    assert slots[Kind.LAST_CALL].expires_at == utc(2026, 1, 15, 14, 0)


def test_the_morning_reminders_expire_at_the_window_end_the_clinic_sets():
    prefs = Prefs(tz="Europe/London", morning_time=time(8, 0), morning_window_end=time(16, 30))
    assert dose_slots(prefs)[Kind.EVENING].expires_at == utc(2026, 1, 15, 16, 30)


def test_quiet_hours_past_the_morning_window_leave_no_dose_reminder():
    """Quiet 06:00 to 15:00, morning time 08:00: held until 15:00, the reminder came after
    the window, saying "Time for today's dose" under a card that asks when it was taken."""
    prefs = Prefs(
        tz="Europe/London", morning_time=time(8, 0), quiet_start=time(6, 0), quiet_end=time(15, 0)
    )
    assert dose_slots(prefs) == {}


@pytest.mark.django_db
def test_a_morning_dose_reminder_sent_after_the_window_is_not_sent():
    """Due 11:30, sent at 20:00 by a backlog: the card it opens refuses "Taken now"."""
    patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30), last_call=False)
    [reminder] = claim(utc(2026, 1, 15, 11, 30))
    assert ReminderDelivery.objects.get(pk=reminder).kind == Kind.EVENING
    assert send_at(utc(2026, 1, 15, 20, 0), reminder) == Status.EXPIRED
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_morning_dose_reminder_claimed_with_a_later_expiry_is_skipped_after_the_window():
    """One claimed before the reminders expired at the window's end (useful until midnight
    then) is held to the same rule when it is sent."""
    patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30), last_call=False)
    [reminder] = claim(utc(2026, 1, 15, 11, 30))
    ReminderDelivery.objects.filter(pk=reminder).update(expires_at=utc(2026, 1, 16, 0, 0))
    assert send_at(utc(2026, 1, 15, 20, 0), reminder) == Status.SKIPPED
    assert mail.outbox == []
    row = ReminderDelivery.objects.get(pk=reminder)
    assert row.last_error == "Too late: the dosing window ended before it could be sent."


@pytest.mark.django_db
def test_a_morning_dose_reminder_sent_late_within_the_window_still_goes():
    patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30), last_call=False)
    [reminder] = claim(utc(2026, 1, 15, 11, 30))
    assert send_at(utc(2026, 1, 15, 13, 59), reminder) == Status.SENT
    assert mail.outbox[0].subject == "Time for today's dose"


@pytest.mark.django_db
def test_the_sweep_sends_no_morning_dose_reminder_held_past_the_window():
    patient_on_plan(
        dosing_time="morning",
        start=DAY,
        morning_time=time(8, 0),
        quiet_start=time(6, 0),
        quiet_end=time(15, 0),
        morning_checkin=False,
    )
    for hour in (8, 10, 15, 20):
        assert claim(utc(2026, 1, 15, hour, 0)) == []


@pytest.mark.django_db
def test_the_sweep_reads_the_clinics_morning_window_end(settings):
    """Quiet until 15:00 with the window open until 16:00: the reminder waits, and goes."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(16, 0)
    patient_on_plan(
        dosing_time="morning",
        start=DAY,
        morning_time=time(8, 0),
        quiet_start=time(6, 0),
        quiet_end=time(15, 0),
        last_call=False,
    )
    [reminder] = claim(utc(2026, 1, 15, 15, 0))
    assert ReminderDelivery.objects.get(pk=reminder).expires_at == utc(2026, 1, 15, 16, 0)
    assert send_at(utc(2026, 1, 15, 15, 0), reminder) == Status.SENT


@pytest.mark.django_db
def test_at_the_hour_the_late_reminder_came_the_card_asks_when_and_refuses_taken_now(
    client,
):
    """What the reminder would have opened at 20:00: no "Taken now", the time is asked."""
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30))
    client.force_login(patient.user)
    with time_machine.travel(utc(2026, 1, 15, 20, 0), tick=False):
        page = client.get(reverse("journal:home")).content.decode()
        refused = client.post(
            reverse("journal:taken_now"),
            {"submission_id": "5f0e8a52-0d3c-4d1e-9a55-1f3b2c4d5e6f"},
            follow=True,
        )
    assert "When did you take it?" in page
    assert "It is past today's dosing window, so we do not use the time now." in page
    assert 'action="' + reverse("journal:taken_now") not in page
    said = " ".join(str(message) for message in refused.context["messages"])
    assert "It is past today's dosing window, so the time now would be wrong." in said
    assert not NightlyEntry.objects.filter(patient=patient).exists()


def test_a_last_call_two_hours_after_a_late_morning_time_stays_inside_the_window():
    """The latest morning time the settings allow (11:59) with the default two hours: the
    last call at 13:59 is still in the default window (14:00)."""
    prefs = Prefs(
        tz="Europe/London", morning_time=time(11, 59), morning_last_call_after=timedelta(hours=2)
    )
    assert dose_slots(prefs)[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 13, 59)


# --- the settings page says the same window -------------------------------------------------

SETTINGS = reverse("journal:settings")
AT_10 = utc(2026, 11, 25, 10, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Your quiet hours run from your morning time to the end of your morning dosing "
            "window (14:00): no dose reminder can reach you. Shorten the quiet hours to get one.",
        ),
        (
            "de",
            "Ihre Ruhezeiten reichen von Ihrer Morgenzeit bis zum Ende Ihres morgendlichen "
            "Einnahmefensters (14:00): Keine Dosis-Erinnerung kann Sie erreichen. Verkürzen "
            "Sie die Ruhezeiten, um eine zu erhalten.",
        ),
        (
            "es",
            "Sus horas de silencio van desde su hora de la mañana hasta el final de su "
            "intervalo de toma de la mañana (14:00): ningún recordatorio de dosis puede "
            "llegarle. Acorte las horas de silencio para recibir uno.",
        ),
    ],
)
def test_quiet_hours_until_after_the_morning_window_warn_that_no_dose_reminder_comes(
    client, language, said
):
    """Quiet 06:00 to 15:00, morning time 08:00: the sweep drops the dose reminder (it
    would come after the window); the page said nothing, the reminder "waiting" until 15:00
    within a day that was said to last until midnight."""
    patient = patient_on_plan(
        dosing_time="morning",
        start=DAY,
        morning_time=time(8, 0),
        quiet_start=time(6, 0),
        quiet_end=time(15, 0),
        morning_checkin=False,
        last_call=False,
    )
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    client.force_login(patient.user)
    with time_machine.travel(AT_10, tick=False):
        assert client.get(SETTINGS).context["quiet_warnings"] == [said]
