"""While an urgent report is open the patient is told to wait, and the clinician's patient page
says so beside tonight's dose, in the header and in the plan panel, with a link to the report:
it showed "Tonight 4.5 mg" with no hint of the wait (exploratory QA). The plan page, which
shows the same panel, says it too (it said "Tonight 4.5 mg" with no note while the patient
page noted the pause). The dose stays as prescribed (the app never decides a dose): the note
is information only."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.urgent import reports as urgent
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

# 20:00 in London on 26 Nov 2026: tonight is the 26th.
NOW = datetime(2026, 11, 26, 20, 0, tzinfo=UTC)
NOTE = "Paused: an urgent report is open, and the patient was told to wait for the care team"


@pytest.fixture
def on_plan(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),), start=date(2026, 11, 1))
    return patient_a


@pytest.fixture
def staff_client(clinician_a):
    return signed_in_reauthenticated(clinician_a)


def parts(staff_client, patient, language="en"):
    """The page's header and its plan panel, as read at NOW + 10 minutes."""
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        page = staff_client.get(
            reverse("clinic:patient", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    header = re.search(r'<header class="stack patient-header">.*?</header>', page, re.S)
    panel = re.search(r'<section class="card plan-panel.*?</section>', page, re.S)
    return header.group(0), panel.group(0)


def test_an_open_report_is_noted_beside_tonights_dose_in_the_header_and_the_panel(
    on_plan, staff_client
):
    made = urgent_report(on_plan, NOW)
    link = f'<a href="{reverse("clinic:urgent_report", args=[made.pk])}">Open the report</a>'
    for part in parts(staff_client, on_plan):
        note = re.search(r'<span class="stat-note pause-note"[^>]*>(.*?)</span>', part, re.S)
        assert note is not None
        assert NOTE in note.group(1)
        assert link in note.group(1)
        # Information only: tonight's dose is still the prescribed one.
        assert "4.5 mg" in part


def test_the_note_is_gone_once_the_report_is_acknowledged(on_plan, staff_client, clinician_a):
    made = urgent_report(on_plan, NOW)
    urgent.acknowledge(made, clinician_a, "Carry on.", NOW + timedelta(minutes=5))
    for part in parts(staff_client, on_plan):
        assert "pause-note" not in part
        assert NOTE not in part


def test_without_an_open_report_there_is_no_note(on_plan, staff_client):
    for part in parts(staff_client, on_plan):
        assert "pause-note" not in part


@pytest.mark.parametrize(
    ("language", "said", "link"),
    [
        ("de", "Pausiert: Eine dringende Meldung ist offen", "Meldung öffnen"),
        ("es", "En pausa: hay un aviso urgente abierto", "Abrir el aviso"),
    ],
)
def test_the_note_is_translated(on_plan, staff_client, language, said, link):
    urgent_report(on_plan, NOW)
    for part in parts(staff_client, on_plan, language):
        assert said in part
        assert link in part


def plan_panel(staff_client, patient):
    """The plan page's panel, as read at NOW + 10 minutes."""
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        page = staff_client.get(reverse("clinic:plan", args=[patient.pk])).content.decode()
    return re.search(r'<section class="card plan-panel.*?</section>', page, re.S).group(0)


def test_the_plan_page_notes_an_open_report_beside_tonights_dose_with_its_link(
    on_plan, staff_client
):
    made = urgent_report(on_plan, NOW)
    link = f'<a href="{reverse("clinic:urgent_report", args=[made.pk])}">Open the report</a>'
    panel = plan_panel(staff_client, on_plan)
    note = re.search(r'<span class="stat-note pause-note"[^>]*>(.*?)</span>', panel, re.S)
    assert note is not None
    assert NOTE in note.group(1)
    assert link in note.group(1)
    assert "4.5 mg" in panel


def test_the_plan_page_has_no_note_without_an_open_report(on_plan, staff_client):
    panel = plan_panel(staff_client, on_plan)
    assert "pause-note" not in panel
    assert "4.5 mg" in panel


@pytest.mark.parametrize("report", ["none", "open", "acknowledged"])
def test_the_patient_page_and_the_plan_page_agree_on_the_pause_note(
    on_plan, staff_client, clinician_a, report
):
    if report != "none":
        made = urgent_report(on_plan, NOW)
        if report == "acknowledged":
            urgent.acknowledge(made, clinician_a, "Carry on.", NOW + timedelta(minutes=5))
    header, patient_panel = parts(staff_client, on_plan)
    shown = {
        "header": "pause-note" in header,
        "patient page panel": "pause-note" in patient_panel,
        "plan page panel": "pause-note" in plan_panel(staff_client, on_plan),
    }
    assert set(shown.values()) == {report == "open"}, shown


def test_both_pages_link_the_note_to_the_oldest_report_when_ids_and_moments_disagree(
    on_plan, staff_client
):
    """Ids and moments can disagree (a report dated earlier than one saved before it): the
    patient page linked the open report with the smallest id, the plan page the oldest one.
    Both link the oldest (patients.models.UrgentReportQuerySet.oldest_first), the report
    the pause began with."""
    saved_first = urgent_report(on_plan, NOW)
    oldest = urgent_report(on_plan, NOW - timedelta(minutes=30))
    assert saved_first.pk < oldest.pk
    link = f'<a href="{reverse("clinic:urgent_report", args=[oldest.pk])}">Open the report</a>'
    header, patient_panel = parts(staff_client, on_plan)
    for name, part in {
        "header": header,
        "patient page panel": patient_panel,
        "plan page panel": plan_panel(staff_client, on_plan),
    }.items():
        note = re.search(r'<span class="stat-note pause-note"[^>]*>(.*?)</span>', part, re.S)
        assert note is not None, name
        assert link in note.group(1), name


def test_the_urgent_flag_links_the_report_the_pause_note_links(on_plan, staff_client):
    """The patient page's urgent flag and its pause note name one report: the oldest."""
    urgent_report(on_plan, NOW)
    oldest = urgent_report(on_plan, NOW - timedelta(minutes=30))
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        page = staff_client.get(reverse("clinic:patient", args=[on_plan.pk])).content.decode()
    flags = re.search(r'<ul class="flag-list">.*?</ul>', page, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)">Open the report</a>', flags)
    assert links == [reverse("clinic:urgent_report", args=[oldest.pk])]
