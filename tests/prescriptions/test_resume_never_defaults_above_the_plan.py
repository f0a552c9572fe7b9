"""The Resume page opens on what the plan already does after a dated hold, and never on a
step up. A patient on 4.5 mg had steps changed to 3 mg for 7 nights then 4.5 mg from 5 Dec,
and a hold from 5 Dec until 8 Dec: the report said "restart at 3 mg" and the plan page
"Next change 3 mg from 9 Dec", yet the form opened on "Step 2: 4.5 mg" (the dose of 4 Dec
under the plan before) and signing it as it opened raised the restart dose (found by QA)."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.factories import PatientFactory
from tests.patients.journal_support import make_plan, sign_hold, sign_steps, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 5 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(clinician):
    """A London patient on 4.5 mg since 1 Nov."""
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("4.5", None),), start=date(2026, 11, 1))
    return patient


@pytest.fixture
def stepped_down_and_held(patient, clinician):
    """From 5 Dec: 3 mg for 7 nights, then 4.5 mg; held from 5 Dec."""
    sign_steps(patient, clinician, DEC[5], (("3", 7), ("4.5", None)), signed=NOW)
    return patient


def _get(clinician, name, patient, params=None):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse(name, args=[patient.pk]), params or {})
    assert response.status_code == 200
    return unescape(response.content.decode())


def _opened_on(clinician, patient) -> str:
    """The label of the step the Resume page opens on."""
    html = _get(clinician, "clinic:plan_resume", patient)
    [checked] = [
        tag for tag in re.findall(r'<input[^>]*name="step"[^>]*>', html) if "checked" in tag
    ]
    field_id = re.search(r'id="([^"]+)"', checked).group(1)
    label = re.search(rf'<label for="{field_id}"[^>]*>(.*?)</label>', html, re.S)
    if label is None:  # the input inside its label
        label = re.search(rf"<label[^>]*>\s*{re.escape(checked)}(.*?)</label>", html, re.S)
    return " ".join(visible_text(label.group(1)).split())


def _default_resume_posted(clinician, patient):
    """Sign the Resume form as it opens."""
    html = _get(clinician, "clinic:plan_resume", patient)
    form = html.split('<form method="post"', 1)[1].split("</form>", 1)[0]
    data = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name is None:
            continue
        if 'type="radio"' in tag and "checked" not in tag:
            continue
        if 'type="checkbox"' in tag:
            continue
        data[name.group(1)] = value.group(1) if value else ""
    data["reason"] = "Surgery done"
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("clinic:plan_resume", args=[patient.pk]), data)
    assert response.status_code == 302, visible_text(response.content.decode())


def test_after_a_dated_hold_the_resume_page_opens_on_the_step_the_plan_restarts_at(
    stepped_down_and_held, clinician
):
    sign_hold(stepped_down_and_held, clinician, DEC[5], DEC[8], signed=NOW)
    assert _opened_on(clinician, stepped_down_and_held).startswith("Step 1: 3 mg")


def test_signing_the_resume_page_as_it_opens_after_a_dated_hold_keeps_the_restart_dose(
    stepped_down_and_held, clinician
):
    sign_hold(stepped_down_and_held, clinician, DEC[5], DEC[8], signed=NOW)
    _default_resume_posted(clinician, stepped_down_and_held)
    assert plans.load(stepped_down_and_held).dose_on(DEC[9]) == Decimal("3")


def test_after_an_open_ended_hold_the_resume_page_opens_on_the_lower_of_the_doses_around_it(
    stepped_down_and_held, clinician
):
    # 4.5 mg on 4 Dec, 3 mg on 5 Dec as the held plan has it: not the step up.
    sign_hold(stepped_down_and_held, clinician, DEC[5], signed=NOW)
    assert _opened_on(clinician, stepped_down_and_held).startswith("Step 1: 3 mg")


def test_an_open_ended_hold_from_a_step_up_night_opens_on_the_dose_before_it(clinician):
    patient = PatientFactory(time_zone="Europe/London", clinicians=[clinician])
    make_plan(patient, clinician, steps=(("1.5", 4), ("3", None)), start=DEC[1])
    sign_hold(patient, clinician, DEC[5], signed=NOW)  # 3 mg from 5 Dec: held
    assert _opened_on(clinician, patient).startswith("Step 1: 1.5 mg")


def test_the_resume_default_the_plan_pages_next_change_and_the_reports_restart_agree(
    stepped_down_and_held, clinician
):
    sign_hold(stepped_down_and_held, clinician, DEC[5], DEC[8], signed=NOW)
    opened = re.match(r"Step \d+: ([\d.]+) mg", _opened_on(clinician, stepped_down_and_held))
    plan_page = visible_text(_get(clinician, "clinic:plan", stepped_down_and_held))
    next_change = re.search(r"Next change\s+([\d.]+) mg from (\d+ Dec)", plan_page)
    report = visible_text(
        _get(
            clinician,
            "clinic:report",
            stepped_down_and_held,
            {"start": "2026-11-20", "end": "2026-12-05"},
        )
    )
    restart = re.search(r"until 8 Dec 2026, restart at ([\d.]+) mg", report)
    assert (opened.group(1), next_change.groups(), restart.group(1)) == (
        "3",
        ("3", "9 Dec"),
        "3",
    )
