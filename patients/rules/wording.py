"""Sentences the pure rules build, kept translatable without Django: a :class:`Phrase`.

A rule (a flag's explanation, a plan error, a safety warning, a suggestion) says what it
means as a msgid with named values. The phrase *is* its English text (a ``str``), so the
rules' tests and plain-text uses read it as before; a page, an email or a form translates
it in the viewer's language when shown (patients.wording.translate, the ``phrase`` filter).

The two constructors are named for the keywords Django's ``makemessages`` extracts
(``gettext_noop``, ``ngettext_lazy`` with both plural forms), so the catalogs find every
msgid here. Neither translates anything: translation waits until the phrase is shown.
Values may be dates (shown "29 Nov"), times, Decimals (as given: "4.5", "3.0"), tuples of
them (a list, "1.5, 3.0"), numbers, plain text, catalog labels (:class:`Label`) or other
phrases (translated in turn).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal


class Phrase(str):
    """A msgid (and its plural, counted by ``count``) with its named values.

    As a string it is the English sentence; ``msgid``, ``plural``, ``count`` and ``params``
    are what a translation needs.
    """

    msgid: str
    plural: str
    count: int | None
    params: tuple[tuple[str, object], ...]

    def __new__(
        cls,
        msgid: str,
        params: Mapping[str, object] | None = None,
        *,
        plural: str = "",
        count: int | None = None,
    ):
        values = dict(params or {})
        chosen = plural if plural and count != 1 else msgid
        # Without values a msgid is plain text (a "%" in it is literal, as gettext reads it).
        text = chosen % {key: english(v) for key, v in values.items()} if values else chosen
        phrase = super().__new__(cls, text)
        phrase.msgid = msgid
        phrase.plural = plural
        phrase.count = count
        phrase.params = tuple(sorted(values.items()))
        return phrase

    def __reduce__(self):
        return (_rebuild, (self.msgid, dict(self.params), self.plural, self.count))

    # --- stored as JSON (the clinician list keeps flags in PatientAttention) ----------------

    def to_state(self) -> dict:
        state: dict = {"msgid": self.msgid, "params": {k: _state_of(v) for k, v in self.params}}
        if self.plural:
            state["plural"], state["count"] = self.plural, self.count
        return state

    @classmethod
    def from_state(cls, state) -> str:
        """A phrase from :meth:`to_state`; a plain string (stored before phrases) stays one."""
        if not isinstance(state, dict):
            return state
        params = {key: _value_from(value) for key, value in state["params"].items()}
        return cls(state["msgid"], params, plural=state.get("plural", ""), count=state.get("count"))


class Label(str):
    """A label from the catalog (a side effect, a skip reason, a scale) inside a sentence:
    translated when shown, and with ``lower`` set written in lower case where the language
    does so (English, Spanish; German keeps its nouns capitalised)."""

    lower: bool

    def __new__(cls, text: str, *, lower: bool = False):
        label = super().__new__(cls, text)
        label.lower = lower
        return label

    def __reduce__(self):
        return (_label, (str.__str__(self), self.lower))


class DateWithYear(date):
    """A date said with its year ("10 Mar 2026"): for records read long after."""

    @classmethod
    def of(cls, day: date) -> DateWithYear:
        return cls(day.year, day.month, day.day)


def _label(text, lower):
    return Label(text, lower=lower)


def _rebuild(msgid, params, plural, count):
    return Phrase(msgid, params, plural=plural, count=count)


def gettext_noop(msgid: str, /, **params) -> Phrase:
    """A phrase to translate when shown; makemessages extracts ``msgid``."""
    return Phrase(msgid, params)


def ngettext_lazy(singular: str, plural: str, count: int, /, **params) -> Phrase:
    """A phrase with plural forms chosen by ``count`` (also given to the text as
    ``%(count)s``); makemessages extracts both forms. Translated when shown, not here."""
    return Phrase(singular, {"count": count, **params}, plural=plural, count=count)


def lower_first(text: str) -> str:
    """``text`` set inside a sentence: its first letter lower-case, except when its first word
    is the pronoun "I" ("skipped (I forgot)", not "(i forgot)") or an abbreviation written in
    capitals ("CRPS")."""
    first = text.split(" ", 1)[0]
    if first == "I" or first[:2] in ("I'", "I’") or (len(first) > 1 and first.isupper()):
        return text
    return text[:1].lower() + text[1:]


def english(value) -> str:
    """A value as the English text shows it (the translated rendering mirrors this)."""
    if isinstance(value, Phrase):
        return str.__str__(value)
    if isinstance(value, Label):
        text = str.__str__(value)
        return lower_first(text) if value.lower else text
    if isinstance(value, datetime):
        return f"{value:%H:%M}"
    if isinstance(value, DateWithYear):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, date):
        return f"{value.day} {value:%b}"
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, Decimal):
        return f"{value:f}"  # as given: callers normalize a dose (decimal_text) when wanted
    if isinstance(value, tuple):
        return ", ".join(english(item) for item in value)
    return str(value)


def decimal_text(value: Decimal) -> str:
    """4.50 -> "4.5", 3 -> "3", 10 -> "10" (normalize alone would say 1E+1)."""
    return f"{value.normalize():f}"


# --- JSON state of the values ---------------------------------------------------------------


def _state_of(value):
    if isinstance(value, Phrase):
        return {"phrase": value.to_state()}
    if isinstance(value, Label):
        return {"label": [str.__str__(value), value.lower]}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, DateWithYear):
        return {"date_with_year": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, time):
        return {"time": value.isoformat()}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, tuple):
        return {"tuple": [_state_of(item) for item in value]}
    return value


def _value_from(state):
    if not isinstance(state, dict):
        return state
    (kind, value), *_ = state.items()
    return {
        "phrase": Phrase.from_state,
        "label": lambda pair: Label(pair[0], lower=pair[1]),
        "datetime": datetime.fromisoformat,
        "date": date.fromisoformat,
        "date_with_year": lambda text: DateWithYear.of(date.fromisoformat(text)),
        "time": time.fromisoformat,
        "decimal": Decimal,
        "tuple": lambda items: tuple(_value_from(item) for item in items),
    }[kind](value)
