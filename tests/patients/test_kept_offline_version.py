"""The version the phone keeps its offline page and urgent guidance under (static/js/sw.js):
the patient's pages name it in their head (outside {% once %}, which is the same for every
patient), the two kept pages carry it in a header, and it changes with what they read (the
language, the dosing time now, the emergency number), so the phone fetches them again then,
and only then."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.journal.kept_offline import HEADER
from prescriptions import plans
from prescriptions.changes import dosing_time_change, save_version
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
AT_22 = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


def _page_version(page: str) -> str:
    match = re.search(r'<meta name="ldn-kept-version" content="([0-9a-f]+)">', page)
    assert match, "the page names no kept version"
    return match.group(1)


def _versions(client, at=AT_22):
    """(the version the More page names, the offline page's, the guidance's)."""
    with time_machine.travel(at, tick=False):
        page = client.get(reverse("journal:more")).content.decode()
        offline = client.get(reverse("journal:offline"))
        guidance = client.get(reverse("journal:urgent_guidance"))
    return _page_version(page), offline[HEADER], guidance[HEADER]


def test_the_kept_pages_carry_the_version_the_patients_pages_name(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    page, offline, guidance = _versions(patient_client)
    assert page == offline == guidance


def test_the_version_stays_the_same_while_nothing_it_follows_changes(
    patient_client, patient_a, clinician_a
):
    """The phone fetches the kept pages again only when the version changes: not per view."""
    make_plan(patient_a, clinician_a, dosing_time="evening")
    assert _versions(patient_client) == _versions(patient_client)


def test_the_version_changes_with_the_patients_language(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    before = _versions(patient_client)
    patient_a.user.language = "de"
    patient_a.user.save()
    after = _versions(patient_client)
    assert after[0] == after[1] == after[2]
    assert after[0] != before[0]


def test_the_version_changes_when_the_patient_doses_in_the_morning(
    patient_client, patient_a, clinician_a
):
    """The offline page says "Today's card" and the guidance "Back to today" to a morning doser."""
    prescription = make_plan(patient_a, clinician_a, dosing_time="evening")
    evening = _versions(patient_client, AT_09)
    latest = plans.load(patient_a).latest
    save_version(
        prescription_id=prescription.pk,
        author=clinician_a,
        based_on=latest.number,
        change=dosing_time_change(
            latest, dosing_time="morning", effective_night=TODAY, reason="Sleep"
        ),
        now=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
    )
    morning = _versions(patient_client, AT_09)
    assert morning[0] == morning[1] == morning[2]
    assert morning[0] != evening[0]


def test_the_version_changes_with_the_emergency_number_the_guidance_shows(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    patient_a.country = "GB"
    patient_a.save()
    in_britain = _versions(patient_client)
    patient_a.country = "US"
    patient_a.save()
    in_america = _versions(patient_client)
    assert in_america[0] != in_britain[0]


def test_the_version_sits_outside_the_layouts_once_fragments(
    patient_client, patient_a, patient_b, clinician_a
):
    """Two patients in two languages, rendered by the same process: each page names its own
    version (a version inside a {% once %} fragment would be the first reader's for all)."""
    make_plan(patient_a, clinician_a, dosing_time="evening")
    patient_b.user.language = "es"
    patient_b.user.save()
    first = _versions(patient_client)
    patient_client.force_login(patient_b.user)
    second = _versions(patient_client)
    assert second[0] == second[1] != first[0]


def test_the_version_changes_with_the_account_signed_in(
    patient_client, patient_a, patient_b, clinician_a
):
    """The kept offline page and guidance name the account's marks in their head, which the
    outbox list reads (a form kept for another account is not listed as this one's): a shared
    phone fetches them again for the next account, in the same language and dosing time."""
    make_plan(patient_a, clinician_a, dosing_time="evening")
    make_plan(patient_b, clinician_a, dosing_time="evening")
    first = _versions(patient_client)
    patient_client.force_login(patient_b.user)
    second = _versions(patient_client)
    assert second[0] == second[1] != first[0]
