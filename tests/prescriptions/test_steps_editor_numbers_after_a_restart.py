"""The "Change steps" editor numbers its rows as the plan numbers its steps. After a
restart at step 2 the plan panel said "Step 2 of 2" while the editor below called that step
"1" (its row header, the visually-hidden labels, its row errors and the start date's label
"Step 1 starts on the night of"). The rows are numbered from the form's steps_before + 1 by
titration.step_number (BaseStepFormSet.row_number); a new plan and a template still start
at 1."""

import html
import re

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan, visible_text
from tests.prescriptions.step_numbers_support import (
    DEC_6,
    _change_url,
    _form_inputs,
    _open,
    _post,
)
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db


def _row_headers(page):
    return re.findall(r'<th scope="row">\s*(\d+)\s*</th>', page)


def _hidden_labels(page):
    return re.findall(
        r'<label class="visually-hidden" for="id_steps-\d+-\w+">([^<]*)</label>', page
    )


def test_the_change_page_numbers_the_rows_from_the_plans_step_2(restarted_at_step_2, clinician_a):
    page = _open(clinician_a, _change_url(restarted_at_step_2), DEC_6).content.decode()

    assert _row_headers(page) == ["2", "3", "4"]  # the plan's step, then two empty rows
    assert _hidden_labels(page)[:4] == [
        "Step 2 dose (mg)",
        "Step 2 nights",
        "Step 3 dose (mg)",
        "Step 3 nights",
    ]
    text = visible_text(page)
    assert "Step 2 starts on the night of" in text
    assert "Step 1 starts" not in text


def test_a_refused_save_names_the_rows_as_the_page_numbered_them(restarted_at_step_2, clinician_a):
    patient = restarted_at_step_2
    url = _change_url(patient)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    before = PlanVersion.objects.count()
    # Row 2 (the plan's step 3) has nights but no dose.
    response = _post(
        clinician_a,
        url,
        {**data, "steps-0-days": "14", "steps-1-days": "14", "reason": "R", "save": "1"},
        DEC_6,
    )
    assert response.status_code == 200
    assert PlanVersion.objects.count() == before
    page = response.content.decode()
    assert "Step 3: give a dose in mg for this step." in visible_text(page)
    assert "Step 1" not in visible_text(page)
    assert _row_headers(page) == ["2", "3", "4"]
    assert "Step 2 starts on the night of" in visible_text(page)


def test_a_dose_refused_by_the_prescription_names_the_plans_step(restarted_at_step_2, clinician_a):
    patient = restarted_at_step_2
    url = _change_url(patient)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    response = _post(
        clinician_a,
        url,
        {**data, "steps-0-days": "14", "steps-1-dose_mg": "2", "reason": "R", "save": "1"},
        DEC_6,
    )
    assert response.status_code == 200
    text = visible_text(response.content.decode())
    assert "Step 3: 2 mg is not an available capsule strength" in text
    assert "Step 2: 2 mg" not in text


def test_adding_a_step_keeps_the_rows_numbers(restarted_at_step_2, clinician_a):
    url = _change_url(restarted_at_step_2)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    added = _post(clinician_a, url, {**data, "add_step": "1"}, DEC_6)
    assert added.status_code == 200
    page = added.content.decode()
    assert _row_headers(page) == ["2", "3", "4", "5"]
    assert "Step 2 starts on the night of" in visible_text(page)


def test_a_numbering_not_sent_by_the_page_numbers_the_rows_from_1(restarted_at_step_2, clinician_a):
    """Refused with the field's own message (test_step_numbers_through_a_steps_change);
    the rows are not numbered from a value the form does not accept."""
    url = _change_url(restarted_at_step_2)
    data = _form_inputs(_open(clinician_a, url, DEC_6).content.decode())
    response = _post(clinician_a, url, {**data, "steps_before": "100", "reason": "R"}, DEC_6)
    assert _row_headers(response.content.decode()) == ["1", "2", "3"]


def test_the_new_plan_and_template_pages_number_from_1(patient_a, clinician_a, clinician_client):
    page = clinician_client.get(reverse("clinic:prescription_new", args=[patient_a.pk]))
    page = page.content.decode()
    assert _row_headers(page)[:2] == ["1", "2"]
    assert _hidden_labels(page)[0] == "Step 1 dose (mg)"
    assert "Step 1 starts on the night of" in visible_text(page)

    page = clinician_client.get(reverse("clinic:template_new")).content.decode()
    assert _row_headers(page)[:2] == ["1", "2"]
    assert _hidden_labels(page)[0] == "Step 1 dose (mg)"


@pytest.mark.parametrize(
    ("language", "dosing_time", "label"),
    [
        ("en", "evening", "Step 2 starts on the night of"),
        ("en", "morning", "Step 2 starts on the day of"),
        ("de", "evening", "Stufe 2 beginnt in der Nacht vom"),
        ("de", "morning", "Stufe 2 beginnt am Tag vom"),
        ("es", "evening", "El paso 2 empieza la noche del"),
        ("es", "morning", "El paso 2 empieza el día"),
    ],
)
def test_the_start_dates_label_names_the_first_rows_number(
    patient_a, clinician_a, language, dosing_time, label
):
    make_plan(patient_a, clinician_a, steps=(("3", 60), ("4.5", None)), dosing_time=dosing_time)
    # As a restart at the plan's step 2 saves it (changes.resume_change).
    PlanVersion.objects.filter(prescription__patient=patient_a).update(steps_before=1)
    with time_machine.travel(DEC_6, tick=False):
        response = signed_in_reauthenticated(clinician_a).get(
            _change_url(patient_a), HTTP_ACCEPT_LANGUAGE=language
        )
    page = response.content.decode()
    assert label in html.unescape(visible_text(page))
    assert _row_headers(page) == ["2", "3", "4", "5"]  # the plan's steps 2 and 3, two empty
