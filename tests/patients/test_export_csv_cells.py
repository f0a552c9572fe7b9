"""The CSV download's cells and bytes: formulas stay text, also behind leading whitespace."""

import csv
import io
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.clinic.exports.csv import neutralise
from patients.models import NightlyEntry, SymptomScale, SymptomScore
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
CALC = "=cmd|' /C calc'!A0"


def body(response):
    assert response.streaming
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "value",
    [
        f"  {CALC}",
        f"\t{CALC}",
        f"\r\n{CALC}",
        f"\u00a0{CALC}",  # a no-break space
        f"\u3000{CALC}",  # an ideographic space
        " +1+1",
        "   -2+3",
        " @SUM(A1)",
        "\x00=1+1",
        "\n=1+1",
    ],
)
def test_a_formula_behind_leading_whitespace_is_neutralised(value):
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["  plain words", "fine = good", "4.50", "2026-03-30", "headache:severe"]
)
def test_text_with_a_formula_sign_later_on_stays_as_it_is(value):
    assert neutralise(value) == value


@time_machine.travel(NOW, tick=False)
def test_the_patients_free_text_behind_spaces_reaches_the_csv_as_text(
    clinician_client, patient_a, clinician_a
):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=10))
    give_nights([patient_a], TONIGHT, 2, notes=f"  {CALC}")
    skipped = NightlyEntry.objects.get(patient=patient_a, night=TONIGHT - timedelta(days=1))
    skipped.status, skipped.dose_mg, skipped.taken_at = "skipped", None, None
    skipped.skip_reason, skipped.skip_reason_text = "other", f"\t {CALC}"
    skipped.save()
    scale = SymptomScale.objects.create(patient=patient_a, name=f" {CALC}")
    SymptomScore.objects.create(
        entry=NightlyEntry.objects.get(patient=patient_a, night=TONIGHT), scale=scale, value=3
    )
    url = reverse("clinic:export", args=[patient_a.pk, "csv"])
    response = clinician_client.get(url, {"start": "2026-03-29", "end": "2026-03-30"})
    text = body(response).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["notes"] for row in rows] == [f"'  {CALC}", f"'  {CALC}"]
    assert rows[0]["skip_reason_text"] == f"'\t {CALC}"
    assert rows[1]["extra_scores"] == f"' {CALC}=3"
