"""A CompiledQuery sends the ORM's SQL with each call's values and reads back what the ORM
would: the same rows, the same model instances (deferred fields included)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Subquery
from django.test.utils import CaptureQueriesContext

from ldn_journal.accounts.models import User
from ldn_journal.compiled_queries import CompiledQuery, ids_filter
from patients.journal.entries import patient_and_plan
from patients.models import NightlyEntry, Patient
from tests.factories import PatientFactory
from tests.patients.journal_support import a_year_of_nights

pytestmark = pytest.mark.django_db
LAST = date(2026, 3, 30)
PLACEHOLDERS = (-9_000_001, date(1001, 1, 1), date(1001, 1, 2))


def _nights(patient_id, since, until):
    entries = NightlyEntry.objects.filter(patient_id=patient_id)
    first = Subquery(entries.order_by("night").values("night")[:1])
    return (
        entries.filter(night__gte=since, night__lte=until)
        .annotate(first=first)
        .values_list("night", "status", "dose_mg", "taken_at", "first")
    )


def _only(patient_id, since, until):
    return (
        NightlyEntry.objects.filter(patient_id=patient_id, night__gte=since, night__lte=until)
        .order_by("night")
        .only("night", "status", "dose_mg", "pain")
    )


@pytest.fixture
def two_patients():
    patients = [PatientFactory(), PatientFactory()]
    for patient in patients:
        a_year_of_nights(patient, last=LAST, nights=40)
    return patients


def test_values_are_the_rows_the_orm_reads(two_patients):
    query = CompiledQuery(_nights, *PLACEHOLDERS)
    for patient in two_patients:
        since, until = LAST - timedelta(days=20), LAST - timedelta(days=3)
        assert query.values(patient.pk, since, until) == list(_nights(patient.pk, since, until))


def test_instances_are_the_models_the_orm_reads_with_the_same_deferred_fields(two_patients):
    query = CompiledQuery(_only, *PLACEHOLDERS)
    patient = two_patients[1]
    since = LAST - timedelta(days=10)
    compiled, orm = query.instances(patient.pk, since, LAST), list(_only(patient.pk, since, LAST))
    assert [e.pk for e in compiled] == [e.pk for e in orm]
    assert len(orm) == 10
    for mine, theirs in zip(compiled, orm, strict=True):
        assert mine.get_deferred_fields() == theirs.get_deferred_fields()
        assert (mine.night, mine.status, mine.dose_mg, mine.pain) == (
            theirs.night,
            theirs.status,
            theirs.dose_mg,
            theirs.pain,
        )


def test_no_rows_is_an_empty_list(two_patients):
    query = CompiledQuery(_nights, *PLACEHOLDERS)
    assert (
        query.values(two_patients[0].pk, LAST + timedelta(days=5), LAST + timedelta(days=9)) == []
    )


def test_a_placeholder_missing_from_the_sql_is_refused():
    query = CompiledQuery(lambda patient_id, _unused: _only(patient_id, LAST, LAST), -9_000_002, 7)
    with pytest.raises(ValueError, match="did not reach the SQL"):
        query.values(1, 2)


def test_a_call_with_the_wrong_number_of_values_is_refused():
    query = CompiledQuery(_nights, *PLACEHOLDERS)
    with pytest.raises(TypeError):
        query.values(1, LAST)


def test_instances_carry_their_select_related_objects_and_annotations(two_patients):
    def entries(patient_id):
        return (
            NightlyEntry.objects.filter(patient_id=patient_id)
            .select_related("patient__user")
            .annotate(first=Subquery(NightlyEntry.objects.order_by("night").values("night")[:1]))
            .order_by("night")
        )

    patient = two_patients[0]
    compiled = CompiledQuery(entries, -9_000_003).instances(patient.pk)
    orm = list(entries(patient.pk))
    assert len(compiled) == len(orm) == 40
    for mine, theirs in zip(compiled, orm, strict=True):
        assert mine.__dict__.keys() == theirs.__dict__.keys()
        assert mine.first == theirs.first
        assert mine.patient.user.email == theirs.patient.user.email == patient.user.email
        assert mine._state.fields_cache.keys() == theirs._state.fields_cache.keys()


def test_a_patients_own_profile_is_the_gates_answer(two_patients):
    for patient in two_patients:
        user = User.objects.get(pk=patient.user_id)
        mine, _plan = patient_and_plan(user)
        theirs = Patient.objects.visible_to(user).get()
        assert mine.pk == theirs.pk == patient.pk
        assert [getattr(mine, f.attname) for f in Patient._meta.concrete_fields] == [
            getattr(theirs, f.attname) for f in Patient._meta.concrete_fields
        ]
    inactive = User.objects.get(pk=two_patients[0].user_id)
    inactive.is_active = False
    assert patient_and_plan(inactive) is None


def test_any_of_reads_the_listed_ids_with_one_sql_for_any_number_of_them(two_patients):
    first, second = two_patients
    ids = [first.pk, second.pk]

    def sql(ids):
        queryset = Patient.objects.filter(pk__any_of=ids)
        return queryset.query.get_compiler(queryset.db).as_sql()[0]

    assert sorted(Patient.objects.filter(pk__any_of=ids).values_list("pk", flat=True)) == ids
    assert list(Patient.objects.filter(pk__any_of=[second.pk]).values_list("pk", flat=True)) == [
        second.pk
    ]
    assert not Patient.objects.filter(pk__any_of=[]).exists()
    assert sql([1]) == sql([1, 2, 3])


def test_a_list_placeholder_compiles_once_and_reads_what_pk_in_reads(two_patients):
    first, second = two_patients
    query = CompiledQuery(
        lambda ids: Patient.objects.filter(**ids_filter("default", ids)).select_related("user"),
        [-9_000_021, -9_000_022],
    )
    for ids in ([first.pk], [first.pk, second.pk], []):
        got = sorted((p.pk, p.user.email) for p in query.instances(ids))
        orm = sorted((p.pk, p.user.email) for p in Patient.objects.filter(pk__in=ids))
        assert got == orm


def _ordered(patient_id, since, until):
    return _nights(patient_id, since, until).order_by("-night")


@pytest.mark.parametrize(("start", "stop"), [(0, 7), (7, 14), (35, 50), (0, 0), (100, 120)])
def test_a_slice_is_the_orms_slice_in_the_same_sql(two_patients, start, stop):
    """LIMIT and OFFSET written as the ORM writes a slice: the same rows and the same SQL
    (so the same plan), for a first page, a middle one, the last, none and one past it."""
    query = CompiledQuery(_ordered, *PLACEHOLDERS)
    patient, since = two_patients[0], LAST - timedelta(days=39)
    with CaptureQueriesContext(connection) as compiled:
        rows = query.values_slice(patient.pk, since, LAST, start=start, stop=stop)
    with CaptureQueriesContext(connection) as orm:
        expected = list(_ordered(patient.pk, since, LAST)[start:stop])
    assert rows == expected
    total = _ordered(patient.pk, since, LAST).count()
    assert len(rows) == max(0, min(stop, total) - start)
    if stop > start:  # the ORM sends nothing for an empty slice
        assert [q["sql"] for q in compiled] == [q["sql"] for q in orm]


@pytest.mark.parametrize(("start", "stop"), [(-1, 5), (5, 4)])
def test_a_slice_that_is_not_one_is_refused(start, stop):
    query = CompiledQuery(_ordered, *PLACEHOLDERS)
    with pytest.raises(ValueError, match="Not a slice"):
        query.values_slice(1, LAST, LAST, start=start, stop=stop)
