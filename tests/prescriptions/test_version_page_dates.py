"""The plan version page's steps table says a one-night step as that night, and heads its
dates column "Dates" when the nights it lists were taken at more than one dosing time, as
the plan panel does (found by QA: "6 Dec 2026 – 6 Dec 2026", and "Days" over the evening
nights before a switch to morning dosing)."""

import html
import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions.changes import end_change
from prescriptions.models import Formulation, PlanVersion
from tests.patients.journal_support import make_plan, sign_change, switch_dosing_time
from tests.prescriptions.steps_ahead_support import _panel_rows
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)


def _version_page(patient, clinician, number):
    version = PlanVersion.objects.get(prescription__patient=patient, number=number)
    with time_machine.travel(NOW, tick=False):
        response = signed_in_reauthenticated(clinician).get(
            reverse("clinic:plan_version", args=[patient.pk, version.pk])
        )
    assert response.status_code == 200
    table = response.content.decode().split('<table class="table">', 1)[1].split("</table>")[0]
    header = re.findall(r'<th scope="col">([^<]*)</th>', table)
    rows = [re.findall(r"<td>([^<]*)</td>", row) for row in table.split("<tr>")[2:]]
    return header, rows


def test_a_one_night_step_reads_as_that_night_as_on_the_panel(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 5), ("2", 1), ("3", None)),
        start=date(2026, 12, 1),
        formulation=Formulation.OTHER,
    )
    _header, rows = _version_page(patient_a, clinician_a, 1)
    assert rows[1] == ["2", "2 mg", "6 Dec 2026"]
    assert rows[0][2] == "1 Dec 2026 – 5 Dec 2026"
    assert rows[2][2] == "7 Dec 2026 – onwards"
    panel = _panel_rows(patient_a, clinician_a, NOW)
    assert [row[2] for row in panel[1:]] == [row[2] for row in rows[1:]]


def test_a_switch_to_mornings_heads_its_mixed_rows_dates(patient_a, clinician_a):
    """Version 2 switches to morning dosing from 8 Dec; its steps are listed from their
    start on 1 Nov, evening nights until 7 Dec: "Dates", as the panel heads them."""
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 12, 8))
    assert _version_page(patient_a, clinician_a, 2)[0] == ["Step", "Dose", "Dates"]
    assert _version_page(patient_a, clinician_a, 1)[0] == ["Step", "Dose", "Nights"]


def test_a_plan_on_mornings_from_its_start_says_days(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1), dosing_time="morning")
    assert _version_page(patient_a, clinician_a, 1)[0] == ["Step", "Dose", "Days"]


@pytest.mark.parametrize(
    ("language", "ended", "no_hold", "no_dose", "steps"),
    [
        (
            "en",
            "Prescription ended",
            "Hold",
            "No dose from the night of 3 Dec 2026 on.",
            [
                ["1", "1.5 mg", "2 Sep 2026 – 31 Oct 2026"],
                ["2", "4.5 mg", "1 Nov 2026 – 2 Dec 2026"],
            ],
        ),
        (
            "de",
            "Verordnung beendet",
            "Pausieren",
            "Keine Dosis mehr ab der Nacht vom 3. Dez 2026.",
            [
                ["1", "1,5 mg", "2. Sep 2026 – 31. Okt 2026"],
                ["2", "4,5 mg", "1. Nov 2026 – 2. Dez 2026"],
            ],
        ),
    ],
)
def test_an_ending_says_the_prescription_ended_and_its_steps_stop_the_night_before(
    patient_a, clinician_a, language, ended, no_hold, no_dose, steps
):
    """The version that ended the prescription read "Hold: from 3 Dec 2026, open-ended"
    ("Pausieren" in German) and listed its last step "2 Sep 2026 – onwards" (found in QA)."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 60), ("4.5", None)), start=date(2026, 9, 2))
    sign_change(
        patient_a,
        clinician_a,
        lambda plan: end_change(plan.latest, tonight_night=date(2026, 12, 3), reason="No benefit"),
        datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
    )
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    version = PlanVersion.objects.get(prescription__patient=patient_a, number=2)
    with time_machine.travel(datetime(2026, 12, 3, 20, 0, tzinfo=UTC), tick=False):
        response = signed_in_reauthenticated(clinician_a).get(
            reverse("clinic:plan_version", args=[patient_a.pk, version.pk]),
            HTTP_ACCEPT_LANGUAGE=language,
        )
    page = response.content.decode()
    facts = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", page.split("</dl>")[0])
    assert (ended, no_dose) in facts
    assert no_hold not in [term for term, _ in facts]
    table = page.split('<table class="table">', 1)[1].split("</table>")[0]
    assert [re.findall(r"<td>([^<]*)</td>", row) for row in table.split("<tr>")[2:]] == steps


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "en",
            "The prescription ended before this plan's first night: none of its steps was taken.",
        ),
        (
            "de",
            "Die Verordnung endete vor der ersten Nacht dieses Plans: "
            "Keine seiner Stufen wurde eingenommen.",
        ),
        (
            "es",
            "La prescripción finalizó antes de la primera noche de este plan: "
            "no se tomó ninguno de sus pasos.",
        ),
    ],
)
def test_an_ending_signed_before_the_plans_first_night_says_no_step_was_taken(
    patient_a, clinician_a, language, said
):
    """A plan starting on 10 Dec, ended from 3 Dec: its ending's page showed a steps table
    with a header and no row. It says no step was taken instead."""
    make_plan(patient_a, clinician_a, steps=(("1.5", 14), ("3", None)), start=date(2026, 12, 10))
    sign_change(
        patient_a,
        clinician_a,
        lambda plan: end_change(plan.latest, tonight_night=date(2026, 12, 3), reason="No benefit"),
        datetime(2026, 12, 3, 18, 0, tzinfo=UTC),
    )
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    version = PlanVersion.objects.get(prescription__patient=patient_a, number=2)
    with time_machine.travel(datetime(2026, 12, 3, 20, 0, tzinfo=UTC), tick=False):
        response = signed_in_reauthenticated(clinician_a).get(
            reverse("clinic:plan_version", args=[patient_a.pk, version.pk]),
            HTTP_ACCEPT_LANGUAGE=language,
        )
    page = html.unescape(response.content.decode())
    assert said in page
    assert '<table class="table">' not in page
