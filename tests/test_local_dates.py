"""Dates as each language writes them: the order and small words are the language's own."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from ldn_journal.local_dates import STYLES, format_date, local_date

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


MOMENT = datetime(2026, 3, 2, 22, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "2 Mar 2026 22:15 GMT"),
        ("es", "2 mar 2026 22:15 GMT"),  # the month in lower case, the zone as it is written
        ("de", "2. Mär 2026 22:15 GMT"),
    ],
)
def test_a_moment_with_its_zone(language, expected):
    with translation.override(language), timezone.override(ZoneInfo("Europe/London")):
        assert local_date(timezone.localtime(MOMENT), "date_time_zone") == expected


@pytest.mark.parametrize(
    ("style", "en", "es", "de"),
    [
        ("date", "2 Mar 2026", "2 mar 2026", "2. Mär 2026"),
        ("day_month", "2 Mar", "2 mar", "2. Mär"),
        ("day_date", "Mon 2 Mar 2026", "lun 2 mar 2026", "Mo, 2. Mär 2026"),
    ],
)
def test_a_night_in_each_language(style, en, es, de):
    for language, expected in (("en", en), ("es", es), ("de", de)):
        with translation.override(language):
            assert local_date(date(2026, 3, 2), style) == expected


def test_every_style_is_written_for_every_language():
    assert all(set(formats) == {"en", "es", "de"} for formats in STYLES.values())


# --- format_date: Django's date_format, to the character ----------------------------------

ZONES = [ZoneInfo(name) for name in ("Europe/Berlin", "America/New_York", "Asia/Kolkata")]


@pytest.mark.parametrize("language", ["en-gb", "es", "de"])
@pytest.mark.parametrize("style", sorted(STYLES))
@given(
    moment=st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2100, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
@settings(max_examples=25, deadline=None)
def test_format_date_writes_every_style_as_django_does(language, style, moment, zone):
    """The fast writer local_date and the charts use gives date_format's text, for dates
    and for moments in a zone (each style's format in each language, the escaped Spanish
    "de" included)."""
    local = moment.astimezone(zone)
    with translation.override(language):
        for value in (local, local.date()):
            fmt = STYLES[style][language.split("-")[0]]
            try:
                expected = formats.date_format(value, fmt)
            except TypeError:  # a time of day asked of a date: Django's error, kept
                with pytest.raises(TypeError):
                    format_date(value, fmt)
                continue
            assert format_date(value, fmt) == expected


@pytest.mark.parametrize(
    "fmt", ["D j M", r"l j \d\e F \d\e Y", "j. M Y H:i", r"\H\i j", "Y-m-d", "D j M H:i T", "c"]
)
def test_format_date_leaves_what_it_does_not_write_to_django(fmt):
    moment = datetime(2026, 3, 2, 22, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    with translation.override("de"):
        assert format_date(moment, fmt) == formats.date_format(moment, fmt)
