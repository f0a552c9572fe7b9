"""The plan page keeps an ended prescription's versions readable (DESIGN §3: old versions stay
readable). After a new prescription only its own "Version 1 · Plan created" was listed: the
ended one's versions were reachable only through the visit report (found by QA)."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from prescriptions.models import PlanVersion, Prescription
from tests.patients.journal_support import sign_ending
from tests.prescriptions.factories import make_prescription, prescribe_again

DEC_3 = date(2026, 12, 3)
DEC_5 = date(2026, 12, 5)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-12-05 14:00Z", tick=False):
        yield


def plan_page(client, patient):
    response = client.get(reverse("clinic:plan", args=[patient.pk]))
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def earlier_section(page):
    return re.search(r'<details class="earlier-prescriptions">.*?</details>', page, re.S).group(0)


def test_the_ended_prescriptions_versions_stay_listed_with_links(
    clinician_client, ended_and_prescribed_again
):
    page = plan_page(clinician_client, ended_and_prescribed_again)
    earlier = earlier_section(page)
    assert "Earlier prescriptions (1)" in earlier
    assert "Capsule 1.5 / 3 / 4.5 mg" in earlier
    # 3 Dec is the first night without a dose: "ended on 3 Dec" read as the last on LDN.
    assert "From 1 Oct 2026. No dose from the night of 3 Dec 2026 on." in earlier
    assert 'Ended by Dr A, <time datetime="2026-12-03T12:00:00+00:00">3 Dec 2026, 12:00' in earlier
    assert "Reason: Opioids for a long recovery" in earlier
    old = Prescription.objects.order_by("pk").first()
    for version in PlanVersion.objects.filter(prescription=old):
        link = reverse("clinic:plan_version", args=[ended_and_prescribed_again.pk, version.pk])
        assert f'href="{link}"' in earlier, version.number
    assert [int(n) for n in re.findall(r">Version (\d+)</a>", earlier)] == [5, 4, 3, 2, 1]
    # The new prescription's own list is unchanged: its one version, above.
    current = page.split('<details class="earlier-prescriptions">')[0]
    assert re.findall(r">Version (\d+)</a>", current) == ["1"]


def test_an_earlier_prescriptions_version_page_opens_for_the_team_and_is_404_for_others(
    clinician_client, client, clinician_b, ended_and_prescribed_again
):
    old = PlanVersion.objects.filter(prescription__patient=ended_and_prescribed_again).order_by(
        "prescription_id", "number"
    )
    first = old.first()
    url = reverse("clinic:plan_version", args=[ended_and_prescribed_again.pk, first.pk])
    assert clinician_client.get(url).status_code == 200
    client.force_login(clinician_b)
    assert client.get(url).status_code == 404


def test_after_an_ending_alone_it_is_not_an_earlier_prescription_and_its_versions_are_listed(
    clinician_client, patient_a, clinician_a
):
    # It showed both as "Its final plan" and under "Earlier prescriptions (1)" (found by QA).
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    sign_ending(patient_a, clinician_a, DEC_3, "No benefit")
    page = plan_page(clinician_client, patient_a)
    assert "earlier-prescriptions" not in page
    assert "Its final plan (version 2)" in page
    assert re.findall(r">Version (\d+)</a>", page) == ["2", "1"]


def test_an_ended_prescription_after_a_newer_one_ended_is_the_only_earlier_one(
    clinician_client, clinician_a, ended_and_prescribed_again
):
    sign_ending(ended_and_prescribed_again, clinician_a, date(2026, 12, 6), "Switch formulation")
    with time_machine.travel("2026-12-07 14:00Z", tick=False):
        page = plan_page(clinician_client, ended_and_prescribed_again)
    earlier = earlier_section(page)
    assert "Earlier prescriptions (1)" in earlier
    assert "From 1 Oct 2026." in earlier
    assert "From 5 Dec 2026." not in earlier  # the one "Its final plan" names
    assert "Its final plan (version 2)" in page


def test_a_morning_dosers_earlier_prescription_names_the_first_day_without_a_dose(
    clinician_client, patient_a, clinician_a
):
    make_prescription(patient_a, clinician_a, date(2026, 10, 1), dosing_time="morning")
    sign_ending(patient_a, clinician_a, DEC_3, "No benefit")
    prescribe_again(patient_a, clinician_a, DEC_5)
    earlier = earlier_section(plan_page(clinician_client, patient_a))
    assert "From 1 Oct 2026. No dose from the day of 3 Dec 2026 on." in earlier


def test_no_section_for_a_patient_with_one_prescription(clinician_client, patient_a, clinician_a):
    make_prescription(patient_a, clinician_a, date(2026, 10, 1))
    assert "earlier-prescriptions" not in plan_page(clinician_client, patient_a)


def test_several_prescriptions_add_no_query_per_version(
    clinician_client, clinician_a, ended_and_prescribed_again, django_assert_max_num_queries
):
    patient = ended_and_prescribed_again
    # A third prescription: the 5 Dec one ended and another begun.
    sign_ending(patient, clinician_a, date(2026, 12, 6), "Switch formulation")
    with time_machine.travel("2026-12-07 14:00Z", tick=False):
        prescribe_again(patient, clinician_a, date(2026, 12, 7), dose="2")
        assert len(plans.load(patient).history) == 8
        clinician_client.get(reverse("clinic:plan", args=[patient.pk]))  # warm the session
        # The budget of test_plan_views.test_the_clinician_plan_page_stays_within_9_queries.
        with django_assert_max_num_queries(9):
            page = plan_page(clinician_client, patient)
    assert "Earlier prescriptions (2)" in page
