"""What the skipped-steps tests share (changes.skipped_steps: a new prescription begun before
its first night, a steps change moving the patient to a later step): the form a new
prescription posts, the page it is posted to, a prescription ended before it, the
confirmation box as drawn, and the page's visible text."""

import html
import re
from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse

from prescriptions.changes import end_change
from tests.patients.journal_support import sign_change, visible_text
from tests.prescriptions.factories import make_prescription, new_prescription_data

NOV_1 = date(2026, 11, 1)
DEC_2 = date(2026, 12, 2)
EVENING = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # London: tonight is 5 Dec
AFTERNOON = "2026-12-05 14:00Z"  # London: tonight and today are 5 Dec


def new_prescription(start=NOV_1, **overrides):
    """A new prescription's form: 1.5 mg for 14 nights from ``start``, then 3 mg."""
    return new_prescription_data(
        start, [("1.5", "14"), ("3.0", "")], reason="Back on LDN after surgery", **overrides
    )


def ended_on_dec_3(patient, clinician, dosing_time="evening"):
    """``patient``'s prescription from 1 Oct, dosed at ``dosing_time``, ended from the night
    of 3 Dec (signed that day): the New prescription page is open to them."""
    make_prescription(patient, clinician, date(2026, 10, 1), dosing_time=dosing_time)
    sign_change(
        patient,
        clinician,
        lambda plan: end_change(
            plan.latest,
            tonight_night=date(2026, 12, 3),
            reason="Stopped",
            versions=tuple(plan.versions),
        ),
        datetime(2026, 12, 3, 12, tzinfo=UTC),
    )
    return patient


def new_prescription_page(client, patient, data=None, at=AFTERNOON):
    """``patient``'s New prescription page at ``at``: drawn (``data`` None) or posted."""
    url = reverse("clinic:prescription_new", args=[patient.pk])
    with time_machine.travel(at, tick=False):
        return client.get(url) if data is None else client.post(url, data)


def box(response):
    """The start box as drawn: (value, ticked, label), or None."""
    found = re.search(
        r'<input type="checkbox" name="confirm_start" id="[^"]+" value="([^"]*)"( checked)?>'
        r' <label for="[^"]+">([^<]*)</label>',
        response.content.decode(),
    )
    return (found.group(1), bool(found.group(2)), found.group(3)) if found else None


def text(response):
    """The page's visible text, entities unescaped."""
    return html.unescape(visible_text(response.content.decode()))
