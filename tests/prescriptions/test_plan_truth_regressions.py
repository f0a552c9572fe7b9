"""Regression tests for issue 13's bugs: each surface must read the plan's state on a night
from titration (through plans.PlanView), never from a stored status or a copy of "tonight"."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.clinic import dashboard
from patients.journal.forms import EveningForm
from patients.models import NightlyEntry, ReminderDelivery
from patients.notifications import sweep as reminders
from patients.rules import flags as flag_rules
from patients.urgent import reports as urgent
from prescriptions import changes
from prescriptions.forms import StepRowForm
from prescriptions.models import PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import visible_text
from tests.patients.urgent_support import urgent_report
from tests.prescriptions.factories import make_prescription, steps_data
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def latest_plain(prescription):
    row = PlanVersion.objects.filter(prescription=prescription).order_by("-number").first()
    return row.as_plain(), row.number


def save(prescription, clinician, change, now):
    _latest, number = latest_plain(prescription)
    return changes.save_version(
        prescription_id=prescription.pk, author=clinician, based_on=number, change=change, now=now
    )


def hold(prescription, clinician, hold_from, hold_until, now):
    latest, _ = latest_plain(prescription)
    change = changes.hold_change(
        latest, hold_from=hold_from, hold_until=hold_until, reason="Planned surgery"
    )
    return save(prescription, clinician, change, now)


def end(prescription, clinician, tonight, now):
    latest, _ = latest_plain(prescription)
    return save(
        prescription,
        clinician,
        changes.end_change(latest, tonight_night=tonight, reason="Stopping LDN"),
        now,
    )


def claimed_kinds(now):
    result = reminders.sweep(now, dispatch=lambda ids: None)
    return list(
        ReminderDelivery.objects.filter(pk__in=result.claimed).values_list("kind", flat=True)
    )


def taken(patient, night, at, dose="1.5"):
    return NightlyEntry.objects.create(
        patient=patient,
        night=night,
        status=NightlyEntry.Status.TAKEN,
        dose_mg=Decimal(dose),
        prescribed_mg=Decimal(dose),
        taken_at=at,
        evening_logged_at=at,
    )


def dizzy_after_tonights_dose(patient, clinician, submission_id):
    """On 1.5 mg from 1 Jan; tonight's dose (15 Jan) taken at 22:00; at 22:30 the patient
    reports feeling dizzy. Returns the report."""
    make_prescription(patient, clinician, START, steps=(("1.5", None),))
    taken(patient, date(2026, 1, 15), utc(2026, 1, 15, 22, 0))
    return urgent_report(
        patient,
        utc(2026, 1, 15, 22, 30),
        symptoms=["other"],
        since="today",
        severity="moderate",
        text="Dizzy",
        submission_id=submission_id,
    )


@pytest.fixture
def clinician():
    return ClinicianFactory()


@pytest.fixture
def patient(clinician):
    return PatientFactory(time_zone="Europe/London", clinicians=[clinician])


# --- Bug 1: reminders follow titration, not a stored status ----------------------------------


def test_a_hold_scheduled_for_next_week_leaves_tonights_reminder(patient, clinician):
    prescription = make_prescription(patient, clinician, START, steps=(("1.5", None),))
    hold(prescription, clinician, date(2026, 1, 22), date(2026, 1, 25), utc(2026, 1, 15, 10))
    assert claimed_kinds(utc(2026, 1, 15, 21, 0)) == [ReminderDelivery.Kind.EVENING]


def test_reminders_come_back_after_a_dated_hold_has_ended(patient, clinician):
    prescription = make_prescription(patient, clinician, START, steps=(("1.5", None),))
    hold(prescription, clinician, date(2026, 1, 10), date(2026, 1, 12), utc(2026, 1, 10, 10))
    assert claimed_kinds(utc(2026, 1, 15, 21, 0)) == [ReminderDelivery.Kind.EVENING]


# --- Bug 2: a change cannot take effect on a morning already dosed ----------------------------


def test_a_change_for_a_morning_dosing_patient_cannot_take_effect_on_yesterday(patient, clinician):
    prescription = make_prescription(
        patient, clinician, START, steps=(("1.5", None),), dosing_time="morning"
    )
    latest, _ = latest_plain(prescription)
    change = changes.steps_change(
        latest,
        effective_night=date(2026, 1, 14),  # yesterday's morning, long dosed at 10:00 today
        start_date=date(2026, 1, 14),
        steps=latest.steps,
        reason="Correction",
    )
    with pytest.raises(changes.PlanChangeError, match="15 Jan 2026"):
        save(prescription, clinician, change, utc(2026, 1, 15, 10, 0))


# --- Bug 3: ending never changes how an earlier night is judged --------------------------------


def test_ending_a_morning_plan_adds_no_out_of_window_flags_to_mornings_logged_in_time(
    patient, clinician
):
    prescription = make_prescription(
        patient, clinician, START, steps=(("1.5", None),), dosing_time="morning"
    )
    for day in range(10, 15):
        taken(patient, date(2026, 1, day), utc(2026, 1, day, 8, 0))
    now = utc(2026, 1, 15, 10, 0)
    before = dashboard.patient_page(patient, [clinician], now).flags
    end(prescription, clinician, date(2026, 1, 15), now)
    after = dashboard.patient_page(patient, [clinician], now + timedelta(hours=1)).flags
    assert [f.kind for f in after if f.kind == flag_rules.OUT_OF_WINDOW] == []
    assert [f.kind for f in before] == [f.kind for f in after]


# --- Bug 4: a hold made after tonight's dose does not apply to that dose -----------------------


def test_holding_from_the_urgent_page_after_tonights_dose_does_not_flag_that_dose(
    patient, clinician
):
    report = dizzy_after_tonights_dose(
        patient, clinician, submission_id="00000000-0000-0000-0000-000000000001"
    )
    urgent.acknowledge(report, clinician, "Stop for now", utc(2026, 1, 15, 23, 0), hold=True)
    flags = dashboard.patient_page(patient, [clinician], utc(2026, 1, 15, 23, 5)).flags
    assert flag_rules.DOSE_ON_HOLD not in [f.kind for f in flags]


def test_the_hold_form_says_tonights_logged_dose_stands_and_the_hold_starts_tomorrow(
    client, patient, clinician
):
    make_prescription(patient, clinician, START, steps=(("1.5", None),))
    taken(patient, date(2026, 1, 15), utc(2026, 1, 15, 22, 0))
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(utc(2026, 1, 15, 23, 0), tick=False):
        page = client.get(reverse("clinic:plan_hold", args=[patient.pk]))
    text = page.content.decode()
    assert "Tonight’s dose is already logged and stands" in text
    assert 'value="2026-01-16"' in text


# --- Bug 5: the patient page knows an ended prescription ---------------------------------------


def test_the_clinicians_patient_page_says_the_prescription_ended(client, patient, clinician):
    prescription = make_prescription(patient, clinician, START, steps=(("1.5", None),))
    end(prescription, clinician, date(2026, 1, 15), utc(2026, 1, 15, 14))
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(utc(2026, 1, 16, 14, 0), tick=False):
        page = client.get(reverse("clinic:patient", args=[patient.pk]))
    text = page.content.decode()
    assert "No prescription yet" not in text
    assert "The last prescription was ended" in text
    assert "No dose from the night of 15 Jan 2026 on." in text


# --- Bug 6: one strict dose reader for the journal and the plan steps ---------------------------

DOSE_MESSAGE = "Enter a dose between 1 and 5 mg, with at most two decimals (for example 1.5)."


def step_row(dose):
    form = StepRowForm(data={"dose_mg": dose, "days": "14"})
    form.is_valid()
    return form


ARABIC_INDIC_ONE, ARABIC_INDIC_THREE = "\u0661", "\u0663"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        *(
            (typed, DOSE_MESSAGE)
            for typed in (
                *("0_5", "1_5", "1e0", ARABIC_INDIC_ONE, ARABIC_INDIC_THREE, "NaN", "Infinity"),
            )
        ),
        # A decimal comma on an English page is named as the mistake, by both.
        ("1,5", "Use a point for decimals: 1.5."),
    ],
)
def test_a_plan_step_refuses_what_the_journal_refuses_with_the_same_message(typed, message):
    assert step_row(typed).errors["dose_mg"] == [message]
    now = utc(2026, 1, 15, 22)
    evening = EveningForm(
        data={"dose": typed, "taken_at": "2026-01-15T22:00", "submission_id": "1" * 32},
        window=(utc(2026, 1, 15, 12), utc(2026, 1, 16, 12)),
        tz=UTC,
        now=now,
    )
    evening.is_valid()
    assert evening.errors["dose"] == [message]


def test_a_plan_step_reads_a_padded_dose_exactly():
    assert step_row(" 1.5 ").cleaned_data["dose_mg"] == Decimal("1.50")


def test_a_decimal_comma_is_read_only_in_a_language_that_writes_one():
    with translation.override("de"):
        assert step_row("1,5").cleaned_data["dose_mg"] == Decimal("1.50")
    with translation.override("en"):
        assert "dose_mg" in step_row("1,5").errors


# --- Bug 7: a suggestion disappears once acted on; dismissals are listed -----------------------


@pytest.fixture
def vivid_after_step_up(patient, clinician):
    """A step up on 8 Jan and vivid dreams on the three nights after it; tonight is 11 Jan."""
    make_prescription(patient, clinician, START, steps=(("1.5", 7), ("3.0", None)))
    for day in (8, 9, 10):
        NightlyEntry.objects.create(
            patient=patient,
            night=date(2026, 1, day),
            status=NightlyEntry.Status.TAKEN,
            dose_mg=Decimal("3.0"),
            taken_at=utc(2026, 1, day, 22),
            dreams="vivid",
            dream_intensity=8,
            morning_logged_at=utc(2026, 1, day + 1, 8),
        )
    return patient


def plan_page(client, patient):
    return client.get(reverse("clinic:plan", args=[patient.pk])).content.decode()


def test_an_applied_suggestion_is_not_shown_again(client, clinician, vivid_after_step_up):
    patient = vivid_after_step_up
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    title = "Consider returning to the previous dose"
    with time_machine.travel(utc(2026, 1, 11, 14), tick=False):
        assert title in plan_page(client, patient)
        apply_url = reverse("clinic:plan_change", args=[patient.pk])
        form = client.get(f"{apply_url}?suggestion=vivid_dreams&key=step-up-2026-01-08")
        assert 'value="vivid_dreams:step-up-2026-01-08"' in form.content.decode()
        response = client.post(
            apply_url,
            {
                **steps_data([("1.5", "14"), ("3.0", "")]),
                "based_on": "1",
                "effective_night": "2026-01-11",
                "start_date": "2026-01-11",
                "reason": "Vivid dreams after the step up",
                "patient_note": "",
                "suggestion": "vivid_dreams:step-up-2026-01-08",
            },
        )
        assert response.status_code == 302
        assert title not in plan_page(client, patient)


def test_a_dismissed_suggestion_is_listed_with_who_when_and_why(
    client, clinician, vivid_after_step_up
):
    patient = vivid_after_step_up
    client.force_login(clinician)
    with time_machine.travel(utc(2026, 1, 11, 14), tick=False):
        client.post(
            reverse("clinic:suggestion_dismiss", args=[patient.pk]),
            {"kind": "vivid_dreams", "key": "step-up-2026-01-08", "reason": "Dreams are mild"},
        )
        text = plan_page(client, patient)
    assert "Consider returning to the previous dose" not in text
    assert "Why: Dreams are mild" in text
    # In the patient's zone, with its abbreviation (test_plan_times_in_patient_zone.py).
    assert f"{clinician.name}, 11 Jan 2026, 14:00 GMT" in visible_text(text)


def test_the_urgent_report_page_says_tonights_logged_dose_stands(client, patient, clinician):
    report = dizzy_after_tonights_dose(
        patient, clinician, submission_id="00000000-0000-0000-0000-000000000002"
    )
    client.force_login(clinician)
    with time_machine.travel(utc(2026, 1, 15, 23, 0), tick=False):
        page = client.get(reverse("clinic:urgent_report", args=[report.pk]))
    text = page.content.decode()
    assert "Hold the plan from the night of" in text
    assert "Tonight’s dose is already logged and stands" in text


# --- The last step of a plan with lengths carries on, on every page that lists the steps ------


def test_the_plans_last_step_carries_on_on_the_clinicians_and_the_patients_plan_pages(
    client, patient, clinician
):
    """The plan page marked step 2 (3 mg for 14 days) as in effect on 2 Dec while listing its
    nights as "15 Nov - 28 Nov"; the patient's page said "from 15 Nov to 28 Nov"."""
    make_prescription(patient, clinician, START, steps=(("1.5", 14), ("3", 14)))
    client.force_login(clinician)
    mark_reauthenticated(client, clinician)
    with time_machine.travel(utc(2026, 2, 20, 14, 0), tick=False):
        plan_page = client.get(reverse("clinic:plan", args=[patient.pk])).content.decode()
        client.force_login(patient.user)
        mine = client.get(reverse("journal:plan")).content.decode()
    assert "15 Jan 2026 – onwards" in plan_page
    assert "14 nights, then continues" in plan_page
    assert "28 Jan 2026" not in plan_page
    assert "3 mg — from 15 Jan onwards" in mine
