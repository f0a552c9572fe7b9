"""Template filters for the journal pages."""

from decimal import Decimal

from django import template
from django.utils import formats

from ldn_journal.local_dates import local_date

register = template.Library()


@register.filter(expects_localtime=True)
def day(value, style="day"):
    """A date or moment as the page's language writes it ({{ night|day:"long_day" }})."""
    return local_date(value, style)


@register.filter
def amount(value):
    """A dose or volume as people write it: 1.50 -> "1.5" ("1,5" in es and de), 3.00 -> "3"."""
    if value in (None, ""):
        return ""
    text = format(Decimal(value), "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))
