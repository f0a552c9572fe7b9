"""A morning doser's reminders against an early end of the clinic's morning dosing window
(LDN_MORNING_DOSING_WINDOW_END), decided by the sweep's one rule (schedule.slots_for_night,
read through wanted_slots) and said on the settings page from the same rule.

- The last call (the dose reminder plus LDN_MORNING_LAST_CALL_MINUTES) that would fall at
  or after the window's end was dropped silently: it comes DOSE_REMINDER_MARGIN before
  the end instead, or, with no room left after the dose reminder, not at all, and the page
  says which.
- A morning time stored before the clinic moved the end earlier (11:30 under a 12:00 end,
  now 10:00) left no dose reminder and no last call, unsaid: the schedule reads it as the
  margin before the end, and the page says so. So is one stored in the window's last half
  hour (09:45, when the form took times up to 09:59): the form takes morning times up to
  the margin before the end (schedule.last_dose_reminder_time), and the sweep, "At my usual
  time" and the notice all read a later one as that time.
- When the last call comes is said with its checkbox (its help, which the checkbox's
  aria-describedby names), not at the end of the paragraph above the fields."""

import html
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from patients.journal import entries
from patients.models import ReminderDelivery
from patients.rules.schedule import DOSE_REMINDER_MARGIN, Prefs, slots_for_night
from prescriptions import plans
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.reminder_support import (
    claim,
    described_by,
    patient_on_plan,
    send_at,
    settings_page_at,
)

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

DAY = date(2026, 1, 15)  # London is on GMT: local time is UTC
TWO_HOURS = timedelta(hours=2)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def slots(morning_time, window_end=time(10, 0), after=TWO_HOURS, **fields):
    prefs = Prefs(
        tz="Europe/London",
        morning_time=morning_time,
        morning_window_end=window_end,
        morning_last_call_after=after,
        **fields,
    )
    return {slot.kind: slot for slot in slots_for_night(prefs, DAY, "morning")}


# --- 1. the last call never comes after the window, and is not dropped unsaid --------------


def test_the_margin_is_half_an_hour():
    assert timedelta(minutes=30) == DOSE_REMINDER_MARGIN


def test_a_last_call_that_would_fall_after_the_window_comes_half_an_hour_before_its_end():
    """Dose reminder 08:30, last call two hours later at 10:30, window ends 10:00: there was
    no last call at all."""
    found = slots(time(8, 30))
    assert found[Kind.EVENING].due_at == utc(2026, 1, 15, 8, 30)
    assert found[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 9, 30)
    assert found[Kind.LAST_CALL].expires_at == utc(2026, 1, 15, 10, 0)


def test_a_last_call_in_the_windows_last_half_hour_comes_at_its_start():
    """11:59 + 2 h = 13:59 under the default 14:00 end: a minute to take it with one tap."""
    found = slots(time(11, 59), window_end=time(14, 0))
    assert found[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 13, 30)


def test_a_last_call_inside_the_window_keeps_its_time():
    assert slots(time(7, 0))[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 9, 0)


@pytest.mark.parametrize("morning", [time(9, 1), time(9, 30), time(9, 59)])
def test_no_last_call_when_the_window_leaves_no_half_hour_after_the_dose_reminder(morning):
    """A last call moved to 09:30 would come with (or before) a dose reminder at 09:01 or
    later: a second nudge at once, or none worth the name."""
    found = slots(morning)
    assert Kind.EVENING in found
    assert Kind.LAST_CALL not in found


def test_a_short_last_call_setting_needs_only_its_own_gap():
    """LDN_MORNING_LAST_CALL_MINUTES=15: 09:40 + 15 min is 09:55, moved to 09:30, before the
    dose reminder: none. 09:10 + 15 min is 09:25, inside: kept."""
    quarter = timedelta(minutes=15)
    assert Kind.LAST_CALL not in slots(time(9, 40), after=quarter)
    assert slots(time(9, 10), after=quarter)[Kind.LAST_CALL].due_at == utc(2026, 1, 15, 9, 25)


def test_the_last_call_is_never_due_at_or_after_the_window_end():
    for minutes in range(0, 600, 7):
        morning = (datetime(2026, 1, 15, 3, 0) + timedelta(minutes=minutes)).time()
        for end in (time(10, 0), time(12, 0), time(14, 0)):
            last = slots(morning, window_end=end).get(Kind.LAST_CALL)
            if last is not None:
                assert last.due_at <= datetime.combine(DAY, end, UTC) - DOSE_REMINDER_MARGIN


@pytest.mark.django_db
def test_the_sweep_sends_the_moved_last_call_before_the_window_ends(settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient_on_plan(
        dosing_time="morning", start=DAY, morning_time=time(8, 30), morning_checkin=False
    )
    [dose] = claim(utc(2026, 1, 15, 8, 30))
    assert send_at(utc(2026, 1, 15, 8, 30), dose) == Status.SENT
    assert claim(utc(2026, 1, 15, 9, 29)) == []
    [last_call] = claim(utc(2026, 1, 15, 9, 30))
    assert ReminderDelivery.objects.get(pk=last_call).kind == Kind.LAST_CALL
    assert send_at(utc(2026, 1, 15, 9, 30), last_call) == Status.SENT
    assert [m.subject for m in mail.outbox] == ["Time for today's dose", "Reminder: today's dose"]


SETTINGS = reverse("journal:settings")
AT_7 = utc(2026, 1, 15, 7, 0)


def settings_page(client, patient, language="en"):
    return settings_page_at(client, patient, AT_7, language)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "With the last call on, it comes at 09:30, half an hour before your morning "
            "dosing window ends (10:00).",
        ),
        (
            "de",
            "Mit eingeschalteter letzter Erinnerung kommt sie um 09:30, eine halbe Stunde "
            "bevor Ihr morgendliches Einnahmefenster endet (10:00).",
        ),
        (
            "es",
            "Con el último aviso activado, llega a las 09:30, media hora antes de que "
            "termine su intervalo de toma de la mañana (10:00).",
        ),
    ],
)
def test_the_settings_page_says_when_the_moved_last_call_comes(client, settings, language, said):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(8, 30))
    page = settings_page(client, patient, language)
    assert page.context["form"]["last_call"].help_text == said
    assert said in html.unescape(page.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "Your dose reminder at 09:15 comes too close to the end of your morning dosing "
            "window (10:00) for a last call: none is sent.",
        ),
        (
            "de",
            "Ihre Dosis-Erinnerung um 09:15 kommt zu kurz vor dem Ende Ihres morgendlichen "
            "Einnahmefensters (10:00) für eine letzte Erinnerung: Es wird keine gesendet.",
        ),
        (
            "es",
            "Su recordatorio de dosis a las 09:15 llega demasiado cerca del final de su "
            "intervalo de toma de la mañana (10:00) para un último aviso: no se envía "
            "ninguno.",
        ),
    ],
)
def test_the_settings_page_says_no_last_call_comes_when_there_is_no_room(
    client, settings, language, said
):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(9, 15))
    text = settings_page(client, patient, language).context["form"]["last_call"].help_text
    assert text == said
    assert "minutes after the dose reminder" not in text


@pytest.mark.django_db
def test_the_settings_page_keeps_the_plain_last_call_line_inside_the_window(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(14, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(8, 0))
    text = settings_page(client, patient).context["form"]["last_call"].help_text
    assert text == "With the last call on, it comes 120 minutes after the dose reminder."


@pytest.mark.django_db
def test_the_last_call_checkbox_is_described_by_when_the_last_call_comes(client, settings):
    """The sentence ended the paragraph on morning reminders, above the fields: a screen
    reader on the checkbox heard only "Send a last call if I still have not logged"."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(8, 30))
    page = settings_page(client, patient)
    form = page.context["form"]
    assert described_by(page, "id_last_call") == ["id_last_call_helptext"]
    body = html.unescape(page.content.decode())
    said = "With the last call on, it comes at 09:30"
    assert f'id="id_last_call_helptext">{said}' in body
    assert said not in form.morning_reminders()
    assert body.count(said) == 1


@pytest.mark.django_db
def test_an_evening_dosers_last_call_checkbox_has_no_morning_help(client, settings):
    patient = patient_on_plan(start=DAY)
    page = settings_page(client, patient)
    assert page.context["form"]["last_call"].help_text == ""
    assert described_by(page, "id_last_call") == []


# --- 2. a morning time stored before the clinic moved the window's end earlier --------------


def test_a_stored_morning_time_after_the_window_is_read_as_half_an_hour_before_its_end():
    """11:30, stored under a 12:00 end, the end now 10:00: neither the dose reminder (due
    11:30, useful until 10:00) nor the last call came, and nothing said so."""
    found = slots(time(11, 30))
    assert found[Kind.EVENING].due_at == utc(2026, 1, 15, 9, 30)
    assert Kind.LAST_CALL not in found  # 09:30 leaves no half hour for one


def test_the_next_mornings_follow_up_and_check_in_come_with_the_dose_reminder():
    """They come at the morning time, with that day's dose reminder: at the same 09:30."""
    found = slots(time(11, 30))
    assert found[Kind.MISSED].due_at == utc(2026, 1, 16, 9, 30)
    assert found[Kind.MORNING].due_at == utc(2026, 1, 16, 9, 30)


@pytest.mark.parametrize("morning", [time(3, 0), time(9, 0), time(9, 29), time(9, 30)])
def test_a_morning_time_half_an_hour_before_the_window_ends_or_earlier_is_kept(morning):
    found = slots(morning, after=None)
    assert found[Kind.EVENING].due_at == datetime.combine(DAY, morning, UTC)


@pytest.mark.parametrize("morning", [time(9, 31), time(9, 45), time(9, 59), time(10, 0)])
def test_a_morning_time_stored_in_the_windows_last_half_hour_is_read_as_its_start(morning):
    """09:59, taken by the form when it allowed times up to a minute before the end, left
    a minute to take the dose with one tap."""
    found = slots(morning, after=None)
    assert found[Kind.EVENING].due_at == utc(2026, 1, 15, 9, 30)
    assert found[Kind.MISSED].due_at == utc(2026, 1, 16, 9, 30)


def test_an_evening_dosers_check_in_time_is_not_read_against_the_morning_window():
    prefs = Prefs(tz="Europe/London", morning_time=time(11, 30), morning_window_end=time(10, 0))
    found = {slot.kind: slot for slot in slots_for_night(prefs, DAY, "evening")}
    assert found[Kind.MORNING].due_at == utc(2026, 1, 16, 11, 30)


@pytest.mark.django_db
def test_the_sweep_sends_a_stale_morning_times_dose_reminder_inside_the_window(settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient_on_plan(
        dosing_time="morning", start=DAY, morning_time=time(11, 30), morning_checkin=False
    )
    assert claim(utc(2026, 1, 15, 9, 29)) == []
    [dose] = claim(utc(2026, 1, 15, 9, 30))
    assert ReminderDelivery.objects.get(pk=dose).kind == Kind.EVENING
    assert send_at(utc(2026, 1, 15, 9, 30), dose) == Status.SENT
    assert claim(utc(2026, 1, 15, 11, 30)) == []  # nothing after the window
    assert [m.subject for m in mail.outbox] == ["Time for today's dose"]


STALE_NOTICE = {
    "en": (
        "Your morning time (11:30) is too late: a dose reminder comes at least half an hour "
        "before your clinic's morning dosing window ends (10:00), so yours comes at 09:30 "
        "instead. Choose a morning time from 03:00 to 09:30 to change it."
    ),
    "de": (
        "Ihre Morgenzeit (11:30) ist zu spät: Eine Dosis-Erinnerung kommt mindestens eine "
        "halbe Stunde bevor das morgendliche Einnahmefenster Ihrer Praxis endet (10:00), "
        "daher kommt Ihre stattdessen um 09:30. Wählen Sie eine Morgenzeit von 03:00 bis "
        "09:30, um dies zu ändern."
    ),
    "es": (
        "Su hora de la mañana (11:30) es demasiado tarde: un recordatorio de dosis llega al "
        "menos media hora antes de que termine el intervalo de toma de la mañana de su "
        "clínica (10:00), así que el suyo llega a las 09:30 en su lugar. Elija una hora de "
        "la mañana de 03:00 a 09:30 para cambiarlo."
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_settings_page_says_a_stale_morning_time_and_the_time_used(client, settings, language):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30))
    page = settings_page(client, patient, language)
    assert page.context["form"].stale_morning_time() == STALE_NOTICE[language]
    assert STALE_NOTICE[language] in html.unescape(page.content.decode())


@pytest.mark.django_db
def test_the_settings_pages_next_reminder_is_the_time_used(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30))
    assert "09:30" in settings_page(client, patient).context["next_reminder"]


@pytest.mark.django_db
def test_no_notice_for_a_morning_time_inside_the_window(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(9, 0))
    assert settings_page(client, patient).context["form"].stale_morning_time() == ""


@pytest.mark.django_db
def test_no_notice_for_an_evening_dosers_check_in_time(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(start=DAY, morning_time=time(11, 30))
    assert settings_page(client, patient).context["form"].stale_morning_time() == ""


@pytest.mark.django_db
def test_the_notice_is_given_ahead_of_a_signed_switch_to_morning_dosing(
    patient_client, patient_a, clinician_a, settings
):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient_a.morning_time = time(11, 30)
    patient_a.save(update_fields=["morning_time"])
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 28))
    with time_machine.travel(utc(2026, 11, 25, 10, 0), tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert form.stale_morning_time() == STALE_NOTICE["en"]


@pytest.mark.django_db
def test_the_stale_morning_time_notice_describes_the_morning_time_field(client, settings):
    """The notice stands above the reminder times; the field it is about, at the section's
    end, was described by its help ("Between 03:00 and 09:30.") only."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30))
    page = settings_page(client, patient)
    assert 'id="stale-morning-time"' in page.content.decode()
    assert described_by(page, "id_morning_time") == [
        "id_morning_time_helptext",
        "stale-morning-time",
    ]


@pytest.mark.django_db
def test_a_refused_morning_time_is_described_by_its_help_the_notice_and_its_error(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(11, 30))
    form = settings_page(client, patient).context["form"]
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None and value is not False:
            data[name] = "on" if value is True else value
    data = {k: (f"{v:%H:%M}" if isinstance(v, time) else v) for k, v in data.items()}
    data["morning_time"] = "10:30"
    with time_machine.travel(AT_7, tick=False):
        response = client.post(SETTINGS, data)
    assert response.status_code == 200
    assert response.context["form"].errors.get("morning_time")
    assert described_by(response, "id_morning_time") == [
        "id_morning_time_helptext",
        "stale-morning-time",
        "id_morning_time_error",
    ]


@pytest.mark.django_db
def test_no_notice_no_extra_description_for_a_morning_time_inside_the_window(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(9, 0))
    page = settings_page(client, patient)
    assert described_by(page, "id_morning_time") == ["id_morning_time_helptext"]


# --- 3. a morning time stored in the window's last half hour ---------------------------------


@pytest.mark.django_db
def test_a_morning_time_stored_at_09_45_is_09_30_for_the_sweep_the_card_and_the_notice(
    client, settings
):
    """09:45 under a 10:00 end, stored when the form took times up to 09:59: the sweep sends
    the dose reminder at 09:30, "At my usual time" offers 09:30 (schedule.dose_reminder_time)
    and the notice names 09:30; none says 09:45."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(
        dosing_time="morning", start=DAY, morning_time=time(9, 45), morning_checkin=False
    )
    assert claim(utc(2026, 1, 15, 9, 29)) == []
    [dose] = claim(utc(2026, 1, 15, 9, 30))
    assert ReminderDelivery.objects.get(pk=dose).kind == Kind.EVENING
    assert entries.usual_time(plans.load(patient), patient, DAY) == utc(2026, 1, 15, 9, 30)
    page = settings_page(client, patient)
    assert page.context["form"].stale_morning_time() == (
        "Your morning time (09:45) is too late: a dose reminder comes at least half an hour "
        "before your clinic's morning dosing window ends (10:00), so yours comes at 09:30 "
        "instead. Choose a morning time from 03:00 to 09:30 to change it."
    )
    assert described_by(page, "id_morning_time") == [
        "id_morning_time_helptext",
        "stale-morning-time",
    ]
    with time_machine.travel(utc(2026, 1, 15, 11, 0), tick=False):
        home = client.get(reverse("journal:home")).content.decode()
    assert "At my usual time, 09:30" in home


@pytest.mark.django_db
def test_no_notice_for_a_morning_time_half_an_hour_before_the_window_ends(client, settings):
    settings.LDN_MORNING_DOSING_WINDOW_END = time(10, 0)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(9, 30))
    page = settings_page(client, patient)
    assert page.context["form"].stale_morning_time() == ""
    assert described_by(page, "id_morning_time") == ["id_morning_time_helptext"]


@pytest.mark.django_db
def test_a_window_leaving_no_morning_time_says_the_time_used_and_offers_none(client, settings):
    """A window ending at 03:15 leaves no morning time half an hour before its end: every
    morning time is read as 02:45. The notice says so, without offering a range to choose
    from; the form keeps the check-in's range (next test), so the page can still be saved."""
    settings.LDN_MORNING_DOSING_WINDOW_END = time(3, 15)
    patient = patient_on_plan(dosing_time="morning", start=DAY, morning_time=time(9, 0))
    assert settings_page(client, patient).context["form"].stale_morning_time() == (
        "Your morning time (09:00) is too late: a dose reminder comes at least half an hour "
        "before your clinic's morning dosing window ends (03:15), so yours comes at 02:45 "
        "instead."
    )
    assert slots(time(9, 0), window_end=time(3, 15), after=None)[Kind.EVENING].due_at == (
        utc(2026, 1, 15, 2, 45)
    )
