"""A plan version's signing time is written in the patient's zone, with its abbreviation, on
the patient page's plan panel, the plan page and the version page: the panel was rendered
outside the page's patient zone and said "3 Dec 2026, 17:00" (London) on a page headed
"times in the patient's zone, Asia/Kolkata", where the urgent report said "22:30 IST" for
the same act (found in QA)."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

SIGNED = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 22:30 in Kolkata, 17:00 in London


def _signing_times(page: str) -> list[str]:
    """The "Dr A, <when>" lines under each version, as text."""
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    return re.findall(r"Dr A, (\d{1,2} \w{3} 2026, \d\d:\d\d(?: \w+)?)", text)


@pytest.fixture
def signed_plan(patient_a, clinician_a):
    patient_a.time_zone = "Asia/Kolkata"
    patient_a.save(update_fields=["time_zone"])
    with time_machine.travel(SIGNED, tick=False):
        make_plan(patient_a, clinician_a, start=date(2026, 12, 1))
    return PlanVersion.objects.get(prescription__patient=patient_a, number=1)


@pytest.mark.parametrize("page", ["clinic:patient", "clinic:plan", "clinic:plan_version"])
def test_a_versions_signing_time_is_the_patients_evening_with_its_zone(
    page, signed_plan, patient_a, clinician_a
):
    args = [patient_a.pk, signed_plan.pk] if page == "clinic:plan_version" else [patient_a.pk]
    with time_machine.travel(datetime(2026, 12, 3, 18, 0, tzinfo=UTC), tick=False):
        response = signed_in_reauthenticated(clinician_a).get(reverse(page, args=args))
    assert response.status_code == 200
    assert _signing_times(response.content.decode()) == ["3 Dec 2026, 22:30 IST"]
