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
from tests.security.reauth import mark_reauthenticated

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


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("who", ["clinician", "patient"])
def test_the_csv_download_starts_with_one_byte_order_mark_so_excel_reads_utf8(
    client, patient_a, clinician_a, who
):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=10))
    give_nights([patient_a], TONIGHT, 2, notes="Müdigkeit — año, niña")
    user = clinician_a if who == "clinician" else patient_a.user
    client.force_login(user)
    mark_reauthenticated(client, user)
    url = (
        reverse("clinic:export", args=[patient_a.pk, "csv"])
        if who == "clinician"
        else reverse("journal:export_format", args=["csv"])
    )
    response = client.get(url, {"start": "2026-03-29", "end": "2026-03-30"})
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbfnight,status,")
    assert content.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert [row["notes"] for row in rows] == ["Müdigkeit — año, niña"] * 2


@time_machine.travel(NOW, tick=False)
def test_the_fhir_download_has_no_byte_order_mark(clinician_client, patient_a, clinician_a):
    # JSON must not start with one (RFC 8259 §8.1).
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=10))
    give_nights([patient_a], TONIGHT, 2, notes="Müdigkeit")
    url = reverse("clinic:export", args=[patient_a.pk, "fhir"])
    assert body(clinician_client.get(url)).startswith(b'{"resourceType":"Bundle"')


def test_the_access_log_csv_starts_with_a_byte_order_mark(
    client, clinician_a, admin_user, patient_a
):
    patient_a.user.display_name = "Jürgen Muñoz"
    patient_a.user.save()
    client.force_login(clinician_a)
    client.get(reverse("clinic:patient", args=[patient_a.pk]))
    client.force_login(admin_user)
    mark_reauthenticated(client, admin_user)
    response = client.get(reverse("manage:access_log"), {"format": "csv"})
    assert response.content.startswith(b"\xef\xbb\xbfat,actor,")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "Jürgen Muñoz" in {row["patient"] for row in rows}
