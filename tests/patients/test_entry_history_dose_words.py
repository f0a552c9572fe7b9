"""The changes to an entry write a dose as every other page does ("1.5 mg", "1,5 mg" in
German), not the stored "1.50" with no unit (read on the demo clinician's entry history)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

NIGHT = date(2026, 11, 24)
AT_20 = datetime(2026, 11, 25, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "dose"), [("en", "1.5 mg"), ("de", "1,5 mg"), ("es", "1,5 mg")]
)
def test_the_changes_to_an_entry_write_its_dose_with_its_unit(
    clinician_client, clinician_a, patient_a, language, dose
):
    make_plan(patient_a, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=NIGHT,
        status="taken",
        dose_mg=Decimal("1.50"),
        prescribed_mg=Decimal("1.50"),
        taken_at=datetime(2026, 11, 24, 21, 30, tzinfo=UTC),
    )
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    with time_machine.travel(AT_20, tick=False):
        page = clinician_client.get(
            reverse("clinic:entry_history", args=[patient_a.pk, entry.pk])
        ).text
    cells = [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", page, re.S)
    ]
    assert dose in cells
    assert "1.50" not in cells
    assert "1,50" not in cells
