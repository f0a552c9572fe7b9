"""Template filters for the journal pages."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def amount(value):
    """A dose or volume as people write it: 1.50 -> "1.5", 3.00 -> "3"."""
    if value in (None, ""):
        return ""
    text = format(Decimal(value), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
