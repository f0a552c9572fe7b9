"""Finding 3: the client's address behind the proxy, for rate limits and the access log alike.

Behind the documented TLS proxy every request came from the proxy's address: ten bad
passwords a minute from anyone locked everyone out, and the access log recorded the proxy
for all. One setting, LDN_TRUSTED_PROXY_COUNT, says how many proxies append to
X-Forwarded-For; one function (`client_ip`) reads it for allauth and the access log. A
client's own X-Forwarded-For entries are never believed.

The end-to-end cases run a real gunicorn on the test database.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import yaml
from allauth.account.adapter import get_adapter
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from ldn_journal.accounts.access_log import client_ip
from ldn_journal.accounts.models import AccessLog
from tests import figures
from tests.factories import PASSWORD, PatientFactory
from tests.patients.worker_support import IN_CI, free_port, the_test_database_url, wait_for

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")


# --- The one function --------------------------------------------------------------------


def request_from(peer, xff=None):
    headers = {"X-Forwarded-For": xff} if xff is not None else {}
    return SimpleNamespace(META={"REMOTE_ADDR": peer}, headers=headers)


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.LDN_TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("10.0.0.2", "203.0.113.7")) == "10.0.0.2"


def test_behind_one_proxy_the_last_entry_is_the_client(settings):
    settings.LDN_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "6.6.6.6, 198.51.100.20")) == "198.51.100.20"


def test_behind_two_proxies_the_second_last_entry_is_the_client(settings):
    settings.LDN_TRUSTED_PROXY_COUNT = 2
    xff = "6.6.6.6, 198.51.100.20, 10.0.0.9"
    assert client_ip(request_from("10.0.0.2", xff)) == "198.51.100.20"


def test_a_public_peer_is_not_a_proxy_so_its_forwarded_for_is_ignored(settings):
    # Someone reaching gunicorn directly (around the proxy) cannot choose their address.
    settings.LDN_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("93.184.216.34", "198.51.100.20")) == "93.184.216.34"


@pytest.mark.parametrize("xff", ["", "not-an-address", ", ,", "198.51.100.20\x00"])
def test_a_malformed_forwarded_for_falls_back_to_the_peer(settings, xff):
    settings.LDN_TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", xff)) == "10.0.0.2"


def test_allauth_uses_the_same_function(settings, rf):
    settings.LDN_TRUSTED_PROXY_COUNT = 1
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.9")
    assert get_adapter(request).get_client_ip(request) == "198.51.100.9"


def test_the_setting_feeds_allauths_own_proxy_count():
    assert django_settings.ALLAUTH_TRUSTED_PROXY_COUNT == django_settings.LDN_TRUSTED_PROXY_COUNT


# --- Against a real gunicorn ---------------------------------------------------------------


class Gunicorn:
    def __init__(self, tmp_path, proxy_count):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp_path / f"gunicorn-{self.port}.log"
        env = {
            **os.environ,
            "DATABASE_URL": the_test_database_url(),
            # The database cache (in the test database) holds the rate limits.
            "REDIS_URL": "",
            "LDN_VAR_DIR": str(tmp_path),
            "LDN_TRUSTED_PROXY_COUNT": str(proxy_count),
            "CONN_MAX_AGE": "0",
            "PYTHONPATH": str(ROOT),
        }
        self.process = subprocess.Popen(
            [
                str(GUNICORN),
                "tests.security.gunicorn_app:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--forwarded-allow-ips",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            # A file, not a pipe: nobody reads a pipe while the test runs, and a full one
            # would block the server mid-request.
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("wb"),
            start_new_session=True,
        )

        def up():
            if self.process.poll() is not None:
                raise AssertionError(self.log.read_text()[-2000:])
            try:
                return requests.get(self.url + "/healthz", timeout=10).status_code == 200
            except requests.RequestException:
                return False

        wait_for(up, timeout=60, what="gunicorn to answer /healthz")

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.fixture
def gunicorn_server(transactional_db, tmp_path):
    if connection.vendor != "postgresql":
        msg = "the gunicorn test needs PostgreSQL (a second process cannot share SQLite's test DB)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg + "; set DATABASE_URL")
    # The server keeps its rate limits in the database cache of the test database.
    database_cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache"}
    with override_settings(CACHES={"default": {**database_cache, "LOCATION": "ldn_cache"}}):
        call_command("createcachetable", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ldn_cache")
    servers = []

    def start(proxy_count):
        server = Gunicorn(tmp_path, proxy_count)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def limited_out(response):
    """allauth refuses the eleventh failed sign-in in a minute from one address."""
    return response.status_code == 429 or "Too many failed login attempts" in response.text


def failed_sign_in(server, xff=None, email="nobody@example.org"):
    session = requests.Session()
    headers = {"X-Forwarded-For": xff} if xff else {}
    page = session.get(server.url + "/accounts/login/", headers=headers, timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        server.url + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": email, "password": "wrong-" + PASSWORD},
        headers={**headers, "Referer": server.url + "/accounts/login/"},
        timeout=10,
    )


def test_with_no_proxy_a_spoofed_forwarded_for_neither_dodges_the_limit_nor_reaches_the_log(
    gunicorn_server,
):
    server = gunicorn_server(0)
    limited = [
        limited_out(failed_sign_in(server, xff=f"203.0.113.{n}", email=f"p{n}@example.org"))
        for n in range(11)
    ]
    assert limited == [False] * 10 + [True]  # eleven "different" clients were one peer
    ips = set(AccessLog.objects.filter(action="login_failed").values_list("ip", flat=True))
    assert ips == {"127.0.0.1"}
    figures.add("client address", "gunicorn runs with spoofed X-Forwarded-For")


def test_behind_one_proxy_each_client_has_its_own_limit_and_log_address(gunicorn_server):
    patient = PatientFactory(user__email="steady@example.org")
    server = gunicorn_server(1)
    # The proxy appends the real client to whatever the client sent; the attacker's own
    # entry ("6.6.6.6") is ignored.
    attacker = "6.6.6.6, 198.51.100.66"
    limited = [
        limited_out(failed_sign_in(server, xff=attacker, email=f"p{n}@example.org"))
        for n in range(11)
    ]
    assert limited == [False] * 10 + [True]  # the attacker is limited ...

    session = requests.Session()
    page = session.get(
        server.url + "/accounts/login/", headers={"X-Forwarded-For": "198.51.100.7"}, timeout=10
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        server.url + "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "login": patient.user.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7", "Referer": server.url + "/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302  # ... and the patient behind the same proxy is not
    logged = AccessLog.objects.filter(action__in=["login", "login_failed"])
    assert set(logged.values_list("ip", flat=True)) == {"198.51.100.66", "198.51.100.7"}
    figures.add("client address", "gunicorn runs with spoofed X-Forwarded-For")


def test_compose_is_configured_for_one_proxy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]
    assert str(web["environment"]["LDN_TRUSTED_PROXY_COUNT"]).endswith("1}")
    command = web["command"]
    allowed = command[command.index("--forwarded-allow-ips") + 1]
    assert "172.16.0.0/12" in allowed
    assert "*" not in allowed
