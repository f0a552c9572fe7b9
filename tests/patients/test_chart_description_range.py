"""The trend chart's description (what a screen reader says for it) names the lowest and
highest values when the first and last do not span them: "Dose taken (mg): 11 nights, from
1.5 to 1.5" hid a night at 3 mg (read on the demo clinician's patient page)."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

AT_20 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)  # London is on GMT
HIGHER = date(2026, 11, 19)


def _entries(patient):
    """Doses taken from 14 to 24 November, 3 mg on the 19th (1.5 mg prescribed)."""
    NightlyEntry.objects.bulk_create(
        NightlyEntry(
            patient=patient,
            night=night,
            status="taken",
            dose_mg=Decimal("3") if night == HIGHER else Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            pain=7 if night == HIGHER else 4,
            taken_at=datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=21),
        )
        for night in (date(2026, 11, 14) + timedelta(days=n) for n in range(11))
    )


def _descriptions(page):
    return " ".join(re.findall(r"<desc [^>]*>(.*?)</desc>", page, re.S))


def test_the_clinicians_chart_says_a_dose_taken_above_the_first_and_last(
    clinician_client, clinician_a, patient_a
):
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    _entries(patient_a)
    with time_machine.travel(AT_20, tick=False):
        page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text
    desc = _descriptions(page)
    assert "Dose taken (mg): 11 nights, from 1.5 to 1.5; lowest 1.5, highest 3." in desc
    assert "Prescribed dose (mg): 25 nights, from 1.5 to 1.5. " in desc


def test_the_patients_trends_say_a_worse_night_between_the_first_and_last(
    patient_client, clinician_a, patient_a
):
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    _entries(patient_a)
    with time_machine.travel(AT_20, tick=False):
        page = patient_client.get(reverse("journal:trends")).text
    assert "Pain: 11 nights, from 4 to 4; lowest 4, highest 7." in _descriptions(page)
