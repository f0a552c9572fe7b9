"""`make bench`: an urgent report posted at the start of a 10,000-reminder burst.

Production's shape on the bench machine: a worker that takes only the `urgent` queue
(prefork, one process) beside the bulk worker (prefork, two processes, every queue). The
minute's sweep claims and enqueues the burst; the moment it has, a patient posts an urgent
report. Measured: the urgent alert's latency (report posted -> the clinician's email in the
sink; target < 5 s) and the burst's duration (sweep start -> every reminder in the sink).
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid

TARGET_ALERT_SECONDS = 5
CLINICIAN = "bench-urgent-clinician@example.org"


class TimingSink:
    """Counts messages and notes when the first one to CLINICIAN arrived."""

    def __init__(self):
        self.count = 0
        self.alert_at = None
        self.lock = threading.Lock()

    async def handle_DATA(self, _server, _session, envelope):
        now = time.perf_counter()
        with self.lock:
            self.count += 1
            if self.alert_at is None and CLINICIAN in envelope.rcpt_tos:
                self.alert_at = now
        return "250 OK"


def _worker(root, queues, concurrency):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ldn_journal",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            f"--queues={queues}",
            f"--hostname={queues.split(',')[0]}-bench@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=root,
        env={**os.environ, "CONN_MAX_AGE": "60"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _reporting_patient():
    from ldn_journal.accounts.models import Role, User
    from patients.models import CareTeamMembership, Patient

    clinician, _ = User.objects.get_or_create(
        email=CLINICIAN,
        defaults={"role": Role.CLINICIAN, "password": "!", "display_name": "Urgent bench"},
    )
    user, _ = User.objects.get_or_create(
        email="bench-urgent-patient@example.org",
        defaults={"password": "!", "display_name": "Urgent patient"},
    )
    patient, _ = Patient.objects.get_or_create(user=user)
    CareTeamMembership.objects.get_or_create(patient=patient, clinician=clinician)
    return patient


def run(root, due, reset, redis_client, wait_for, free_port):
    """Returns the figures; `reset()` makes every bench patient due at `due` again."""
    from aiosmtpd.controller import Controller
    from django.conf import settings

    from ldn_journal.celery import app
    from patients.models import ReminderDelivery
    from patients.notifications import sweep
    from patients.urgent import reports as urgent

    sink = TimingSink()
    controller = Controller(
        sink, hostname="127.0.0.1", port=free_port(), server_hostname="localhost"
    )
    controller.start()
    email_url = os.environ["EMAIL_URL"]
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{controller.port}"
    patient = _reporting_patient()
    reset()
    redis_client.flushdb()
    workers = [_worker(root, "urgent", 1), _worker(root, "reminders,retries,celery,urgent", 2)]
    try:
        wait_for(lambda: len(app.control.ping(timeout=0.5)) >= 2, 60, "both workers to answer")
        started = time.perf_counter()
        claimed = len(sweep.sweep(due).claimed)
        posted = time.perf_counter()
        urgent.report_reaction(
            patient,
            symptoms=["racing_heart"],
            since="within_hour",
            severity="severe",
            text="",
            submission_id=uuid.uuid4(),
            now=due,
        )
        wait_for(lambda: sink.alert_at is not None, 300, "the urgent alert")
        alert_seconds = sink.alert_at - posted
        wait_for(lambda: sink.count >= claimed + 1, 900, f"{claimed} reminders and the alert")
        burst_seconds = time.perf_counter() - started
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGQUIT)
            worker.wait(30)
        controller.stop()
        os.environ["EMAIL_URL"] = email_url
    sent = ReminderDelivery.objects.filter(status=ReminderDelivery.Status.SENT).count()
    print(
        f"urgent during a burst: alert in {alert_seconds:.2f} s (target < "
        f"{TARGET_ALERT_SECONDS} s) while {claimed:,} reminders went out in "
        f"{burst_seconds:.1f} s (urgent worker 1 process, bulk worker 2; "
        f"{settings.LDN_REDIS_TIMEOUT_SECONDS:g} s Redis timeouts)"
    )
    return {
        "reminders": claimed,
        "sent": sent,
        "alert_seconds": round(alert_seconds, 2),
        "alert_target_seconds": TARGET_ALERT_SECONDS,
        "burst_seconds": round(burst_seconds, 1),
        "workers": "urgent: prefork x1 (--queues=urgent); bulk: prefork x2 (all queues)",
    }
