"""The Resume page's step choices count a step as the patient doses it: an evening doser's
nights, a morning doser's days, one in the singular. They said "for 14 days" to every
patient, and "for 1 days" (found in review)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from prescriptions.forms import ResumeForm
from prescriptions.titration import EVENING, MORNING, Step

STEPS = (Step(Decimal("1.5"), 1), Step(Decimal("3"), 14), Step(Decimal("4.5"), None))
TONIGHT = date(2026, 12, 3)


def _choices(dosing_time, language):
    with translation.override(language):
        form = ResumeForm(tonight=TONIGHT, steps=STEPS, steps_dosing_time=dosing_time)
        return [str(label) for _value, label in form.fields["step"].choices]


@pytest.mark.parametrize(
    ("dosing_time", "language", "expected"),
    [
        (
            EVENING,
            "en",
            [
                "Step 1: 1.5 mg for 1 night",
                "Step 2: 3 mg for 14 nights",
                "Step 3: 4.5 mg (open-ended)",
            ],
        ),
        (
            MORNING,
            "en",
            ["Step 1: 1.5 mg for 1 day", "Step 2: 3 mg for 14 days", "Step 3: 4.5 mg (open-ended)"],
        ),
        (
            EVENING,
            "de",
            [
                "Stufe 1: 1,5 mg für 1 Nacht",
                "Stufe 2: 3 mg für 14 Nächte",
                "Stufe 3: 4,5 mg (unbefristet)",
            ],
        ),
        (
            EVENING,
            "es",
            [
                "Paso 1: 1,5 mg durante 1 noche",
                "Paso 2: 3 mg durante 14 noches",
                "Paso 3: 4,5 mg (sin fin)",
            ],
        ),
    ],
)
def test_each_step_is_counted_as_the_patient_doses_it(dosing_time, language, expected):
    assert _choices(dosing_time, language) == expected
