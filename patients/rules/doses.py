"""Reading a typed dose: the one parser for the patient's journal and the clinician's plan.

Pure: the active language's decimal separator and the allowed range are passed in (the forms
read them from django.utils.formats and settings), so it is tested without Django. Strict on
purpose: a typo must be refused, never read as a different dose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

CENT = Decimal("0.01")


def plain(value: Decimal) -> str:
    """1 -> "1", 1.50 -> "1.5": how a dose reads in a sentence."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def parse_amount(text: str, decimal_separator: str = ".") -> Decimal | None:
    """A non-negative number with at most three digits before the separator and two after,
    or None. The point is always accepted, the language's own separator too (a comma only
    where the language writes one).

    Only ASCII digits and the separators pass: no underscores ("0_5" would be 5 to Decimal),
    exponents ("1e0"), other scripts' digits (Arabic-Indic one, which Decimal reads as 1), NaN
    or Infinity.
    """
    text = (text or "").strip()
    separators = "".join(sorted({".", decimal_separator}))
    if not re.fullmatch(rf"[0-9]{{1,3}}(?:[{re.escape(separators)}][0-9]{{1,2}})?", text):
        return None
    return Decimal(text.replace(decimal_separator, "."))


def decimal_comma_slip(text: str, decimal_separator: str) -> str | None:
    """``text`` written with a decimal comma where the language writes a point ("2,5" on an
    English page): the number as it should be typed ("2.5"), for a message that names the
    comma as the mistake; None for anything else (parse_amount judges it)."""
    text = (text or "").strip()
    if decimal_separator != "," and re.fullmatch(r"[0-9]{1,3},[0-9]{1,2}", text):
        return text.replace(",", ".")
    return None


def parse_dose(text: str, decimal_separator: str, low: Decimal, high: Decimal) -> Decimal | None:
    """A dose in mg within ``low``..``high`` to 0.01 mg, or None when it is not one."""
    dose = parse_amount(text, decimal_separator)
    if dose is None or not low <= dose <= high:
        return None
    return dose.quantize(CENT)


def dose_message(low: Decimal, high: Decimal) -> str:
    return (
        f"Enter a dose between {plain(low)} and {plain(high)} mg, with at most two decimals "
        "(for example 1.5)."
    )


def dose_too_soon(
    taken: Iterable[tuple[date, datetime | None]], night: date, moment: datetime, hours: int
) -> tuple[date, datetime] | None:
    """The newest dose (its night and time) taken on a night other than ``night`` less than
    ``hours`` before ``moment``, or None: LDN is taken once a day, and a one-tap dose so soon
    after another is a double tap across nights (a patient who flew east has a new tonight
    minutes after logging the last one). The one rule for the card and the refusal."""
    recent = [
        (other, at)
        for other, at in taken
        if other != night
        and at is not None
        and timedelta(0) <= moment - at < timedelta(hours=hours)
    ]
    return max(recent, key=lambda pair: pair[1]) if recent else None
