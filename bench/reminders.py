"""`python -m bench reminders` (part of `make bench`): reminder throughput figures, written
to bench/results/reminders.json.

1. Sweep selection + claim + enqueue for 10,000 and 100,000 patients due in the same
   minute (target: under 10 s for 100k on the 2-core machine).
2. One Celery worker (prefork, concurrency 2) sending 10,000 reminder emails into an
   aiosmtpd sink (target: under 60 s, worker start-up included).

The machine's load average is recorded with the figures: on a shared 2-core machine other
work changes them by a factor of two or more.

Runs on a dedicated PostgreSQL database `ldn_bench` that the harness drops and creates
(BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/ldn_bench), its own
redis-server on a free port, and the sink in this process. Nothing reaches outside.
"""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime

from bench import urgent_burst
from bench.harness import (
    DB_URL,
    RESULTS,
    ROOT,
    commit,
    free_port,
    machine,
    recreate_database,
    start_redis,
    wait_for,
)

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
EMAILS = int(os.environ.get("BENCH_EMAILS", "10000"))
# The urgent report posted at the start of the smallest size's burst (0 skips it).
URGENT_BURST = int(os.environ.get("BENCH_URGENT_BURST", "1"))
REMINDERS = "reminders"  # the queue the sweep's send chunks go to (ldn_journal.celery)


def _next_evening():
    """The next 21:00 in London: bench patients are due then, and still useful when the
    worker sends (a reminder past its window would be expired, not sent)."""
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    london = ZoneInfo("Europe/London")
    now = datetime.now(london)
    due = now.replace(hour=21, minute=0, second=0, microsecond=0)
    if due <= now:
        due += timedelta(days=1)
    return due.astimezone(UTC)


# Every bench patient is in London with a 21:00 reminder, all due in the same minute.
DUE = _next_evening()
PLAN_START = DUE.date().replace(day=1)


class CountingSink:
    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, _server, _session, _envelope):
        with self.lock:
            self.count += 1
        return "250 OK"


def make_patients(start_index, count):
    """Bulk-insert `count` London patients on a 1.5 mg plan, all due at DUE."""
    from decimal import Decimal

    from ldn_journal.accounts.models import Role, User
    from patients.models import Patient
    from prescriptions.models import PlanStep, PlanVersion, Prescription

    clinician, _ = User.objects.get_or_create(
        email="bench-clinician@example.org",
        defaults={"role": Role.CLINICIAN, "password": "!", "display_name": "Bench clinician"},
    )
    chunk = 5000
    for first in range(start_index, start_index + count, chunk):
        numbers = range(first, min(first + chunk, start_index + count))
        users = User.objects.bulk_create(
            User(email=f"bench{n}@example.org", password="!", display_name=f"Bench {n}")
            for n in numbers
        )
        patients = Patient.objects.bulk_create(
            Patient(user=u, time_zone="Europe/London", next_reminder_at=DUE) for u in users
        )
        prescriptions = Prescription.objects.bulk_create(
            Prescription(patient=p, prescriber=clinician, start_date=PLAN_START) for p in patients
        )
        versions = PlanVersion.objects.bulk_create(
            PlanVersion(
                prescription=p,
                number=1,
                effective_night=PLAN_START,
                start_date=PLAN_START,
                author=clinician,
                reason="bench",
            )
            for p in prescriptions
        )
        PlanStep.objects.bulk_create(
            PlanStep(version=v, position=0, dose_mg=Decimal("1.5"), days=None) for v in versions
        )


def reset_for_sweep():
    """Every bench patient due again, nothing claimed; then VACUUM ANALYZE, as autovacuum
    keeps a production database: without it the sweep after a reset walks the dead rows the
    reset left in every index (100k of each) and is measured slower than it is."""
    from django.db import connection

    from patients.models import Patient, ReminderDelivery

    ReminderDelivery.objects.all().delete()
    Patient.objects.update(next_reminder_at=DUE)
    with connection.cursor() as cursor:  # VACUUM cannot run in a transaction: autocommit here
        for table in (ReminderDelivery._meta.db_table, Patient._meta.db_table):
            cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")


def timed_sweep(redis_client):
    """Returns (seconds, claimed, seconds spent enqueueing)."""
    from patients.notifications import outbox as delivery
    from patients.notifications import sweep

    enqueue_seconds = 0.0

    def dispatch(ids):
        nonlocal enqueue_seconds
        started = time.perf_counter()
        delivery.enqueue_deliveries(ids)
        enqueue_seconds += time.perf_counter() - started

    started = time.perf_counter()
    result = sweep.sweep(DUE, dispatch=dispatch)
    seconds = time.perf_counter() - started
    return seconds, len(result.claimed), enqueue_seconds, redis_client.llen(REMINDERS)


def start_worker():
    """One Celery worker (prefork, two processes), as production runs them."""
    env = {**os.environ, "CONN_MAX_AGE": "60"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ldn_journal",
            "worker",
            "--pool=prefork",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop_worker(worker):
    os.killpg(worker.pid, signal.SIGQUIT)
    worker.wait(30)


def timed_fanned_out_sweep():
    """The beat task's path: the minute's sweep cuts the due patients into id-range parts
    and enqueues one sub-sweep task per part; one running worker (prefork, 2 processes)
    sweeps them in parallel. Timed from the sweep's start until no patient is still due
    (each part's last batch commits its claims and schedule moves together; its enqueue,
    a few ms, follows). Worker start-up is not included: production workers are running."""
    from ldn_journal.celery import app
    from patients.notifications import due, sweep, tasks

    worker = start_worker()
    try:
        wait_for(lambda: bool(app.control.ping(timeout=0.5)), 60, "the worker to answer")
        started = time.perf_counter()
        parts = []

        def fan_out(found):
            parts.extend(found)
            tasks.enqueue_sweep_parts(DUE, found)

        sweep.sweep(DUE, fan_out=fan_out)
        still_due = due.due_patients(DUE)
        wait_for(lambda: not still_due.exists(), 300, "the sweep parts")
        seconds = time.perf_counter() - started
    finally:
        stop_worker(worker)
    from patients.models import ReminderDelivery

    return seconds, len(parts), ReminderDelivery.objects.count()


def main():
    recreate_database()
    redis_process, redis_url = start_redis()
    from aiosmtpd.controller import Controller

    sink = CountingSink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    var_dir = tempfile.mkdtemp(prefix="ldn-bench-")
    os.environ.update(
        {
            "DATABASE_URL": DB_URL,
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
            "LDN_VAR_DIR": var_dir,
            "DJANGO_SETTINGS_MODULE": "ldn_journal.settings",
            "LOG_LEVEL": "WARNING",
            # Production settings: with DEBUG on, Django keeps every query's text (a sweep's
            # JSON batches are megabytes) and Celery warns of exactly that leak.
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        }
    )
    os.environ.pop("CELERY_TASK_ALWAYS_EAGER", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    from ldn_journal.celery import app

    # The outbox publishes its send tasks by name: register them here as a worker would
    # (nothing else this process imports does).
    app.loader.import_default_modules()

    call_command("migrate", verbosity=0)
    redis_client = redis.Redis.from_url(redis_url)
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "sweep": [],
    }
    worker = None
    try:
        made = 0
        for size in sorted(SIZES):
            started = time.perf_counter()
            make_patients(made, size - made)
            made = size
            print(f"made {size:,} due patients in {time.perf_counter() - started:.1f} s")
            # A live database has planner statistics; fresh bulk inserts have none yet (and
            # without them PostgreSQL scans whole tables for each batch's id lists).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            reset_for_sweep()
            redis_client.flushdb()
            seconds, claimed, enqueue, queued = timed_sweep(redis_client)
            row = {
                "patients": size,
                "claimed": claimed,
                "queued": queued,
                "seconds": round(seconds, 2),
                "enqueue_seconds": round(enqueue, 2),
                "per_second": round(claimed / seconds),
                "target_seconds": 10 if size >= 100_000 else None,
            }
            results["sweep"].append(row)
            print(
                f"sweep: {size:,} patients due in one minute -> {claimed:,} claimed and "
                f"{queued:,} queued in {seconds:.2f} s (enqueue {enqueue:.2f} s)"
            )
            if size == min(SIZES) and EMAILS:
                results["worker"] = run_worker(sink, claimed)
            if size == min(SIZES) and URGENT_BURST:
                results["urgent_during_burst"] = urgent_burst.run(
                    ROOT, DUE, reset_for_sweep, redis_client, wait_for, free_port
                )
            if size == max(SIZES):
                reset_for_sweep()
                redis_client.flushdb()
                seconds, parts, claimed = timed_fanned_out_sweep()
                row["fanned_out"] = {
                    "worker": "1 worker, prefork, concurrency 2",
                    "parts": parts,
                    "claimed": claimed,
                    "seconds": round(seconds, 2),
                    "per_second": round(claimed / seconds),
                }
                print(
                    f"fanned-out sweep: {size:,} patients in {parts} parts -> {claimed:,} "
                    f"claimed by one worker (2 processes) in {seconds:.2f} s"
                )
        # Repeat sweep in the same minute: everything is claimed, nothing more.
        started = time.perf_counter()
        from patients.notifications import sweep

        again = sweep.sweep(DUE, dispatch=lambda _ids: None)
        results["second_sweep"] = {
            "claimed": len(again.claimed),
            "seconds": round(time.perf_counter() - started, 2),
        }
        print(f"second sweep in the same minute: {len(again.claimed)} claimed")
    finally:
        if worker is not None:
            worker.kill()
        controller.stop()
        redis_process.send_signal(signal.SIGTERM)
        redis_process.wait(10)
        shutil.rmtree(var_dir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reminders.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


def run_worker(sink, queued):
    """One worker (prefork, two processes) drains the queue the first sweep filled; time
    until the sink has every message."""
    count = min(queued, EMAILS)
    before = sink.count
    started = time.perf_counter()
    worker = start_worker()
    try:
        wait_for(lambda: sink.count - before >= count, 600, f"{count} emails in the sink")
        seconds = time.perf_counter() - started
    finally:
        stop_worker(worker)
    print(
        f"worker: one worker (prefork, 2 processes) sent {count:,} emails into the SMTP sink "
        f"in {seconds:.1f} s "
        f"({count / seconds:.0f}/s, including worker start-up)"
    )
    return {
        "emails": count,
        "seconds": round(seconds, 1),
        "per_second": round(count / seconds),
        "target_seconds": 60,
    }


if __name__ == "__main__":
    main()
