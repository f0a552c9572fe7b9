"""Faults: the database or Redis going away, and migrations that must run both ways.

- Database unavailable: /healthz answers 503 and pages show the styled error page with no
  stack trace (run in a subprocess whose DATABASE_URL points at a closed port, so nothing in
  this test process is disturbed).
- Redis unavailable: the cache fails open (ldn_journal.cache.FailOpenRedisCache), so sign-in,
  the journal and the dashboard still work.
- Migrations: on the demo data, each app steps back one migration and forward again.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap
from unittest import mock

import pytest
from django.apps import apps
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.utils import OperationalError
from django.urls import include, path

from ldn_journal import cache as fail_open_cache
from ldn_journal import redis_outages
from tests import figures
from tests.factories import PASSWORD

PROJECT_APPS = ("accounts", "patients", "prescriptions")


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_without_database(script):
    """Run `script` in a production-configured process whose database does not answer."""
    port = _closed_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "fault-test-" + "x" * 50,
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"postgres://nobody@127.0.0.1:{port}/nothing",
        "REDIS_URL": "",
        "CONN_MAX_AGE": "0",
    }
    prelude = textwrap.dedent(
        """
        import json, django
        django.setup()
        from django.conf import settings
        from django.test import Client
        # No collectstatic here: serve the page's stylesheet link unhashed.
        settings.STORAGES = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        client = Client(raise_request_exception=False, headers={"x-forwarded-proto": "https"})
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_healthz_answers_503_when_the_database_is_unavailable():
    result, _ = _run_without_database(
        """
        r = client.get("/healthz")
        print(json.dumps({"status": r.status_code, "body": r.json()}))
        """
    )
    assert result == {"status": 503, "body": {"status": "error", "database": "unavailable"}}
    figures.add("faults survived", "database down: healthz 503")


def test_a_page_needing_the_database_shows_the_styled_error_page_without_a_stack_trace():
    result, stderr = _run_without_database(
        """
        client.cookies["sessionid"] = "a-session-the-database-must-look-up"
        r = client.get("/journal/")
        print(json.dumps({"status": r.status_code, "body": r.content.decode()}))
        """
    )
    assert result["status"] == 500
    body = result["body"]
    assert "Something went wrong on our side" in body
    for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1", "nobody"):
        assert leak not in body
    # The server log has the error with its request id, for the operators.
    assert "Internal Server Error" in stderr
    figures.add("faults survived", "database down: styled 500 page")


def _raise_operational_error(request):
    raise OperationalError("could not connect to server: Connection refused")


urlpatterns = [
    path("boom/", _raise_operational_error),
    path("", include("ldn_journal.urls")),
]
handler500 = "ldn_journal.errors.server_error"


@pytest.mark.urls(__name__)
def test_a_view_raising_operational_error_gives_the_500_page_content(client, settings, caplog):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/", {"q": "secret-query-marker"})
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "could not connect" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


# --- Redis unavailable --------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "ldn_journal.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }

    with pytest.raises(Exception):  # noqa: B017,PT011 - the raw client must really fail
        cache._cache.get_client().ping()
    return settings


def test_sign_in_works_while_redis_is_down(redis_down, client, patient_a, caplog):
    response = client.post(
        "/accounts/login/", {"login": patient_a.user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/journal/").status_code == 200
    assert "Redis cache unavailable" in caplog.text
    figures.add("faults survived", "redis down: sign-in")


def test_the_journal_works_while_redis_is_down(redis_down, patient_client):
    assert patient_client.get("/journal/").status_code == 200
    figures.add("faults survived", "redis down: journal")


def test_the_dashboard_works_while_redis_is_down(redis_down, clinician_client, patient_a):
    response = clinician_client.get("/clinic/")
    assert response.status_code == 200
    figures.add("faults survived", "redis down: dashboard")


def test_the_fail_open_cache_works_normally_with_redis_up(redis_url, settings):
    settings.CACHES = {
        "default": {"BACKEND": "ldn_journal.cache.FailOpenRedisCache", "LOCATION": redis_url}
    }

    cache.set("ldn-fault-probe", 41)
    assert cache.get("ldn-fault-probe") == 41
    assert cache.add("ldn-fault-probe", 1) is False
    cache.delete("ldn-fault-probe")


# --- Migrations ---------------------------------------------------------------------------


def _step_back_targets():
    """For each project app: (app, the migration before its latest), latest first."""
    loader = MigrationLoader(connection)
    targets = []
    for app in PROJECT_APPS:
        (leaf,) = [node for node in loader.graph.leaf_nodes() if node[0] == app]
        parents = sorted(p for p in loader.graph.node_map[leaf].parents if p[0] == app)
        targets.append((app, parents[-1][1] if parents else "zero"))
    return targets


def _row_counts():

    return {
        model._meta.label_lower: model.objects.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.django_db(transaction=True)
def test_each_app_migrates_one_step_back_and_forward_on_the_demo_data(settings):
    call_command("seed_demo", "--force", verbosity=0)
    rows = _row_counts()
    assert rows["accounts.user"] > 0
    for app, previous in _step_back_targets():
        if previous == "zero":
            continue  # a first migration cannot go back without dropping the demo data
        call_command("migrate", app, previous, verbosity=0)
        call_command("migrate", verbosity=0)
        figures.add("faults survived", "migrations stepped back and forward")
    # The clinician list's attention rows are derived: stepping back past the migration that
    # adds them drops them, and the list (or the minute task) writes them again.
    call_command("rebuild_attention", verbosity=0)
    assert _row_counts() == rows
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_after_a_redis_failure_the_cache_skips_redis_for_a_while(redis_down, monkeypatch):
    now = [50.0]
    monkeypatch.setattr(redis_outages, "clock", lambda: now[0])
    assert cache.get("probe", "fallback") == "fallback"  # tries Redis, which fails
    tried = []
    monkeypatch.setattr(RedisCacheClient, "get", lambda *args, **kwargs: tried.append(1))
    now[0] += fail_open_cache.SKIP_AFTER_FAILURE_SECONDS - 1
    assert cache.get("probe", "fallback") == "fallback"
    assert tried == []  # a frozen Redis would have cost a socket timeout here


def test_the_cache_tries_redis_again_after_the_pause(redis_down, monkeypatch):
    now = [50.0]
    monkeypatch.setattr(redis_outages, "clock", lambda: now[0])
    cache.get("probe")
    now[0] += fail_open_cache.SKIP_AFTER_FAILURE_SECONDS + 0.1
    tried_redis = mock.patch.object(fail_open_cache, "_warn", side_effect=AssertionError("tried"))
    with pytest.raises(AssertionError), tried_redis:  # it does reach the (closed) Redis again
        cache.get("probe")
