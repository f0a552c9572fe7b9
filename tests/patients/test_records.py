"""patients.records: the one reader that turns logged nights into the plain records every
clinician surface hands the rules (page, report, plan panel, stored attention)."""

from dataclasses import FrozenInstanceError, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from patients import records
from patients.clinic import dashboard
from patients.clinic.dashboard import EntryRow, entry_rows_html
from patients.compiled import PerPatientQuery
from patients.models import (
    ClinicianNote,
    FlagReview,
    NightlyEntry,
    SideEffect,
    SymptomScale,
    SymptomScore,
)
from patients.rules import flags as flag_rules
from prescriptions.night_facts import night_facts
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NIGHT = date(2026, 3, 20)


@pytest.fixture
def logged(patient_a, clinician_a):
    """A taken night with two side effects (one "other" with its words) and an extra score,
    and a skipped night with its reason."""
    taken = NightlyEntry.objects.create(
        patient=patient_a,
        night=NIGHT,
        status="taken",
        dose_mg=Decimal("3.00"),
        taken_at=datetime(2026, 3, 20, 21, 30, tzinfo=UTC),
        time_zone="Europe/London",
        pain=4,
        fatigue=5,
        mood=6,
        sleep_quality=7,
        dreams="vivid",
        dream_intensity=8,
    )
    SideEffect.objects.create(entry=taken, kind="other", severity=2, other_text="Itchy skin")
    SideEffect.objects.create(entry=taken, kind="headache", severity=3)
    fog = SymptomScale.objects.create(patient=patient_a, name="Brain fog", lower_is_better=True)
    SymptomScore.objects.create(entry=taken, scale=fog, value=3)
    NightlyEntry.objects.create(
        patient=patient_a, night=NIGHT + timedelta(days=1), status="skipped", skip_reason="forgot"
    )
    return fog


def test_a_night_reads_as_the_record_the_rules_expect(patient_a, logged):
    nights = records.read_one(NightlyEntry.objects.filter(patient=patient_a))
    taken, skipped = nights.records
    assert taken == flag_rules.NightRecord(
        night=NIGHT,
        status="taken",
        dose_mg=Decimal("3.00"),
        taken_at=datetime(2026, 3, 20, 21, 30, tzinfo=UTC),
        time_zone="Europe/London",
        scores={
            "pain": 4,
            "fatigue": 5,
            "mood": 6,
            "sleep_quality": 7,
            "dream_intensity": 8,
            f"scale-{logged.pk}": 3,
        },
        dreams="vivid",
        side_effects=(
            flag_rules.SideEffectRecord("headache", 3, ""),
            flag_rules.SideEffectRecord("other", 2, "Itchy skin"),
        ),
    )
    # Built without NightRecord's __init__ (patients.records): still the frozen record.
    assert replace(taken, status="skipped").status == "skipped"
    with pytest.raises(FrozenInstanceError):
        taken.status = "skipped"
    # The reason's English label: the msgid the flags' evidence is translated from when shown
    # (patients.rules.wording.Label), whatever language the page is read in.
    assert (skipped.status, skipped.skip_reason, skipped.side_effects) == (
        "skipped",
        "I forgot",
        (),
    )
    assert [scale.label for scale in nights.scales.values()] == ["Brain fog"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_reason_is_read_as_its_english_label_in_any_language(patient_a, logged, language):
    with translation.override(language):
        nights = records.read_one(NightlyEntry.objects.filter(patient=patient_a))
    assert nights.records[1].skip_reason == "I forgot"


def test_without_arrays_the_reader_builds_the_same_records(patient_a, logged):
    """The SQLite fallback of `make run` (no ARRAY subqueries) reads what PostgreSQL does."""
    give_nights([patient_a], NIGHT - timedelta(days=1), 30)
    entries = NightlyEntry.objects.filter(patient=patient_a)
    for extra_scores in (True, False):
        with_arrays = records.read_one(entries, extra_scores=extra_scores, arrays=True)
        without = records.read_one(entries, extra_scores=extra_scores, arrays=False)
        assert without.records == with_arrays.records
        assert without.scales == with_arrays.scales
        assert len(without.records) == 32


def test_the_reader_takes_two_queries_for_any_number_of_nights(
    patient_a, logged, django_assert_num_queries
):
    """The nights with their side effects, then the extra scores (one without them)."""
    give_nights([patient_a], NIGHT - timedelta(days=1), 200)
    entries = NightlyEntry.objects.filter(patient=patient_a)
    with django_assert_num_queries(2):
        found = records.read(entries)
    assert len(found[patient_a.pk].records) == 202
    with django_assert_num_queries(2):
        assert records.read_patient(patient_a.pk).records == found[patient_a.pk].records
    with django_assert_num_queries(1):
        assert len(records.read(entries, extra_scores=False)[patient_a.pk].records) == 202
    with django_assert_num_queries(1):
        assert len(records.read_patient(patient_a.pk, extra_scores=False).records) == 202


def test_a_score_counts_only_on_its_own_patients_scale(patient_a, patient_b, logged):
    """Both readers read a score on another patient's scale (which no form saves) alike: as
    no score, so the page's read (found from the patient's scales) and the list's agree."""
    stray = SymptomScale.objects.create(patient=patient_b, name="Not theirs")
    SymptomScore.objects.create(entry=NightlyEntry.objects.get(night=NIGHT), scale=stray, value=9)
    entries = NightlyEntry.objects.filter(patient=patient_a)
    for nights in (
        records.read_one(entries),
        records.read_one(entries, arrays=False),
        records.read_patient(patient_a.pk),
    ):
        assert nights.records[0].scores[f"scale-{logged.pk}"] == 3
        assert f"scale-{stray.pk}" not in nights.records[0].scores
        assert list(nights.scales) == [f"scale-{logged.pk}"]


def test_one_patients_nights_read_from_the_compiled_query_are_the_querysets_records(
    patient_a, patient_b, logged
):
    """read_patient (its SQL compiled once per process) reads what read_one reads from the
    queryset, with either path, and only the patient asked for."""
    give_nights([patient_a, patient_b], NIGHT - timedelta(days=1), 30)
    NightlyEntry.objects.filter(patient=patient_a, night=NIGHT - timedelta(days=3)).update(
        taken_at=datetime(2026, 3, 17, 22, 5, 9, 123456, tzinfo=UTC)
    )
    for extra_scores in (True, False):
        expected = records.read_one(
            NightlyEntry.objects.filter(patient=patient_a), extra_scores=extra_scores
        )
        for arrays in (True, False):
            found = records.read_patient(patient_a.pk, extra_scores=extra_scores, arrays=arrays)
            assert found.records == expected.records
            assert found.scales == expected.scales
    [taken_at] = [r.taken_at for r in found.records if r.night == NIGHT - timedelta(days=3)]
    assert (taken_at, taken_at.tzinfo) == (datetime(2026, 3, 17, 22, 5, 9, 123456, tzinfo=UTC), UTC)
    assert len(records.read_patient(patient_b.pk).records) == 30
    assert records.read_patient(0).records == []


def test_a_filter_on_no_patient_reads_nothing_without_asking_the_database(
    django_assert_num_queries,
):
    with django_assert_num_queries(0):
        assert records.read(NightlyEntry.objects.filter(patient__in=[])) == {}


def test_a_compiled_query_must_filter_by_the_patient():
    query = PerPatientQuery(lambda patient_id: NightlyEntry.objects.filter(night=NIGHT))
    with pytest.raises(ValueError, match="patient"):
        query.sql(1, "default")


def test_the_timeline_read_from_the_compiled_query_is_the_querysets(
    patient_a, clinician_a, django_assert_num_queries
):
    ClinicianNote.objects.create(patient=patient_a, author=clinician_a, text="Seen in clinic")
    review = FlagReview.objects.create(
        patient=patient_a, reviewed_through=NIGHT, reviewed_by=clinician_a, note="ok"
    )
    review.undone_at, review.undone_by = timezone.now(), clinician_a
    review.save()
    with django_assert_num_queries(1):
        found = dashboard.timeline(patient_a)
    assert found == list(dashboard._timeline_query(patient_a.pk))
    assert [item["item"] for item in found] == ["review", "note"]


def test_the_suggestions_read_the_same_nights_without_extra_scores(patient_a, logged):
    [facts] = night_facts(patient_a, [(NIGHT, NIGHT)])
    assert facts.taken is True
    assert facts.side_effects == {"headache": 3, "other": 2}
    assert (facts.pain, facts.sleep_quality, facts.dream_intensity) == (4, 7, 8)


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_the_entries_table_is_paged_newest_first_with_labels_from_the_records(
    clinician_client, clinician_a
):
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, date(2025, 1, 1))
    give_nights([patient], date(2026, 3, 30), 40, skip=(35,))
    oldest_taken = NightlyEntry.objects.get(patient=patient, night=date(2026, 2, 20))
    SideEffect.objects.create(entry=oldest_taken, kind="insomnia", severity=1)
    url = reverse("clinic:patient", args=[patient.pk])

    first = clinician_client.get(url).context["entries"]
    second = clinician_client.get(url, {"page": 2}).context["entries"]

    assert first.paginator.num_pages == 2
    assert [row.night for row in first][:2] == [date(2026, 3, 30), date(2026, 3, 29)]
    nights = {row.night: row for row in second}
    assert len(nights) == 10
    assert nights[date(2026, 2, 20)].side_effects == ("Insomnia (Mild)",)
    assert nights[date(2026, 2, 23)].status == "skipped"


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_a_stored_reason_outside_todays_choices_shows_as_itself_not_a_server_error(
    clinician_client, clinician_a
):
    patient = PatientFactory(clinicians=[clinician_a])
    give_plan(patient, clinician_a, date(2025, 1, 1))
    give_nights([patient], date(2026, 3, 30), 3, skip=(1,))
    NightlyEntry.objects.filter(patient=patient, status="skipped").update(skip_reason="retired")

    response = clinician_client.get(reverse("clinic:patient", args=[patient.pk]))

    assert response.status_code == 200
    assert "(retired)" in response.text


# The entries table's rows as the template loop wrote them before they were written in Python.
ENTRY_LOOP = (
    "{% load i18n journal %}{% for e in entries %}\n"
    "        <tr>\n"
    '          <th scope="row">'
    "<a href=\"{% url 'clinic:night' patient.pk e.night|date:'Y-m-d' %}\">"
    '{{ e.night|day:"day_date" }}</a></th>\n'
    '          <td>{% if e.status == "taken" %}'
    '{{ e.dose_mg.normalize }} mg{% if e.deviates %} <span class="badge badge-moderate">'
    "{% blocktranslate trimmed with dose=e.prescribed_mg.normalize %}plan {{ dose }}"
    '{% endblocktranslate %}</span>{% endif %}{% elif e.status == "skipped" %}'
    '{% translate "Skipped" %}'
    "{% if e.skip_reason %} ({{ e.skip_reason_label }}){% endif %}{% else %}"
    '<span class="muted">—</span>{% endif %}</td>\n'
    '          <td>{{ e|logged_time:"taken_at" }}'
    '{% if e.logged_offline %} <span class="badge badge-info">'
    '{% translate "logged offline" %}</span>{% endif %}</td>\n'
    '          <td class="num">{{ e.pain|default_if_none:"" }}</td><td class="num">'
    '{{ e.fatigue|default_if_none:"" }}</td><td class="num">'
    '{{ e.mood|default_if_none:"" }}</td><td class="num">'
    '{{ e.sleep_quality|default_if_none:"" }}</td>\n'
    "          <td>{% if e.dreams %}{{ e.dreams_label }}{% endif %}</td>\n"
    "          <td>{% for s in e.side_effects %}{{ s }}"
    "{% if not forloop.last %}, {% endif %}{% endfor %}</td>\n"
    '          <td class="small">{{ e.notes|truncatechars:80 }}</td>\n'
    "          <td><a href=\"{% url 'clinic:entry_history' patient.pk e.pk %}\">"
    '{% translate "History" %}</a></td>\n'
    "        </tr>\n"
    "      {% endfor %}"
)


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_entries_rows_are_the_html_the_template_loop_wrote(language):
    at = datetime(2026, 3, 20, 21, 30, tzinfo=UTC)
    rows = [
        EntryRow(
            7,
            NIGHT,
            "taken",
            Decimal("1.50"),
            Decimal("3.00"),
            "",
            at,
            "America/New_York",
            True,
            4,
            None,
            0,
            10,
            "vivid",
            "<b>Slept</b> & " + "x" * 90,
            ("Insomnia (Mild)", "Other <i>(Severe)</i>"),
        ),
        EntryRow(
            8,
            NIGHT - timedelta(1),
            "taken",
            Decimal("3.00"),
            Decimal("3.00"),
            "",
            at,
            "Europe/London",
            False,
            None,
            None,
            None,
            None,
            "",
            "",
            (),
        ),
        EntryRow(
            9,
            NIGHT - timedelta(2),
            "skipped",
            None,
            Decimal("3.00"),
            "forgot",
            None,
            "",
            False,
            2,
            3,
            4,
            5,
            "nightmares",
            "",
            (),
        ),
        EntryRow(
            10,
            NIGHT - timedelta(3),
            "skipped",
            None,
            None,
            "retired<",
            None,
            "",
            False,
            None,
            None,
            None,
            None,
            "odd",
            "",
            (),
        ),
        EntryRow(
            11,
            NIGHT - timedelta(4),
            "",
            None,
            None,
            "",
            None,
            "",
            False,
            1,
            None,
            None,
            None,
            "",
            "note",
            (),
        ),
    ]
    with translation.override(language), timezone.override("Europe/London"):
        expected = Template(ENTRY_LOOP).render(Context({"entries": rows, "patient": {"pk": 5}}))
        assert entry_rows_html(rows, 5) == expected
