"""How a date reads in each language: "Monday 2 March", "lunes 2 de marzo", "Montag, 2. März".

Django translates the day and month names; the order and the small words around them are the
language's own, so pages ask for a style by name instead of writing a format string.
"""

from datetime import date, datetime
from functools import lru_cache

from django.utils import formats, timezone, translation
from django.utils.dates import MONTHS, MONTHS_3, WEEKDAYS, WEEKDAYS_ABBR

STYLES = {
    # Mon 2 Mar · lun 2 mar · Mo, 2. Mär
    "day": {"en": "D j M", "es": "D j M", "de": "D, j. M"},
    # Monday 2 March · lunes 2 de marzo · Montag, 2. März
    "long_day": {"en": "l j F", "es": r"l j \d\e F", "de": "l, j. F"},
    # 2 Mar 2026 · 2 mar 2026 · 2. Mär 2026
    "date": {"en": "j M Y", "es": "j M Y", "de": "j. M Y"},
    # Mon 2 Mar 2026 · lun 2 mar 2026 · Mo, 2. Mär 2026
    "day_date": {"en": "D j M Y", "es": "D j M Y", "de": "D, j. M Y"},
    # Mon 2 Mar 2026, 22:15 · lun 2 mar 2026, 22:15 · Mo, 2. Mär 2026, 22:15
    "day_date_time": {"en": "D j M Y, H:i", "es": "D j M Y, H:i", "de": "D, j. M Y, H:i"},
    # 2 Mar 2026 22:15 GMT · 2 mar 2026 22:15 GMT · 2. Mär 2026 22:15 GMT (a moment with its zone)
    "date_time_zone": {"en": "j M Y H:i T", "es": "j M Y H:i T", "de": "j. M Y H:i T"},
    # 2 Mar 22:15 · 2 mar 22:15 · 2. Mär 22:15
    "day_month_time": {"en": "j M H:i", "es": "j M H:i", "de": "j. M H:i"},
    # Monday 2 March 2026 · lunes 2 de marzo de 2026 · Montag, 2. März 2026
    "long_date": {"en": "l j F Y", "es": r"l j \d\e F \d\e Y", "de": "l, j. F Y"},
    # 2 Mar · 2 mar · 2. Mär
    "day_month": {"en": "j M", "es": "j M", "de": "j. M"},
    # Mon 2 Mar, 22:15 · lun 2 mar, 22:15 · Mo, 2. Mär, 22:15
    "day_time": {"en": "D j M, H:i", "es": "D j M, H:i", "de": "D, j. M, H:i"},
    # Monday 2 March, 22:15 · lunes 2 de marzo, 22:15 · Montag, 2. März, 22:15
    "long_day_time": {"en": "l j F, H:i", "es": r"l j \d\e F, H:i", "de": "l, j. F, H:i"},
    # March 2026 · marzo de 2026 · März 2026
    "month_year": {"en": "F Y", "es": r"F \d\e Y", "de": "F Y"},
    # March · marzo · März
    "month": {"en": "F", "es": "F", "de": "F"},
    # 22:15 (a time alone, beside its day)
    "time": {"en": "H:i", "es": "H:i", "de": "H:i"},
    # 2 Mar 2026, 22:15 · 2 mar 2026, 22:15 · 2. Mär 2026, 22:15
    "date_time": {"en": "j M Y, H:i", "es": "j M Y, H:i", "de": "j. M Y, H:i"},
}


# A style without a year and the same style with it: a moment from another year is written
# with its year on the lists that keep old items ("Wed 25 Nov, 10:34" a year on read as this
# week). dated_style chooses.
WITH_YEAR = {
    "day": "day_date",
    "day_month": "date",
    "day_time": "day_date_time",
    "day_month_time": "date_time",
    "long_day": "long_date",
}


def dated_style(value: date, style: str, today: date) -> str:
    """``style``, or its form with the year (WITH_YEAR) when ``value`` (a date, or a moment
    already in the reader's zone) falls in another year than ``today``."""
    if value in (None, "") or value.year == today.year:
        return style
    return WITH_YEAR.get(style, style)


# Languages that write day and month names in lower case (Django's catalog capitalises some).
LOWER_CASE_NAMES = frozenset({"es"})


def style_format(style: str) -> tuple[str, bool]:
    """The active language's format string for `style` (one of STYLES), and whether that
    language writes its day and month names in lower case. The one reading of both rules:
    local_date and the charts' day labels ask here."""
    language = (translation.get_language() or "en").split("-")[0]
    return STYLES[style].get(language, STYLES[style]["en"]), language in LOWER_CASE_NAMES


# Django's format characters (dateformat.re_formatchars): any other character is written as
# it stands, and one after a backslash too.
_DJANGO_FORMAT_CHARS = frozenset("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")
_TIME_CHARS = frozenset("Hi")


@lru_cache(maxsize=64)
def _names(language: str | None):
    """The day and month names as Django's date format writes them (D, l, M, F) in
    ``language``: read once per language, not once per date."""
    with translation.override(language):
        return {
            "D": [str(WEEKDAYS_ABBR[day]) for day in range(7)],
            "l": [str(WEEKDAYS[day]) for day in range(7)],
            "M": {month: str(name).title() for month, name in MONTHS_3.items()},
            "F": {month: str(name) for month, name in MONTHS.items()},
        }


@lru_cache(maxsize=256)
def _pieces(fmt: str) -> tuple | None:
    """``fmt`` as (kind, text) pieces: kind "" for text written as it stands, else a
    format character this module writes itself; None when ``fmt`` holds one it leaves to
    Django (date_format costs ~25 µs a call, and a page writes dozens of dates)."""
    pieces, escaped = [], False
    for char in fmt:
        if escaped or char not in _DJANGO_FORMAT_CHARS:
            if char == "\\" and not escaped:
                escaped = True
                continue
            pieces.append(("", char))
        elif char in "DlMFjYHi":
            pieces.append((char, ""))
        else:
            return None
        escaped = False
    return tuple(pieces)


def _piece_writer(kind, text, names):
    if not kind:
        return text
    if kind == "j":
        return lambda value: str(value.day)
    if kind == "Y":
        return lambda value: f"{value.year:04d}"
    if kind == "H":
        return lambda value: f"{value.hour:02d}"
    if kind == "i":
        return lambda value: f"{value.minute:02d}"
    table = names[kind]
    if kind in "Dl":
        return lambda value: table[value.weekday()]
    return lambda value: table[value.month]  # "M", "F"


@lru_cache(maxsize=256)
def date_writer(fmt: str, language: str | None):
    """A function writing a date as ``formats.date_format(value, fmt)`` does in ``language``
    (the active one), to the character, for the formats STYLES uses (D, l, j, M, F, Y, H, i
    and text): the names are read and the format parsed once, not once per date (a page
    writes hundreds; date_format costs ~25 µs a call). Anything else (a zone, a time of a
    date without one) is Django's to write."""
    pieces = _pieces(fmt)
    if pieces is None:
        return lambda value: formats.date_format(value, fmt)
    names = _names(language)
    writers = [_piece_writer(kind, text, names) for kind, text in pieces]
    has_time = any(kind in _TIME_CHARS for kind, _ in pieces)

    def write(value):
        if has_time and not isinstance(value, datetime):
            return formats.date_format(value, fmt)  # Django's TypeError
        return "".join([w if isinstance(w, str) else w(value) for w in writers])

    return write


def format_date(value: date, fmt: str) -> str:
    """``formats.date_format(value, fmt)`` in the active language (date_writer)."""
    return date_writer(fmt, translation.get_language())(value)


def local_date(value: date, style: str) -> str:
    """`value` in the active language's way of writing `style` (one of STYLES)."""
    if value in (None, ""):
        return ""
    fmt, lower_case = style_format(style)
    zone = ""
    if fmt.endswith(" T"):  # the zone's abbreviation, written as it is ("GMT", "CET")
        fmt, zone = fmt[:-2], " " + zone_abbreviation(value)
    text = format_date(value, fmt)
    return (text.lower() if lower_case else text) + zone


def zoned_text(moment: datetime, tz, style: str) -> str:
    """``moment`` in zone ``tz``, written in ``style``, with the zone's abbreviation ("Wed 25
    Nov, 21:00 EST"): plain text, for a message (patient_time writes the same as HTML)."""
    local = timezone.localtime(moment, tz)
    return f"{local_date(local, style)} {zone_abbreviation(local)}"


def zone_abbreviation(value: datetime) -> str:
    """The abbreviation of the zone of a moment at that moment ("GMT", "BST"), as Django's
    ``date:"T"`` writes it, except in the hour the clocks go back: Django writes nothing then
    (it cannot tell which of the two 01:30s a naive time is), where a zone-aware moment's
    ``fold`` says which, and the hour read twice is the one that most needs its "BST" or
    "GMT". A naive moment is Django's to write (in the default zone)."""
    if value.tzinfo is None:
        return formats.date_format(value, "T")
    return str(value.tzinfo.tzname(value))
