"""What a browser posts back for an admin form as drawn (the admin and security tests')."""

from django.forms import MultiWidget
from django.utils import timezone

LONDON = "Europe/London"


def _posted(form, prefix=""):
    """The data a browser posts back for an admin form as shown (each value as rendered)."""
    data = {}
    for field in form:
        value = field.value()
        widget = field.field.widget
        if isinstance(widget, MultiWidget):
            # A date-time as its two inputs, in the admin's zone as the page shows it.
            with timezone.override(LONDON):
                parts = widget.decompress(value)
            for index, part in enumerate(parts):
                data[f"{field.html_name}_{index}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = str(value)
    return data
