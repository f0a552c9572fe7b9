"""The emergency-number countries by name: in the reader's language and in its order."""

import pytest
from django.utils import translation

from patients import guidance
from patients.rules import emergency


def test_a_name_function_names_each_country_and_the_list_sorts_by_that_name():
    said = {"Austria": "Österreich", "Germany": "Deutschland", "Spain": "Spanien"}
    choices = emergency.country_choices({}, name=lambda english: said.get(english, english))
    names = [name for _code, name in choices]
    assert dict(choices)["AT"] == "Österreich"
    # Österreich is looked up under O, Deutschland after Denmark.
    assert names.index("Netherlands") < names.index("Österreich") < names.index("Poland")
    assert names.index("Denmark") < names.index("Deutschland") < names.index("Estonia")


def test_a_country_the_numbers_table_adds_without_a_name_shows_its_code():
    assert ("XK", "XK") in emergency.country_choices({"XK": "112"})


@pytest.mark.parametrize(
    ("text", "key"),
    [("Österreich", "osterreich"), ("Éire", "eire"), ("España", "espana"), ("Zypern", "zypern")],
)
def test_the_collation_key_sets_accents_and_case_aside(text, key):
    assert emergency.collation_key(text) == key


@pytest.mark.parametrize(
    ("language", "first", "last", "germany"),
    [
        ("de", "Australien", "Zypern", "Deutschland"),
        ("es", "Alemania", "Suecia", "Alemania"),
        ("en", "Australia", "United States", "Germany"),
    ],
)
def test_the_pages_country_list_is_in_the_active_language_and_its_order(
    language, first, last, germany
):
    with translation.override(language):
        choices = guidance.country_choices()
    names = [name for _code, name in choices]
    assert dict(choices)["DE"] == germany
    assert (names[0], names[-1]) == (first, last)
    assert names == sorted(names, key=emergency.collation_key)
