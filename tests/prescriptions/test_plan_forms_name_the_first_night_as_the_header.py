"""Every plan form names the first night a change made now can take effect with the word the
clinician's patient page header uses for that night at the same moment (the one heading:
journal.night_heading_on, nights.relative_night). Exploratory QA, a London patient at 09:23
on 5 Dec: the header said "Last night (4 Dec)" (before noon that night is still open), while
the End form said "No dose from tonight (4 Dec 2026) on" and Change steps "Tonight or
later", of the same night; a clinician could not tell whether a dose taken last night was
affected. When a fact shows in two places, a test checks they agree."""

import html
import re
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from prescriptions import changes, plans, titration
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

# London is on GMT in December: UTC is the patient's wall clock.
MORNING_0923 = "2026-12-05T09:23:00Z"
EVENING_2100 = "2026-12-05T21:00:00Z"
EXPECTED = {
    ("evening", MORNING_0923): "Last night (4 Dec)",
    ("evening", EVENING_2100): "Tonight (5 Dec)",
    ("morning", MORNING_0923): "Today (5 Dec)",
    ("morning", EVENING_2100): "Today (5 Dec)",
}
FORMS = ("clinic:plan_change", "clinic:plan_hold", "clinic:plan_end", "clinic:plan_dosing_time")


def _text(client, name, patient):
    response = client.get(reverse(name, args=[patient.pk]))
    assert response.status_code == 200, name
    page = html.unescape(response.content.decode())
    main = page[page.index("<main") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def _header(client, patient):
    """The patient page header's heading over tonight's dose (dashboard.tonight_heading)."""
    response = client.get(reverse("clinic:patient", args=[patient.pk]))
    assert response.status_code == 200
    return html.unescape(re.search(r'<span class="stat-label">([^<]+)</span>', response.text)[1])


def _said(text, heading):
    """What ``text`` says of the first night: each place where a night's heading is named."""
    return [m.group(0) for m in re.finditer(re.escape(heading), text)]


@pytest.mark.parametrize(("dosing_time", "now"), sorted(EXPECTED))
def test_every_plan_form_names_the_first_night_as_the_header_does(
    patient_a, clinician_a, dosing_time, now
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(now, tick=False):
        heading = _header(client, patient_a)
        assert heading == EXPECTED[(dosing_time, now)]
        pages = {name: _text(client, name, patient_a) for name in FORMS}
        pages["clinic:plan_template_choose"] = _text(
            client, "clinic:plan_template_choose", patient_a
        )
    word = "day" if dosing_time == "morning" else "night"
    assert (
        f"{heading} or later: {word}s before keep the plan they had." in pages["clinic:plan_change"]
    )
    assert (
        f"{heading} or later: {word}s before keep the plan they had." in pages["clinic:plan_hold"]
    )
    end = pages["clinic:plan_end"]
    assert f"First {word} without a dose: {heading}. The patient's tonight card" in end
    assert f"I am ending this prescription. First {word} without a dose: {heading}." in end
    assert "from tonight" not in end
    # A switch to the dosing time the patient doses at now starts on the header's night.
    assert f"Evening dosing: {heading} or later." in pages["clinic:plan_dosing_time"] or (
        f"Morning dosing: {heading} or later." in pages["clinic:plan_dosing_time"]
    )
    assert f"First {word} they can take effect: {heading}." in pages["clinic:plan_template_choose"]
    for name, text in pages.items():
        if name == "clinic:plan_dosing_time":
            continue  # each dosing time's first night in its own words (next test file)
        # No other relative word for a night on any of them (the header's is the only one).
        others = {"Last night (", "Tonight (", "Today (", "Yesterday ("} - {
            heading.split("(")[0] + "("
        }
        assert not [other for other in others if other in text], name


@pytest.mark.parametrize("now", [MORNING_0923, EVENING_2100])
def test_a_resume_names_its_first_night_as_the_header_does(patient_a, clinician_a, now):
    make_plan(patient_a, clinician_a, hold_from=date(2026, 11, 20))
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(now, tick=False):
        heading = _header(client, patient_a)
        text = _text(client, "clinic:plan_resume", patient_a)
    assert heading == EXPECTED[("evening", now)]
    assert f"{heading} or later: nights before keep the plan they had." in text


@pytest.mark.parametrize("now", [MORNING_0923, EVENING_2100])
def test_a_new_prescription_names_its_first_night_as_the_header_does(patient_a, clinician_a, now):
    client = signed_in_reauthenticated(clinician_a)
    with time_machine.travel(now, tick=False):
        heading = _header(client, patient_a)
        text = _text(client, "clinic:prescription_new", patient_a)
    assert heading == EXPECTED[("evening", now)]
    assert f"First night of the prescription: {heading}." in text


@pytest.mark.parametrize(
    ("now", "said"),
    [
        (MORNING_0923, "A change can take effect from last night (4 Dec 2026) or later"),
        (EVENING_2100, "A change can take effect from tonight (5 Dec 2026) or later"),
    ],
)
def test_the_saves_refusal_of_an_earlier_night_names_it_as_the_header_does(
    patient_a, clinician_a, now, said
):
    # A form opened days ago and posted now: the save's recheck (changes._check) names the
    # first open night with the header's word too.
    make_plan(patient_a, clinician_a)
    view = plans.load(patient_a)
    change = changes.steps_change(
        view.latest,
        effective_night=date(2026, 12, 1),
        start_date=date(2026, 12, 1),
        steps=(titration.Step(Decimal("3"), None),),
        reason="Review",
        versions=view.versions,
    )
    with pytest.raises(changes.PlanChangeError) as refused:
        changes.save_version(
            prescription_id=view.prescription.pk,
            author=clinician_a,
            based_on=view.latest.number,
            change=change,
            now=datetime.fromisoformat(now),
        )
    assert str(refused.value).startswith(said)
