"""Demo urgent reports for `manage.py seed_demo`: one acknowledged past report and one open
report on the demo clinician's team, so the urgent flag shows at the top of the dashboard.

Fixed submission ids make it idempotent: a report that exists already is left alone
(whatever happened to it since, for example a demo acknowledgement).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from patients.models import UrgentReport
from patients.urgent import reports as urgent

CLINICIAN = "clinician@example.com"
PAST = "patient@example.com"  # acknowledged 9 days ago
OPEN = "patient2@example.com"  # open: reported 20 minutes before seeding


def _submission(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"ldn-journal-demo/urgent/{name}")


@transaction.atomic
def seed_urgent(users, patients, now=None):
    now = now or timezone.now()
    clinician = users[CLINICIAN]
    past_id, open_id = _submission("past"), _submission("open")
    if not UrgentReport.objects.filter(id_submission=past_id).exists():
        reported = now - timedelta(days=9, hours=3)
        # Made directly: its alerts went out nine days ago (none are sent now).
        report = UrgentReport.objects.create(
            id_submission=past_id,
            patient=patients[PAST],
            symptoms=["racing_heart", "panic"],
            since="since_dose",
            severity=UrgentReport.Severity.MODERATE,
            text="Heart racing and shaky about an hour after tonight's dose.",
            created_at=reported,
            time_zone=patients[PAST].time_zone,
        )
        urgent.acknowledge(
            report,
            clinician,
            "Thanks for telling us. Skip tomorrow's dose; I will call you at 9 to talk "
            "about going back to the lower step.",
            reported + timedelta(minutes=18),
        )
    if not UrgentReport.objects.filter(id_submission=open_id).exists():
        urgent.report_reaction(
            patients[OPEN],
            symptoms=["hallucinations"],
            since="within_hour",
            severity=UrgentReport.Severity.SEVERE,
            text="Woke up seeing things in the room; very frightened.",
            submission_id=open_id,
            now=now - timedelta(minutes=20),
        )
