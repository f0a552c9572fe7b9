"""An evening doser's morning time outside the morning (03:00 to 11:59, the times the
settings form takes: ReminderSettingsForm.morning_time_refusal), stored before that rule
(written here straight to the model, as a migration from the older rules leaves it).

12:30 was read on the evening's side of the night: the morning check-in and the missed-dose
follow-up ("did you take it?") came that afternoon, before the dose; 01:00 came inside the
dosing window. The sweep's one rule (schedule.slots_for_night, through
schedule.evening_morning_time) reads such a time as half an hour before the check-in closes
at noon (11:30), and the settings page names the stored time and the time used
(stale_checkin_time), in en/de/es, its notice describing the morning time's field."""

import html
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from patients.journal.forms import PatientSettingsForm
from patients.models import Patient, ReminderDelivery
from patients.notifications.forms import ReminderSettingsForm
from patients.rules.schedule import Prefs, evening_morning_time, slots_for_night
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.patients.reminder_support import claim, described_by, patient_on_plan, settings_page_at

Kind = ReminderDelivery.Kind

NIGHT = date(2026, 1, 15)  # London is on GMT: local time is UTC
NEXT = date(2026, 1, 16)
SETTINGS = reverse("journal:settings")


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def slots(**fields):
    prefs = Prefs(tz="Europe/London", **fields)
    return {slot.kind: slot for slot in slots_for_night(prefs, NIGHT, "evening")}


def stored(patient, **fields):
    Patient.objects.filter(pk=patient.pk).update(**fields)
    patient.refresh_from_db()
    return patient


@pytest.mark.parametrize("stale", [time(12, 0), time(12, 30), time(18, 0), time(0, 0), time(2, 59)])
def test_a_morning_time_outside_the_morning_comes_at_1130_the_next_morning(stale):
    found = slots(morning_time=stale)
    for kind in (Kind.MORNING, Kind.MISSED):
        assert found[kind].due_at == utc(2026, 1, 16, 11, 30)
        assert found[kind].due_at > found[Kind.EVENING].due_at


@pytest.mark.parametrize("inside", [time(3, 0), time(9, 0), time(11, 59)])
def test_a_morning_time_the_form_accepts_keeps_its_time(inside):
    found = slots(morning_time=inside)
    assert found[Kind.MISSED].due_at == datetime.combine(NEXT, inside, UTC)


@pytest.mark.parametrize("value", [time(h, m) for h in range(24) for m in (0, 29, 30, 59)], ids=str)
def test_the_form_accepts_exactly_the_times_the_sweep_takes_as_they_are(value):
    """One rule: the form's refusal and the sweep's reading never disagree."""
    refused = bool(ReminderSettingsForm().morning_time_refusal(value))
    assert refused == (evening_morning_time(value) != value)


@pytest.mark.django_db
def test_the_sweep_sends_nothing_in_the_afternoon_before_the_dose():
    patient = patient_on_plan(start=NIGHT, last_call=False)
    stored(patient, morning_time=time(12, 30))
    assert claim(utc(2026, 1, 15, 12, 30)) == []
    [evening] = claim(utc(2026, 1, 15, 21, 0))
    assert ReminderDelivery.objects.get(pk=evening).kind == Kind.EVENING
    assert claim(utc(2026, 1, 16, 11, 29)) == []
    [missed] = claim(utc(2026, 1, 16, 11, 30))
    assert ReminderDelivery.objects.get(pk=missed).kind == Kind.MISSED


STALE = {
    "en": (
        "Your morning time (12:30) is outside the morning (03:00 to 11:59), so your morning "
        "reminders (the morning check-in, or a reminder to log a missed dose) come at 11:30 "
        "instead. Choose a morning time from 03:00 to 11:59 to change it."
    ),
    "de": (
        "Ihre Morgenzeit (12:30) liegt außerhalb des Morgens (03:00 bis 11:59), daher kommen "
        "Ihre Erinnerungen am Morgen (der Morgeneintrag oder eine Erinnerung, eine versäumte "
        "Dosis einzutragen) stattdessen um 11:30. Wählen Sie eine Morgenzeit von 03:00 bis "
        "11:59, um dies zu ändern."
    ),
    "es": (
        "Su hora de la mañana (12:30) está fuera de la mañana (de 03:00 a 11:59), así que sus "
        "recordatorios de la mañana (el registro de la mañana, o un recordatorio para anotar "
        "una dosis olvidada) llegan a las 11:30 en su lugar. Elija una hora de la mañana de "
        "03:00 a 11:59 para cambiarlo."
    ),
}


def settings_page(client, patient, language="en"):
    return settings_page_at(client, patient, utc(2026, 1, 15, 12, 0), language)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_settings_page_says_the_time_used(client, language):
    patient = stored(patient_on_plan(start=NIGHT), morning_time=time(12, 30))
    page = settings_page(client, patient, language)
    assert page.context["form"].stale_checkin_time() == STALE[language]
    body = page.content.decode()
    assert STALE[language] in html.unescape(body)
    assert 'id="stale-checkin-time"' in body
    assert described_by(page, "id_morning_time")[-1] == "stale-checkin-time"


@pytest.mark.django_db
def test_no_notice_for_a_morning_time_the_form_accepts(client):
    page = settings_page(client, patient_on_plan(start=NIGHT))
    assert page.context["form"].stale_checkin_time() == ""
    assert "stale-checkin-time" not in page.content.decode()
    assert "stale-checkin-time" not in described_by(page, "id_morning_time")


@pytest.mark.django_db
def test_no_notice_for_a_morning_doser_with_no_switch_to_evenings(client):
    """Their morning time is the dose reminder's (stale_morning_time speaks of it)."""
    patient = stored(patient_on_plan(start=NIGHT, dosing_time="morning"), morning_time=time(12, 30))
    assert settings_page(client, patient).context["form"].stale_checkin_time() == ""


@pytest.mark.django_db
def test_the_notice_is_given_ahead_of_a_signed_switch_to_evening_dosing(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", date(2026, 11, 28))
    stored(patient_a, morning_time=time(12, 30))
    with time_machine.travel(utc(2026, 11, 25, 10, 0), tick=False):
        form = patient_client.get(SETTINGS).context["form"]
    assert isinstance(form, PatientSettingsForm)
    assert form.stale_checkin_time() == STALE["en"]
