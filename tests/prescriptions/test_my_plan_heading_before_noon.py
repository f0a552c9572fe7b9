"""My plan's dose card names the night as the home card does (nights.relative_night).

Before noon an evening doser is still in last night: the home card says "Last night · Wed 2
Dec" and offers last night's dose. My plan said "Your dose tonight" over that night's 3 mg,
with tonight's 4.5 mg as the next change just below (found by QA): a patient reading it in
the morning would take 3 mg tonight.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

MORNING_AFTER = datetime(2026, 12, 3, 8, 55, tzinfo=UTC)  # 08:55 in London, Thu 3 Dec
EVENING = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 20:00: tonight is Thu 3 Dec


def _plan_3_mg_then_4_5_from_3_dec(patient, clinician):
    make_plan(patient, clinician, steps=(("3", 2), ("4.5", None)), start=date(2026, 12, 1))


def _dose_card(html):
    return html.split('id="plan-now"', 1)[1].split("</section>", 1)[0]


def _home_card_title(html):
    return html.split('id="tonight-title"', 1)[1].split("</h2>", 1)[0]


@pytest.mark.parametrize(
    ("now", "heading", "home", "dose"),
    [
        (MORNING_AFTER, "Your dose last night · Wed 2 Dec", "Last night · Wed 2 Dec", "3"),
        (EVENING, "Your dose tonight · Thu 3 Dec", "Tonight · Thu 3 Dec", "4.5"),
    ],
)
def test_the_dose_card_names_the_night_as_the_home_card_does(
    patient_a, clinician_a, now, heading, home, dose
):
    _plan_3_mg_then_4_5_from_3_dec(patient_a, clinician_a)
    client = signed_in(patient_a.user)

    with time_machine.travel(now, tick=False):
        card = _dose_card(client.get(reverse("journal:plan")).content.decode())
        home_title = _home_card_title(client.get(reverse("journal:home")).content.decode())

    assert heading in card
    assert f'{dose}<span class="dose-unit">' in card
    assert home in home_title


@pytest.mark.parametrize(
    ("language", "heading"),
    [("de", "Ihre Dosis gestern Abend"), ("es", "Su dosis de anoche")],
)
def test_last_nights_heading_in_each_language(patient_a, clinician_a, language, heading):
    _plan_3_mg_then_4_5_from_3_dec(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    client = signed_in(patient_a.user)

    with time_machine.travel(MORNING_AFTER, tick=False):
        card = _dose_card(client.get(reverse("journal:plan")).content.decode())

    assert heading in card
