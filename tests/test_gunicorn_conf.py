"""gunicorn's settings file: the master loads and warms the application once and forks the
workers from it; workers are recycled at staggered times and freeze their start-up objects out
of the garbage collector's way."""

import gc
import io
import logging
import os
import re
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from django.conf import settings
from django.db import OperationalError, connection
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader
from django.utils.translation import trans_real
from gunicorn.config import Config
from gunicorn.glogging import Logger

from ldn_journal import compiled_queries, gunicorn_conf
from ldn_journal.compiled_queries import CompiledQuery
from patients.compiled import PerPatientQuery
from patients.notifications import undelivered
from tests.patients.worker_support import IN_CI, free_port, the_test_database_url, wait_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_workers_are_replaced_after_a_bounded_number_of_requests_at_staggered_times():
    assert gunicorn_conf.max_requests > 0
    assert 0 < gunicorn_conf.max_requests_jitter < gunicorn_conf.max_requests


def test_a_started_worker_moves_its_start_up_objects_out_of_the_collectors_way(unfrozen):
    assert gc.get_freeze_count() == 0
    gunicorn_conf.post_worker_init(None)
    assert gc.get_freeze_count() > 1000


def test_the_freeze_can_be_switched_off_to_measure_what_it_buys(unfrozen, monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE", "false")
    gunicorn_conf.post_worker_init(None)
    assert gc.get_freeze_count() == 0


def test_a_misspelt_freeze_switch_is_refused_rather_than_read_as_off(monkeypatch):
    monkeypatch.setenv("GUNICORN_GC_FREEZE", "nope")
    with pytest.raises(ValueError, match="GUNICORN_GC_FREEZE"):
        gunicorn_conf.gc_freeze_enabled()


def test_the_master_loads_the_application_once_and_forks_workers_from_it():
    assert gunicorn_conf.preload_app is True


# Registered functions of the alias that read the cached function below them (the setting
# they pass is read on each call).
_CACHED_BELOW = {
    undelivered.frozen_undelivered_reports: undelivered._frozen_undelivered_reports,
}


def _cache_of(compile_for_alias):
    """The functools cache that keeps a registered function's compiled SQL."""
    return _CACHED_BELOW.get(compile_for_alias, compile_for_alias)


def _owner(compile_for_alias):
    """The CompiledQuery or PerPatientQuery a registered compiler belongs to, or None for a
    cached function of the alias (a gate's frozen SQL)."""
    return getattr(getattr(compile_for_alias, "__wrapped__", compile_for_alias), "__self__", None)


def _made_by_the_tests(compile_for_alias):
    owner = _owner(compile_for_alias)
    if owner is None:
        build = _cache_of(compile_for_alias).__wrapped__
    else:
        build = getattr(owner, "_build", None) or owner.build
    return Path(build.__code__.co_filename).is_relative_to(ROOT / "tests")


def _forget(compile_for_alias):
    owner = _owner(compile_for_alias)
    if isinstance(owner, CompiledQuery):
        owner._compiled.clear()
    elif owner is None:
        _cache_of(compile_for_alias).cache_clear()
    else:
        owner._frozen.cache_clear()


def _is_compiled(compile_for_alias):
    owner = _owner(compile_for_alias)
    if isinstance(owner, CompiledQuery):
        return "default" in owner._compiled
    if owner is None:
        return _cache_of(compile_for_alias).cache_info().currsize >= 1
    assert isinstance(owner, PerPatientQuery)
    return owner._frozen.cache_info().currsize >= 1


def test_warming_compiles_every_project_template_and_loads_every_language(
    transactional_db, unfrozen, monkeypatch
):
    # The site's compiled queries, not the ones this suite's tests make (some on purpose
    # wrong, to see them refused).
    monkeypatch.setattr(
        compiled_queries,
        "_COMPILERS",
        [c for c in compiled_queries._COMPILERS if not _made_by_the_tests(c)],
    )
    templates = [
        p
        for p in (Path(settings.BASE_DIR) / "templates").rglob("*")
        if p.suffix in (".html", ".txt")
    ]
    for compile_for_alias in compiled_queries._COMPILERS:  # as in a master just started
        _forget(compile_for_alias)
    # As in a master just started: no catalog loaded, no template compiled.
    monkeypatch.setattr(trans_real, "_translations", {})
    for loader in engines["django"].engine.template_loaders:
        if isinstance(loader, CachedLoader):
            loader.reset()
    connection.ensure_connection()

    compiled = gunicorn_conf.warm()

    assert compiled == len(templates) > 100
    engine = engines["django"].engine
    cached = {
        key
        for loader in engine.template_loaders
        if isinstance(loader, CachedLoader)
        for key in loader.get_template_cache
    }
    names = {p.relative_to(Path(settings.BASE_DIR) / "templates").as_posix() for p in templates}
    assert names <= {key.split("-")[0] for key in cached}
    assert {code for code, _ in settings.LANGUAGES} <= set(trans_real._translations)
    # Every hot query's SQL (the views the URL patterns import define them all), on
    # PostgreSQL (elsewhere the ORM runs them as usual).
    assert len(compiled_queries._COMPILERS) > 15
    on_postgresql = connection.vendor == "postgresql"
    for compile_for_alias in compiled_queries._COMPILERS:
        assert _is_compiled(compile_for_alias) is on_postgresql, compile_for_alias
    # The gate's, the navigation's and the list's frozen clinician SQL among them.
    names = {getattr(c, "__name__", "") for c in compiled_queries._COMPILERS}
    assert {"_frozen_gate", "_frozen_alerts", "_frozen_beyond_team"} <= names
    # And the access log's route (every clinician's read of a patient writes one) and the
    # list's undelivered alerts.
    assert {"_route_case_sql", "frozen_undelivered_reports"} <= names
    # The master forks the workers next: it must hold no connection they would share.
    # (SQLite's in-memory test database is never closed by Django: nothing to fork there.)
    assert connection.connection is None or connection.vendor == "sqlite"


def test_a_worker_replaced_after_its_requests_is_forked_from_the_warm_master(
    transactional_db, tmp_path
):
    """A real gunicorn with this settings file, one worker replaced every few requests:
    the application is warmed once, in the master, and every replacement answers at once."""
    if connection.vendor != "postgresql":
        msg = "the gunicorn test needs PostgreSQL (a second process cannot share SQLite's test DB)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg + "; set DATABASE_URL")
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": the_test_database_url(),
        "REDIS_URL": "",
        "LDN_VAR_DIR": str(tmp_path),
        "CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
        "GUNICORN_MAX_REQUESTS": "5",
        "GUNICORN_MAX_REQUESTS_JITTER": "1",
    }
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "ldn_journal.wsgi:application",
            "--config",
            "python:ldn_journal.gunicorn_conf",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"

    def healthy():
        if process.poll() is not None:
            raise AssertionError(log.read_text()[-2000:])
        try:
            return requests.get(url, timeout=10).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(healthy, timeout=60, what="gunicorn to answer /healthz")
        answers = []
        for _ in range(20):  # a worker serves at most 6: at least three replacements
            wait_for(healthy, timeout=30, what="a replaced worker to answer")
            answers.append(requests.get(url, timeout=10).status_code)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    text = log.read_text()
    assert set(answers) == {200}
    assert len(re.findall(r"Booting worker with pid", text)) >= 4
    assert len(re.findall(r"warmed the application before forking: \d+ templates", text)) == 1
    assert "Traceback" not in text


def test_a_database_not_up_yet_leaves_the_sql_to_the_workers_and_the_rest_is_warmed(
    transactional_db, monkeypatch, caplog
):
    def unreachable(_alias):
        raise OperationalError("connection refused")

    monkeypatch.setattr(compiled_queries, "compile_all", unreachable)
    connection.ensure_connection()

    assert gunicorn_conf.warm() > 100
    assert "unreachable, SQL compiled on first use" in caplog.text
    assert connection.connection is None or connection.vendor == "sqlite"


def test_a_failed_warming_never_stops_the_site_from_starting(unfrozen, monkeypatch, caplog):
    def broken():
        raise RuntimeError("a template that does not compile")

    monkeypatch.setattr(gunicorn_conf, "warm", broken)
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True))

    gunicorn_conf.when_ready(server)  # no exception: the workers start and build on first use

    assert "warming the application failed" in caplog.text
    assert gc.get_freeze_count() > 1000


def test_warming_compiles_the_signed_in_users_query_in_a_master_just_started(transactional_db):
    # Every signed-in request reads the user through the authentication backends' compiled
    # query; a master that had not imported them left it to each worker's first request.
    if connection.vendor != "postgresql":
        pytest.skip("compiled queries are PostgreSQL's (elsewhere the ORM runs them)")
    code = (
        "import sys, django; django.setup()\n"
        "from ldn_journal import gunicorn_conf\n"
        "assert 'ldn_journal.accounts.backends' not in sys.modules\n"
        "gunicorn_conf.warm()\n"
        "from ldn_journal.accounts import backends\n"
        "print(sorted(backends._USER_WITH_PROFILE._compiled))\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": the_test_database_url(),
        "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "['default']"


def test_the_access_log_leaves_out_query_strings_and_the_referring_page():
    # gunicorn's default line carries the whole address and the Referer: a clinician's search
    # for a patient (/clinic/?q=Jo+Williams) put the name there, twice (the search, and the
    # patient page opened from its results).
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/clinic/?q=Jo+Williams",
        "PATH_INFO": "/clinic/",
        "QUERY_STRING": "q=Jo+Williams",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://ldn.example/clinic/?q=Jo+Williams",
        "HTTP_USER_AGENT": "Firefox",
        "REMOTE_ADDR": "10.0.0.5",
    }
    response = SimpleNamespace(status="200 OK", sent=6260, headers=[])
    logger = Logger(Config())
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, [], environ, timedelta(milliseconds=12))
    )
    line = gunicorn_conf.access_log_format % atoms
    assert "Williams" not in line
    assert '"GET /clinic/ HTTP/1.1" 200 6260' in line


@pytest.mark.parametrize(
    "link",
    ["/invite/Zq3-secret-invitation-token/", "/accounts/password/reset/key/1v-Zq3-secret-key/"],
)
def test_the_access_log_withholds_an_emailed_links_secret(link):
    # The link's path is the credential (an invitation the database keeps only as a hash, a
    # password reset's key): it was written into every access line, for whoever reads them.
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": link,
        "PATH_INFO": link,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "Firefox",
        "REMOTE_ADDR": "10.0.0.5",
    }
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    # The logger gunicorn makes from this configuration, as it loads it.
    config = Config()
    config.set("logger_class", gunicorn_conf.logger_class)
    logger = config.logger_class(config)
    atoms = logger.atoms_wrapper_class(
        logger.atoms(response, [], environ, timedelta(milliseconds=12))
    )
    for line_format in (gunicorn_conf.access_log_format, '"%(r)s"'):
        line = line_format % atoms
        assert "Zq3" not in line
        assert "/(withheld)/ HTTP/1.1" in line


def test_the_error_log_withholds_query_strings_and_an_emailed_links_secret():
    # An exception outside Django made gunicorn write "Error handling request GET
    # /clinic/?q=Jo+Williams", and a malformed request its whole line, into the error log.
    config = Config()
    config.set("logger_class", gunicorn_conf.logger_class)
    logger = config.logger_class(config)
    written = io.StringIO()
    handler = logging.StreamHandler(written)
    logger.error_log.addHandler(handler)
    try:
        try:
            raise ValueError("the application's response failed")
        except ValueError:
            logger.exception("Error handling request %s %s", "GET", "/clinic/?q=Jo+Williams")
        logger.warning(
            "Invalid request from ip=10.0.0.5: Invalid Request Line "
            "'GET https://ldn.example/invite/Zq3-secret-token/?next=/clinic/ HTTP/1.1'"
        )
    finally:
        logger.error_log.removeHandler(handler)
    text = written.getvalue()
    assert "Williams" not in text
    assert "Zq3" not in text
    assert "Error handling request GET /clinic/?(withheld)" in text
    assert "https://ldn.example/invite/(withheld)/?(withheld) HTTP/1.1" in text
    # The traceback is still written, for whoever mends the error.
    assert "ValueError: the application's response failed" in text
