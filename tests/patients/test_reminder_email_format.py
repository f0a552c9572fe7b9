"""The reminder email shows a dose the way the tonight card does (2.5 mg, not 2.50 mg)."""

from decimal import Decimal

from django.template.loader import render_to_string


def test_the_html_reminder_shows_the_dose_without_trailing_zeros():
    html = render_to_string(
        "patients/email/reminder.html", {"dose_mg": Decimal("2.50"), "title": "Tonight"}
    )
    assert "Tonight's dose: 2.5 mg" in html
    assert "2.50" not in html
