"""A covering clinician's urgent alert links to a page of its own: it opens the report while
the coverage holds; once the coverage is over the report stays 404 for them, and the alert's
link says the coverage ended and whom to contact instead of a bare 404 (found by QA)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from patients import coverage as coverage_module
from patients.models import Coverage, ReminderDelivery
from patients.notifications.outbox import send_deliveries
from patients.urgent import reports as urgent
from tests.factories import ClinicianFactory
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

NY = "America/New_York"
DAY = date(2026, 3, 2)
# 14:00 in New York on DAY (EST, UTC-5): nobody's quiet hours.
DURING = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
# Noon in New York three days later: the one-day coverage is long over.
AFTER = datetime(2026, 3, 5, 17, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clinic_in_new_york(settings):
    settings.LDN_CLINIC_TIME_ZONE = NY
    settings.SITE_URL = "https://ldn.example.org"


def covered_report(covering, covered, patient, last_day=DAY):
    Coverage.objects.create(
        covering=covering, covered=covered, first_day=DAY, last_day=last_day, reason="Leave"
    )
    return urgent_report(patient, DURING, text="My heart is racing")


def link_of(report, recipient):
    delivery = ReminderDelivery.objects.select_related("recipient").get(
        report=report, recipient=recipient, channel="email"
    )
    return urgent.alert_url(delivery).removeprefix("https://ldn.example.org")


@pytest.mark.django_db
def test_the_alert_link_opens_the_report_while_the_coverage_holds(
    clinician_a, clinician_b, patient_a
):
    report = covered_report(clinician_b, clinician_a, patient_a)
    with time_machine.travel(DURING + timedelta(minutes=5), tick=False):
        response = signed_in(clinician_b).get(link_of(report, clinician_b))
    assert response.status_code == 302
    assert response.url == reverse("clinic:urgent_report", args=[report.pk])


@pytest.mark.django_db
def test_after_the_coverage_ends_the_alert_link_says_so_and_whom_to_contact(
    clinician_a, clinician_b, patient_a
):
    report = covered_report(clinician_b, clinician_a, patient_a)
    with time_machine.travel(AFTER, tick=False):
        client = signed_in(clinician_b)
        response = client.get(link_of(report, clinician_b))
        # The report itself stays out of reach: the access rule is unchanged.
        report_page = client.get(reverse("clinic:urgent_report", args=[report.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "That coverage has ended" in page
    assert "Dr A" in page
    assert "mailto:clinician.a@example.org" in page
    assert report_page.status_code == 404


@pytest.mark.django_db
def test_the_page_for_an_ended_coverage_shows_nothing_of_the_patient(
    clinician_a, clinician_b, patient_a
):
    report = covered_report(clinician_b, clinician_a, patient_a)
    with time_machine.travel(AFTER, tick=False):
        page = signed_in(clinician_b).get(link_of(report, clinician_b)).content.decode()
    for secret in ("Patient A", "patient.a@example.org", "racing", "Racing", "severe"):
        assert secret not in page


@pytest.mark.django_db
def test_a_coverage_ended_early_is_said_to_end_that_day(clinician_a, clinician_b, patient_a):
    report = covered_report(clinician_b, clinician_a, patient_a, last_day=DAY + timedelta(days=9))
    Coverage.objects.update(ended_at=AFTER - timedelta(hours=1))
    with time_machine.travel(AFTER, tick=False), timezone.override(NY):
        page = signed_in(clinician_b).get(link_of(report, clinician_b)).content.decode()
        ended = coverage_module.ended_behind(clinician_b, [DURING], AFTER, patient_a.pk)
    assert [c.ended_on for c in ended] == [date(2026, 3, 5)]
    assert "That coverage has ended" in page


@pytest.mark.django_db
def test_the_alert_link_of_someone_never_alerted_is_404(clinician_a, clinician_b, patient_a):
    report = covered_report(clinician_b, clinician_a, patient_a)
    stranger = ClinicianFactory()
    with time_machine.travel(AFTER, tick=False):
        response = signed_in(stranger).get(reverse("clinic:urgent_alert", args=[report.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_an_alerted_clinician_taken_off_the_care_team_is_told_so(clinician_a, patient_a):
    report = covered_report(ClinicianFactory(), ClinicianFactory(), patient_a)
    patient_a.care_team.remove(clinician_a)
    with time_machine.travel(AFTER, tick=False):
        response = signed_in(clinician_a).get(reverse("clinic:urgent_alert", args=[report.pk]))
    assert response.status_code == 200
    assert "no longer on the care team" in response.content.decode()


@pytest.mark.django_db
def test_an_alert_still_waiting_when_the_coverage_ends_is_not_sent_to_the_coverer(
    clinician_a, clinician_b, patient_a, mailoutbox
):
    """Claimed for the coverer while they covered, sent after the coverage ended (a slow
    or stopped worker): they were emailed an alert they could no longer open (QA)."""
    report = covered_report(clinician_b, clinician_a, patient_a)
    waiting = ReminderDelivery.objects.filter(report=report, channel="email")
    assert {d.recipient_id for d in waiting} == {clinician_a.pk, clinician_b.pk}
    send_deliveries([d.pk for d in waiting], AFTER)
    coverer = waiting.get(recipient=clinician_b)
    assert coverer.status == ReminderDelivery.Status.SKIPPED
    assert "can no longer open the report" in coverer.last_error
    assert waiting.get(recipient=clinician_a).status == ReminderDelivery.Status.SENT
    assert [m.to for m in mailoutbox] == [[clinician_a.email]]


@pytest.mark.django_db
def test_the_closed_alert_names_only_the_coverage_that_brought_it(
    clinician_a, clinician_b, patient_a
):
    """Covering Dr A and an unrelated colleague the same day, the coverer's closed alert
    about Dr A's patient named both, and sent the follow-up to the wrong one (review)."""
    unrelated = ClinicianFactory(display_name="Dr Unrelated", email="unrelated@example.org")
    Coverage.objects.create(
        covering=clinician_b, covered=unrelated, first_day=DAY, last_day=DAY, reason="Leave"
    )
    report = covered_report(clinician_b, clinician_a, patient_a)
    with time_machine.travel(AFTER, tick=False):
        page = signed_in(clinician_b).get(link_of(report, clinician_b)).content.decode()
    assert clinician_a.email in page
    assert "Dr Unrelated" not in page
    assert "unrelated@example.org" not in page
