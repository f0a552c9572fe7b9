"""CSV and FHIR exports: documented columns, formula neutralising, R4 validation, escaping."""

import csv
import io
import json
import uuid
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from fhir.resources.R4B.adverseevent import AdverseEvent
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient

from ldn_journal.accounts.models import AccessLog
from patients.clinic.exports import csv as csv_export
from patients.clinic.exports import fhir, rows
from patients.clinic.exports.csv import HEADER, neutralise
from patients.models import (
    BreakGlassGrant,
    CareTeamMembership,
    NightlyEntry,
    SideEffect,
    SymptomScale,
    SymptomScore,
)
from prescriptions import plans
from tests.patients.dashboard_factories import give_nights, give_plan, severe_side_effect
from tests.patients.exports_support import body
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
RANGE = (TONIGHT - timedelta(days=30), TONIGHT)
RESOURCES = {
    "Patient": FhirPatient,
    "MedicationRequest": MedicationRequest,
    "MedicationAdministration": MedicationAdministration,
    "Observation": Observation,
    "AdverseEvent": AdverseEvent,
}


@pytest.fixture
def journal(patient_a, clinician_a):
    patient_a.created_at = patient_a.created_at - timedelta(days=400)
    patient_a.save()
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=60))
    give_nights([patient_a], TONIGHT, 20, dose="4.5", notes='=HYPERLINK("http://x")')
    entry = NightlyEntry.objects.get(patient=patient_a, night=TONIGHT)
    severe_side_effect(entry)
    fog = SymptomScale.objects.create(patient=patient_a, name="<script>fog</script>")
    SymptomScore.objects.create(entry=entry, scale=fog, value=3)
    return patient_a


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("plain", "plain"),
        ("1.5", "1.5"),
        (None, ""),
    ],
)
def test_cells_that_look_like_formulas_are_neutralised(value, cell):
    assert neutralise(value) == cell


@time_machine.travel(NOW, tick=False)
def test_the_csv_round_trips_through_pythons_csv_module(clinician_client, journal):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2026-03-20", "end": "2026-03-30"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert list(rows[0]) == HEADER
    assert [row["night"] for row in rows] == [
        (date(2026, 3, 20) + timedelta(days=i)).isoformat() for i in range(11)
    ]
    last = rows[-1]
    assert last["dose_mg"] == "4.50"
    assert last["status"] == "taken"
    assert last["side_effects"] == "headache:severe"
    assert last["extra_scores"] == "<script>fog</script>=3"  # data, not markup: CSV is text
    assert last["notes"].startswith("'=HYPERLINK")
    assert last["taken_at"].endswith("+00:00")


@time_machine.travel(NOW, tick=False)
def test_the_fhir_bundle_validates_as_r4_and_has_every_resource(clinician_client, journal):
    response = clinician_client.get(reverse("clinic:export", args=[journal.pk, "fhir"]))
    assert response.status_code == 200
    data = json.loads(body(response))
    bundle = Bundle.model_validate(data)
    assert bundle.type == "collection"
    kinds = [entry["resource"]["resourceType"] for entry in data["entry"]]
    for entry in data["entry"]:
        RESOURCES[entry["resource"]["resourceType"]].model_validate(entry["resource"])
    assert kinds.count("Patient") == 1
    assert kinds.count("MedicationRequest") == 1
    assert kinds.count("MedicationAdministration") == 20
    request = next(
        e["resource"] for e in data["entry"] if e["resource"]["resourceType"] == "MedicationRequest"
    )
    assert len(request["dosageInstruction"]) == 3
    assert request["status"] == "active"
    assert request["intent"] == "order"
    assert kinds.count("AdverseEvent") == 1  # the severe headache
    dose = next(
        e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    )["dosage"]["dose"]
    assert dose == {"value": 4.5, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}
    pain = [
        e["resource"]
        for e in data["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "72514-3"
    ]
    assert len(pain) == 20
    assert pain[0]["code"]["coding"][0]["system"] == "http://loinc.org"


@time_machine.travel(NOW, tick=False)
def test_a_name_with_markup_stays_plain_text_in_fhir(clinician_client, journal):
    journal.user.display_name = "<script>alert(1)</script>"
    journal.user.save()
    data = json.loads(
        body(clinician_client.get(reverse("clinic:export", args=[journal.pk, "fhir"])))
    )
    assert data["entry"][0]["resource"]["name"] == [{"text": "<script>alert(1)</script>"}]
    assert Bundle.model_validate(data)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-30", "end": "2026-03-01"}, "start date is after the end date"),
        ({"start": "yesterday"}, "Enter the start date as YYYY-MM-DD"),
        ({"end": "2026-02-30"}, "Enter the end date as YYYY-MM-DD"),
    ],
)
def test_a_bad_range_is_refused_with_a_message(clinician_client, journal, params, message):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, params, follow=True)
    assert response.status_code == 200
    assert message in response.text
    assert not AccessLog.objects.filter(action="export.csv").exists()


@time_machine.travel(NOW, tick=False)
def test_a_ten_year_range_asked_for_is_refused_saying_the_earliest_start(clinician_client, journal):
    """Cut to two years with a message queued beside the file, which showed later on another
    page (exploratory testing): refused instead, on the picker, and nothing downloaded."""
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2016-01-01", "end": "2026-03-30"}, follow=True)
    assert response.status_code == 200
    assert not response.streaming
    assert (
        "An export covers at most 731 days (two years): choose a start on or after 30 Mar 2024."
        in response.text
    )
    assert 'id="export"' in response.text
    assert not AccessLog.objects.filter(action="export.csv").exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_a_record_longer_than_two_years_exports_its_last_two_by_default_and_says_so(
    clinician_client, journal, fmt
):
    NightlyEntry.objects.create(patient=journal, night=date(2023, 1, 10), status="skipped")
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk])).text
    assert "The last two years by default (30 Mar 2024 to 30 Mar 2026)" in page
    assert 'value="2024-03-30"' in page
    response = clinician_client.get(reverse("clinic:export", args=[journal.pk, fmt]))
    assert response.status_code == 200
    body(response)
    assert AccessLog.objects.get(action=f"export.{fmt}").detail["start"] == "2024-03-30"
    # Nothing queued to show up later, on some other page.
    later = clinician_client.get(reverse("clinic:patients")).text
    assert "Ranges are limited" not in later
    assert "nothing is recorded after" not in later.lower()


@time_machine.travel(NOW, tick=False)
def test_an_empty_range_gives_just_the_header(clinician_client, journal):
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2020-01-01", "end": "2020-01-31"})
    assert body(response).decode("utf-8-sig").strip() == ",".join(HEADER)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_a_long_export_is_read_a_chunk_of_nights_at_a_time_and_misses_none(
    clinician_client, journal, monkeypatch, django_assert_max_num_queries, fmt
):
    monkeypatch.setattr(rows, "CHUNK", 6)
    url = reverse("clinic:export", args=[journal.pk, fmt])
    response = clinician_client.get(url, {"start": "2026-03-01", "end": "2026-03-30"})
    # Three queries a chunk (nights, side effects, extra scores); 20 nights are 4 chunks.
    # Both read the urgent reports of the range too, in one query (the plan versions come with
    # the plan already read: one prescription).
    with django_assert_max_num_queries(4 * 3 + 1):
        content = body(response)
    if fmt == "csv":
        nights = [
            row["night"]
            for row in csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
            if row["status"]  # the plan's nights before the first logged have rows too
        ]
    else:
        nights = sorted(
            {
                e["resource"]["effectiveDateTime"][:10]
                for e in json.loads(content)["entry"]
                if e["resource"]["resourceType"] == "MedicationAdministration"
            }
        )
    assert len(nights) == len(set(nights)) == 20


@time_machine.travel(NOW, tick=False)
def test_the_fhir_export_is_compact_json(clinician_client, journal):
    content = body(clinician_client.get(reverse("clinic:export", args=[journal.pk, "fhir"])))
    assert b"\n" not in content
    assert b'": ' not in content
    assert json.loads(content)["resourceType"] == "Bundle"


@time_machine.travel(NOW, tick=False)
def test_the_export_covers_the_whole_record_by_default(clinician_client, journal):
    response = clinician_client.get(reverse("clinic:export", args=[journal.pk, "csv"]))
    # The plan began 60 nights back (before the first entry), the account 400 days back.
    start = (TONIGHT - timedelta(days=60)).isoformat()
    name = f"ldn-journal-patient-{journal.pk}-{start}_{TONIGHT.isoformat()}.csv"
    assert f'filename="{name}"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    # Each night of the plan to tonight: the 20 logged and the 41 before them, not logged.
    assert len(rows) == 61
    assert sum(1 for row in rows if row["status"]) == 20


@time_machine.travel(NOW, tick=False)
def test_the_csv_says_which_nights_were_logged_offline_and_in_which_zone(clinician_client, journal):
    NightlyEntry.objects.filter(patient=journal, night=TONIGHT).update(
        logged_offline=True, time_zone="America/New_York"
    )
    NightlyEntry.objects.filter(patient=journal, night=TONIGHT - timedelta(days=1)).update(
        logged_offline=False, time_zone="Europe/London"
    )
    url = reverse("clinic:export", args=[journal.pk, "csv"])
    response = clinician_client.get(url, {"start": "2026-03-29", "end": "2026-03-30"})
    rows = list(csv.DictReader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert [(row["night"], row["logged_offline"], row["time_zone"]) for row in rows] == [
        ("2026-03-29", "false", "Europe/London"),
        ("2026-03-30", "true", "America/New_York"),
    ]


@pytest.mark.parametrize("reach", ["care team", "break-glass", "break-glass, no care team", "none"])
def test_the_export_admits_exactly_the_patients_whose_page_opens(
    client, clinician_a, clinician_b, patient_a, reach
):
    # The export reads its patient through a lighter gate than the page's: same answer.
    if reach == "care team":
        user = clinician_a
    else:
        user = clinician_b
        if reach.startswith("break-glass"):
            BreakGlassGrant.objects.create(
                patient=patient_a,
                clinician=clinician_b,
                reason="Called by the emergency department at 2 am.",
                ends_at=timezone.now() + timedelta(hours=1),
            )
        if reach.endswith("no care team"):
            CareTeamMembership.objects.filter(patient=patient_a).delete()
    client.force_login(user)
    mark_reauthenticated(client, user)
    page = client.get(reverse("clinic:patient", args=[patient_a.pk])).status_code
    for fmt in ("csv", "fhir"):
        export = client.get(reverse("clinic:export", args=[patient_a.pk, fmt])).status_code
        assert (export, page) in ((200, 200), (404, 404)), (fmt, export, page)


# --- the exports' bytes: fast readers and encoders, the same output ------------------------


@pytest.fixture
def awkward_journal(journal):
    """Text json escapes (non-ASCII, DEL, control characters, quotes, astral characters)
    and moments with and without microseconds."""
    journal.user.display_name = 'Zoë "Mü\\ller" \u2028 😀'
    journal.user.save()
    entries = NightlyEntry.objects.filter(patient=journal).order_by("night")
    skipped = entries[0]
    skipped.status, skipped.dose_mg, skipped.taken_at = "skipped", None, None
    skipped.skip_reason, skipped.skip_reason_text = "other", 'é\x7f"\\\n\t\x01 </script>'
    skipped.morning_logged_at = None
    skipped.save()
    fractional = entries[1]
    fractional.taken_at = fractional.taken_at.replace(microsecond=123456)
    fractional.bedtime = fractional.taken_at + timedelta(seconds=1.5)
    fractional.evening_logged_at = fractional.taken_at.replace(microsecond=10)
    fractional.dose_mg = Decimal("1.25")
    fractional.save()
    SideEffect.objects.create(
        entry=entries[2], kind="other", severity=2, other_text="Kopfschmerzen ÄÖ 😀"
    )
    return journal


def _export_inputs(patient):
    plan = plans.load(patient)
    now = timezone.now()
    return plan, now, lambda: rows.nights(patient, *RANGE)


@time_machine.travel(NOW, tick=False)
def test_the_streamed_fhir_is_byte_for_byte_jsons_compact_encoding(awkward_journal, monkeypatch):
    monkeypatch.setattr(fhir.uuid, "uuid4", lambda: uuid.UUID(int=7))
    monkeypatch.setattr(fhir, "BATCH", 3)  # batches with and without non-ASCII text
    plan, now, nights = _export_inputs(awkward_journal)
    streamed = "".join(fhir.bundle_json(awkward_journal, plan, nights(), now, *RANGE))
    expected = json.dumps(
        fhir.bundle(awkward_journal, plan, nights(), now, *RANGE), separators=(",", ":")
    )
    assert streamed == expected
    assert "\\u00e9\\u007f" in streamed
    assert "\\ud83d\\ude00" in streamed


def test_the_fast_encoder_writes_what_json_writes():
    # Every ASCII character, alone and together (each is escaped on its own), every other
    # character of the Basic Multilingual Plane and a sample beyond it with both ends, a lone
    # surrogate (pydantic_core refuses it: json writes it), and every dose a two-place
    # decimal field can hold: the only floats a resource carries.
    ascii_ = [chr(code) for code in range(128)] + ["".join(map(chr, range(128)))]
    beyond = [*range(0x80, 0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 97)]
    texts = [*ascii_, "".join(map(chr, [*beyond, 0x10FFFF])), "é", "😀", "a\ud800b", "~\x7f"]
    doses = [float(Decimal(n).scaleb(-2)) for n in range(-9999, 10000)]
    for value in (*texts, doses, {"é": ["😀", 1, True, None, {"b": "c"}], "d": {}, "e": []}):
        assert fhir._encode(value) == json.dumps(value, separators=(",", ":"))


def test_the_exports_read_the_moments_the_models_hold(awkward_journal):
    read = list(rows.nights(awkward_journal, TONIGHT - timedelta(days=30), TONIGHT))
    stored = NightlyEntry.objects.filter(patient=awkward_journal).order_by("night")
    moments = ("taken_at", "bedtime", "evening_logged_at", "morning_logged_at")
    assert len(read) == len(stored) == 20
    for night, entry in zip(read, stored, strict=True):
        for name in moments:
            value, model_value = getattr(night, name), getattr(entry, name)
            assert value == model_value, name
            assert value is None or value.tzinfo is UTC, name
    assert read[1].taken_at.microsecond == 123456


@time_machine.travel(NOW, tick=False)
def test_the_csv_writes_the_moments_the_models_hold(awkward_journal):
    stored = NightlyEntry.objects.filter(patient=awkward_journal).order_by("night")
    nights = rows.nights(awkward_journal, TONIGHT - timedelta(days=30), TONIGHT)
    table = list(csv.DictReader(io.StringIO("".join(csv_export.stream_nights_csv(nights))[1:])))
    assert len(table) == 20
    for row, entry in zip(table, stored, strict=True):
        for name in ("taken_at", "bedtime", "evening_logged_at", "morning_logged_at"):
            moment = getattr(entry, name)
            assert row[name] == (moment.astimezone(UTC).isoformat() if moment else ""), name
    assert table[1]["taken_at"].endswith(".123456+00:00")
