"""The strict dose parser: what a tired thumb may type, and what it may not."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from patients.journal.forms import parse_volume
from prescriptions.forms import dose_from_text as parse_dose
from tests.patients.journal_dose_support import BAD_DOSES, COMMA_DOSES

MESSAGE = "Enter a dose between 1 and 5 mg, with at most two decimals (for example 1.5)."


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "1.00"), ("1.5", "1.50"), ("4.50", "4.50"), (" 3 ", "3.00"), ("5", "5.00")],
)
def test_a_plain_dose_in_range_is_read_exactly(text, expected):
    assert parse_dose(text, decimal_separator=".") == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        *BAD_DOSES,
        "+3",
        "٣",
        "3.",
        ".5",
        "1_5",
        "0x3",
        "3 mg",
        None,
    ],
)
def test_anything_else_is_refused_with_the_allowed_range(text):
    with pytest.raises(ValidationError) as error:
        parse_dose(text, decimal_separator=".")
    assert error.value.messages == [MESSAGE]


@pytest.mark.parametrize(("text", "typed_with_a_point"), COMMA_DOSES)
def test_a_decimal_comma_where_the_language_writes_a_point_is_named_as_the_mistake(
    text, typed_with_a_point
):
    with pytest.raises(ValidationError) as error:
        parse_dose(text, decimal_separator=".")
    assert error.value.messages == [f"Use a point for decimals: {typed_with_a_point}."]


def test_a_decimal_comma_is_read_only_when_the_locale_uses_one():
    assert parse_dose("3,0", decimal_separator=",") == Decimal("3.00")
    assert parse_dose("1,25", decimal_separator=",") == Decimal("1.25")
    with pytest.raises(ValidationError):
        parse_dose("1,2,5", decimal_separator=",")


def test_the_message_follows_the_dose_range_setting(settings):
    settings.LDN_DOSE_MIN_MG, settings.LDN_DOSE_MAX_MG = Decimal("0.5"), Decimal("4.5")
    assert parse_dose("0.5", decimal_separator=".") == Decimal("0.50")
    with pytest.raises(ValidationError, match=r"between 0\.5 and 4\.5 mg"):
        parse_dose("5", decimal_separator=".")


def test_a_liquid_volume_becomes_the_dose_it_holds():
    assert parse_volume("0.75", Decimal("2"), decimal_separator=".") == Decimal("1.50")


def test_a_volume_outside_the_range_names_the_allowed_volumes():
    with pytest.raises(ValidationError, match=r"between 0\.5 and 2\.5 mL"):
        parse_volume("3", Decimal("2"), decimal_separator=".")


@given(st.text(max_size=70))
def test_no_text_ever_raises_anything_but_a_validation_error(text):
    try:
        dose = parse_dose(text, decimal_separator=",")
    except ValidationError:
        return
    assert Decimal("1") <= dose <= Decimal("5")
    assert dose == dose.quantize(Decimal("0.01"))
