"""Shared test setup: fast hashing, a clean cache, and the cast of a small clinic.

The cast follows healthchecks' owner/teammate/outsider idea: patient A is on clinician A's
team; patient B on clinician B's; an admin; and a deactivated user.
"""

import json
import os
import shutil
import socket
import subprocess
import time
import warnings
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.db.models.signals import post_migrate
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from py_vapid import Vapid
from redis.exceptions import ConnectionError as RedisConnectionError

from ldn_journal import redis_outages
from ldn_journal.accounts import access_log
from prescriptions.builtin import ensure_builtin_templates
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory, UserFactory
from tests.figures import FIGURES
from tests.patients.reminder_support import patient_on_plan
from tests.security.reauth import mark_reauthenticated

IN_CI = os.environ.get("CI") == "true"
# The property tests (nights, titration, suggestions, dose levels) have no per-example time
# limit: on CI's two shared cores a garbage-collector pause or a busy neighbour took an example
# past Hypothesis's 200 ms default, which fails as "Flaky" though nothing is wrong. Speed is the
# benchmark's business, not the suite's. CI replays the same examples every run, so a red build
# is reproducible; locally each run explores new ones.
hypothesis_settings.register_profile(
    "ldn",
    deadline=None,
    derandomize=IN_CI,
    database=None if IN_CI else hypothesis_settings().database,
)
hypothesis_settings.load_profile("ldn")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def run_starts_at(raw: str, real_now: datetime) -> datetime:
    """The instant ``LDN_TEST_NOW`` names: an ISO instant with its offset
    (``2026-12-05T05:30:00Z``), or a UTC time of day (``05:30``) meaning its latest
    occurrence at or before the real clock. The latter keeps the browser (whose clock, cookie
    jar and service worker follow the real clock) at or ahead of the server, as in a real run:
    the server takes a moment a page sends it no later than its own now."""
    try:
        clock = datetime.strptime(raw, "%H:%M").time()
    except ValueError:
        pass
    else:
        moment = datetime.combine(real_now.astimezone(UTC).date(), clock, UTC)
        return moment if moment <= real_now else moment - timedelta(days=1)
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(
            f"LDN_TEST_NOW={raw!r}: give an instant with its offset "
            "(2026-12-05T05:30:00Z) or a UTC time of day (05:30)"
        )
    return moment


RUN_CLOCK_DIR = Path(__file__).resolve().parent / "run_clock"
CLOCK_OFFSET = "LDN_TEST_CLOCK_OFFSET_SECONDS"


def _travel_to_test_now(config):
    """With ``LDN_TEST_NOW`` set, the whole run starts at that instant and ticks on from it;
    tests that travel themselves nest inside it. Unset: nothing. The controller travels here
    and hands its offset from the real clock to the processes it starts (PYTHONPATH gets
    run_clock/, whose sitecustomize travels as they start): the xdist workers, and the
    Celery workers and Django processes a test starts. The live server is a thread, so it
    shares its process's clock. Chromium keeps the real one (see README)."""
    raw = os.environ.get("LDN_TEST_NOW", "").strip()
    if not raw or os.environ.get(CLOCK_OFFSET):
        return  # unset, or a process started by the run: run_clock/ has moved its clock
    real_now = datetime.now(UTC)
    moment = run_starts_at(raw, real_now)
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    time.time()  # a ticking travel starts its clock at the first reading: now, not later
    config.add_cleanup(traveller.stop)
    config.ldn_test_now = moment
    os.environ[CLOCK_OFFSET] = str((moment - real_now).total_seconds())
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(RUN_CLOCK_DIR), os.environ.get("PYTHONPATH")])
    )


def pytest_report_header(config):
    if moment := getattr(config, "ldn_test_now", None):
        return f"LDN_TEST_NOW: the clock starts at {moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return None


def pytest_configure(config):
    """Start the run's clock at ``LDN_TEST_NOW`` when set (every process). Then compile a
    translation catalog that is missing or older than its .po (`make test` already did; this
    covers a bare `pytest`). Once, in the controller, before workers."""
    _travel_to_test_now(config)
    if hasattr(config, "workerinput"):
        return
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        if shutil.which("msgfmt") is None:
            raise pytest.UsageError(
                f"{mo} is missing or stale and GNU gettext (msgfmt) is not installed: "
                "apt-get install gettext, or run `make messages`."
            )
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture(autouse=True)
def _fast_and_clean(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if not os.environ.get("REDIS_URL"):
        # Without Redis the site uses the database cache; tests use memory so pure tests
        # need no database. The Redis cache (and its rate limits) is exercised in CI.
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    _clear_own_cache()
    _forget_outages()
    yield
    # The access log's writer threads keep connections: closed before the database is
    # flushed (transaction=True) or dropped at the end of the run.
    access_log.stop_writer()
    _clear_own_cache()
    _forget_outages()
    # A request through the test client leaves the language its LocaleMiddleware chose
    # active in this thread: a German page must not make the next test's text German.
    translation.deactivate()


def _forget_outages():
    """A fault test's broken Redis must not make the next test skip the cache or broker."""
    redis_outages.forget()


def _clear_own_cache():
    """Clear this test process's cache keys only: with Redis, parallel workers share a
    database (and Celery's queue lives there too), so FLUSHDB is not ours to call."""

    backend = caches["default"]
    if isinstance(backend, RedisCache):
        try:
            client = backend._cache.get_client(write=True)
            keys = list(client.scan_iter(f"{backend.key_prefix}:*", count=1000))
            if keys:
                client.delete(*keys)
        except RedisConnectionError:
            pass  # a fault test pointed the cache at a stopped Redis: nothing to clear
    else:
        cache.clear()


@pytest.fixture
def clinician_a(db):
    return ClinicianFactory(email="clinician.a@example.org", display_name="Dr A")


@pytest.fixture
def clinician_b(db):
    return ClinicianFactory(email="clinician.b@example.org", display_name="Dr B")


@pytest.fixture
def patient_a(clinician_a):
    return PatientFactory(
        user__email="patient.a@example.org",
        user__display_name="Patient A",
        clinicians=[clinician_a],
    )


@pytest.fixture
def patient_b(clinician_b):
    return PatientFactory(
        user__email="patient.b@example.org",
        user__display_name="Patient B",
        clinicians=[clinician_b],
    )


@pytest.fixture
def admin_user(db):
    return AdminFactory(email="admin@example.org", display_name="Admin")


@pytest.fixture
def inactive_user(db):
    return UserFactory(email="gone@example.org", is_active=False)


def _client_for(client, user):

    client.force_login(user)
    # As if they had just re-entered their password: plan holds and exports ask for it
    # (tests/security/test_hardening.py proves the prompt with a real sign-in).
    mark_reauthenticated(client, user)
    return client


@pytest.fixture
def patient_client(client, patient_a):
    return _client_for(client, patient_a.user)


@pytest.fixture
def clinician_client(client, clinician_a):
    return _client_for(client, clinician_a)


@pytest.fixture
def admin_client_(client, admin_user):
    return _client_for(client, admin_user)


def _reachable(url, default_port):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis, or a skip that says why (never skipped in CI: there it fails)."""
    url = os.environ.get("REDIS_URL", "")
    if not url or not _reachable(url, 6379):
        if IN_CI:
            pytest.fail("CI must provide a reachable REDIS_URL for the Redis tests")
        pytest.skip("needs a real Redis: set REDIS_URL (make test does in CI)")
    return url


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if not path:
        if IN_CI:
            pytest.fail("CI must install Debian's chromium for the browser tests")
        pytest.skip("needs Debian's chromium (apt-get install chromium)")
    return path


def _figures_dir():

    path = Path(settings.VAR_DIR) / "test-figures"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session", autouse=True)
def _builtin_templates_survive_a_flush():
    """The built-in plan templates come from a data migration. A transactional test empties
    every table when it ends (Django's flush, which then sends post_migrate, as contenttypes
    and permissions rely on): the templates are seeded again then, as migrate seeded them, so
    a test that reads them does not depend on which tests ran before it in its process."""

    def reseed(using, **_kwargs):
        template_model = apps.get_model("prescriptions", "PlanTemplate")
        if not template_model.objects.using(using).filter(built_in=True).exists():
            ensure_builtin_templates(template_model)

    config = apps.get_app_config("prescriptions")
    post_migrate.connect(reseed, sender=config, dispatch_uid="tests-reseed-templates")
    yield
    post_migrate.disconnect(sender=config, dispatch_uid="tests-reseed-templates")


def pytest_sessionstart(session):
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        for old in _figures_dir().glob("*.json"):
            old.unlink()


def pytest_sessionfinish(session, exitstatus):
    """Each process (each xdist worker, or the only one) writes the figures it counted."""

    if FIGURES:
        name = os.environ.get("PYTEST_XDIST_WORKER", "main")
        (_figures_dir() / f"{name}.json").write_text(json.dumps(FIGURES))


def pytest_terminal_summary(terminalreporter, exitstatus, config):

    totals = defaultdict(dict)
    for part in sorted(_figures_dir().glob("*.json")):
        for section, values in json.loads(part.read_text()).items():
            for key, value in values.items():
                # Counts add up across workers; sizes (roles, methods) are the same in each.
                same = key in ("roles", "methods") or section.startswith("hostile input")
                current = totals[section].get(key, 0)
                totals[section][key] = max(current, value) if same else current + value
    if not totals:
        return
    terminalreporter.section("figures")
    for section, values in sorted(totals.items()):
        line = ", ".join(f"{key}: {value}" for key, value in sorted(values.items()))
        terminalreporter.write_line(f"{section}: {line}")
    out = Path(settings.VAR_DIR) / "test-figures.json"
    out.write_text(json.dumps(totals, indent=2, sort_keys=True))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    """pytest-django's test database; before it is dropped, a wait (at most 10 s) for the
    sessions other processes opened on it to end. A gunicorn or Celery worker a test started
    and stopped leaves its PostgreSQL backend for a moment after the process is gone, and
    DROP DATABASE refuses while one remains ("being accessed by other users"). A session
    this process leaked stays: a warning then says the last statement it ran, which names
    the code that opened it."""
    yield
    if connection.vendor != "postgresql" or django_db_keepdb:  # kept: nothing is dropped
        return
    with django_db_blocker.unblock():
        deadline = time.monotonic() + 10
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT state, backend_start, left(query, 300) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    # Not autovacuum's or a parallel query's: DROP DATABASE ends those.
                    "AND backend_type = 'client backend'"
                )
                others = cursor.fetchall()
            if not others:
                return
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    # Which code opened it: the last statement each session ran.
    for state, started, query in others:
        warnings.warn(
            f"a session on the test database outlived the tests: {state}, opened {started}, "
            f"last ran {query!r}",
            stacklevel=1,
        )


# Web push, for tests/patients and tests/security.
@pytest.fixture
def vapid_keys(settings):
    key = Vapid()
    key.generate_keys()
    settings.VAPID_PRIVATE_KEY = key.private_pem().decode()
    settings.VAPID_SUBJECT = "mailto:ops@example.org"
    return key


@pytest.fixture
def push_patient(db):
    return patient_on_plan(dose="2.25", remind_by_email=False, remind_by_push=True)
