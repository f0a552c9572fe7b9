"""Fixtures for the tests with real moving parts (tests/patients/worker_support.py): an own
redis-server per test and an SMTP sink; and the casts and plans that several test modules
share (urgent-report routing, the visit report's plan changes, the plans signed ahead of
tonight that the report and My plan mark "Upcoming" as the plan page does). Modules may
override them."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from prescriptions.changes import end_change, steps_change
from prescriptions.titration import Step
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import (
    make_plan,
    sign_hold,
    sign_restart,
    sign_steps,
    switch_dosing_time,
)
from tests.patients.report_plan_changes_support import TONIGHT, change
from tests.patients.superseded_versions_support import REPLACED
from tests.patients.worker_support import (
    OwnRedis,
    Sink,
    celery_pointed_at,
    require_postgres_and_redis_server,
    start_sink,
)
from tests.prescriptions.factories import make_prescription
from tests.prescriptions.signed_restart_support import _held_from_dec_2, _resume


@pytest.fixture
def redis_server(settings):
    """A throwaway redis-server that this process publishes to (skips without PostgreSQL)."""
    require_postgres_and_redis_server()
    server = OwnRedis().start()
    settings.LDN_REMINDER_REQUEUE_SECONDS = 2
    settings.LDN_REMINDER_STUCK_SECONDS = 3
    with celery_pointed_at(server.url):
        yield server
    server.kill()


@pytest.fixture
def sink():
    handler = Sink()
    controller = start_sink(handler)
    handler.port = controller.port
    yield handler
    controller.stop()


@pytest.fixture
def admins(db):
    return [AdminFactory(display_name="Admin One"), AdminFactory(display_name="Admin Two")]


@pytest.fixture
def orphan(db):
    """A patient whose only clinician was deactivated (as a data import can leave them)."""
    gone = ClinicianFactory(is_active=False)
    return PatientFactory(user__display_name="Olive Orphan", clinicians=[gone])


@pytest.fixture
def looked_after(db):
    clinician = ClinicianFactory(display_name="Dr Team")
    return PatientFactory(user__display_name="Terry Team", clinicians=[clinician]), clinician


@pytest.fixture
def two_prescriptions(patient_a, clinician_a):
    """A first prescription changed on 20 Jan and ended on 1 Feb; a second from 10 Feb,
    changed on 1 Mar (its version 2, as the first's change was)."""
    make_prescription(patient_a, clinician_a, date(2026, 1, 1))
    lower = (Step(dose_mg=Decimal("1.5"), days=None),)

    def steps_from(night):
        return lambda latest: steps_change(
            latest, effective_night=night, start_date=night, steps=lower, reason="Vivid dreams"
        )

    change(patient_a, clinician_a, steps_from(date(2026, 1, 20)), date(2026, 1, 20))
    change(
        patient_a,
        clinician_a,
        lambda latest: end_change(latest, tonight_night=date(2026, 2, 1), reason="Moving abroad"),
        date(2026, 2, 1),
    )
    make_prescription(patient_a, clinician_a, date(2026, 2, 10))
    change(patient_a, clinician_a, steps_from(date(2026, 3, 1)), date(2026, 3, 1))
    give_nights([patient_a], TONIGHT, 20, dose="1.5")
    return patient_a


@pytest.fixture
def replaced_restart(patient_a, clinician_a):
    """On hold from 2 Dec; v3 restarts on 10 Dec (signed 3 Dec); v4, a new open hold from
    5 Dec, replaces it; v5 restarts on 15 Dec."""
    _held_from_dec_2(patient_a, clinician_a)
    _resume(patient_a, clinician_a)
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 5),
        signed=REPLACED,
        reason="Surgery moved",
        restart_on=date(2026, 12, 15),
    )
    return patient_a


# The plans signed ahead of tonight that the visit report's and My plan's agreement tests
# (test_report_plan_agrees_with_the_plan_page, test_my_plan_marks_upcoming_as_the_plan_page)
# compare with the plan page: each fixture gives (patient, the moment of "tonight").
# Saturday 5 Dec 2026, 20:30 in London: tonight is the night of 5 Dec.
DEC_5 = datetime(2026, 12, 5, 20, 30, tzinfo=UTC)
SIGNED_ON_DEC_5 = datetime(2026, 12, 5, 19, 0, tzinfo=UTC)
# 31 Mar 2026, 09:00: tonight (the night the two_prescriptions fixture is in) is 30 Mar.
MAR_31 = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)


@pytest.fixture
def signed_ahead(patient_a, clinician_a):
    """On hold since 1 Dec; today, 5 Dec, the clinician signed a resume on 6 Dec, a switch
    to morning dosing on 7 Dec and a hold on 9-10 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))
    sign_hold(
        patient_a, clinician_a, date(2026, 12, 1), signed=datetime(2026, 11, 30, 20, tzinfo=UTC)
    )
    sign_restart(patient_a, clinician_a, date(2026, 12, 6), 1, signed=SIGNED_ON_DEC_5)
    switch_dosing_time(
        patient_a,
        clinician_a,
        "morning",
        date(2026, 12, 7),
        signed=SIGNED_ON_DEC_5 + timedelta(minutes=5),
    )
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 9),
        date(2026, 12, 10),
        signed=SIGNED_ON_DEC_5 + timedelta(minutes=10),
        reason="Dental surgery",
    )
    return patient_a, DEC_5


@pytest.fixture
def two_prescriptions_and_a_step_ahead(two_prescriptions, clinician_a):
    """The second of two prescriptions (each with its own "v1 Plan created") with a step up
    signed on 30 Mar for 6 Apr."""
    sign_steps(
        two_prescriptions,
        clinician_a,
        date(2026, 4, 6),
        (("3", None),),
        signed=datetime(2026, 3, 30, 20, tzinfo=UTC),
    )
    return two_prescriptions, MAR_31


@pytest.fixture
def replaced_restart_tonight(replaced_restart):
    """On hold from 2 Dec; a restart on 10 Dec (v3) replaced tonight, 5 Dec, by a new hold
    from tonight (v4) that restarts on 15 Dec (v5)."""
    return replaced_restart, DEC_5


@pytest.fixture
def two_prescriptions_tonight(two_prescriptions):
    return two_prescriptions, MAR_31
