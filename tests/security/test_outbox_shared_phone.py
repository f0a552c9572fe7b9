"""A form kept on a shared phone is sent only for the account it was filled in for.

The phone's outbox (static/js/outbox.js) keeps a journal form offline and sends it later with
the session's current CSRF token, whoever is signed in then. Patient A logs tonight's dose
offline and signs out; patient B signs in on the same phone: the outbox sent A's form with
B's session, and A's dose was stored in B's journal, for B's clinician to read (found by an
adversarial pass over the offline path). Each journal form now names its account
(patients.journal.offline.owner_mark); a replay for another account waits on the phone
(retry) and stores nothing, and is sent when A signs in again.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import NOW, make_plan

pytestmark = pytest.mark.django_db

REPLAY = {"HTTP_X_LDN_REPLAY": "1"}


def kept_form(client, action):
    """The hidden fields of the form posting to `action` on the home page, as the outbox
    keeps them (its encoded body)."""
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("journal:home")).content.decode()
    found = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', page, re.S)
    assert found, f"no form posting to {action} on the home page"
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', found[0]))


def replay(client, action, body):
    with time_machine.travel(NOW, tick=False):
        return client.post(action, {**body, "acted_at": NOW.isoformat()}, **REPLAY)


def test_a_form_kept_for_one_patient_is_not_stored_in_another_patients_journal(
    patient_a, patient_b, clinician_a, clinician_b
):
    make_plan(patient_a, clinician_a)
    make_plan(patient_b, clinician_b)
    phone = Client()
    phone.force_login(patient_a.user)
    action = reverse("journal:taken_now")
    body = kept_form(phone, action)
    phone.logout()

    phone.force_login(patient_b.user)
    response = replay(phone, action, body)
    assert response.status_code == 409
    assert response.json()["retry"] is True
    assert "another account" in response.json()["message"]
    assert not NightlyEntry.objects.exists()

    # Its own account signs in again: the kept form is sent and stored for A.
    phone.logout()
    phone.force_login(patient_a.user)
    response = replay(phone, action, body)
    assert response.json()["ok"] is True
    assert list(NightlyEntry.objects.values_list("patient", flat=True)) == [patient_a.pk]


def test_every_journal_form_the_outbox_keeps_names_its_account(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    client = Client()
    client.force_login(patient_a.user)
    night = NOW.date().isoformat()
    morning = NOW + timedelta(hours=12)
    for url, moment in (
        (reverse("journal:home"), NOW),
        (reverse("journal:home"), NOW + timedelta(hours=5)),
        (f"/journal/night/{night}/dose/", NOW),
        (f"/journal/night/{night}/skip/", NOW),
        (f"/journal/night/{night}/morning/", morning),
    ):
        with time_machine.travel(moment, tick=False):
            page = client.get(url).content.decode()
        forms = [f for f in re.findall(r"<form.*?</form>", page, re.S) if "submission_id" in f]
        assert forms, url
        for form in forms:
            assert 'name="kept_by"' in form, (url, form[:300])


def test_a_form_kept_before_the_secret_key_was_rotated_is_still_sent(
    patient_a, clinician_a, settings
):
    make_plan(patient_a, clinician_a)
    phone = Client()
    phone.force_login(patient_a.user)
    action = reverse("journal:taken_now")
    body = kept_form(phone, action)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY_FALLBACKS = [old_key]
    settings.SECRET_KEY = old_key + "-rotated"
    phone.force_login(patient_a.user)  # the old session no longer verifies under the new key
    response = replay(phone, action, body)
    assert response.json()["ok"] is True
    assert NightlyEntry.objects.filter(patient=patient_a).exists()


def test_the_page_and_the_outbox_token_name_the_mark_the_accounts_forms_carry(
    patient_a, patient_b, clinician_a, clinician_b
):
    """The phone's outbox tells a form kept for this account from one kept for another by
    these marks (static/js/outbox.js isOwn): it lists and sends only this account's."""
    make_plan(patient_a, clinician_a)
    make_plan(patient_b, clinician_b)
    phone = Client()
    phone.force_login(patient_a.user)
    mark = kept_form(phone, reverse("journal:taken_now"))["kept_by"]
    with time_machine.travel(NOW, tick=False):
        page = phone.get(reverse("journal:home")).content.decode()
    meta = re.search(r'<meta name="ldn-kept-by" content="([^"]*)">', page)
    assert meta
    assert meta[1].split() == [mark]
    assert phone.get(reverse("journal:outbox_token")).json()["kept_by"] == [mark]

    phone.force_login(patient_b.user)
    assert mark not in phone.get(reverse("journal:outbox_token")).json()["kept_by"]


def test_after_a_secret_key_rotation_the_outbox_token_names_the_old_mark_too(
    patient_a, clinician_a, settings
):
    make_plan(patient_a, clinician_a)
    phone = Client()
    phone.force_login(patient_a.user)
    old_mark = kept_form(phone, reverse("journal:taken_now"))["kept_by"]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = settings.SECRET_KEY + "-rotated"
    phone.force_login(patient_a.user)
    marks = phone.get(reverse("journal:outbox_token")).json()["kept_by"]
    assert len(marks) == 2
    assert marks[1] == old_mark
