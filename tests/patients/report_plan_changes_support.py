"""Plan changes signed at noon of their night, and the visit report's plan markers and
changes table read back (the report and FHIR tests')."""

import re
from datetime import UTC, date, datetime, time

import time_machine

from prescriptions import plans
from prescriptions.changes import save_version

TONIGHT = date(2026, 3, 30)


def noon(night):
    return datetime.combine(night, time(12), tzinfo=UTC)


def change(patient, clinician, build, night):
    prescription = plans.load(patient).prescription
    latest = plans.load(patient).latest
    with time_machine.travel(noon(night), tick=False):
        save_version(
            prescription_id=prescription.pk,
            author=clinician,
            based_on=latest.number,
            change=build(latest),
            now=noon(night),
            confirmed_increase=True,
        )


def chart_markers(text):
    """(night, version number, change) of each plan marker the chart draws, in order."""
    titles = re.findall(
        r'class="marker marker-(?:plan-change|hold|end)".*?<title>(.*?)</title>', text, re.S
    )
    # A hold's marker goes on to say how the hold ends (test_chart_hold_marker_says_the_restart),
    # and so does the hold's row in the table: compared whole.
    return [re.fullmatch(r"(.*?): Plan version (\d+): (.*)", title).groups() for title in titles]


def table_rows(text):
    """(night, version number, change) of each row of the plan-changes table in the range
    (the muted row before it is the plan the range opens with: context, with no marker)."""
    table = text.split('aria-label="Plan changes"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(.*?)</td><td>v(\d+) (.*?)</td>", table)
