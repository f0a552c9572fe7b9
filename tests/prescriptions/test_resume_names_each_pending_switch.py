"""The Resume page says the dosing time a restart comes back on for every restart night,
with any number of switches of dosing time signed ahead (found by review).

On 2 mg each evening; mornings signed from 10 Dec, evenings again from 20 Dec; a hold until
resumed from 5 Dec. The page named only the next switch: "a restart on or after 10 Dec
restarts on morning dosing", untrue of a restart from 20 Dec on (evening dosing).
"""

from datetime import UTC, date, datetime

import pytest

from prescriptions import plans, titration
from tests.patients.journal_support import sign_hold, sign_restart

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}

SAID = {
    "en": (
        "A restart before 10 Dec 2026 restarts on evening dosing; a restart from 10 Dec 2026 "
        "to 19 Dec 2026 restarts on morning dosing; a restart on or after 20 Dec 2026 "
        "restarts on evening dosing."
    ),
    "de": (
        "Ein Neustart vor dem 10. Dez 2026 beginnt mit abendlicher Einnahme; ein Neustart "
        "vom 10. Dez 2026 bis zum 19. Dez 2026 beginnt mit morgendlicher Einnahme; ein "
        "Neustart am 20. Dez 2026 oder später beginnt mit abendlicher Einnahme."
    ),
    "es": (
        "Un reinicio antes del 10 dic 2026 se reanuda con la toma por la noche; un reinicio "
        "del 10 dic 2026 al 19 dic 2026 se reanuda con la toma por la mañana; un reinicio el "
        "20 dic 2026 o después se reanuda con la toma por la noche."
    ),
}


@pytest.fixture
def held(two_switches_pending, clinician):
    sign_hold(two_switches_pending, clinician, DEC[5], signed=NOW)
    return two_switches_pending


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_resume_page_names_the_dosing_time_of_a_restart_before_between_and_after_both_switches(
    held, clinic_page, language
):
    assert SAID[language] in clinic_page("clinic:plan_resume", held, NOW, language=language)


@pytest.mark.parametrize(
    ("night", "dosing_time"),
    [(8, titration.EVENING), (12, titration.MORNING), (22, titration.EVENING)],
)
def test_a_restart_signed_restarts_on_the_dosing_time_the_resume_page_names_for_its_night(
    held, clinician, clinic_page, night, dosing_time
):
    said = SAID["en"].split("; ")[[8, 12, 22].index(night)]
    assert said in clinic_page("clinic:plan_resume", held, NOW)
    assert said.rstrip(".").endswith(f"restarts on {dosing_time} dosing")
    sign_restart(held, clinician, DEC[night], 0, signed=NOW)
    assert plans.load(held).dosing_time_on(DEC[night]) == dosing_time
