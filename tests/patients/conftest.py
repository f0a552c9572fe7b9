"""Fixtures for the tests with real moving parts (tests/patients/worker_support.py): an own
redis-server per test and an SMTP sink; and the casts and plans that several test modules
share (urgent-report routing, the visit report's plan changes). Modules may override them."""

from datetime import date
from decimal import Decimal

import pytest

from prescriptions.changes import end_change, steps_change
from prescriptions.titration import Step
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import sign_hold
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
