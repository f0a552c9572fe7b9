"""The nights-without-LDN confirmation names the step the change's first row is, as the
steps editor numbers it. After a restart at step 2 the editor's first row is "2", but a
change that left a gap before it said "before step 1 starts" (the save's message, the
version's record of it, and the box's help). The number is the first row's
(titration.step_number(steps_before, 0)); a first plan's changes still say "step 1"."""

import html
from datetime import date

import pytest
import time_machine

from prescriptions import plans
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

# Signed on the night of 6 Dec, the first row starting on 20 Dec: 14 nights without LDN.
GAP = "without LDN for 14 nights, from 6 Dec 2026 to 19 Dec 2026"


def _gap_post(clinician, patient, **extra):
    """The change page as opened, its first row moved to start on 20 Dec, signed."""
    url = _change_url(patient)
    data = _form_inputs(_open(clinician, url, DEC_6).content.decode())
    assert data["effective_night"] == "2026-12-06"
    return _post(
        clinician,
        url,
        {**data, "start_date": "2026-12-20", "reason": "Wait for the pharmacy", **extra},
        DEC_6,
    )


def test_after_a_restart_at_step_2_the_gap_is_asked_before_step_2(restarted_at_step_2, clinician_a):
    before = PlanVersion.objects.count()
    response = _gap_post(clinician_a, restarted_at_step_2)
    assert response.status_code == 200
    assert PlanVersion.objects.count() == before
    text = html.unescape(visible_text(response.content.decode()))
    assert f"{GAP}, before step 2 starts on the night of 20 Dec 2026." in text
    assert (
        "without LDN on some nights before step 2 starts; the version records your "
        "confirmation." in text
    )
    assert "step 1" not in text.lower()


def test_the_confirmed_gap_is_recorded_as_before_step_2(restarted_at_step_2, clinician_a):
    response = _gap_post(clinician_a, restarted_at_step_2, confirm_gap="on")
    assert response.status_code == 302
    row = plans.load(restarted_at_step_2).latest_row
    assert f"{GAP}, before step 2 starts on the night of 20 Dec 2026." in (
        row.confirmed_safety_warning
    )
    assert row.steps_before == 1


def test_a_first_plan_still_says_step_1(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, steps=(("3", 60), ("4.5", None)))
    response = _gap_post(clinician_a, patient_a)
    assert response.status_code == 200
    text = html.unescape(visible_text(response.content.decode()))
    assert "before step 1 starts on the night of 20 Dec 2026." in text
    assert "without LDN on some nights before step 1 starts;" in text
    assert "before step 2" not in text


@pytest.mark.parametrize(
    ("language", "dosing_time", "says"),
    [
        ("en", "morning", ("before step 2 starts on the day of", "some days before step 2")),
        (
            "de",
            "evening",
            ("bevor Stufe 2 in der Nacht vom", "vor Beginn von Stufe 2 einige Nächte"),
        ),
        ("de", "morning", ("bevor Stufe 2 am Tag vom", "vor Beginn von Stufe 2 einige Tage")),
        ("es", "evening", ("el paso 2 empiece la noche del", "empiece el paso 2;")),
        ("es", "morning", ("el paso 2 empiece el día", "antes de que empiece el paso 2;")),
    ],
)
def test_the_gap_names_step_2_in_each_language_and_dosing_time(
    patient_a, clinician_a, language, dosing_time, says
):
    make_plan(patient_a, clinician_a, steps=(("3", 60), ("4.5", None)), dosing_time=dosing_time)
    # As a restart at the plan's step 2 saves it (changes.resume_change).
    PlanVersion.objects.filter(prescription__patient=patient_a).update(steps_before=1)
    client = signed_in_reauthenticated(clinician_a)
    url = _change_url(patient_a)
    with time_machine.travel(DEC_6, tick=False):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()
        data = _form_inputs(page)
        response = client.post(
            url,
            {**data, "start_date": "2026-12-20", "reason": "R"},
            HTTP_ACCEPT_LANGUAGE=language,
        )
    assert response.status_code == 200
    text = html.unescape(visible_text(response.content.decode()))
    for words in says:
        assert words in text
    assert plans.load(patient_a).latest.start_date != date(2026, 12, 20)  # nothing saved
