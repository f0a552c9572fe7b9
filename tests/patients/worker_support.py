"""Real moving parts for the fault tests: an own Redis, an SMTP sink, a Celery worker.

Each test starts its own redis-server on a free port (never the shared one), an aiosmtpd
sink in this process, and `celery worker` as a subprocess on the test database.
"""

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from kombu import pools

from bench.pages import bench_zone
from ldn_journal.celery import app

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI") == "true"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def require_postgres_and_redis_server():
    if connection.vendor != "postgresql":
        msg = "worker fault tests need PostgreSQL (a worker process cannot share SQLite's test DB)"
        if IN_CI:
            pytest.fail(msg)
        pytest.skip(msg + "; set DATABASE_URL")
    if not shutil.which("redis-server"):
        if IN_CI:
            pytest.fail("CI must install redis-server")
        pytest.skip("needs the redis-server binary (apt-get install redis-server)")


class OwnRedis:
    """A throwaway redis-server that keeps nothing on disk, so a restart is empty."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def up():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return True
            except OSError:
                return False

        wait_for(up, 10, what="redis-server")
        return self

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def restart_empty(self):
        self.kill()
        return self.start()


class Sink:
    """An aiosmtpd handler that can refuse the first N messages with 451, or be slow."""

    def __init__(self, refuse_first=0, delay=0.0):
        self.refuse_left = refuse_first
        self.delay = delay
        self.messages = []
        self.refused = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse_left > 0:
                self.refuse_left -= 1
                self.refused += 1
                return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def sent(self):
        """One (recipient, subject) per message: the same reminder twice is a duplicate."""
        with self.lock:
            return [(m["To"], m["Subject"]) for m in self.messages]

    def duplicates(self):
        return sum(n - 1 for n in Counter(self.sent()).values())


def start_sink(handler):
    controller = Controller(
        handler, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    return controller


def the_test_database_url():
    """The test database's address, for a process a test starts (a Celery worker, gunicorn)."""
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


class Worker:
    """`celery -A ldn_journal worker --pool=solo` on the test database, own Redis, the sink."""

    def __init__(self, redis_url, smtp_port, tmp_path, extra_env=None):
        self.env = {
            **os.environ,
            "DATABASE_URL": the_test_database_url(),
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "LDN_VAR_DIR": str(tmp_path),
            "LDN_REMINDER_RETRY_BASE_SECONDS": "1",
            "LDN_REMINDER_STUCK_SECONDS": "3",
            "LDN_REMINDER_REQUEUE_SECONDS": "2",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        self.log_path = tmp_path / f"worker-{free_port()}.log"
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ldn_journal",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: b"ready." in self.log_path.read_bytes(), 60, what="celery worker ready")
        return self

    def sigkill(self):
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # cold shutdown: tests need no grace
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.log.close()

    def output(self):
        return self.log_path.read_text(errors="replace")


def point_celery_at(redis_url):
    """Make this process publish to `redis_url` (the app was configured at import time)."""

    app.conf.broker_url = redis_url
    # The production options (socket timeouts included), whatever REDIS_URL this run has.
    app.conf.broker_transport_options = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": settings.LDN_REDIS_TIMEOUT_SECONDS,
        "socket_timeout": settings.LDN_REDIS_TIMEOUT_SECONDS,
        "socket_keepalive": True,
        "retry_on_timeout": False,
    }
    app.conf.broker_connection_retry = False
    app.conf.broker_connection_max_retries = 0
    reset_celery_connections()


BROKER_SETTINGS = (
    "broker_url",
    "broker_transport_options",
    "broker_connection_retry",
    "broker_connection_max_retries",
)


@contextmanager
def celery_pointed_at(redis_url):
    """`point_celery_at` while the block runs; then this process publishes where it did
    before. Left pointed at a server the test has stopped, every later test of the process
    that touches the broker (the health check, a sweep's enqueue) met a dead port."""
    saved = {name: getattr(app.conf, name) for name in BROKER_SETTINGS}
    point_celery_at(redis_url)
    try:
        yield
    finally:
        app.conf.update(saved)
        reset_celery_connections()


def reset_celery_connections():
    """Forget pooled broker connections (kombu keeps global pools keyed by URL)."""

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def evening_now():
    """(zone, reminder time) that make a patient due a minute ago, whatever the real clock:
    a fixed-offset zone in which it is now about 20:00."""
    now = datetime.now(UTC)
    zone = bench_zone(now, hour=20)
    local = now.astimezone(ZoneInfo(zone)) - timedelta(minutes=1)
    return zone, local.time().replace(second=0, microsecond=0)


def plan_start():
    return date.today() - timedelta(days=30)
