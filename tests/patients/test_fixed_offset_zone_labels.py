"""A POSIX fixed-offset zone is labelled by its real offset from UTC: Etc/GMT+12 is twelve
hours *behind* UTC (the sign is inverted in the name), and the settings page's "Next
reminder" said "(GMT+12)" (exploratory QA)."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from patients.rules.nights import zone_choice_label, zone_label
from tests.accounts.invitations_support import link_in
from tests.patients.reminder_support import patient_on_plan
from tests.security.reauth import signed_in


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("Etc/GMT+12", "UTC−12"),
        ("Etc/GMT-14", "UTC+14"),
        ("Etc/GMT-2", "UTC+2"),
        ("Etc/GMT+0", "UTC"),
        ("GMT-0", "UTC"),
        ("Etc/GMT", "GMT"),
        ("Europe/London", "London"),
        ("America/New_York", "New York"),
    ],
)
def test_a_zone_is_labelled_by_its_real_offset_from_utc(key, label):
    assert zone_label(key) == label


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("Etc/GMT+12", "Etc/GMT+12 (UTC−12)"),
        ("Etc/GMT-5", "Etc/GMT-5 (UTC+5)"),
        ("Europe/Berlin", "Europe/Berlin"),
    ],
)
def test_a_zone_in_a_list_shows_its_real_offset_beside_an_inverted_name(key, label):
    assert zone_choice_label(key) == label


@pytest.mark.django_db
def test_the_next_reminder_of_a_patient_in_etc_gmt_plus_12_says_utc_minus_12():
    patient = patient_on_plan(tz="Etc/GMT+12")
    with time_machine.travel(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), tick=False):
        page = signed_in(patient.user).get(reverse("journal:settings")).content.decode()

    assert "(UTC−12)" in page
    assert "(GMT+12)" not in page


@pytest.mark.django_db
def test_the_settings_list_labels_etc_gmt_plus_12_as_utc_minus_12():
    patient = patient_on_plan()
    with time_machine.travel(datetime(2026, 1, 15, 12, 0, tzinfo=UTC), tick=False):
        page = signed_in(patient.user).get(reverse("journal:settings")).content.decode()

    assert '<option value="Etc/GMT+12">UTC−12</option>' in page


@pytest.mark.django_db
def test_the_sign_up_list_labels_etc_gmt_plus_12_as_utc_minus_12(clinician_client):
    response = clinician_client.post(
        reverse("clinic:invite"),
        {"email": "new.patient@example.org", "role": "patient", "country": "US"},
    )
    assert response.status_code == 302
    browser = Client()
    browser.get(link_in(mail.outbox[-1]))
    page = browser.get(reverse("account_signup")).content.decode()

    assert '<option value="Etc/GMT+12">Etc/GMT+12 (UTC−12)</option>' in page


@pytest.mark.django_db
def test_the_clinicians_patient_page_names_the_zone_with_its_real_offset(
    clinician_client, patient_a
):
    patient_a.time_zone = "Etc/GMT+12"
    patient_a.save(update_fields=["time_zone"])
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()

    assert "zone, Etc/GMT+12 (UTC−12)" in page
