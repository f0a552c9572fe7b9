"""Resume on a plan that is not on hold, with no hold ahead: the page says at once that
there is nothing to resume, with a link back to the plan, and shows no form. It showed the
whole form and refused only once signed (found by QA)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 5 Dec
NOTHING = "This plan is not on hold and no hold is signed ahead, so there is nothing to resume."


@pytest.fixture
def active(clinician):
    """A London patient on 1.5 mg for 14 nights from 1 Dec, then 3 mg: no hold signed."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("1.5", 14), ("3", None)), start=date(2026, 12, 1))
    return patient


def _resume_page(clinician, patient, data=None):
    client = signed_in_reauthenticated(clinician)
    url = reverse("clinic:plan_resume", args=[patient.pk])
    with time_machine.travel(NOW, tick=False):
        response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_resume_without_a_hold_says_at_once_there_is_nothing_to_resume(active, clinician):
    html = _resume_page(clinician, active)
    assert NOTHING in html
    assert '<form method="post"' not in html
    plan_url = reverse("clinic:plan", args=[active.pk])
    assert f'href="{plan_url}"' in html.split(NOTHING, 1)[1]


def test_resume_posted_without_a_hold_is_refused_and_stores_nothing(active, clinician):
    data = {"based_on": "1", "resume_on": "2026-12-06", "step": "0", "reason": "Healed"}
    html = _resume_page(clinician, active, data)
    assert NOTHING in html
    assert PlanVersion.objects.filter(prescription__patient=active).count() == 1


def test_resume_with_a_hold_ahead_shows_the_form(active, clinician):
    sign_hold(active, clinician, date(2026, 12, 10), date(2026, 12, 12), signed=NOW)
    html = _resume_page(clinician, active)
    assert NOTHING not in html
    assert '<form method="post"' in html
