"""What the skipped-steps tests share (changes.skipped_steps: a new prescription begun before
its first night, a steps change moving the patient to a later step): the form a new
prescription posts, the confirmation box as drawn, and the page's visible text."""

import html
import re
from datetime import UTC, date, datetime

from tests.patients.journal_support import visible_text
from tests.prescriptions.factories import new_prescription_data

NOV_1 = date(2026, 11, 1)
DEC_2 = date(2026, 12, 2)
EVENING = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # London: tonight is 5 Dec


def new_prescription(start=NOV_1, **overrides):
    """A new prescription's form: 1.5 mg for 14 nights from ``start``, then 3 mg."""
    return new_prescription_data(
        start, [("1.5", "14"), ("3.0", "")], reason="Back on LDN after surgery", **overrides
    )


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
