"""My plan's "Your steps" and the clinician's plan panel (one list: PlanView.steps_ahead) say
a stretch of one night as that night, and the panel writes a dose as every other surface does.

Found by exploratory QA:
- a one-night step read as a range, "2 mg — from 5 Dec to 5 Dec" (a one-night hold and the
  one night before a plan begins likewise), and the panel's table "5 Dec 2026 – 5 Dec 2026";
- the panel wrote tonight's dose and its steps with two decimals ("4.50 mg") beside its own
  "Next change" and suggestions in the app's dose figure ("4.5 mg");
- the tonight card said "starts on … with 1.5 mg" where My plan and the panel say "at".
"""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.models import NightlyEntry
from prescriptions import changes
from prescriptions.models import Formulation, Prescription
from tests.patients.journal_support import make_plan, panel_steps_table, sign_hold, your_steps
from tests.patients.urgent_support import urgent_report
from tests.prescriptions.factories import plan_steps
from tests.prescriptions.steps_ahead_support import _panel_rows
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 2 Dec
DEC_2 = date(2026, 12, 2)
DEC_4 = date(2026, 12, 4)


def _one_night_hold_and_one_night_left_of_the_step(patient, clinician):
    # Step 1 (2 mg) runs 22 Nov to 5 Dec; a hold of the one night of 4 Dec leaves the step
    # a single night (5 Dec) after it.
    make_plan(
        patient,
        clinician,
        steps=(("2", 14), ("2.5", None)),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    sign_hold(patient, clinician, DEC_4, DEC_4, signed=NOW)


def _begins_tomorrow(patient, clinician, dose="1.5"):
    """A prescription signed tonight (2 Dec) whose step 1 begins on 3 Dec: one night without
    LDN before the steps begin."""
    change = changes.steps_change(
        None,
        effective_night=DEC_2,
        start_date=date(2026, 12, 3),
        steps=plan_steps(((dose, 14), ("3", None))),
        reason="Starting LDN",
    )
    changes.create_prescription(
        patient_id=patient.pk,
        prescriber=clinician,
        prescription=Prescription(formulation=Formulation.OTHER),
        change=change,
        now=NOW,
        confirmed_increase=True,
    )


def _in(language, patient):
    patient.user.language = language
    patient.user.save(update_fields=["language"])


def test_a_one_night_step_and_a_one_night_hold_read_on_that_night(patient_a, clinician_a):
    _one_night_hold_and_one_night_left_of_the_step(patient_a, clinician_a)
    assert your_steps(patient_a, NOW) == [
        "2 mg — from 22 Nov to 3 Dec",
        "On hold, no LDN — on 4 Dec",
        "2 mg — on 5 Dec",
        "2.5 mg — from 6 Dec onwards",
    ]


def test_the_panel_gives_a_one_night_stretch_its_one_date(patient_a, clinician_a):
    _one_night_hold_and_one_night_left_of_the_step(patient_a, clinician_a)
    assert _panel_rows(patient_a, clinician_a) == [
        ["1 now", "2 mg", "22 Nov 2026 – 3 Dec 2026", "12 nights"],
        ["—", "On hold", "4 Dec 2026", "1 night"],
        ["1", "2 mg", "5 Dec 2026", "1 night"],
        ["2", "2.5 mg", "6 Dec 2026 – onwards", "open-ended"],
    ]


def test_one_night_before_the_steps_begin_reads_on_that_night(patient_a, clinician_a):
    _begins_tomorrow(patient_a, clinician_a)
    assert your_steps(patient_a, NOW)[0] == "No LDN — on 2 Dec, until your steps begin"


@pytest.mark.parametrize(
    ("language", "hold", "step"),
    [
        ("de", "Pausiert, kein LDN — am 4. Dez", "2 mg — am 5. Dez"),
        ("es", "En pausa, sin LDN — el 4 dic", "2 mg — el 5 dic"),
    ],
)
def test_one_night_reads_on_that_night_in_german_and_spanish(
    patient_a, clinician_a, language, hold, step
):
    _one_night_hold_and_one_night_left_of_the_step(patient_a, clinician_a)
    _in(language, patient_a)
    assert your_steps(patient_a, NOW)[1:3] == [hold, step]


@pytest.mark.parametrize(
    ("language", "before"),
    [
        ("de", "Kein LDN — am 2. Dez, bis Ihre Stufen beginnen"),
        ("es", "Sin LDN — el 2 dic, hasta que empiecen sus pasos"),
    ],
)
def test_one_night_before_the_steps_reads_on_that_night_in_german_and_spanish(
    patient_a, clinician_a, language, before
):
    _begins_tomorrow(patient_a, clinician_a)
    _in(language, patient_a)
    assert your_steps(patient_a, NOW)[0] == before


def _panel(patient, clinician, language="en"):
    clinician.language = language
    clinician.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        response = signed_in_reauthenticated(clinician).get(
            reverse("clinic:plan", args=[patient.pk])
        )
    return " ".join(response.content.decode().split())


@pytest.mark.parametrize(("language", "figure"), [("en", "4.5 mg"), ("de", "4,5 mg")])
def test_the_panel_writes_tonights_dose_as_the_app_does(patient_a, clinician_a, language, figure):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("4.5", None),),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    summary = _panel(patient_a, clinician_a, language).split('class="grid plan-summary"', 1)[1]
    summary = summary.split("</div> </div>", 1)[0]
    assert f'<span class="stat-value">{figure}</span>' in summary
    assert "4.50" not in summary
    assert "4,50" not in summary


def test_the_panels_steps_table_writes_doses_as_the_app_does(patient_a, clinician_a):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", 14), ("4.5", None)),
        start=date(2026, 11, 22),
        formulation=Formulation.OTHER,
    )
    assert [row[1] for row in _panel_rows(patient_a, clinician_a)] == ["1.5 mg", "3 mg", "4.5 mg"]
    assert ".50" not in panel_steps_table(patient_a, clinician_a, NOW)


def test_a_plan_not_begun_starts_at_its_dose_on_the_panel_my_plan_and_the_tonight_card(
    patient_a, clinician_a
):
    _begins_tomorrow(patient_a, clinician_a, dose="1.50")
    assert "starts 3 Dec 2026 at 1.5 mg" in _panel(patient_a, clinician_a)
    with time_machine.travel(NOW, tick=False):
        client = signed_in(patient_a.user)
        plan = " ".join(client.get(reverse("journal:plan")).content.decode().split())
        card = " ".join(client.get(reverse("journal:home")).content.decode().split())
    assert "Your plan starts on Thursday 3 December at 1.5 mg." in plan
    assert "Your plan starts on Thursday 3 December at 1.5 mg." in card


# --- every plan page writes a dose as the amount filter does --------------------------------

TWO_PLACES = re.compile(r"\b\d[.,]\d0\b")


def _pages_beside_the_panel(patient, version_pk):
    """The plan version's page, a change page (the current plan above its form), the
    templates to choose from and the templates list."""
    return {
        "version": reverse("clinic:plan_version", args=[patient.pk, version_pk]),
        "hold": reverse("clinic:plan_hold", args=[patient.pk]),
        "choose": reverse("clinic:plan_template_choose", args=[patient.pk]),
        "templates": reverse("clinic:templates"),
    }


@pytest.mark.parametrize("page", ["version", "hold", "choose", "templates"])
@pytest.mark.parametrize("language", ["en", "de"])
def test_the_plan_pages_beside_the_panel_write_a_dose_without_trailing_zeros(
    patient_a, clinician_a, page, language
):
    prescription = make_plan(
        patient_a,
        clinician_a,
        steps=(("1.5", 14), ("3", 14), ("4.5", None)),
        start=date(2026, 11, 22),
    )
    version = prescription.versions.get()
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        html = (
            signed_in_reauthenticated(clinician_a)
            .get(_pages_beside_the_panel(patient_a, version.pk)[page])
            .content.decode()
        )
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    assert not TWO_PLACES.findall(main), TWO_PLACES.findall(main)
    assert ("4,5" if language == "de" else "4.5") in main


def test_the_urgent_report_page_writes_the_nights_doses_as_the_app_does(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", None),), start=date(2026, 11, 22))
    NightlyEntry.objects.create(
        patient=patient_a,
        night=date(2026, 12, 1),
        status="taken",
        dose_mg="4.50",
        prescribed_mg="3.00",
    )
    report = urgent_report(patient_a, NOW)
    with time_machine.travel(NOW, tick=False):
        html = (
            signed_in_reauthenticated(clinician_a)
            .get(reverse("clinic:urgent_report", args=[report.pk]))
            .content.decode()
        )
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "4.5 mg prescribed 3" in text
    assert "4.50" not in text
