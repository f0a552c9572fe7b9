"""An urgent report as the patient's form sends it, for the tests that need one."""

import uuid

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
