"""The visit report's chart marks exactly the plan changes its table lists (one list)."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions import plans
from prescriptions.changes import end_change
from tests.patients.journal_support import make_plan, sign_hold
from tests.patients.report_plan_changes_support import change, chart_markers, table_rows

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-01-01", "2026-03-30"), ("2026-01-15", "2026-03-30"), ("2026-02-05", "2026-03-30")],
)
def test_the_reports_chart_marks_exactly_the_plan_changes_its_table_lists(
    clinician_client, two_prescriptions, start, end
):
    response = clinician_client.get(
        reverse("clinic:report", args=[two_prescriptions.pk]), {"start": start, "end": end}
    )
    text = response.content.decode()
    markers = chart_markers(text)
    assert markers  # every range here has changes in it
    assert markers == table_rows(text)


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_an_earlier_prescriptions_changes_are_listed_and_marked_alike(
    clinician_client, two_prescriptions
):
    response = clinician_client.get(
        reverse("clinic:report", args=[two_prescriptions.pk]),
        {"start": "2026-01-15", "end": "2026-03-30"},
    )
    text = response.content.decode()
    expected = [
        ("20 Jan 2026", "2", "Steps changed"),  # the first prescription's
        ("1 Feb 2026", "3", "Prescription ended"),
        ("10 Feb 2026", "1", "Plan created"),
        ("1 Mar 2026", "2", "Steps changed"),  # the second's
    ]
    assert table_rows(text) == expected
    assert chart_markers(text) == expected
    # The plan the range opens with is in the table, muted, for context.
    assert '<tr class="muted"><td>1 Jan 2026</td><td>v1 Plan created' in text


@pytest.fixture
def held_then_restarted(patient_a, clinician_a):
    """1.5 mg from 1 Nov, then 3 mg; on hold from 6 Dec, a restart at step 1 (1.5 mg) signed
    for 13 Dec: the hold ends on 12 Dec."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 12, 6),
        signed=datetime(2026, 12, 3, 20, 0, tzinfo=UTC),
        restart_on=date(2026, 12, 13),
        restart_step=0,
    )
    return patient_a


def _report(client, patient):
    with time_machine.travel("2026-12-20T20:00:00Z", tick=False):
        response = client.get(
            reverse("clinic:report", args=[patient.pk]),
            {"start": "2026-11-20", "end": "2026-12-20"},
        )
    return response.content.decode()


def test_a_holds_row_says_how_the_hold_ends_as_its_marker_does(
    clinician_client, held_then_restarted
):
    """The chart's hold marker said "until 12 Dec 2026, restart at 1.5 mg" and the table's
    row for the same hold only "Put on hold": one report, two answers."""
    text = _report(clinician_client, held_then_restarted)
    expected = [
        ("6 Dec 2026", "2", "Put on hold — until 12 Dec 2026, restart at 1.5 mg"),
        ("13 Dec 2026", "3", "Resumed"),
    ]
    assert table_rows(text) == expected
    assert chart_markers(text) == expected


@pytest.mark.parametrize(
    ("language", "ends"),
    [
        ("de", "bis 12. Dez 2026, Neustart mit 1,5 mg"),
        ("es", "hasta el 12 dic 2026, reinicio con 1,5 mg"),
    ],
)
def test_the_holds_row_and_marker_say_its_end_alike_in_german_and_spanish(
    clinician_client, clinician_a, held_then_restarted, language, ends
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text = _report(clinician_client, held_then_restarted)
    with translation.override(language):
        hold = str(plans.load(held_then_restarted).history[1].get_kind_display())
    (marker,) = re.findall(r'class="marker marker-hold".*?<title>(.*?)</title>', text, re.S)
    assert marker.endswith(f"{hold} — {ends}")
    assert f"<td>v2 {hold} — {ends}</td>" in text


@pytest.fixture
def held_then_ended(patient_a, clinician_a):
    """1.5 mg from 1 Nov, then 3 mg; on hold from 6 Dec with no end, the prescription ended
    on 12 Dec: the ending cut the open hold."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 11, 1))
    sign_hold(
        patient_a, clinician_a, date(2026, 12, 6), signed=datetime(2026, 12, 3, 20, 0, tzinfo=UTC)
    )
    change(
        patient_a,
        clinician_a,
        lambda latest: end_change(latest, tonight_night=date(2026, 12, 12), reason="No benefit"),
        date(2026, 12, 12),
    )
    return patient_a


@pytest.mark.parametrize(
    ("language", "ends"),
    [
        ("en", "until the prescription ended on 12 Dec 2026"),
        ("de", "bis die Verordnung am 12. Dez 2026 endete"),
        ("es", "hasta que la prescripción finalizó el 12 dic 2026"),
    ],
)
def test_an_open_hold_cut_by_the_ending_reads_alike_in_the_row_and_the_marker(
    clinician_client, clinician_a, held_then_ended, language, ends
):
    """Both read "Put on hold — until 11 Dec 2026" (the hold's last night, as if it had run
    out): they now say the prescription's ending cut it, from one function."""
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    text = _report(clinician_client, held_then_ended)
    with translation.override(language):
        hold = str(plans.load(held_then_ended).history[1].get_kind_display())
    # The ending has a marker of its own, not a hold's (test_chart_marks_an_ending_as_an_ending).
    (marker,) = re.findall(r'class="marker marker-hold".*?<title>(.*?)</title>', text, re.S)
    assert len(re.findall(r'class="marker marker-end"', text)) == 1
    assert marker.endswith(f"{hold} — {ends}")
    assert f"<td>v2 {hold} — {ends}</td>" in text
