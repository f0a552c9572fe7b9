"""A patient whose stored time zone this server's tz database does not know (renamed in a tz
update, or a typo stored before the check) is skipped by the reminder sweep, by id in the
log, while everyone else is reminded; their own pages read their nights in the clinic's
default zone and the settings page asks them to choose theirs."""

import json
import logging
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import Patient, ReminderDelivery
from patients.notifications import sweep as sweeper
from tests.patients.journal_support import make_plan
from tests.patients.reminder_support import patient_on_plan

pytestmark = pytest.mark.django_db

UNKNOWN = "Mars/Olympus_Mons"
# 21:01 in London in winter (GMT): everyone's evening reminder is due.
EVENING = datetime(2026, 1, 15, 21, 1, tzinfo=UTC)


def store_zone(patient, zone):
    # As a stored row may be (the model's validator is not asked by an UPDATE).
    Patient.objects.filter(pk=patient.pk).update(time_zone=zone)
    patient.refresh_from_db()


def test_a_patient_with_an_unknown_zone_does_not_stop_the_sweep_for_everyone_else(caplog):
    before = patient_on_plan()
    lost = patient_on_plan()
    after = patient_on_plan()
    store_zone(lost, UNKNOWN)

    with caplog.at_level(logging.WARNING, logger="patients.notifications.due"):
        result = sweeper.sweep(EVENING, dispatch=lambda ids: None)

    reminded = set(ReminderDelivery.objects.values_list("patient_id", flat=True))
    assert reminded == {before.pk, after.pk}
    assert len(result.claimed) == 2
    [record] = [r for r in caplog.records if "unknown time zone" in r.getMessage()]
    assert str(lost.pk) in record.getMessage()
    assert lost.user.email not in record.getMessage()
    assert UNKNOWN not in record.getMessage()


def test_a_skipped_patient_is_looked_at_again_later_not_every_minute():
    lost = patient_on_plan()
    store_zone(lost, UNKNOWN)

    sweeper.sweep(EVENING, dispatch=lambda ids: None)

    lost.refresh_from_db()
    assert lost.next_reminder_at is not None
    assert lost.next_reminder_at > EVENING


def test_an_unknown_zone_reads_as_the_clinics_default(settings):
    settings.LDN_DEFAULT_PATIENT_TIME_ZONE = "Europe/Berlin"
    patient = patient_on_plan(tz="Europe/London")
    store_zone(patient, UNKNOWN)

    assert not patient.time_zone_known
    assert patient.zone_name == "Europe/Berlin"
    assert patient.tz.key == "Europe/Berlin"


@pytest.mark.parametrize("page", ["journal:home", "journal:settings", "journal:history"])
def test_the_patients_own_pages_open_with_an_unknown_zone(
    patient_client, patient_a, clinician_a, page
):
    make_plan(patient_a, clinician_a)
    store_zone(patient_a, UNKNOWN)

    with time_machine.travel(EVENING, tick=False):
        response = patient_client.get(reverse(page))

    assert response.status_code == 200


def test_the_settings_page_asks_the_patient_to_choose_their_zone(
    patient_client, patient_a, settings
):
    settings.LDN_DEFAULT_PATIENT_TIME_ZONE = "Europe/Berlin"
    store_zone(patient_a, UNKNOWN)

    page = patient_client.get(reverse("journal:settings")).content.decode()

    assert "We do not recognise your saved time zone" in page
    assert "Berlin" in page
    assert "choose your time zone below" in page


def test_the_settings_page_says_nothing_of_a_known_zone(patient_client, patient_a):
    page = patient_client.get(reverse("journal:settings")).content.decode()

    assert "We do not recognise your saved time zone" not in page


def test_the_fhir_export_names_the_zone_the_pages_count_the_nights_in(
    clinician_client, patient_a, clinician_a, settings
):
    """The Patient resource's timezone extension wrote the stored zone as it was, one no
    system knows, while every page of the product reads the patient's nights in the clinic's
    default: an EHR importing the Bundle placed the nights in no zone, or guessed one."""
    settings.LDN_DEFAULT_PATIENT_TIME_ZONE = "Europe/Berlin"
    make_plan(patient_a, clinician_a)
    store_zone(patient_a, UNKNOWN)

    with time_machine.travel(EVENING, tick=False):
        response = clinician_client.get(reverse("clinic:export", args=[patient_a.pk, "fhir"]))

    assert response.status_code == 200
    bundle = json.loads(b"".join(response.streaming_content))
    (person,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    assert person["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/timezone", "valueCode": "Europe/Berlin"}
    ]
    assert UNKNOWN not in json.dumps(bundle)
