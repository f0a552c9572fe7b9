"""The "review whether LDN is helping" suggestion counts the nights at maintenance as the plan
panel beside it counts tonight's "night N" (titration.plan_ahead's tonight stretch): it said
"92 days at maintenance" beside "Step 3 of 3, night 93", "days" for an evening doser, and
after a dose changed mid-step it counted from the old dose's first night (exploratory QA)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from patients.wording import translate
from prescriptions import suggestions as rules
from prescriptions import titration
from tests.prescriptions.factories import plan_steps
from tests.prescriptions.maintenance_review_support import (
    AUG_6,
    DEC_4,
    SEP_30,
    patient_with_little_relief,
    plain,
)

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 12, 4, 20, tzinfo=UTC)  # 20:00 in London: tonight is 4 Dec


def patient_page(client, clinician, patient):
    with time_machine.travel(MOMENT, tick=False):
        # Signed in at the page's moment: a staff session saved at the run's clock lasts 30
        # idle minutes from then, so a run more than that before MOMENT read the sign-in page.
        client.force_login(clinician)
        return client.get(reverse("clinic:patient", args=[patient.pk])).content.decode()


@pytest.mark.parametrize(
    ("dosing_time", "lowered", "word", "number", "since"),
    [
        (titration.EVENING, False, "night", 93, "3 Sep 2026"),
        (titration.MORNING, False, "day", 93, "3 Sep 2026"),
        # Counted from the first night 3 mg was asked, as the panel now counts it (the
        # version's own step counter said 92 from 3 Sep).
        (titration.EVENING, True, "night", 66, "30 Sep 2026"),
    ],
)
def test_the_maintenance_review_says_the_panels_night_number(
    client, clinician, dosing_time, lowered, word, number, since
):
    patient = patient_with_little_relief(clinician, dosing_time, lowered)
    page = patient_page(client, clinician, patient)
    panel = re.search(rf"Step 3 of 3, {word} (\d+)", page)
    said = re.search(rf"At maintenance \(\S+ mg\) since ([^,]+), {word} (\d+) on 4 Dec;", page)
    assert "Review whether LDN is helping" in page
    assert panel is not None
    assert said is not None
    assert int(panel.group(1)) == int(said.group(2)) == number
    assert said.group(1) == since


def test_a_switch_to_morning_dosing_at_maintenance_does_not_restart_the_count(client, clinician):
    # Maintenance from 3 Sep, mornings from 30 Sep: day 93 of the dose since 3 Sep, as the
    # panel counts it (both said "day 66 ... since 30 Sep", a switch restarting the count).
    patient = patient_with_little_relief(clinician, switched=True)
    page = patient_page(client, clinician, patient)
    assert "Step 3 of 3, day 93" in page
    assert "At maintenance (4.5 mg) since 3 Sep 2026, day 93 on 4 Dec;" in page


def test_an_evening_doser_s_review_counts_nights_and_a_morning_doser_s_days(client, clinician):
    evening = patient_page(client, clinician, patient_with_little_relief(clinician))
    morning = patient_page(
        client, clinician, patient_with_little_relief(clinician, titration.MORNING)
    )
    assert ", night 93 on 4 Dec;" in evening
    assert "day 93" not in evening
    assert ", day 93 on 4 Dec;" in morning
    assert "night 93" not in morning


def pain_nights(last_night):
    first = [rules.NightFacts(AUG_6 + timedelta(days=d), pain=7) for d in range(14)]
    return first + [rules.NightFacts(last_night - timedelta(days=d), pain=6) for d in range(14)]


def test_eight_weeks_are_counted_from_the_first_night_of_a_dose_changed_mid_step():
    """Lowered to 3 mg from 30 Sep: on 24 Nov that is 55 nights through last night, too soon
    for a review, however long maintenance itself has run (since 3 Sep)."""
    versions = (
        plain(1, AUG_6, (("1.5", 14), ("3.0", 14), ("4.5", None))),
        plain(2, SEP_30, (("1.5", 14), ("3.0", 14), ("3.0", None))),
    )
    for tonight, fires in ((date(2026, 11, 24), False), (date(2026, 11, 25), True)):
        last_night = tonight - timedelta(days=1)
        found = rules.review_benefit(
            versions,
            pain_nights(last_night),
            last_night,
            AUG_6,
            rules.tonight_in_plan(versions, tonight),
        )
        assert (found is not None) == fires, tonight


def test_a_dismissed_review_stays_dismissed_under_its_key():
    """The key names the maintenance the review speaks to, from the first night its dose
    was asked, as the panel counts it (test_maintenance_review_dismissal.py)."""
    versions = (plain(1, AUG_6, (("1.5", 14), ("3.0", 14), ("4.5", None))),)
    last_night = DEC_4 - timedelta(days=1)
    [found] = rules.suggestions_for(versions, pain_nights(last_night), last_night, AUG_6)
    assert found.key == "maintenance-4.50mg-from-2026-09-03-review-1"
    dismissed = frozenset({(rules.REVIEW_BENEFIT, found.key)})
    assert (
        rules.suggestions_for(versions, pain_nights(last_night), last_night, AUG_6, dismissed) == []
    )


@pytest.mark.parametrize(
    ("language", "dosing_time", "said"),
    [
        ("de", titration.EVENING, "seit 3. Sep 2026, Nacht 93 am 4. Dez; mittlerer Schmerz"),
        ("de", titration.MORNING, "seit 3. Sep 2026, Tag 93 am 4. Dez; mittlerer Schmerz"),
        ("es", titration.EVENING, "desde el 3 sep 2026, noche 93 el 4 dic; dolor medio"),
        ("es", titration.MORNING, "desde el 3 sep 2026, día 93 el 4 dic; dolor medio"),
    ],
)
def test_the_maintenance_review_is_translated(language, dosing_time, said):
    versions = (
        titration.PlainVersion(
            number=1,
            effective_night=AUG_6,
            start_date=AUG_6,
            steps=plan_steps((("1.5", 14), ("3.0", 14), ("4.5", None))),
            dosing_time=dosing_time,
        ),
    )
    last_night = DEC_4 - timedelta(days=1)
    [found] = rules.suggestions_for(versions, pain_nights(last_night), last_night, AUG_6)
    with translation.override(language):
        assert said in translate(found.detail)
