"""Symptoms by dose level read as groups from PostgreSQL (patients.clinic.dose_levels): the
same groups, and so the same panel, as dose_response's grouping of the patient's records,
in one query whatever the length of the record."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import records
from patients.clinic import dashboard
from patients.clinic import dose_levels as dose_level_groups
from patients.models import NightlyEntry, SymptomScale, SymptomScore
from patients.rules import dose_response as dr
from patients.rules.nights import EVENING, MORNING
from tests.patients.dashboard_factories import give_nights

pytestmark = pytest.mark.django_db
START = date(2026, 1, 1)
SCORE = st.one_of(st.none(), st.integers(0, 10))
DOSE = st.sampled_from([D("1.5"), D("3"), D("4.5"), D("2.25")])
# A night's extra score: none, on the patient's own scale, or on another patient's scale
# (which the records do not read: it makes no night scored).
EXTRA = st.sampled_from([None, None, "own", "foreign"])


@st.composite
def a_night(draw, before_first_dose, doses):
    statuses = ["", "skipped"] if before_first_dose else ["taken", "taken", "skipped", ""]
    status = draw(st.sampled_from(statuses))
    if status == "taken":
        dose = draw(st.sampled_from(doses))
    elif status == "":  # an undone dose may leave its amount behind
        dose = draw(st.one_of(st.none(), st.sampled_from(doses)))
    else:
        dose = None
    answered = draw(st.booleans())  # the morning's questions, or none of them
    return {
        "status": status,
        "dose_mg": dose,
        # A row with no status and no morning is not logged: it must count nowhere.
        "morning": draw(st.booleans()),
        "scores": {
            field: draw(SCORE) if answered else None
            for field in ("pain", "fatigue", "mood", "sleep_quality", "dream_intensity")
        },
        "dreams": draw(st.sampled_from(["", "none", "normal", "vivid", "nightmares"])),
        "extra": draw(EXTRA),
    }


@st.composite
def histories(draw):
    """Nights with gaps: a run before the first dose (often long enough to be a baseline),
    then doses, skips and undone rows."""
    doses = draw(st.lists(DOSE, min_size=1, max_size=3, unique=True))
    before, after = draw(st.integers(0, 14)), draw(st.integers(5, 70))
    nights = draw(st.lists(a_night(True, doses), min_size=before, max_size=before)) + draw(
        st.lists(a_night(False, doses), min_size=after, max_size=after)
    )
    gaps = draw(
        st.lists(st.sampled_from([0, 0, 0, 1, 3]), min_size=len(nights), max_size=len(nights))
    )
    days = [day + sum(gaps[: day + 1]) for day in range(len(nights))]
    return list(zip(days, nights, strict=True))


def save(patient, history, own, foreign):
    entries = NightlyEntry.objects.bulk_create(
        NightlyEntry(
            patient=patient,
            night=START + timedelta(days=day),
            status=night["status"],
            dose_mg=night["dose_mg"],
            dreams=night["dreams"],
            morning_logged_at=datetime(2026, 1, 2, 9, tzinfo=UTC) + timedelta(days=day)
            if night["morning"]
            else None,
            **night["scores"],
        )
        for day, night in history
    )
    SymptomScore.objects.bulk_create(
        SymptomScore(entry=entry, scale=own if night["extra"] == "own" else foreign, value=3)
        for entry, (_day, night) in zip(entries, history, strict=True)
        if night["extra"]
    )


def comparable(groups):
    """Groups in one order with their scores sorted (the database's come in any order)."""
    return sorted(
        (
            (g.dose_mg is None, g.dose_mg or 0, g.nights, g.first_night, g.last_night),
            [sorted(g.scores[scale.key]) for scale in dr.WATCHED],
            (g.dream_nights, g.vivid_nights),
        )
        for g in groups
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_the_databases_groups_give_the_panel_the_records_give(patient_a, patient_b, history):
    with transaction.atomic():
        own = SymptomScale.objects.create(patient=patient_a, name="Brain fog")
        foreign = SymptomScale.objects.create(patient=patient_b, name="Brain fog")
        save(patient_a, history, own, foreign)
        nights = records.read_patient(patient_a.pk).records
        from_sql = dose_level_groups.groups(patient_a.pk)
        assert comparable(from_sql) == comparable(dr.groups(nights))
        for dosing_time in (EVENING, MORNING):
            assert dose_level_groups.by_dose_level(
                patient_a.pk, dosing_time=dosing_time
            ) == dr.by_dose_level(nights, dosing_time=dosing_time)
        # Every group summarised, however few its nights (the threshold hides none of them).
        assert dr.summarise(from_sql, min_nights=1) == dr.by_dose_level(nights, min_nights=1)
        transaction.set_rollback(True)


def _night(patient, day, status="", **fields):
    night = START + timedelta(days=day)
    return NightlyEntry.objects.create(patient=patient, night=night, status=status, **fields)


def test_the_nights_before_the_first_dose_with_any_score_are_the_baseline(patient_a):
    """The rule's "any score": an extra scale's score counts, an unlogged row does not."""
    fog = SymptomScale.objects.create(patient=patient_a, name="Brain fog")
    morning = datetime(2026, 1, 1, 9, tzinfo=UTC)
    _night(patient_a, 0, pain=5, morning_logged_at=morning)  # scored
    _night(patient_a, 1, morning_logged_at=morning)  # logged, no score
    _night(patient_a, 2, status="skipped", dream_intensity=4)  # scored
    _night(patient_a, 3, pain=6)  # not logged: no status, no morning
    scored = _night(patient_a, 4, morning_logged_at=morning)
    SymptomScore.objects.create(entry=scored, scale=fog, value=2)  # scored by the extra scale
    _night(patient_a, 5, status="taken", dose_mg=D("1.5"), pain=3)
    _night(patient_a, 6, status="taken", dose_mg=D("1.5"), pain=5)

    baseline = next(g for g in dose_level_groups.groups(patient_a.pk) if g.dose_mg is None)

    assert (baseline.nights, baseline.first_night, baseline.last_night) == (
        3,
        START,
        START + timedelta(days=4),
    )
    assert baseline.scores["pain"] == [5]


def _page(patient, dosing_time=EVENING):
    return SimpleNamespace(patient=patient, position=SimpleNamespace(dosing_time=dosing_time))


def test_the_panel_takes_one_query_whatever_the_number_of_nights(
    patient_a, patient_b, django_assert_num_queries
):
    give_nights([patient_a], date(2026, 3, 30), 30)
    give_nights([patient_b], date(2026, 3, 30), 400, dose="3", skip=range(0, 400, 9))
    for patient in (patient_a, patient_b):
        with django_assert_num_queries(1):
            found = dashboard.dose_levels(_page(patient))
        assert found.levels, patient


def test_the_panel_reads_the_whole_record_not_the_pages_nights(patient_a):
    """The page may hold only its recent nights: the panel reads the patient's record."""
    give_nights([patient_a], date(2026, 3, 30), 40, dose="1.5")
    give_nights([patient_a], date(2026, 2, 18), 20, dose="3")
    page = _page(patient_a, MORNING)
    page.records = []

    found = dashboard.dose_levels(page)

    assert [(level.dose_mg, level.nights) for level in found.levels] == [
        (D("1.5"), 40),
        (D("3"), 20),
    ]
    assert found == dr.by_dose_level(
        records.read_patient(patient_a.pk).records, dosing_time=MORNING
    )


def test_on_a_database_without_arrays_the_records_are_grouped_in_python(patient_a, monkeypatch):
    """`make run`'s SQLite fallback: the same groups, from the records by dose_response."""
    give_nights([patient_a], date(2026, 3, 30), 20, dose="1.5", skip=(3, 4))
    from_sql = dose_level_groups.groups(patient_a.pk)
    monkeypatch.setattr(dose_level_groups.connection, "vendor", "sqlite")

    assert comparable(dose_level_groups.groups(patient_a.pk)) == comparable(from_sql)
