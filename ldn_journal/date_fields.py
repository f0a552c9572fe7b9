"""The one date field for every typed date: YYYY-MM-DD, as the messages ask and a browser's
date input sends.

Django's DateField also took the language's formats (04/12/2026 is 12 April in English's
month-first format and 4 December in Spanish), unpadded parts (2026-1-5) and a year in other
scripts' digits (Python's %Y matches any Unicode digit: "٢٠٢٦-12-01"): without a date picker
(an old browser, a text field) a clinician's hold could fall on another month than typed.
"""

import re

from django import forms

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class IsoDateField(forms.DateField):
    """A date typed as YYYY-MM-DD, nothing else (surrounding spaces aside)."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value and not ISO_DATE.fullmatch(value):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)
