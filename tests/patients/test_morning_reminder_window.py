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
from patients.rules.schedule import Prefs, slots_for_night
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.reminder_support import claim, patient_on_plan, send_at

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

DAY = date(2026, 1, 15)  # London is on GMT: local time is UTC


def utc(*args):
    return datetime(*args, tzinfo=UTC)


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
    last call, 13:59 by the two hours, comes half an hour before the default window's end
    (14:00), with time left to take the dose (schedule.morning_last_call)."""
    prefs = Prefs(
        tz="Europe/London", morning_time=time(11, 59), morning_last_call_after=timedelta(hours=2)
    )
    assert dose_slots(prefs)[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 13, 30)


# --- the settings page says the same window -------------------------------------------------

SETTINGS = reverse("journal:settings")
AT_10 = utc(2026, 11, 25, 10, 0)
FORM = {
    "display_name": "Patient A",
    "time_zone": "Europe/London",
    "reminder_time": "21:00",
    "last_call_time": "23:30",
    "morning_time": "09:00",
    "remind_by_email": "on",
    "quiet_start": "",
    "quiet_end": "",
}


def save_settings(client, **changes):
    with time_machine.travel(AT_10, tick=False):
        return client.post(SETTINGS, {**FORM, **changes})


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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Choose a morning time from 03:00 to 09:30: your morning dose is logged with one "
            "tap until 10:00, and a dose reminder comes at least half an hour before that, to "
            "leave you time to take it.",
        ),
        (
            "de",
            "Wählen Sie eine Morgenzeit von 03:00 bis 09:30: Ihre Morgendosis wird bis 10:00 "
            "mit einem Tippen eingetragen, und eine Dosis-Erinnerung kommt mindestens eine "
            "halbe Stunde vorher, damit Ihnen Zeit bleibt, sie einzunehmen.",
        ),
        (
            "es",
            "Elija una hora de la mañana de 03:00 a 09:30: su dosis de la mañana se registra "
            "con un toque hasta las 10:00, y un recordatorio de dosis llega al menos media "
            "hora antes, para dejarle tiempo de tomarla.",
        ),
    ],
)
@pytest.mark.parametrize("refused", ["09:31", "09:59", "11:00"])
def test_a_morning_doser_cannot_set_a_dose_reminder_in_the_clinics_windows_last_half_hour(
    patient_client, patient_a, clinician_a, settings, language, said, refused
):
    """A clinic whose morning window ends at 10:00: a morning time of 11:00 was stored, a
    dose reminder that expires before it is due, so it never came; 09:59 left a minute to
    take the dose with one tap."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    response = save_settings(patient_client, morning_time=refused, language=language)
    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].errors["morning_time"]] == [said]
    patient_a.refresh_from_db()
    assert patient_a.morning_time == time(9, 0)


@pytest.mark.django_db
def test_a_morning_doser_may_set_a_dose_reminder_half_an_hour_before_the_window_ends(
    patient_client, patient_a, clinician_a, settings
):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    assert save_settings(patient_client, morning_time="09:30").status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.morning_time == time(9, 30)


@pytest.mark.django_db
def test_an_evening_dosers_check_in_time_is_not_held_to_the_morning_window(
    patient_client, patient_a, clinician_a, settings
):
    """For an evening doser the morning time is the check-in's, open until noon."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a)
    assert save_settings(patient_client, morning_time="11:00").status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.morning_time == time(11, 0)


@pytest.mark.django_db
def test_a_signed_switch_to_morning_dosing_holds_the_morning_time_to_the_window(
    patient_client, patient_a, clinician_a, settings
):
    """An evening doser whose clinician signed morning dosing from the 28th: from then the
    morning time is the dose reminder's."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 28))
    response = save_settings(patient_client, morning_time="11:00")
    assert response.status_code == 200
    assert "Choose a morning time from 03:00 to 09:30" in str(response.context["form"].errors)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "Between 03:00 and 09:30."),
        ("de", "Zwischen 03:00 und 09:30."),
        ("es", "Entre las 03:00 y las 09:30."),
    ],
)
def test_a_morning_dosers_settings_page_names_the_last_morning_time_the_window_allows(
    patient_client, patient_a, clinician_a, settings, language, said
):
    """The field said "Between 03:00 and 11:59." above a refusal of 10:30."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    with time_machine.travel(AT_10, tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form["morning_time"].help_text == said


@pytest.mark.django_db
def test_an_evening_dosers_settings_page_keeps_the_check_ins_morning_times(
    patient_client, patient_a, clinician_a, settings
):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a)
    with time_machine.travel(AT_10, tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form["morning_time"].help_text == "Between 03:00 and 11:59."


@pytest.mark.django_db
def test_a_morning_time_after_noon_is_refused_with_the_windows_last_morning_time(
    patient_client, patient_a, clinician_a, settings
):
    """12:30 was refused as "from 03:00 to 11:59", and then 11:00 as "from 03:00 to 09:59"
    (now 09:30)."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    response = save_settings(patient_client, morning_time="12:30")
    assert response.status_code == 200
    assert [str(error) for error in response.context["form"].errors["morning_time"]] == [
        "Choose a morning time from 03:00 to 09:30: your morning dose is logged with one "
        "tap until 10:00, and a dose reminder comes at least half an hour before that, to "
        "leave you time to take it."
    ]
    patient_a.refresh_from_db()
    assert patient_a.morning_time == time(9, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(("morning", "status"), [("11:45", 302), ("11:46", 200)])
def test_a_window_ending_after_noon_still_holds_the_half_hour(
    patient_client, patient_a, clinician_a, settings, morning, status
):
    """Ending at 12:15, the window left the check-in's 03:00 to 11:59 untouched: 11:59
    left a quarter of an hour. The last time is 11:45."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(12, 15)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    response = save_settings(patient_client, morning_time=morning)
    assert response.status_code == status
    if status == 200:
        assert "Choose a morning time from 03:00 to 11:45" in str(response.context["form"].errors)


@pytest.mark.django_db
def test_a_window_leaving_no_morning_time_keeps_the_page_saveable(
    patient_client, patient_a, clinician_a, settings
):
    """A window ending at 03:15 (a clinic's mistake) leaves no morning time half an hour
    before its end: refusing them all would refuse every save of the page (a name, a
    language). The form keeps the check-in's range, and the notice says the time used
    (test_morning_reminder_window_end)."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(3, 15)
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_10, tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form["morning_time"].help_text == "Between 03:00 and 11:59."
    assert save_settings(patient_client, morning_time="08:00").status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.morning_time == time(8, 0)
