"""The trend chart marks the end of a prescription as an ending, not as a hold.

Found by exploratory QA: a prescription ended from tonight drew its marker in the hold's
style, and the legend under the patient page's and the visit report's chart read "Plan on
hold" for a patient who was never on hold (the marker's own title said "Prescription ended").
A clinician reading the legend could take an ended plan for one that will resume."""

import re
from datetime import UTC, date, datetime

import pytest

from patients.clinic import dashboard
from tests.patients.journal_support import make_plan, sign_ending, sign_hold

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 20, 20, 0, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)
DEC_5, DEC_8, DEC_10 = date(2026, 12, 5), date(2026, 12, 8), date(2026, 12, 10)


def _chart(patient, clinician):
    """(marker kinds with their titles, legend texts) of the patient page's chart."""
    page = dashboard.patient_page(patient, [clinician], NOW)
    svg, _series = dashboard.trend_between(page, date(2026, 11, 20), date(2026, 12, 20))
    markers = re.findall(r'<line class="marker marker-([a-z-]+)"[^>]*><title>([^<]*)</title>', svg)
    legend = re.findall(r'<g class="legend-item marker-[a-z_-]+">.*?<text[^>]*>([^<]*)</text>', svg)
    return markers, legend


def test_an_ended_prescription_is_marked_and_named_as_an_ending(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    sign_ending(patient_a, clinician_a, DEC_5, "Not helping")
    markers, legend = _chart(patient_a, clinician_a)
    assert markers == [("end", "5 Dec 2026: Plan version 2: Prescription ended")], markers
    assert "Prescription ended" in legend, legend
    assert "Plan on hold" not in legend, legend


def test_a_hold_then_an_ending_keep_a_marker_and_a_legend_entry_each(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, DEC_5, DEC_8, signed=DEC_1)
    sign_ending(patient_a, clinician_a, DEC_10, "Not helping")
    markers, legend = _chart(patient_a, clinician_a)
    assert [kind for kind, _ in markers] == ["hold", "end"], markers
    assert {"Plan on hold", "Prescription ended"} <= set(legend), legend
