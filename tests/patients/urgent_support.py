"""An urgent report as the patient's form sends it, for the tests that need one; and the
reports several test modules make (the escalation, routing and records tests')."""

import uuid
from datetime import UTC, datetime

from patients.urgent import reports as urgent


def urgent_report(
    patient,
    now,
    *,
    symptoms=("racing_heart",),
    since="within_hour",
    severity="severe",
    text="",
    submission_id=None,
):
    """``patient`` reports a reaction at ``now`` through urgent.report_reaction (a new
    submission unless ``submission_id`` is given); returns the report."""
    report, _ = urgent.report_reaction(
        patient,
        symptoms=list(symptoms),
        since=since,
        severity=severity,
        text=text,
        submission_id=submission_id or uuid.uuid4(),
        now=now,
    )
    return report


NOW = datetime(2026, 11, 26, 2, 0, tzinfo=UTC)  # 2 am in London: night of 25 Nov
SECRET = "Heart racing after the 4.5 mg dose"


def make_report(patient, now=NOW, **fields):
    """A severe headache reported at ``now`` (test_urgent.py's report)."""
    return urgent_report(patient, now, **{"symptoms": ["severe_headache"], "since": "", **fields})


def report(patient, now=NOW):
    """A racing heart reported at ``now``, its words ``SECRET`` (the routing tests' report)."""
    return urgent_report(patient, now, text=SECRET)


def report_for(patient, now, severity="severe"):
    """A headache with vomiting for a few hours (the records tests' report)."""
    return urgent_report(
        patient, now, symptoms=["severe_headache", "vomiting"], since="few_hours", severity=severity
    )
