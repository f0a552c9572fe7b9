"""The change pages' "Current plan" line names every switch of dosing time signed ahead:
with mornings signed from 10 Dec and evenings again from 20 Dec, it said "morning dosing
signed from 10 Dec" and nothing of the switch back."""

from datetime import UTC, datetime

import pytest

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 5 Dec

SAID = {
    "en": (
        "evening dosing now, morning dosing signed from 10 Dec 2026, "
        "then evening dosing from 20 Dec 2026, steps"
    ),
    "de": (
        "jetzt Einnahme abends, Einnahme morgens ab 10. Dez 2026 signiert, "
        "danach Einnahme abends ab 20. Dez 2026"
    ),
    "es": (
        "toma por la noche ahora, toma por la mañana firmada desde el 10 dic 2026, "
        "después toma por la noche desde el 20 dic 2026"
    ),
}


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_current_plan_names_both_switches_signed_ahead(two_switches_pending, clinic_page, language):
    page = clinic_page("clinic:plan_change", two_switches_pending, NOW, language=language)
    assert SAID[language] in page


def test_current_plan_with_one_switch_ahead_names_only_it(morning_switch_pending, clinic_page):
    page = clinic_page("clinic:plan_change", morning_switch_pending, NOW)
    assert "evening dosing now, morning dosing signed from 10 Dec 2026, steps" in page
