"""Urgent reports: the patient's form and guidance, the clinician's report page, acknowledging."""

import re
import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.db import DatabaseError, IntegrityError
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.clinic import dashboard
from patients.guidance import emergency_number, guidance_for
from patients.models import (
    ClinicianPreferences,
    NightlyEntry,
    PushSubscription,
    ReminderDelivery,
    UrgentReport,
)
from patients.urgent import reports as urgent
from prescriptions.models import PlanVersion
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import NOW, make_report

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status

REPORT_URL = "/journal/reaction/"


def valid_post(**overrides):
    data = {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["racing_heart", "panic"],
        "since": "within_hour",
        "severity": "severe",
        "text": "Heart pounding since I woke up.",
    }
    data.update(overrides)
    return data


# --- Guidance ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "number"),
    [("GB", "999"), ("us", "911"), ("AU", "000"), ("", "112 / 911"), ("ZZ", "112 / 911")],
)
def test_the_emergency_number_follows_the_patients_country(country, number):
    assert emergency_number(country) == number


@pytest.mark.parametrize(
    ("zone", "number"),
    [
        ("Europe/London", "999"),
        ("America/New_York", "911"),
        ("Australia/Sydney", "000"),
        ("Europe/Berlin", "112"),
        ("Europe/Paris", "112"),
        ("Asia/Tokyo", "112 / 911"),
    ],
)
def test_without_a_country_the_number_follows_the_patients_time_zone(zone, number):
    assert emergency_number("", zone) == number


def test_a_country_the_patient_set_wins_over_their_time_zone():
    assert emergency_number("US", "Europe/London") == "911"


def test_a_configured_number_wins_over_the_default(settings):
    settings.LDN_EMERGENCY_NUMBERS = {"FR": "15 / 112"}
    assert emergency_number("fr") == "15 / 112"
    assert emergency_number("", "Europe/Paris") == "15 / 112"
    assert guidance_for(None).numbers == ["112", "911"]


def test_the_form_page_shows_the_guidance_before_anything_is_sent(patient_client, settings):
    settings.LDN_CLINIC_CONTACT = "the LDN clinic"
    settings.LDN_CLINIC_PHONE = "+44 20 7946 0000"
    response = patient_client.get(REPORT_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "If you feel in danger, call your local emergency number now" in html
    assert 'href="tel:999"' in html  # a London patient with no country set
    assert 'href="tel:112"' not in html
    assert 'href="tel:911"' not in html
    assert "the LDN clinic" in html
    assert 'href="tel:+442079460000"' in html
    assert "Do not take your next dose until your clinician has answered" in html


# --- Posting a report ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_severe_report_shows_the_guidance_at_once_and_alerts_each_clinician_by_email(
    client, clinician_a, clinician_b
):
    patient = PatientFactory(country="GB", clinicians=[clinician_a, clinician_b])
    client.force_login(patient.user)
    with time_machine.travel(NOW, tick=False):
        response = client.post(REPORT_URL, valid_post())
    html = response.content.decode()
    assert response.status_code == 200  # the guidance is this response: no redirect to wait for
    assert "If you feel in danger, call your local emergency number now" in html
    assert 'href="tel:999"' in html
    assert "Your report was sent" in html
    report = UrgentReport.objects.get()
    assert report.patient == patient
    assert report.severity == "severe"
    assert report.symptoms == ["racing_heart", "panic"]
    alerts = ReminderDelivery.objects.filter(report=report)
    assert sorted((a.recipient_id, a.channel, a.kind) for a in alerts) == sorted(
        [(clinician_a.pk, "email", Kind.URGENT), (clinician_b.pk, "email", Kind.URGENT)]
    )
    assert {a.due_at for a in alerts} == {NOW}
    assert AccessLog.objects.get(action="urgent.report").detail == {"alerts": 2}


@pytest.mark.django_db
def test_push_is_claimed_for_clinicians_with_a_device(patient_a, clinician_a, vapid_keys):
    PushSubscription.objects.create(
        user=clinician_a, endpoint="https://push.example.net/1", p256dh="k", auth="a"
    )
    report = make_report(patient_a)
    assert sorted(report.deliveries.values_list("channel", flat=True)) == ["email", "push"]


@pytest.mark.django_db
def test_the_same_report_posted_twice_makes_one_report_and_one_set_of_alerts(
    patient_client, clinician_a
):
    data = valid_post()
    first = patient_client.post(REPORT_URL, data)
    second = patient_client.post(REPORT_URL, data)
    assert first.status_code == second.status_code == 200
    assert "Your report was sent" in second.content.decode()
    assert UrgentReport.objects.count() == 1
    assert ReminderDelivery.objects.filter(kind=Kind.URGENT).count() == 1


@pytest.mark.django_db
def test_alerting_the_care_team_again_claims_nothing_more(patient_a):
    report = make_report(patient_a)
    assert urgent.alert_care_team(report.pk, NOW) == []
    assert report.deliveries.count() == 1


@pytest.mark.django_db
def test_a_submission_id_of_another_patients_report_is_refused_without_revealing_it(
    patient_a, patient_b
):
    submission = uuid.uuid4()
    make_report(patient_b, submission_id=submission)
    with pytest.raises(IntegrityError):  # not turned into a reply to another patient
        make_report(patient_a, submission_id=submission)
    assert UrgentReport.objects.filter(patient=patient_a).count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose at least one thing from the list"),
        (valid_post(symptoms=["seizure"]), "Choose at least one thing from the list"),
        (valid_post(severity="mild"), "Choose moderate or severe"),
        (valid_post(text="x" * 100_000), "Keep it to 2,000 characters or fewer"),
        (valid_post(symptoms=["other"], text=""), "say in a few words what it is"),
    ],
    ids=["empty", "unknown-symptom", "unknown-severity", "100k-text", "other-unsaid"],
)
@pytest.mark.django_db
def test_bad_input_says_what_is_allowed_stores_nothing_and_still_shows_the_guidance(
    patient_client, data, message
):
    response = patient_client.post(REPORT_URL, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "If you feel in danger, call your local emergency number now" in html
    assert UrgentReport.objects.count() == 0
    assert ReminderDelivery.objects.count() == 0


@pytest.mark.django_db
def test_something_else_described_at_too_much_length_is_not_also_said_to_be_undescribed(
    patient_client,
):
    # The patient wrote what it was, at length: the page also asked them to "say in a few
    # words what it is", as if they had written nothing.
    response = patient_client.post(REPORT_URL, valid_post(symptoms=["other"], text="x" * 2001))
    html = response.content.decode()
    assert "Keep it to 2,000 characters or fewer" in html
    assert "say in a few words what it is" not in html
    assert UrgentReport.objects.count() == 0


@pytest.mark.parametrize("submission_id", ["", "not-a-uuid"])
@pytest.mark.django_db
def test_a_missing_or_mangled_submission_id_never_blocks_a_report(patient_client, submission_id):
    response = patient_client.post(REPORT_URL, valid_post(submission_id=submission_id))
    assert "Your report was sent" in response.content.decode()
    assert UrgentReport.objects.count() == 1


@pytest.mark.django_db
def test_a_database_error_while_saving_still_shows_the_guidance_and_says_to_call(
    patient_client, monkeypatch, settings
):
    settings.LDN_CLINIC_CONTACT = "the clinic on 0100 000 000"

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(urgent, "report_reaction", broken)
    response = patient_client.post(REPORT_URL, valid_post())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your report could not be sent" in html
    assert "call the clinic on 0100 000 000 now" in html.replace("<strong>", "").replace(
        "Please c", "c"
    )
    assert "If you feel in danger, call your local emergency number now" in html
    assert "Do not take your next dose until your clinician has answered" in html


@pytest.mark.django_db
def test_other_roles_cannot_post_a_report(clinician_client):
    assert clinician_client.post(REPORT_URL, valid_post()).status_code == 404
    assert UrgentReport.objects.count() == 0


# --- The patient's view of their report ------------------------------------------------------


@pytest.mark.django_db
def test_a_patient_opening_another_patients_report_gets_404(patient_client, patient_b):
    report = make_report(patient_b)
    response = patient_client.get(reverse("journal:urgent_detail", args=[report.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_patient_sees_your_clinician_has_seen_this_with_the_note(
    patient_client, patient_a, clinician_a
):
    report = make_report(patient_a)
    url = reverse("journal:urgent_detail", args=[report.pk])
    assert "Waiting for your clinician" in patient_client.get(url).content.decode()
    urgent.acknowledge(report, clinician_a, "Skip tonight's dose; I will call you at 8.", NOW)
    html = patient_client.get(url).content.decode()
    assert "Your clinician has seen this" in html
    assert "Skip tonight&#x27;s dose; I will call you at 8." in html


@pytest.mark.django_db
def test_earlier_reports_are_listed_in_the_patients_report_page(patient_client, patient_a):
    report = make_report(patient_a)
    html = patient_client.get(REPORT_URL).content.decode()
    assert reverse("journal:urgent_detail", args=[report.pk]) in html


# --- The clinician's report page -------------------------------------------------------------


@pytest.mark.django_db
def test_the_clinician_sees_the_report_beside_the_last_14_nights_and_the_read_is_logged(
    clinician_client, patient_a, django_assert_max_num_queries
):
    NightlyEntry.objects.create(
        patient=patient_a, night=date(2026, 11, 24), status="taken", dose_mg="3.00", pain=7
    )
    NightlyEntry.objects.create(patient=patient_a, night=date(2026, 11, 1), pain=2)  # too old
    report = make_report(patient_a, text="Racing heart")
    with django_assert_max_num_queries(20):
        response = clinician_client.get(reverse("clinic:urgent_report", args=[report.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Racing heart" in html
    assert "Severe headache" in html
    assert "The last 14 nights" in html
    assert html.count('<th scope="row">') == 14
    assert "3 mg" in html
    log = AccessLog.objects.get(action="urgent.read")
    assert log.patient == patient_a
    assert log.object_id == str(report.pk)


@pytest.mark.django_db
def test_every_time_on_the_clinicians_report_page_is_in_the_reports_zone_and_says_so(
    clinician_client, patient_a, clinician_a
):
    patient_a.time_zone = "America/New_York"
    patient_a.save(update_fields=["time_zone"])
    ClinicianPreferences.objects.create(user=clinician_a, time_zone="Europe/Berlin")
    report = make_report(patient_a)  # 02:00 UTC, 03:00 in Berlin: 21:00 EST the evening before
    make_report(patient_a, now=NOW + timedelta(minutes=10))  # still open beside it
    report.deliveries.update(status=Status.SENT, sent_at=NOW + timedelta(minutes=5))
    UrgentReport.objects.filter(pk=report.pk).update(escalated_at=NOW + timedelta(minutes=30))
    urgent.acknowledge(report, clinician_a, "Seen", NOW + timedelta(minutes=40))
    html = clinician_client.get(reverse("clinic:urgent_report", args=[report.pk])).content.decode()
    text = re.sub(r"<[^>]+>", "", html)
    # reported, escalated, acknowledged, the other open report, the alert sent
    shown = re.findall(r"\d\d:\d\d(?: [A-Z]{3}\b)?", text)
    assert shown == ["21:00 EST", "21:30 EST", "21:40 EST", "21:10 EST", "21:05 EST"]
    assert "Times in the zone the report was made in, America/New_York" in text


@pytest.mark.django_db
def test_a_clinician_of_another_team_gets_404_reading_or_acknowledging(clinician_client, patient_b):
    report = make_report(patient_b)
    page = clinician_client.get(reverse("clinic:urgent_report", args=[report.pk]))
    assert page.status_code == 404
    response = clinician_client.post(
        reverse("clinic:urgent_acknowledge", args=[report.pk]),
        {"note": "Seen", "decision": "continue"},
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.acknowledged_at is None


@pytest.mark.django_db
def test_acknowledging_records_who_and_the_note_and_logs_it(clinician_client, patient_a):
    report = make_report(patient_a)
    response = clinician_client.post(
        reverse("clinic:urgent_acknowledge", args=[report.pk]),
        {"note": "Stop LDN tonight; I will call you in the morning.", "decision": "continue"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.ack_decision == "continue"
    assert report.acknowledged_by.email == "clinician.a@example.org"
    assert report.ack_note == "Stop LDN tonight; I will call you in the morning."
    assert AccessLog.objects.filter(action="urgent.acknowledge", patient=patient_a).exists()
    assert report.history.filter(history_change_reason="acknowledged").exists()


@pytest.mark.django_db
def test_an_acknowledgement_without_a_note_is_refused(clinician_client, patient_a):
    report = make_report(patient_a)
    response = clinician_client.post(reverse("clinic:urgent_acknowledge", args=[report.pk]), {})
    assert response.status_code == 400
    assert "Write a short note for the patient" in response.content.decode()
    report.refresh_from_db()
    assert report.acknowledged_at is None


@pytest.mark.django_db
def test_two_acknowledgements_do_not_both_win(patient_a, clinician_a):
    colleague = ClinicianFactory()
    patient_a.care_team.add(colleague)
    report = make_report(patient_a)
    stale_copy = UrgentReport.objects.get(pk=report.pk)
    urgent.acknowledge(report, clinician_a, "First", NOW)
    with pytest.raises(urgent.AlreadyAcknowledged):
        urgent.acknowledge(stale_copy, colleague, "Second", NOW + timedelta(seconds=1))
    report.refresh_from_db()
    assert (report.acknowledged_by, report.ack_note) == (clinician_a, "First")


@pytest.mark.django_db
def test_acknowledging_an_acknowledged_report_says_when_in_the_patients_zone_not_utc(
    clinician_client, patient_a, clinician_a
):
    patient_a.time_zone = "America/New_York"
    patient_a.save(update_fields=["time_zone"])
    ClinicianPreferences.objects.create(user=clinician_a, time_zone="Europe/Berlin")
    colleague = ClinicianFactory(display_name="Dr Colleague")
    patient_a.care_team.add(colleague)
    report = make_report(patient_a)
    urgent.acknowledge(report, colleague, "First", NOW)  # 02:00 UTC: 21:00 EST the evening before
    response = clinician_client.post(
        reverse("clinic:urgent_acknowledge", args=[report.pk]),
        {"note": "Second", "decision": "continue"},
        follow=True,
    )
    said = [str(message) for message in response.context["messages"]]
    assert said == ["Dr Colleague already acknowledged this report on Wed 25 Nov, 21:00 EST."]


@pytest.mark.django_db
def test_acknowledging_skips_alerts_still_waiting_to_be_sent(patient_a, clinician_a):
    report = make_report(patient_a)
    urgent.acknowledge(report, clinician_a, "Seen", NOW)
    assert set(report.deliveries.values_list("status", flat=True)) == {Status.SKIPPED}


@pytest.mark.django_db
def test_acknowledge_with_hold_puts_the_plan_on_hold_from_tonight_signed_by_the_clinician(
    clinician_client, patient_a, clinician_a
):
    prescription = make_plan(patient_a, clinician_a)
    report = make_report(patient_a)
    with time_machine.travel(NOW, tick=False):
        response = clinician_client.post(
            reverse("clinic:urgent_acknowledge", args=[report.pk]),
            {"note": "Do not take LDN until we speak.", "decision": "hold"},
        )
    assert response.status_code == 302
    version = PlanVersion.objects.filter(prescription=prescription).order_by("-number").first()
    assert version.number == 2
    assert version.kind == PlanVersion.Kind.HOLD
    assert version.author == clinician_a
    assert version.hold_from == date(2026, 11, 25)  # tonight, in London, at 2 am
    assert version.patient_note == "Do not take LDN until we speak."
    # The kind apart from the words, so that it reads in each reader's language.
    assert version.reason_kind == PlanVersion.ReasonKind.URGENT_REPORT
    assert version.reason == f"#{report.pk}"


@pytest.mark.django_db
def test_a_hold_without_a_plan_is_refused_and_nothing_is_acknowledged(clinician_client, patient_a):
    report = make_report(patient_a)
    response = clinician_client.post(
        reverse("clinic:urgent_acknowledge", args=[report.pk]), {"note": "Stop", "decision": "hold"}
    )
    assert response.status_code == 400
    assert "no plan to put on hold" in response.content.decode()
    report.refresh_from_db()
    assert report.acknowledged_at is None


@pytest.mark.django_db
def test_the_open_reports_list_shows_only_the_team_and_logs_the_read(
    clinician_client, patient_a, patient_b
):
    mine, theirs = make_report(patient_a), make_report(patient_b)
    html = clinician_client.get(reverse("clinic:urgent_reports")).content.decode()
    assert reverse("clinic:urgent_report", args=[mine.pk]) in html
    assert reverse("clinic:urgent_report", args=[theirs.pk]) not in html
    assert AccessLog.objects.filter(action="urgent.list").exists()


@pytest.mark.django_db
def test_the_reports_list_says_its_times_are_the_clinicians_zone(
    clinician_client, clinician_a, patient_a
):
    # Reports of patients in several zones, written in the clinician's own, unlabelled.
    ClinicianPreferences.objects.create(user=clinician_a, time_zone="Europe/Berlin")
    make_report(patient_a)
    html = clinician_client.get(reverse("clinic:urgent_reports")).content.decode()
    assert "Times in your time zone, Europe/Berlin." in html


@pytest.mark.django_db
def test_open_reports_become_urgent_records_for_the_dashboard_flags(patient_a, clinician_a):
    open_report = make_report(patient_a)
    seen = make_report(patient_a, severity="moderate")
    urgent.acknowledge(seen, clinician_a, "ok", NOW)
    (row,) = dashboard.patient_rows(clinician_a, NOW)
    (flag,) = [f for f in row.open_flags if f.kind == "urgent"]
    assert flag.evidence == (date(2026, 11, 25),)
    assert flag.report_id == open_report.pk


@pytest.mark.django_db
def test_the_patients_history_lists_their_reports_and_only_theirs(
    patient_client, patient_a, patient_b
):
    mine, theirs = make_report(patient_a), make_report(patient_b)
    html = patient_client.get(reverse("journal:history")).content.decode()
    assert "Bad reactions you reported" in html
    assert reverse("journal:urgent_detail", args=[mine.pk]) in html
    assert reverse("journal:urgent_detail", args=[theirs.pk]) not in html
