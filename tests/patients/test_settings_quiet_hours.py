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
from tests.patients.journal_support import make_plan

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
