"""Helpers for the reminder tests: a patient with an active plan, entries, a fixed clock."""

from datetime import date
from decimal import Decimal

import time_machine
from django.db import transaction
from django.urls import reverse

from patients.models import NightlyEntry
from patients.notifications import sweep
from patients.notifications.outbox import send_delivery
from prescriptions.models import PlanStep, PlanVersion, Prescription
from tests.factories import ClinicianFactory, PatientFactory

# The patient's whole settings form as a valid save posts it (each test changes its field).
SETTINGS_FORM = {
    "display_name": "Patient A",
    "time_zone": "Europe/London",
    "reminder_time": "21:00",
    "last_call": "on",
    "last_call_time": "23:30",
    "morning_checkin": "on",
    "morning_time": "09:00",
    "remind_by_email": "on",
    "quiet_start": "",
    "quiet_end": "",
}


def give_plan(
    patient,
    start=date(2026, 1, 1),
    dose="1.5",
    hold_from=None,
    hold_until=None,
    dosing_time="evening",
    clinician=None,
):
    clinician = clinician or ClinicianFactory()
    with transaction.atomic():  # as the plan pages save: steps commit with their version
        return _create_plan(patient, start, dose, hold_from, hold_until, dosing_time, clinician)


def _create_plan(patient, start, dose, hold_from, hold_until, dosing_time, clinician):
    prescription = Prescription.objects.create(
        patient=patient, prescriber=clinician, start_date=start
    )
    version = PlanVersion.objects.create(
        prescription=prescription,
        number=1,
        effective_night=start,
        start_date=start,
        dosing_time=dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
        author=clinician,
        reason="Starting LDN",
    )
    PlanStep.objects.create(version=version, position=0, dose_mg=Decimal(dose), days=None)
    return prescription


def patient_on_plan(tz="Europe/London", dose="1.5", **fields):
    plan_kwargs = {
        k: fields.pop(k)
        for k in list(fields)
        if k in ("hold_from", "hold_until", "dosing_time", "start")
    }
    patient = PatientFactory(time_zone=tz, **fields)
    give_plan(patient, dose=dose, **plan_kwargs)
    return patient


def log_evening(patient, night, dose="1.5", at=None):
    return NightlyEntry.objects.update_or_create(
        patient=patient,
        night=night,
        defaults={
            "status": "taken",
            "dose_mg": Decimal(dose),
            "taken_at": at,
            "evening_logged_at": at,
        },
    )[0]


def claim(at):
    """The sweep at ``at``: the deliveries it claims (none dispatched: the test sends them)."""
    return sweep.sweep(at, dispatch=lambda ids: None).claimed


def send_at(at, delivery_id):
    """The outbox sends the delivery with the clock at ``at`` (a send later than it was due)."""
    with time_machine.travel(at, tick=False):
        return send_delivery(delivery_id)


def described_by(page, input_id):
    """The ids an input of the page names in its aria-describedby."""
    body = page.content.decode()
    tag = body.split(f'id="{input_id}"', 1)[0].rsplit("<input", 1)[1]
    tag += body.split(f'id="{input_id}"', 1)[1].split(">", 1)[0]
    described = tag.split('aria-describedby="', 1)
    return described[1].split('"', 1)[0].split() if len(described) > 1 else []


def settings_page_at(client, patient, moment, language="en"):
    """The patient's settings page as they see it at ``moment``, in ``language``."""
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    client.force_login(patient.user)
    with time_machine.travel(moment, tick=False):
        return client.get(reverse("journal:settings"))
