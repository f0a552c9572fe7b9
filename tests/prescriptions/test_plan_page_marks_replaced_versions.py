"""The clinician's plan page marks a version replaced before it took effect, as My plan and the
visit report do (PlanView.replaced_before_effect): a hold signed for 10 Dec, then an urgent
report acknowledged with "Hold the plan" from tonight, left "Put on hold · from 10 Dec 2026"
in the clinician's list of versions with no mark, as if that hold were still to happen, while
the patient's page and the report said it was replaced (found by exploratory QA)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.patients.journal_support import sign_restart, visible_text
from tests.prescriptions.signed_restart_support import NOW, _held_from_dec_2
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db
EARLIER = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # the night of the 4th


def plan_versions(patient, clinician, now):
    """The rows of the plan page's list of versions at ``now``: (text, struck) each."""
    with time_machine.travel(now, tick=False):
        url = reverse("clinic:plan", args=[patient.pk])
        html = signed_in(clinician).get(url).content.decode()
    section = html.split('<ol class="history-list plan-versions"', 1)[1].split("</ol>", 1)[0]
    items = [item.split(">", 1)[1] for item in section.split("<li")[1:]]
    return [(visible_text(item), "<s>" in item) for item in items]


def test_a_restart_replaced_before_its_night_says_so_on_the_plan_page(patient_a, clinician_a):
    """On hold from 2 Dec; v3 restarts on 10 Dec (signed 3 Dec); v4 restarts on 5 Dec
    (signed 4 Dec), so v3 never governs a night."""
    _held_from_dec_2(patient_a, clinician_a)
    sign_restart(patient_a, clinician_a, date(2026, 12, 10), 1, signed=NOW)
    sign_restart(patient_a, clinician_a, date(2026, 12, 5), 0, signed=EARLIER)
    rows = plan_versions(patient_a, clinician_a, EARLIER)
    assert [struck for _, struck in rows] == [False, True, False, False], rows
    assert rows[1][0].startswith("Version 3 · Resumed · from 10 Dec 2026"), rows
    assert "replaced by v4 (from 5 Dec 2026) before it took effect" in rows[1][0], rows
    assert "Upcoming" not in rows[1][0]
    assert not any("replaced" in text for text, struck in rows if not struck), rows


def test_a_restart_not_replaced_is_not_marked_on_the_plan_page(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    sign_restart(patient_a, clinician_a, date(2026, 12, 10), 1, signed=NOW)
    rows = plan_versions(patient_a, clinician_a, NOW)
    assert not any(struck for _, struck in rows), rows
    assert not any("replaced" in text for text, _ in rows), rows
    assert "Upcoming" in rows[0][0]


def test_a_replaced_versions_own_page_says_it_never_took_effect(patient_a, clinician_a):
    """Its page said "In effect from the night of 10 Dec 2026" and nothing more."""
    _held_from_dec_2(patient_a, clinician_a)
    sign_restart(patient_a, clinician_a, date(2026, 12, 10), 1, signed=NOW)
    sign_restart(patient_a, clinician_a, date(2026, 12, 5), 0, signed=EARLIER)
    versions = {v.number: v for v in PlanVersion.objects.filter(prescription__patient=patient_a)}
    with time_machine.travel(EARLIER, tick=False):
        client = signed_in(clinician_a)
        replaced, kept = (
            visible_text(
                client.get(reverse("clinic:plan_version", args=[patient_a.pk, versions[n].pk]))
                .content.decode()
                .split("<main", 1)[1]
            )
            for n in (3, 4)
        )
    assert "replaced by v4 (from 5 Dec 2026) before it took effect" in replaced, replaced
    assert "replaced" not in kept, kept
