"""Issue 18: break-glass. A clinician outside the care team opens a record in an emergency
with a reason; the grant is data the one access gate reads, for LDN_BREAK_GLASS_HOURS."""

import json
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import http_ece
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from py_vapid import Vapid

from ldn_journal.accounts.models import AccessLog
from ldn_journal.local_dates import local_date
from patients.clinic.break_glass import active_patient_ids, alert
from patients.models import BreakGlassGrant, ClinicianPreferences, Patient, PushSubscription
from patients.notifications.channels import push as push_channel
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.push_support import PushService, b64, browser_keys
from tests.security.reauth import signed_in

REASON = "Called by the emergency department at 2 am; the patient is unconscious."
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def url(patient_id):
    return reverse("clinic:break_glass", args=[patient_id])


def subscribe_user(user, endpoint):
    private, public, auth = browser_keys()
    PushSubscription.objects.create(
        user=user, endpoint=endpoint, p256dh=b64(public), auth=b64(auth)
    )
    return private, auth


@pytest.fixture
def push_server(monkeypatch, settings):
    """A local push service (tests.patients.test_push) and VAPID keys to sign with."""
    monkeypatch.setattr(push_channel, "endpoint_refusal", lambda endpoint: None)
    key = Vapid()
    key.generate_keys()
    settings.VAPID_PRIVATE_KEY = key.private_pem().decode()
    settings.VAPID_SUBJECT = "mailto:ops@example.org"
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def outsider(clinician_b):
    return signed_in(clinician_b)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def test_a_clinician_outside_the_team_cannot_open_the_record_without_break_glass(
    outsider, patient_a
):
    assert outsider.get(reverse("clinic:patient", args=[patient_a.pk])).status_code == 404


def test_break_glass_with_a_reason_opens_the_record_for_the_set_hours(
    outsider, clinician_b, patient_a, settings
):
    settings.LDN_BREAK_GLASS_HOURS = 12

    response = outsider.post(url(patient_a.pk), {"reason": REASON})

    assert response["Location"] == reverse("clinic:patient", args=[patient_a.pk])
    assert outsider.get(response["Location"]).status_code == 200
    grant = BreakGlassGrant.objects.get(patient=patient_a, clinician=clinician_b)
    assert grant.reason == REASON
    assert grant.ends_at - grant.starts_at == timedelta(hours=12)


def test_the_access_ends_when_the_grant_does(outsider, clinician_b, patient_a, clock):
    outsider.post(url(patient_a.pk), {"reason": REASON})

    clock.shift(timedelta(hours=12, minutes=1))

    assert not Patient.objects.visible_to(clinician_b).filter(pk=patient_a.pk).exists()
    again = signed_in(clinician_b)  # the staff session itself has timed out by now
    assert again.get(reverse("clinic:patient", args=[patient_a.pk])).status_code == 404


@pytest.mark.parametrize("reason", ["", "urgent", " " * 20])
def test_break_glass_without_a_real_reason_is_refused_and_grants_nothing(
    outsider, patient_a, reason
):
    response = outsider.post(url(patient_a.pk), {"reason": reason})

    assert response.status_code == 200
    assert "reason" in response.content.decode().lower()
    assert not BreakGlassGrant.objects.exists()


def test_break_glass_for_a_patient_that_does_not_exist_is_404(outsider):
    assert outsider.post(url(999_999), {"reason": REASON}).status_code == 404


@pytest.mark.parametrize("who", ["admin", "patient"])
def test_break_glass_by_an_admin_or_a_patient_is_not_allowed(who, patient_a, patient_b):
    user = AdminFactory() if who == "admin" else patient_b.user

    response = signed_in(user).post(url(patient_a.pk), {"reason": REASON})

    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_a_clinician_already_on_the_team_is_sent_to_the_record_and_no_grant_made(
    clinician_a, patient_a
):
    response = signed_in(clinician_a).post(url(patient_a.pk), {"reason": REASON})

    assert response["Location"] == reverse("clinic:patient", args=[patient_a.pk])
    assert not BreakGlassGrant.objects.exists()


def test_the_admins_and_the_care_team_are_alerted_at_once(
    outsider, patient_a, clinician_a, admin_user, django_capture_on_commit_callbacks
):
    ClinicianFactory(is_active=True)  # not on the team: not told
    AdminFactory(is_active=False)  # deactivated: not told

    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(url(patient_a.pk), {"reason": REASON})

    assert sorted(m.to[0] for m in mail.outbox) == sorted([clinician_a.email, admin_user.email])
    assert all(REASON not in m.body for m in mail.outbox)


def test_break_glass_is_audited_and_shown_to_the_patient_with_the_reason(
    outsider, clinician_b, patient_a
):
    outsider.post(url(patient_a.pk), {"reason": REASON})
    row = AccessLog.objects.get(action="break_glass.open")
    assert (row.actor, row.patient) == (clinician_b, patient_a)

    page = signed_in(patient_a.user).get(reverse("journal:access_log")).content.decode()

    assert "Opened your record in an emergency" in page
    assert REASON in page
    assert clinician_b.name in page


def test_a_banner_shows_on_every_page_while_the_access_lasts(outsider, patient_a):
    outsider.post(url(patient_a.pk), {"reason": REASON})

    for page in (reverse("clinic:patients"), reverse("clinic:urgent_reports")):
        assert "Emergency access is active" in outsider.get(page).content.decode()


def test_the_banner_shows_in_every_session_of_that_clinician_not_just_the_one_that_opened_it(
    outsider, clinician_b, patient_a
):
    outsider.post(url(patient_a.pk), {"reason": REASON})
    tablet = signed_in(clinician_b)  # a second device, signed in after (or before) the grant

    page = tablet.get(reverse("clinic:patients")).content.decode()

    assert "Emergency access is active" in page
    assert reverse("clinic:patient", args=[patient_a.pk]) in page


def test_the_banner_reads_the_grants_and_goes_when_they_end(clinician_b, patient_a, clock):
    BreakGlassGrant.objects.create(
        patient=patient_a, clinician=clinician_b, reason=REASON, ends_at=NOW + timedelta(hours=12)
    )

    assert active_patient_ids(clinician_b, now=NOW + timedelta(hours=11)) == [patient_a.pk]
    assert active_patient_ids(clinician_b, now=NOW + timedelta(hours=12)) == []
    clock.shift(timedelta(hours=12))
    page = signed_in(clinician_b).get(reverse("clinic:patients")).content.decode()
    assert "Emergency access is active" not in page


def test_another_clinicians_grant_shows_no_banner(clinician_a, clinician_b, patient_b):
    BreakGlassGrant.objects.create(
        patient=patient_b, clinician=clinician_a, reason=REASON, ends_at=NOW + timedelta(hours=1)
    )
    BreakGlassGrant.objects.create(
        patient=patient_b,
        clinician=ClinicianFactory(),
        reason=REASON,
        ends_at=NOW + timedelta(hours=1),
    )

    page = signed_in(clinician_b).get(reverse("clinic:patients")).content.decode()

    assert "Emergency access is active" not in page
    assert active_patient_ids(clinician_a) == [patient_b.pk]


def test_reads_under_a_grant_are_logged_as_break_glass_not_as_ordinary_reads(
    outsider, clinician_a, clinician_b, patient_a
):
    outsider.post(url(patient_a.pk), {"reason": REASON})
    outsider.get(reverse("clinic:patient", args=[patient_a.pk]))
    signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))

    reads = AccessLog.objects.filter(action="patient.view", patient=patient_a)
    assert reads.get(actor=clinician_b).route == "break_glass"
    assert reads.get(actor=clinician_a).route == "care_team"
    page = signed_in(patient_a.user).get(reverse("journal:access_log")).content.decode()
    assert "emergency access (break-glass)" in page


def test_the_alert_goes_by_web_push_too_to_each_device_of_the_team_and_admins(
    outsider,
    clinician_b,
    patient_a,
    clinician_a,
    admin_user,
    push_server,
    django_capture_on_commit_callbacks,
):
    keys = {
        user.pk: subscribe_user(user, push_server.url + f"/send/{user.pk}")
        for user in (clinician_a, admin_user, clinician_b)
    }

    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(url(patient_a.pk), {"reason": REASON})

    paths = sorted(path for path, _, _ in push_server.requests)
    assert paths == sorted(f"/send/{user.pk}" for user in (clinician_a, admin_user))
    for path, _, body in push_server.requests:
        private, auth = keys[int(path.rsplit("/", 1)[1])]
        payload = json.loads(
            http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
        )
        assert payload["title"] == "Emergency access to a patient's record"
        assert clinician_b.name in payload["body"]
        assert REASON not in payload["body"]
    assert len(mail.outbox) == 2  # the emails still go


def test_a_failing_push_service_does_not_stop_the_emails(
    outsider,
    patient_a,
    clinician_a,
    admin_user,
    push_server,
    django_capture_on_commit_callbacks,
):
    push_server.status = 500
    subscribe_user(clinician_a, push_server.url + "/send/down")

    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(url(patient_a.pk), {"reason": REASON})

    assert sorted(m.to[0] for m in mail.outbox) == sorted([clinician_a.email, admin_user.email])


def test_a_patient_reached_by_team_and_grant_appears_once_in_the_gate(clinician_b, patient_a):
    both = PatientFactory(clinicians=[clinician_b, ClinicianFactory()])
    for patient in (patient_a, both):
        BreakGlassGrant.objects.create(
            patient=patient, clinician=clinician_b, reason=REASON, ends_at=NOW + timedelta(hours=1)
        )

    visible = list(Patient.objects.visible_to(clinician_b).values_list("pk", flat=True))

    assert sorted(visible) == sorted(
        {patient_a.pk, both.pk, *[p.pk for p in Patient.objects.filter(care_team=clinician_b)]}
    )
    assert len(visible) == len(set(visible))


def test_the_gate_costs_one_query_however_many_grants_exist(clinician_b, django_assert_num_queries):
    for _ in range(5):
        BreakGlassGrant.objects.create(
            patient=PatientFactory(clinicians=[ClinicianFactory()]),
            clinician=clinician_b,
            reason=REASON,
            ends_at=NOW + timedelta(hours=1),
        )

    with django_assert_num_queries(1):
        assert len(list(Patient.objects.visible_to(clinician_b))) == 5


def test_the_alert_writes_when_the_access_ends_the_way_the_recipients_language_does(
    outsider, patient_a, admin_user, django_capture_on_commit_callbacks, settings
):
    admin_zone = zoneinfo.ZoneInfo(settings.LDN_DEFAULT_PATIENT_TIME_ZONE)
    admin_user.language = "de"
    admin_user.save()

    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(url(patient_a.pk), {"reason": REASON})

    grant = BreakGlassGrant.objects.get()
    (german,) = [m for m in mail.outbox if m.to == [admin_user.email]]
    with translation.override("de"):  # in the admin's zone, the clinic's
        until = local_date(grant.ends_at.astimezone(admin_zone), "date_time_zone")
    # "2. Mär 2026 14:00 GMT": the day's full stop, the month in German, the zone's name.
    assert re.fullmatch(r"\d{1,2}\. \w{3} \d{4} \d\d:\d\d \S+", until)
    assert f"bis {until}" in " ".join(german.body.split())


def test_the_alert_writes_when_the_access_ends_in_each_recipients_time_zone(
    clinician_b, patient_a, clinician_a, admin_user, settings
):
    # The end was written in whatever zone was active when the alert went: the zone of the
    # clinician who broke the glass (their request's), so a colleague in Tokyo read a New
    # York time (found by exploratory QA).
    settings.LDN_DEFAULT_PATIENT_TIME_ZONE = "Europe/Berlin"  # an admin's zone: the clinic's
    ClinicianPreferences.objects.update_or_create(
        user=clinician_a, defaults={"time_zone": "Asia/Tokyo"}
    )
    grant = BreakGlassGrant.objects.create(
        patient=patient_a,
        clinician=clinician_b,
        reason=REASON,
        starts_at=NOW,
        ends_at=NOW + timedelta(hours=12),
    )

    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        alert(grant, NOW)

    for person, zone in [(clinician_a, "Asia/Tokyo"), (admin_user, "Europe/Berlin")]:
        (message,) = [m for m in mail.outbox if m.to == [person.email]]
        with translation.override("en"):
            until = local_date(grant.ends_at.astimezone(zoneinfo.ZoneInfo(zone)), "date_time_zone")
        assert f"until {until}" in " ".join(message.body.split())


def test_the_alert_email_names_no_patient_and_links_to_them_behind_sign_in(
    outsider, patient_a, clinician_a, admin_user, django_capture_on_commit_callbacks, settings
):
    # The email named the patient ("who is not on Ann's care team"), while its push and every
    # other alert say "a patient" and link behind sign-in (SECURITY.md, boundary 5: being a
    # patient of the clinic is health data; found by the security review).
    with django_capture_on_commit_callbacks(execute=True):
        outsider.post(url(patient_a.pk), {"reason": REASON})

    name = patient_a.user.name
    assert name
    assert all(name not in m.body and name not in m.subject for m in mail.outbox)
    (team,) = [m for m in mail.outbox if m.to == [clinician_a.email]]
    (admin,) = [m for m in mail.outbox if m.to == [admin_user.email]]
    record = settings.SITE_URL + reverse("clinic:patient", args=[patient_a.pk])
    assert "a patient on your team" in team.body
    assert f"Open it (after signing in): {record}" in team.body
    assert "a patient in the clinic" in admin.body
    assert f"{settings.SITE_URL}{reverse('manage:access_log')}" in admin.body
