"""The restart a dated hold over a hold until resumed signs says its dose as every other
plan message does (wording.amount): the language's decimal separator, no trailing zeros."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from prescriptions.changes import restart_message

HELD_FROM, UNTIL, NIGHT = date(2026, 11, 1), date(2026, 11, 20), date(2026, 11, 21)


@pytest.mark.parametrize(
    ("language", "dose", "said"),
    [
        ("en", "1.50", "at 1.5 mg."),
        ("de", "1.50", "1,5 mg"),
        ("es", "1.50", "1,5 mg"),
        ("en", "3.00", "at 3 mg."),
    ],
)
def test_the_restart_says_its_dose_as_the_language_writes_it(language, dose, said):
    with translation.override(language):
        assert said in restart_message(HELD_FROM, UNTIL, NIGHT, Decimal(dose))


def test_a_restart_without_a_dose_names_none():
    message = restart_message(HELD_FROM, UNTIL, NIGHT, None)
    assert message.endswith("LDN restarts on the night of 21 Nov 2026.")
