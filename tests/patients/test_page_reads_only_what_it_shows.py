"""The patient page and the visit report read only the nights they show (issue 19, "flat for a
year or ten"): records.PatientNights reads them range by range and records.summary gives the
whole record's figures. Everything they show must be what the whole record gives: a property
test compares each part with its evaluation over every night, as the page read it before."""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patients import records
from patients.clinic import dashboard, report
from patients.models import NightlyEntry, SideEffect, SymptomScale, SymptomScore
from patients.rules import adherence as adherence_rules
from patients.rules import flags as flag_rules
from prescriptions import panel
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.page_reads_support import whole_record_flags

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)
TONIGHT = date(2026, 3, 30)  # at 09:00 London it is still last night
RECORD_NIGHTS = 1100  # three years: most of a record lies outside every window

night_specs = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["taken", "taken", "skipped", ""]),
        "dose": st.sampled_from(["1.5", "3", "4.5", "2"]),
        "late": st.booleans(),
        "pain": st.none() | st.integers(0, 10),
        "mood": st.none() | st.integers(0, 10),
        "morning": st.booleans(),  # the morning check-in was made
        "effect": st.none()
        | st.tuples(st.sampled_from(["headache", "nausea", "insomnia"]), st.integers(1, 3)),
        "extra": st.none() | st.integers(0, 10),
    }
)
# (nights before tonight, what was logged): -1 is a night logged ahead of tonight.
histories = st.dictionaries(
    st.one_of(
        st.integers(-1, 60),  # the windows
        st.integers(61, RECORD_NIGHTS),  # the rest of the record
    ),
    night_specs,
    max_size=60,
)
# (last night, nights before it): ranges a part of a page may ask for.
ranges = st.lists(
    st.tuples(st.integers(-2, RECORD_NIGHTS + 5), st.integers(0, 400)).map(
        lambda pair: (TONIGHT - timedelta(days=pair[0]), pair[1])
    ),
    max_size=6,
)


def save_history(patient, history, scale):
    """The nights as the app stores them (bulk): a row with no status and no morning
    check-in is a night whose dose was undone, never a night of record."""
    entries, effects, scores = [], [], []
    for ago, spec in sorted(history.items()):
        night = TONIGHT - timedelta(days=ago)
        at = datetime(night.year, night.month, night.day, tzinfo=UTC)
        entry = NightlyEntry(
            patient=patient,
            night=night,
            status=spec["status"],
            pain=spec["pain"],
            mood=spec["mood"],
            morning_logged_at=at + timedelta(hours=32) if spec["morning"] else None,
        )
        if spec["status"] == "taken":
            entry.dose_mg = Decimal(spec["dose"])
            entry.taken_at = at + timedelta(hours=27 if spec["late"] else 22)
        entries.append(entry)
    NightlyEntry.objects.bulk_create(entries)
    for entry, (_ago, spec) in zip(entries, sorted(history.items()), strict=True):
        if spec["effect"] and spec["morning"]:
            kind, severity = spec["effect"]
            effects.append(SideEffect(entry=entry, kind=kind, severity=severity))
        if spec["extra"] is not None and scale is not None:
            scores.append(SymptomScore(entry=entry, scale=scale, value=spec["extra"]))
    SideEffect.objects.bulk_create(effects)
    SymptomScore.objects.bulk_create(scores)


def whole_record_adherence(page, every):
    first = page.last_night - timedelta(days=29)
    nightly = adherence_rules.night_records(
        page.plan, dashboard.logged_by_night(every), first, page.last_night
    )
    return tuple(
        adherence_rules.adherence(nightly, page.today, days, through=page.last_night)
        for days in (7, 30)
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories, asks=ranges, with_scale=st.booleans(), weeks=st.sampled_from([4, 52]))
def test_what_the_page_shows_from_its_ranges_is_what_the_whole_record_gives(
    history, asks, with_scale, weeks
):
    # Each example in a savepoint of its own, undone after it.
    with time_machine.travel(NOW, tick=False), transaction.atomic():
        check_example(history, asks, with_scale, weeks)
        transaction.set_rollback(True)


def check_example(history, asks, with_scale, weeks):
    clinician = ClinicianFactory()
    patient = PatientFactory(clinicians=[clinician])
    give_plan(patient, clinician, TONIGHT - timedelta(days=RECORD_NIGHTS - 30))
    scale = SymptomScale.objects.create(patient=patient, name="Itch") if with_scale else None
    save_history(patient, history, scale)
    every = records.read_patient(patient.pk).records

    page = dashboard.patient_page(patient, [clinician], NOW)
    page.nights.want(dashboard.trend_range(page, weeks))

    # The whole record's figures, without reading its nights.
    reported = {}
    for record in every:
        for effect in record.side_effects:
            reported.setdefault(effect.kind, record.night)
    assert page.summary == records.Summary(
        every[0].night if every else None,
        every[-1].night if every else None,
        len(every),
        reported,
    )
    assert (
        page.first_night
        == dashboard.record_nights(
            page.today, every[0].night if every else None, None, page.plan.versions
        )[0]
    )
    # The flags and the adherence from their windows: what every night gives.
    assert page.flags == whole_record_flags(page, every)
    assert (page.adherence_7, page.adherence_30) == whole_record_adherence(page, every)
    # Whatever is asked for next, in any order, is the nights of the record in it.
    for last, length in asks:
        first = last - timedelta(days=length)
        assert page.between(first, last) == [r for r in every if first <= r.night <= last]
    # Read at once (more ranges than one query binds, in two), oldest first.
    spans = [(last - timedelta(days=length), last) for last, length in asks]
    assert records.read_patient(patient.pk, ranges=spans).records == [
        r for r in every if any(first <= r.night <= last for first, last in spans)
    ]
    # The suggestions read from the page's nights: as from their own read.
    state = panel.plan_state(patient, NOW, view=page.plan, tonight=page.today)
    assert panel.current_suggestions(
        patient, state, nights=page.nights
    ) == panel.current_suggestions(patient, state)

    # The visit report of the default range (its last two years) against a page that has
    # read every night first.
    full = dashboard.patient_page(patient, [clinician], NOW, with_timeline=False)
    full.nights.want((date.min, date.max))
    assert full.between(date.min, date.max) == every
    windowed = dashboard.patient_page(patient, [clinician], NOW, with_timeline=False)
    start = max(windowed.first_night, windowed.last_night - timedelta(days=730))
    changes = windowed.plan.changes_between(start, windowed.last_night)
    assert report.visit_report(
        windowed, start, windowed.last_night, changes
    ) == report.visit_report(full, start, full.last_night, changes)
    assert windowed.nights.read == [(min(start, windowed.today - timedelta(days=35)), date.max)]


def nights_read(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return [r.night for r in response.context["page_data"].nights.records]


@time_machine.travel(NOW, tick=False)
def test_a_record_of_three_years_is_read_no_further_than_a_record_of_one(
    clinician_client, clinician_a
):
    """The patient page reads the nights of its parts (the flags' five weeks, the chart's
    twelve, the calendar's month, the suggestions'), the visit report those of its range:
    the same nights whether the record began one year ago or three."""
    one, three = (PatientFactory(clinicians=[clinician_a]) for _ in range(2))
    for patient, nights in ((one, 365), (three, 3 * 365)):
        give_plan(patient, clinician_a, TONIGHT - timedelta(days=nights - 1))
        give_nights([patient], TONIGHT, nights)
    for name in ("clinic:patient", "clinic:report"):
        read_one = nights_read(clinician_client, reverse(name, args=[one.pk]))
        read_three = nights_read(clinician_client, reverse(name, args=[three.pk]))
        if name == "clinic:patient":
            # Twelve weeks of chart, the calendar's month and the suggestions' baseline (the
            # two weeks after the plan began): not the year.
            assert len(read_one) == len(read_three) < 12 * 7 + 14 + 7
            assert read_three[0] == TONIGHT - timedelta(days=3 * 365 - 1)
            assert min(read_three[14:]) >= TONIGHT - timedelta(weeks=12)
        else:
            # The report's default range is at most two years (the form's limit).
            assert len(read_one) == 365
            assert len(read_three) == 731
    # An older month of the calendar reads that month's nights, not the years between.
    month = (TONIGHT - timedelta(days=700)).strftime("%Y-%m")
    shown = nights_read(
        clinician_client, reverse("clinic:patient", args=[three.pk]) + f"?month={month}"
    )
    assert len(shown) < 12 * 7 + 14 + 7 + 42


def nights_of(spans):
    return {
        first + timedelta(days=n) for first, last in spans for n in range((last - first).days + 1)
    }


spans = st.lists(
    st.tuples(st.integers(0, 60), st.integers(-3, 20)).map(
        lambda pair: (TONIGHT + timedelta(days=pair[0]), TONIGHT + timedelta(days=sum(pair)))
    ),
    max_size=6,
)


@given(wanted=spans, read=spans)
def test_the_nights_still_to_read_are_those_wanted_and_not_read(wanted, read):
    """records.merged and records.without, which decide what a page's next read asks for."""
    joined = records.merged(wanted)
    assert nights_of(joined) == nights_of(wanted)
    # Oldest first, apart by at least one night (touching ranges are one).
    assert all(a[1] + timedelta(days=1) < b[0] for a, b in itertools.pairwise(joined))
    missing = records.without(joined, records.merged(read))
    assert nights_of(missing) == nights_of(wanted) - nights_of(read)
    assert missing == records.merged(missing)


@time_machine.travel(NOW, tick=False)
def test_a_side_effect_first_reported_before_the_flags_weeks_is_not_called_new(clinician_a):
    """The side-effects flag calls a severe effect new only when it was never reported before,
    in the whole record: the page's flags read five weeks of nights and the first reports
    from records.summary (without them, a headache of last spring was "new" again)."""
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, TONIGHT - timedelta(days=200))
    give_nights([patient], TONIGHT, 150)
    for ago, severity in ((120, 1), (1, 3)):
        entry = NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=ago))
        SideEffect.objects.create(entry=entry, kind="headache", severity=severity)
    page = dashboard.patient_page(patient, [clinician_a], NOW)
    every = records.read_patient(patient.pk).records
    assert page.flags == whole_record_flags(page, every)
    [flag] = [f for f in page.flags if f.kind == flag_rules.SIDE_EFFECT]
    assert "new" not in str(flag.explanation)
