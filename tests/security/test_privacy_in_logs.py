"""Logs, error pages and error emails carry ids, never names, emails, doses or notes.

Every log record of a whole journey is captured at DEBUG (the root logger and every logger
that does not propagate to it), formatted with the project's own formatter (extra attributes
included), and searched for the patients' and clinicians' emails, names and a note marker.
"""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import include, path
from django.utils import timezone

from ldn_journal.request_ids import RequestIdLogFilter
from patients.models import NightlyEntry
from tests import figures
from tests.factories import PASSWORD
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import mark_reauthenticated

NOTE_MARKER = "Zebra-Quartz-7731 dreamt of the sea"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class Everything(logging.Handler):
    """Keeps every record, formatted as production would print it, plus its extra fields."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter(FORMAT))
        self.addFilter(RequestIdLogFilter())
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))
        standard = logging.makeLogRecord({}).__dict__
        extras = {k: v for k, v in record.__dict__.items() if k not in standard}
        # What a JSON or Sentry-style handler would ship besides the message.
        self.lines.append(repr({k: v for k, v in extras.items() if k != "request"}))


@pytest.fixture
def captured_logs():
    handler = Everything()
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
    # As with LOG_LEVEL=DEBUG in production: the root at DEBUG, the loggers the settings
    # quieten on purpose (template contexts, SQL parameters) left as configured.
    logging.getLogger().setLevel(logging.DEBUG)
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _boom(request):
    raise RuntimeError("the journal could not be saved")


urlpatterns = [path("boom/", _boom), path("", include("ldn_journal.urls"))]
handler500 = "ldn_journal.errors.server_error"


@pytest.mark.urls(__name__)
def test_a_whole_journey_leaves_no_names_emails_or_notes_in_logs_or_error_reports(
    patient_a, clinician_a, clinician_b, settings, captured_logs
):
    settings.ADMINS = [("Ops", "ops@example.org")]
    settings.DEBUG = False
    night = timezone.localdate(timezone=patient_a.tz) - timedelta(days=1)
    make_prescription(patient_a, clinician_a, start=night - timedelta(days=20))

    patient = Client(raise_request_exception=False)
    # A failed sign-in first, with the patient's address, then the real one.
    patient.post("/accounts/login/", {"login": patient_a.user.email, "password": "wrong-one"})
    assert (
        patient.post(
            "/accounts/login/", {"login": patient_a.user.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    patient.get("/journal/")
    evening = patient.get(f"/journal/night/{night}/dose/")
    submission = evening.context["form"]["submission_id"].value()
    patient.post(
        f"/journal/night/{night}/dose/",
        {"submission_id": submission, "dose": "1.5", "unit": "mg", "taken_at": f"{night}T22:15"},
    )
    morning = patient.get(f"/journal/night/{night}/morning/")
    patient.post(
        f"/journal/night/{night}/morning/",
        {
            "submission_id": morning.context["form"]["submission_id"].value(),
            "sleep_quality": "6",
            "dreams": "vivid",
            "dream_intensity": "4",
            "pain": "3",
            "fatigue": "4",
            "mood": "7",
            "notes": NOTE_MARKER,
        },
    )
    patient.post(f"/journal/night/{night}/dose/", {"dose": "15", "notes": NOTE_MARKER})
    patient.post("/boom/", {"notes": NOTE_MARKER, "email": patient_a.user.email})

    clinician = Client(raise_request_exception=False)
    clinician.force_login(clinician_a)
    mark_reauthenticated(clinician, clinician_a)
    clinician.get("/clinic/")
    clinician.get(f"/clinic/patients/{patient_a.pk}/")
    clinician.get(f"/clinic/patients/{patient_a.pk}/export/csv/")
    clinician.post(f"/clinic/patients/{patient_a.pk}/notes/", {"text": NOTE_MARKER})
    outsider = Client(raise_request_exception=False)
    outsider.force_login(clinician_b)
    outsider.get(f"/clinic/patients/{patient_a.pk}/")

    assert NightlyEntry.objects.filter(patient=patient_a, notes=NOTE_MARKER).exists()
    secrets = [
        NOTE_MARKER,
        patient_a.user.email,
        patient_a.user.display_name,
        clinician_a.email,
        clinician_a.display_name,
        clinician_b.email,
    ]
    logs = "\n".join(captured_logs.lines)
    assert "Internal Server Error" in logs  # the error was logged: with its request id
    emails = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox if "ops@" in str(m.to))
    assert emails, "the operators were told about the error"
    for secret in secrets:
        assert secret not in logs, f"{secret!r} found in the logs"
        assert secret not in emails, f"{secret!r} found in the error email"
        figures.add("privacy", "secrets searched for in logs and error emails")
    figures.add("privacy", "log records searched", len(captured_logs.lines) // 2)
