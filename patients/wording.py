"""The pure rules' sentences (patients.rules.wording.Phrase) in the viewer's language.

The rules build a phrase as a msgid with values and never translate; pages, forms and emails
show it through :func:`translate` (templates: ``{{ value|phrase }}`` from the ``wording``
tags), which picks the active language's text and writes each value the way that language
does: dates "29 nov", decimals with a decimal comma, catalog labels translated.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.utils import formats
from django.utils.translation import get_language, gettext, ngettext

from ldn_journal.local_dates import local_date
from patients.rules import doses
from patients.rules.wording import DateWithYear, Label, Phrase, lower_first


def translate(value) -> str:
    """A phrase (or a list of them, or anything else) as text in the active language."""
    if isinstance(value, Phrase):
        values = {key: _value(item) for key, item in value.params}
        if value.plural:
            text = ngettext(value.msgid, value.plural, value.count or 0)
        else:
            text = gettext(value.msgid)
        return text % values if values else text
    if isinstance(value, list | tuple):
        return [translate(item) for item in value]
    return _value(value) if isinstance(value, Label) else value


def amount(value) -> str:
    """A dose or volume as people write it, in the active language: 1.50 -> "1.5" ("1,5" in
    es and de), 3.00 -> "3"; None or "" -> "". The template filter ``amount`` and the plan
    changes' messages all say a dose through this one function."""
    if value in (None, ""):
        return ""
    return doses.plain(Decimal(value)).replace(".", formats.get_format("DECIMAL_SEPARATOR"))


def list_separator() -> str:
    """What goes between the numbers of a list in the active language: "; " where the decimal
    separator is a comma ("1,5; 3; 4,5": "1,5, 3, 4,5" reads as other numbers), else ", "."""
    return "; " if formats.get_format("DECIMAL_SEPARATOR") == "," else ", "


def mid_sentence(text: str) -> str:
    """``text`` (translated) set inside a sentence, after a colon: its first letter lower-case,
    except in German, which writes its nouns capitalised inside a sentence (and English keeps
    its "I": rules.wording.lower_first)."""
    if (get_language() or "").startswith("de"):
        return text
    return lower_first(text)


def _value(value) -> str:
    if isinstance(value, Phrase):
        return translate(value)
    if isinstance(value, Label):
        text = gettext(str.__str__(value))
        return mid_sentence(text) if value.lower else text
    if isinstance(value, datetime):
        return formats.time_format(value, "H:i")
    if isinstance(value, DateWithYear):
        return local_date(value, "date")
    if isinstance(value, date):
        return local_date(value, "day_month")
    if isinstance(value, time):
        return formats.time_format(value, "H:i")
    if isinstance(value, Decimal):
        return formats.number_format(value, use_l10n=True)
    if isinstance(value, tuple):
        return list_separator().join(_value(item) for item in value)
    return str(value)
