"""My plan keeps the patient's earlier prescriptions readable (DESIGN §3: old versions stay
readable), as the clinician's plan page does (test_plan_page_keeps_earlier_prescriptions):
after a prescription was ended and a new one signed, My plan listed only the new one's
changes, and after an ending alone none at all. The earlier ones are in a collapsed
"Earlier prescriptions (n)" section (a <details>: no JavaScript needed), newest first, each
named by its form and strength, its first night and its first night without a dose, then its
changes as the patient's own list says them: never the care team's reasons."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from ldn_journal.accounts.models import User
from prescriptions import plans
from prescriptions.models import PlanVersion
from tests.patients.journal_support import sign_ending
from tests.prescriptions.factories import make_prescription, prescribe_again

DEC_3 = date(2026, 12, 3)
DEC_5 = date(2026, 12, 5)
DEC_7 = date(2026, 12, 7)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-12-05 14:00Z", tick=False):
        yield


def my_plan(client):
    response = client.get(reverse("journal:plan"))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def earlier_section(page):
    return re.search(r'<details class="earlier-prescriptions">.*?</details>', page, re.S).group(0)


def current_part(page):
    return page.split('<details class="earlier-prescriptions">')[0]


def change_kinds(html):
    return re.findall(r"<strong>([^<]+)</strong> — from", html)


def test_my_plan_lists_the_ended_prescriptions_changes_under_earlier_prescriptions(
    patient_client, ended_and_prescribed_again
):
    PlanVersion.objects.filter(
        prescription__patient=ended_and_prescribed_again, kind=PlanVersion.Kind.HOLD
    ).update(patient_note="Stop LDN three days before the operation.")
    page = my_plan(patient_client)
    earlier = earlier_section(page)
    assert "<summary>Earlier prescriptions (1)</summary>" in earlier
    assert "Capsule 1.5 / 3 / 4.5 mg" in earlier
    # 3 Dec is the first night without a dose ("ended on 3 Dec" reads as the last on LDN).
    assert "From 1 Oct 2026. No dose from the night of 3 Dec 2026 on." in earlier
    assert change_kinds(earlier) == [
        "Prescription ended",
        "Resumed",
        "Put on hold",
        "Steps changed",
        "Plan created",
    ]
    assert "Stop LDN three days before the operation." in earlier
    # The new prescription's own list is unchanged: its one change, above the section.
    assert change_kinds(current_part(page)) == ["Plan created"]


def test_the_earlier_section_is_collapsed_and_needs_no_javascript(
    patient_client, ended_and_prescribed_again
):
    earlier = earlier_section(my_plan(patient_client))
    assert earlier.startswith('<details class="earlier-prescriptions">')  # not "open"
    assert "Capsule 1.5 / 3 / 4.5 mg" in earlier  # in the page, not fetched on opening


def test_my_plan_never_shows_the_care_teams_reasons_for_an_earlier_prescription(
    patient_client, ended_and_prescribed_again
):
    page = my_plan(patient_client)
    assert "Opioids for a long recovery" not in page
    assert "Reason" not in page
    assert "Ended by" not in page


def test_after_an_ending_alone_my_plan_lists_its_changes_and_no_earlier_section(
    patient_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    sign_ending(patient_a, clinician_a, DEC_3, "No benefit", patient_note="We talk on Monday.")
    page = my_plan(patient_client)
    assert "Your LDN prescription has ended" in page
    assert "earlier-prescriptions" not in page
    assert change_kinds(page) == ["Prescription ended", "Plan created"]
    assert "No benefit" not in page


def test_no_section_for_a_patient_with_one_prescription(patient_client, patient_a, clinician_a):
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    assert "earlier-prescriptions" not in my_plan(patient_client)


def test_a_morning_dosers_earlier_prescription_names_the_first_day_without_a_dose(
    patient_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, date(2026, 10, 1), dosing_time="morning")
    sign_ending(patient_a, clinician_a, DEC_3, "No benefit")
    prescribe_again(patient_a, clinician_a, DEC_5)
    earlier = earlier_section(my_plan(patient_client))
    assert "From 1 Oct 2026. No dose from the day of 3 Dec 2026 on." in earlier


def third_prescription(patient, clinician):
    """The 5 Dec prescription ended from 6 Dec, a third (2 mg/mL) from 7 Dec; tonight is 7 Dec."""
    sign_ending(patient, clinician, date(2026, 12, 6), "Switch formulation")
    with time_machine.travel("2026-12-07 14:00Z", tick=False):
        prescribe_again(patient, clinician, DEC_7, dose="2", concentration="2")


def test_two_earlier_prescriptions_are_listed_newest_first(
    patient_client, clinician_a, ended_and_prescribed_again
):
    third_prescription(ended_and_prescribed_again, clinician_a)
    with time_machine.travel("2026-12-07 14:00Z", tick=False):
        earlier = earlier_section(my_plan(patient_client))
    assert "Earlier prescriptions (2)" in earlier
    assert re.findall(r"From (\d+ \w+ 2026)\.", earlier) == ["5 Dec 2026", "1 Oct 2026"]
    assert "Liquid 1 mg/mL" in earlier
    assert "Liquid 2 mg/mL" not in earlier  # the current one, above


def test_my_plan_with_several_prescriptions_stays_within_5_queries(
    patient_client, clinician_a, ended_and_prescribed_again, django_assert_max_num_queries
):
    third_prescription(ended_and_prescribed_again, clinician_a)
    assert len(plans.load(ended_and_prescribed_again).history) == 8
    with time_machine.travel("2026-12-07 14:00Z", tick=False):
        patient_client.get(reverse("journal:plan"))  # warm the session
        # The budget of test_plan_views.test_my_plan_stays_within_5_queries (one prescription).
        with django_assert_max_num_queries(5):
            page = my_plan(patient_client)
    assert "Earlier prescriptions (2)" in page


def test_a_patient_never_sees_another_patients_prescriptions(
    client, patient_client, patient_b, clinician_b, ended_and_prescribed_again
):
    make_prescription(
        patient_b, clinician_b, date(2026, 9, 1), strengths=("0.5", "1.5", "3.0", "4.5")
    )
    sign_ending(patient_b, clinician_b, DEC_3, "B's reason", patient_note="A note for B only.")
    prescribe_again(patient_b, clinician_b, DEC_5, concentration="5")
    page_a = my_plan(patient_client)
    assert "Earlier prescriptions (1)" in page_a
    for of_b in ("From 1 Sep 2026", "0.5 / 1.5", "A note for B only.", "5 mg/mL", "Dr B"):
        assert of_b not in page_a
    client.force_login(patient_b.user)
    page_b = my_plan(client)
    assert "Earlier prescriptions (1)" in page_b
    assert "A note for B only." in earlier_section(page_b)
    for of_a in ("From 1 Oct 2026", "Capsule 1.5 / 3 / 4.5 mg", "Dr A"):
        assert of_a not in page_b


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "de",
            (
                "Frühere Verordnungen (1)",
                "Ab 1. Okt 2026. Keine Dosis mehr ab der Nacht vom 3. Dez 2026.",
            ),
        ),
        (
            "es",
            (
                "Prescripciones anteriores (1)",
                "Desde el 1 oct 2026. Ninguna dosis desde la noche del 3 dic 2026.",
            ),
        ),
    ],
)
def test_the_earlier_section_speaks_the_patients_language(
    patient_client, ended_and_prescribed_again, language, words
):
    User.objects.filter(pk=ended_and_prescribed_again.user.pk).update(language=language)
    earlier = earlier_section(my_plan(patient_client))
    for text in words:
        assert text in earlier
