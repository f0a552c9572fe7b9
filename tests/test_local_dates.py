"""Dates as each language writes them: the order and small words are the language's own."""

from datetime import date

import pytest
from django.utils import translation

from ldn_journal.local_dates import local_date

MONDAY = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("language", "style", "expected"),
    [
        ("en-gb", "long_day", "Monday 2 March"),
        ("es", "long_day", "lunes 2 de marzo"),
        ("de", "long_day", "Montag, 2. März"),
        ("en-gb", "day", "Mon 2 Mar"),
        ("es", "day", "lun 2 mar"),
        ("de", "day", "Mo, 2. Mär"),
        ("de", "long_date", "Montag, 2. März 2026"),
        ("es", "long_date", "lunes 2 de marzo de 2026"),
        ("es", "month_year", "marzo de 2026"),
        ("de", "month_year", "März 2026"),
    ],
)
def test_a_night_reads_as_the_language_writes_dates(language, style, expected):
    with translation.override(language):
        assert local_date(MONDAY, style) == expected


def test_no_date_reads_as_nothing():
    assert local_date(None, "day") == ""
