"""Never unrouted: a report always reaches a person who can open it. With no active clinician
the admins are alerted at once, see it on "Unassigned urgent reports" and assign a clinician
in one step, who is alerted at once. Time is fixed throughout."""

import re
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import override_settings

from ldn_journal.accounts.context_processors import urgent_count
from ldn_journal.accounts.models import AccessLog
from patients.care_team import unassigned_open
from patients.models import (
    CareTeamMembership,
    ClinicianPreferences,
    NightlyEntry,
    ReminderDelivery,
    UrgentReport,
)
from patients.notifications import outbox
from patients.urgent import reports as urgent
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.urgent_support import NOW, SECRET, report
from tests.security.reauth import signed_in_reauthenticated

Kind = ReminderDelivery.Kind
Status = ReminderDelivery.Status


def post_report(client):
    data = {
        "submission_id": str(uuid.uuid4()),
        "symptoms": ["racing_heart"],
        "since": "within_hour",
        "severity": "severe",
        "text": SECRET,
    }
    with time_machine.travel(NOW, tick=False):
        return client.post("/journal/reaction/", data)


def recipients(made, kind=Kind.URGENT):
    return set(made.deliveries.filter(kind=kind).values_list("recipient_id", flat=True))


# --- Who is alerted ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_no_active_clinician_the_admins_are_alerted_at_once(orphan, admins):
    made = report(orphan)
    assert recipients(made) == {admin.pk for admin in admins}
    assert set(made.deliveries.values_list("due_at", flat=True)) == {NOW}
    assert made.routed_to == UrgentReport.Routing.ON_DUTY


@pytest.mark.django_db
def test_an_admins_first_alert_asks_them_to_assign_a_clinician_not_about_their_team(
    orphan, admins, looked_after
):
    """An admin has no team: the first alert said "a patient on your team" (found by
    exploratory testing). Theirs asks for a clinician to be assigned; a clinician's is as
    before. Neither names the patient or the reaction."""
    for made, expected in (
        (report(orphan), "a clinician must be assigned"),
        (report(looked_after[0]), "from a patient on your team"),
    ):
        mail.outbox.clear()
        for pk in made.deliveries.filter(channel="email").values_list("pk", flat=True):
            assert outbox.send_delivery(pk, now=NOW) == Status.SENT
        assert mail.outbox
        for message in mail.outbox:
            text = message.subject + message.body + message.alternatives[0][0]
            assert expected in text
            assert SECRET not in text
            assert "Olive" not in text
            assert "Terry" not in text
    # In the admin's own language.
    admins[0].language = "de"
    admins[0].save(update_fields=["language"])
    mail.outbox.clear()
    made = report(PatientFactory(clinicians=[ClinicianFactory(is_active=False)]))
    pk = made.deliveries.get(recipient=admins[0], channel="email").pk
    outbox.send_delivery(pk, now=NOW)
    assert "Eine behandelnde Person muss zugewiesen werden" in mail.outbox[0].subject


@pytest.mark.django_db
def test_with_a_care_team_only_the_team_is_alerted_at_once(looked_after, admins):
    patient, clinician = looked_after
    made = report(patient)
    assert recipients(made) == {clinician.pk}
    assert made.routed_to == UrgentReport.Routing.CARE_TEAM


def asleep(clinician):
    """Quiet hours 22:00-08:00 London that urgent alerts may not break (NOW is 02:00)."""
    ClinicianPreferences.objects.create(
        user=clinician,
        quiet_start=time(22, 0),
        quiet_end=time(8, 0),
        time_zone="Europe/London",
        urgent_ignores_quiet_hours=False,
    )


@pytest.mark.django_db
def test_with_the_whole_care_team_in_quiet_hours_the_admins_are_alerted_at_once(
    looked_after, admins
):
    """Not until 08:00: the report reached nobody, and the patient read that their care
    team was alerted (found by an exploratory pass). The clinician still gets it when their
    quiet hours end."""
    patient, clinician = looked_after
    asleep(clinician)
    made = report(patient)
    assert recipients(made) == {admin.pk for admin in admins}
    assert made.routed_to == UrgentReport.Routing.ON_DUTY
    urgent.sweep(datetime(2026, 11, 26, 8, 0, tzinfo=UTC))
    assert recipients(made) == {clinician.pk} | {admin.pk for admin in admins}


@pytest.mark.django_db
def test_with_the_care_team_in_quiet_hours_and_no_admin_the_care_team_is_woken(looked_after):
    patient, clinician = looked_after
    asleep(clinician)
    made = report(patient)
    assert recipients(made) == {clinician.pk}
    assert made.routed_to == UrgentReport.Routing.CARE_TEAM


@pytest.mark.django_db
def test_one_clinician_awake_is_enough_the_admins_are_not_alerted(looked_after, admins):
    patient, clinician = looked_after
    awake = ClinicianFactory(display_name="Dr Awake")
    CareTeamMembership.objects.create(patient=patient, clinician=awake)
    asleep(clinician)
    made = report(patient)
    assert recipients(made) == {awake.pk}
    assert made.routed_to == UrgentReport.Routing.CARE_TEAM


@override_settings(LDN_URGENT_ESCALATE_TO_ADMINS=False)
@pytest.mark.django_db
def test_an_escalation_while_the_care_team_sleeps_reaches_someone_at_once(looked_after):
    """With escalation to admins switched off and no admin, the escalation wakes the team."""
    patient, clinician = looked_after
    asleep(clinician)
    ClinicianPreferences.objects.filter(user=clinician).update(urgent_ignores_quiet_hours=True)
    made = report(patient)
    ClinicianPreferences.objects.filter(user=clinician).update(urgent_ignores_quiet_hours=False)
    later = NOW + urgent.escalate_after() + timedelta(minutes=1)
    assert urgent.sweep(later)["escalated"] == [made.pk]
    assert recipients(made, Kind.ESCALATION) == {clinician.pk}


@pytest.mark.django_db
def test_the_patient_is_told_the_team_on_duty_was_alerted_in_their_language(orphan, admins):
    orphan.user.language = "de"
    orphan.user.save(update_fields=["language"])
    html = post_report(signed_in_reauthenticated(orphan.user)).content.decode()
    assert "das diensthabende Team der Praxis benachrichtigt" in html


@pytest.mark.django_db
def test_the_patient_is_told_truthfully_that_the_team_on_duty_was_alerted(orphan, admins):
    html = post_report(signed_in_reauthenticated(orphan.user)).content.decode()
    assert "the clinic's team on duty has been alerted" in html
    assert "Your care team has been alerted now" not in html


@pytest.mark.django_db
def test_the_patient_is_told_their_care_team_was_alerted_when_it_was(looked_after):
    patient, _clinician = looked_after
    html = post_report(signed_in_reauthenticated(patient.user)).content.decode()
    assert "Your care team has been alerted now" in html
    assert "team on duty" not in html


@pytest.mark.django_db
def test_the_admins_alert_links_to_a_page_they_can_open_without_health_details(
    orphan, admins, settings
):
    settings.SITE_URL = "https://ldn.example.org"
    made = report(orphan)
    ids = list(made.deliveries.filter(recipient=admins[0]).values_list("pk", flat=True))
    with time_machine.travel(NOW, tick=False):
        assert [outbox.send_delivery(pk) for pk in ids] == [Status.SENT]
    link = f"https://ldn.example.org/manage/urgent/{made.pk}/"
    assert link in mail.outbox[0].body
    page = signed_in_reauthenticated(admins[0]).get(f"/manage/urgent/{made.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Olive Orphan" in html
    assert "Severe" in html
    assert SECRET not in html
    assert "Racing heart" not in html
    assert AccessLog.objects.filter(action="urgent.admin_read", patient=orphan).exists()


@pytest.mark.django_db
def test_escalation_reaches_only_people_who_can_open_what_it_links_to(looked_after, admins):
    patient, clinician = looked_after
    made = report(patient)
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False):
        assert urgent.escalate_due(NOW + timedelta(minutes=30)) == [made.pk]
    escalated = made.deliveries.filter(kind=Kind.ESCALATION).select_related("recipient")
    assert {d.recipient_id for d in escalated} == {clinician.pk, *(a.pk for a in admins)}
    for delivery in escalated:
        path = urgent.alert_url(delivery).removeprefix("http://127.0.0.1:8000")
        # A clinician's link redirects to the report; the alert's own page answers only
        # someone who may no longer open it (tests/patients/test_coverage_alert_link.py).
        opened = signed_in_reauthenticated(delivery.recipient).get(path, follow=True)
        assert opened.status_code == 200, delivery.recipient
        assert not opened.request["PATH_INFO"].endswith("/alert/"), delivery.recipient


@pytest.mark.django_db
def test_escalation_of_an_unassigned_report_reaches_the_admins_even_when_left_out(
    orphan, admins, settings
):
    settings.LDN_URGENT_ESCALATE_TO_ADMINS = False
    made = report(orphan)
    urgent.escalate_due(NOW + timedelta(minutes=30))
    assert recipients(made, Kind.ESCALATION) == {admin.pk for admin in admins}


# --- The admins' page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_unassigned_page_lists_name_time_and_severity_without_health_details(
    orphan, looked_after, admins
):
    made = report(orphan)
    report(looked_after[0])
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        html = signed_in_reauthenticated(admins[0]).get("/manage/urgent/").content.decode()
    assert "Unassigned urgent reports" in html
    assert "Olive Orphan" in html
    assert "Severe" in html
    assert "Thu 26 Nov, 02:00" in html
    assert "Terry Team" not in html  # has a clinician: not unassigned
    assert SECRET not in html
    assert "Racing heart" not in html
    assert f"/manage/urgent/{made.pk}/assign/" in html


@pytest.mark.django_db
def test_assigning_a_clinician_takes_one_step_is_audited_and_alerts_them_at_once(orphan, admins):
    made = report(orphan)
    taker = ClinicianFactory(display_name="Dr Taker")
    later = NOW + timedelta(minutes=4)
    with time_machine.travel(later, tick=False):
        response = signed_in_reauthenticated(admins[0]).post(
            f"/manage/urgent/{made.pk}/assign/", {"clinician": taker.pk, "next": "list"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/manage/urgent/"
    assert CareTeamMembership.objects.filter(patient=orphan, clinician=taker).exists()
    log = AccessLog.objects.get(action="care_team.assign")
    assert (log.actor, log.patient, log.detail["clinician"]) == (admins[0], orphan, taker.pk)
    alert = made.deliveries.get(recipient=taker, kind=Kind.URGENT)
    assert (alert.due_at, alert.status) == (later, Status.PENDING)
    assert signed_in_reauthenticated(taker).get(f"/clinic/reports/{made.pk}/").status_code == 200
    assert list(unassigned_open(admins[0])) == []


@pytest.mark.parametrize("who", ["admin", "deactivated clinician", "patient"])
@pytest.mark.django_db
def test_assigning_someone_who_cannot_take_the_patient_is_refused_clearly(orphan, admins, who):
    made = report(orphan)
    target = {
        "admin": lambda: admins[1],
        "deactivated clinician": lambda: ClinicianFactory(is_active=False),
        "patient": lambda: PatientFactory().user,
    }[who]()
    with time_machine.travel(NOW, tick=False):
        response = signed_in_reauthenticated(admins[0]).post(
            f"/manage/urgent/{made.pk}/assign/", {"clinician": target.pk}
        )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose an active clinician" in html
    assert not CareTeamMembership.objects.filter(patient=orphan, clinician=target).exists()
    assert not AccessLog.objects.filter(action="care_team.assign").exists()


@pytest.mark.django_db
def test_assigning_someone_already_on_the_team_says_nothing_changed(looked_after, admins):
    """It said "is now on ...'s care team and was alerted (0 alerts)" for a clinician who was
    on the team and alerted already, in English whatever the admin's language (found by
    exploratory testing)."""
    patient, clinician = looked_after
    made = report(patient)
    admin = signed_in_reauthenticated(admins[0])
    with time_machine.travel(NOW, tick=False):
        page = admin.post(
            f"/manage/urgent/{made.pk}/assign/", {"clinician": clinician.pk}, follow=True
        ).content.decode()
    assert "was already on Terry Team&#x27;s care team: nothing changed" in page
    assert "0 alerts" not in page
    taker = ClinicianFactory(display_name="Dr Taker")
    admins[0].language = "de"
    admins[0].save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        page = admin.post(
            f"/manage/urgent/{made.pk}/assign/", {"clinician": taker.pk}, follow=True
        ).content.decode()
    assert "Dr Taker ist jetzt im Behandlungsteam von Terry Team und wurde alarmiert" in page


@pytest.mark.django_db
def test_assigning_nobody_is_refused_with_what_to_do(orphan, admins):
    made = report(orphan)
    response = signed_in_reauthenticated(admins[0]).post(
        f"/manage/urgent/{made.pk}/assign/", {"clinician": "x"}
    )
    assert response.status_code == 400
    assert "Choose a clinician from the list" in response.content.decode()


@pytest.mark.django_db
def test_clinicians_and_patients_get_404_on_the_admins_pages(orphan, looked_after):
    made = report(orphan)
    for user in (looked_after[1], orphan.user):
        assert signed_in_reauthenticated(user).get(f"/manage/urgent/{made.pk}/").status_code == 404
        assert signed_in_reauthenticated(user).get("/manage/urgent/").status_code == 404


# --- The count in the navigation --------------------------------------------------------------


@pytest.mark.django_db
def test_clinicians_see_the_count_of_open_reports_on_every_page(looked_after):
    patient, clinician = looked_after
    report(patient)
    report(patient, now=NOW + timedelta(minutes=5))
    client = signed_in_reauthenticated(clinician)
    for page in ("/clinic/", "/clinic/templates/", "/clinic/reports/"):
        html = client.get(page).content.decode()
        assert 'nav-count">2<span class="visually-hidden"> open</span>' in html, page


@pytest.mark.django_db
def test_the_navigation_count_costs_one_query_per_request(
    looked_after, rf, django_assert_num_queries
):
    patient, clinician = looked_after
    report(patient)
    request = rf.get("/clinic/")
    request.user = clinician
    with django_assert_num_queries(1):
        assert urgent_count(request) == 1
        assert urgent_count(request) == 1


@pytest.mark.django_db
def test_admins_see_the_count_of_unassigned_reports(orphan, admins):
    report(orphan)
    html = signed_in_reauthenticated(admins[0]).get("/manage/").content.decode()
    assert 'nav-count">1<span class="visually-hidden"> open</span>' in html


# --- The report page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_page_shows_each_dose_time_in_the_zone_it_was_logged_in_labelled(db):
    clinician = ClinicianFactory()
    patient = PatientFactory(time_zone="America/New_York", clinicians=[clinician])
    NightlyEntry.objects.create(
        patient=patient,
        night=date(2026, 11, 25),
        status="taken",
        dose_mg="3.00",
        taken_at=datetime(2026, 11, 26, 2, 30, tzinfo=UTC),  # 21:30 in New York
    )
    # Logged in Tokyo two nights before: shown at the time the patient took it there, not
    # moved to New York time (DESIGN §4: moving zones never moves a past dose).
    NightlyEntry.objects.create(
        patient=patient,
        night=date(2026, 11, 23),
        status="taken",
        dose_mg="3.00",
        taken_at=datetime(2026, 11, 23, 13, 15, tzinfo=UTC),  # 22:15 in Tokyo
        time_zone="Asia/Tokyo",
    )
    made = report(patient, now=datetime(2026, 11, 26, 4, 0, tzinfo=UTC))
    html = signed_in_reauthenticated(clinician).get(f"/clinic/reports/{made.pk}/").content.decode()
    assert "Dose times are in the zone each dose was logged in" in html
    assert re.search(r'>21:30 <abbr class="tz" title="America/New_York">EST</abbr>', html)
    assert re.search(r'>22:15 <abbr class="tz" title="Asia/Tokyo">JST</abbr>', html)
    assert "08:15" not in html  # 13:15 UTC in New York


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("en", "reported Thu 26 Nov, 02:00"),
        ("de", "gemeldet Do, 26. Nov, 02:00"),
        ("es", "notificado jue 26 nov, 02:00"),
    ],
)
def test_the_unassigned_page_says_reported_in_the_admins_language(orphan, admins, language, says):
    """ "reported" was English on the German and Spanish page."""
    report(orphan)
    admins[0].language = language
    admins[0].save(update_fields=["language"])
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        html = signed_in_reauthenticated(admins[0]).get("/manage/urgent/").content.decode()
    assert says in html


@pytest.mark.django_db
def test_an_unassigned_report_from_another_year_says_its_year(orphan, admins):
    report(orphan, now=NOW - timedelta(days=365))
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        html = signed_in_reauthenticated(admins[0]).get("/manage/urgent/").content.decode()
    assert "reported Wed 26 Nov 2025, 02:00" in html
