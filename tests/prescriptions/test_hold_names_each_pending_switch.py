"""The Hold page says what a hold does with every switch of dosing time signed ahead, not
only the next (found by review).

On 2 mg each evening; mornings signed from 10 Dec, evenings again from 20 Dec. The Hold page
promised "a restart on 10 Dec 2026 or later restarts on morning dosing", untrue of a
restart from 20 Dec on. It now says the rule for each run of nights, as the Resume page
does once the hold is signed (one sentence, restart_dosing_message).
"""

from datetime import UTC, date, datetime

import pytest

from tests.patients.journal_support import sign_hold

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec

RUNS = (
    "A restart before 10 Dec 2026 restarts on evening dosing; a restart from 10 Dec 2026 "
    "to 19 Dec 2026 restarts on morning dosing; a restart on or after 20 Dec 2026 "
    "restarts on evening dosing."
)


def test_the_hold_page_names_both_switches_a_hold_keeps(two_switches_pending, clinic_page):
    page = clinic_page("clinic:plan_hold", two_switches_pending, NOW)
    assert (
        "Switches of dosing time are signed for later nights, and a hold keeps them signed. " + RUNS
    ) in page
    assert "a restart on 10 Dec 2026 or later restarts on morning dosing" not in page


def test_the_hold_and_resume_pages_say_the_same_of_each_restart_night(
    two_switches_pending, clinician, clinic_page
):
    assert RUNS in clinic_page("clinic:plan_hold", two_switches_pending, NOW)
    sign_hold(two_switches_pending, clinician, date(2026, 12, 5), signed=NOW)
    assert RUNS in clinic_page("clinic:plan_resume", two_switches_pending, NOW)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "de",
            "Für spätere Nächte sind Wechsel der Einnahmezeit signiert, und eine Pause lässt "
            "sie signiert.",
        ),
        (
            "es",
            "Hay cambios de la hora de la toma firmados para noches posteriores, y una pausa "
            "los mantiene firmados.",
        ),
    ],
)
def test_the_hold_pages_switches_are_translated(two_switches_pending, clinic_page, language, said):
    assert said in clinic_page("clinic:plan_hold", two_switches_pending, NOW, language=language)
