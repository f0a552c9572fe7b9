"""`send_reminders --dry-run` lists as due for escalation only reports nobody has answered:
an acknowledged report is never escalated, so listing it would tell the operator of an
escalation the real run never makes. (Reading every report instead of the open ones in
reports.due_for_escalation passed every earlier test: found by break-checking.)"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from patients.urgent import reports as urgent
from tests.patients.urgent_support import NOW, make_report

pytestmark = pytest.mark.django_db


def test_an_acknowledged_report_is_not_listed_as_due_for_escalation(
    patient_a, clinician_a, settings
):
    report = make_report(patient_a, now=NOW)
    urgent.acknowledge(report, clinician_a, "Seen, call me", NOW + timedelta(minutes=5))
    late = NOW + timedelta(minutes=settings.LDN_URGENT_ESCALATE_MINUTES + 1)

    assert list(urgent.due_for_escalation(late)) == []
    out = StringIO()
    call_command("send_reminders", "--at", late.isoformat(), "--dry-run", stdout=out)
    assert "0 urgent report(s) due for escalation" in out.getvalue()
    assert f"Urgent report #{report.pk}" not in out.getvalue()
