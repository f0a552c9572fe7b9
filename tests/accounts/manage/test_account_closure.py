"""Issue 18, item 4: a patient asks to close the account, an admin completes it, and after
the retention period the daily task erases the closed patient's clinical record."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from celery.schedules import crontab
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from ldn_journal.accounts import accounts_admin, closure, closure_views, invitations
from ldn_journal.accounts.forms import confirms_closing
from ldn_journal.accounts.models import (
    AccessLog,
    AccountClosure,
    BulkInvitation,
    BulkInvitationRow,
    Invitation,
    hash_token,
)
from ldn_journal.accounts.tasks import erase_closed_records_task
from ldn_journal.celery import app
from patients.clinic import attention
from patients.models import NightlyEntry, Patient, PushSubscription, ReminderDelivery
from patients.notifications.digest import new_flags_for_clinician
from prescriptions.models import PlanVersion, Prescription
from tests.accounts.conftest import sign_in
from tests.factories import PASSWORD, ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

CLOSED_ON = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def patient_web(patient_a):
    return signed_in_reauthenticated(patient_a.user)


@pytest.fixture
def admin_web(admin_user):
    return signed_in_reauthenticated(admin_user)


@pytest.fixture
def full_patient(patient_a, clinician_a):
    """Patient A with identifiers, a device, an authenticator, a plan and an entry."""
    patient_a.phone, patient_a.record_number = "+44 20 7946 0958", "MRN-4711"
    patient_a.date_of_birth = date(1980, 5, 17)
    patient_a.save()
    EmailAddress.objects.get_or_create(
        user=patient_a.user, email=patient_a.user.email, defaults={"verified": True}
    )
    TOTP.activate(patient_a.user, generate_totp_secret())
    PushSubscription.objects.create(
        user=patient_a.user, endpoint="https://push.example.org/a", p256dh="BKey", auth="auth"
    )
    make_prescription(patient_a, clinician_a, start=date(2026, 1, 1))
    NightlyEntry.objects.create(
        patient=patient_a,
        night=date(2026, 2, 1),
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=datetime(2026, 2, 1, 22, tzinfo=UTC),
    )
    return patient_a


def ask(client):
    return client.post(reverse("journal:close_account"), {"confirm": "CLOSE"})


def complete(client, closure_row):
    return client.post(
        reverse("manage:closure_complete", args=[closure_row.pk]), {"confirm": "CLOSE"}
    )


# --- The patient's request ------------------------------------------------------------------


def test_the_settings_page_links_to_closing_the_account(patient_web):
    page = patient_web.get(reverse("journal:settings")).content.decode()

    assert reverse("journal:close_account") in page


def test_the_closing_page_explains_and_offers_the_export_first(patient_web):
    page = patient_web.get(reverse("journal:close_account")).content.decode()

    assert reverse("journal:export") in page
    assert "kept for 8 years" in page
    assert "You can no longer sign in" in page


def test_the_closing_page_asks_for_the_password_again(patient_a):
    phone = Client()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        sign_in(phone, patient_a.user.email)
        clock.shift(timedelta(minutes=10))  # past ACCOUNT_REAUTHENTICATION_TIMEOUT
        response = ask(phone)

    assert reverse("account_reauthenticate") in response["Location"]
    assert not AccountClosure.objects.exists()


def test_a_patient_request_is_stored_audited_and_the_admins_are_emailed(
    patient_web, patient_a, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(patient_web)

    assert response.status_code == 302
    request = AccountClosure.objects.get()
    assert (request.user, request.role, request.status) == (patient_a.user, "patient", "open")
    row = AccessLog.objects.get(action="account.closure_requested")
    assert (row.actor, row.patient, row.object_id) == (patient_a.user, patient_a, str(request.pk))
    assert [message.to for message in mail.outbox] == [[admin_user.email]]
    assert patient_a.user.email not in mail.outbox[0].body
    assert reverse("manage:closures") in mail.outbox[0].body
    patient_a.user.refresh_from_db()
    assert patient_a.user.is_active  # nothing closes until an admin completes it


def test_a_wrongly_typed_confirmation_stores_nothing(patient_web):
    response = patient_web.post(reverse("journal:close_account"), {"confirm": "yes"})

    assert response.status_code == 200
    assert "exactly as shown" in response.content.decode()
    assert not AccountClosure.objects.exists()


def test_a_second_request_finds_the_first(patient_web, patient_a):
    ask(patient_web)
    ask(patient_web)

    assert AccountClosure.objects.count() == 1
    page = patient_web.get(reverse("journal:close_account")).content.decode()
    assert "Your request is with the clinic" in page


def test_the_database_allows_one_open_request_per_user(patient_a):
    closure.request_closure(patient_a.user, request=None)

    with pytest.raises(closure.AlreadyRequested):
        closure.request_closure(patient_a.user, request=None)


# --- The admin's completion -----------------------------------------------------------------


def test_the_list_shows_open_requests_and_completed_ones_apart(admin_web, patient_a, patient_b):
    open_one = closure.request_closure(patient_a.user, request=None)
    closure.request_closure(patient_b.user, request=None)
    closure.close_account(patient_b.user, by=None, request=None)

    opened = admin_web.get(reverse("manage:closures"))
    done = admin_web.get(reverse("manage:closures"), {"status": "completed"})

    assert [row.pk for row in opened.context["page"]] == [open_one.pk]
    assert [row.user for row in done.context["page"]] == [patient_b.user]
    assert "patient.b@example.org" not in done.content.decode()


def test_a_closure_from_another_year_says_its_year(admin_web, patient_a, patient_b):
    """The list keeps old closures: a moment of last year read as this week without it."""
    with time_machine.travel(datetime(2025, 11, 20, 10, 0, tzinfo=UTC), tick=False):
        closure.request_closure(patient_a.user, request=None)
    with time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=UTC), tick=False):
        closure.request_closure(patient_b.user, request=None)
        page = admin_web.get(reverse("manage:closures")).content.decode()
    assert "Thu 20 Nov 2025, 10:00" in page
    assert "Fri 4 Dec, 10:00" in page


def test_the_completed_tabs_next_page_link_stays_on_the_completed_tab(
    admin_web, patient_a, patient_b, monkeypatch
):
    # Page 2 of "Completed" was page 2 of "Open" (found by exploratory QA).
    monkeypatch.setattr(closure_views, "CLOSURES_PER_PAGE", 1)
    for patient in (patient_a, patient_b):
        closure.close_account(patient.user, by=None, request=None)

    done = admin_web.get(reverse("manage:closures"), {"status": "completed"})

    assert done.context["page"].paginator.num_pages == 2
    assert "?status=completed&amp;page=2" in done.content.decode()


def test_completing_closes_the_account_and_keeps_the_clinical_record(
    admin_web, admin_user, full_patient
):
    user = full_patient.user
    request = closure.request_closure(user, request=None)

    response = complete(admin_web, request)

    assert response.status_code == 302
    request.refresh_from_db()
    user.refresh_from_db()
    full_patient.refresh_from_db()
    assert request.closed_at is not None
    assert request.closed_by == admin_user
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email == f"closed-{user.pk}@closed.invalid"
    assert user.display_name == ""
    assert (full_patient.phone, full_patient.record_number, full_patient.date_of_birth) == (
        "",
        "",
        None,
    )
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not user.authenticator_set.exists()
    assert not PushSubscription.objects.filter(user=user).exists()
    assert full_patient.entries.count() == 1
    assert PlanVersion.objects.filter(prescription__patient=full_patient).exists()


def test_completing_forgets_the_identifiers_in_the_history_too(admin_web, full_patient):
    complete(admin_web, closure.request_closure(full_patient.user, request=None))

    history = Patient.history.filter(id=full_patient.pk)
    assert history.exists()
    assert not history.exclude(phone="").exists()
    assert not history.exclude(record_number="").exists()
    assert not history.filter(date_of_birth__isnull=False).exists()


def test_completing_replaces_the_address_on_the_accepted_invitation(
    admin_web, patient_a, clinician_a
):
    invitation = Invitation(
        email="patient.a@example.org",
        role="patient",
        invited_by=clinician_a,
        clinician=clinician_a,
        accepted_at=CLOSED_ON,
        accepted_user=patient_a.user,
    )
    invitation.new_token()
    invitation.save()

    complete(admin_web, closure.request_closure(patient_a.user, request=None))

    invitation.refresh_from_db()
    assert invitation.email == f"closed-{patient_a.user.pk}@closed.invalid"


def test_the_people_page_marks_a_closed_account_and_offers_no_second_closure(
    admin_web, patient_a, patient_b
):
    closure.close_account(patient_a.user, by=None, request=None)

    page = admin_web.get(reverse("manage:people")).content.decode()

    assert reverse("manage:close_person", args=[patient_a.user.pk]) not in page
    assert reverse("manage:close_person", args=[patient_b.user.pk]) in page
    # Named "Closed account" with its id, not by the placeholder address closing left it.
    assert f"closed-{patient_a.user.pk}@closed.invalid" not in page
    assert f'Closed account <span class="small muted">#{patient_a.user.pk}</span>' in page


def test_completing_stops_reminders(admin_web, full_patient):
    delivery = ReminderDelivery.objects.create(
        key="closing-test",
        recipient=full_patient.user,
        patient=full_patient,
        night=date(2026, 3, 1),
        kind="evening",
        channel="email",
        due_at=CLOSED_ON,
    )

    complete(admin_web, closure.request_closure(full_patient.user, request=None))

    full_patient.refresh_from_db()
    delivery.refresh_from_db()
    assert delivery.status == ReminderDelivery.Status.SKIPPED
    assert not (full_patient.remind_by_email)
    assert not (full_patient.remind_by_push)
    assert full_patient.next_reminder_at is None


def test_completing_is_audited_with_before_and_after_without_identifiers(
    admin_web, admin_user, full_patient
):
    complete(admin_web, closure.request_closure(full_patient.user, request=None))

    row = AccessLog.objects.get(action="account.closed")
    assert (row.actor, row.patient) == (admin_user, full_patient)
    assert row.detail["before"]["identifiers"] == [
        "email",
        "display_name",
        "phone",
        "date_of_birth",
        "record_number",
    ]
    assert row.detail["before"]["push_devices"] == 1
    assert row.detail["after"]["identifiers"] == []
    assert row.detail["after"]["active"] is False
    assert "patient.a@example.org" not in str(row.detail)
    assert "MRN-4711" not in str(row.detail)


def test_sign_in_fails_after_closure_and_every_session_ends(admin_web, patient_a):
    phone = Client()
    sign_in(phone, patient_a.user.email)
    assert UserSession.objects.filter(user=patient_a.user).exists()

    complete(admin_web, closure.request_closure(patient_a.user, request=None))

    assert not UserSession.objects.filter(user=patient_a.user).exists()
    assert phone.get(reverse("journal:home"))["Location"].startswith("/accounts/login/")
    again = sign_in(Client(), "patient.a@example.org", PASSWORD)
    assert again.status_code == 200  # the form again, with an error: not signed in
    assert "_auth_user_id" not in again.wsgi_request.session


def test_completion_asks_for_a_typed_confirmation(admin_web, patient_a):
    request = closure.request_closure(patient_a.user, request=None)

    response = admin_web.post(reverse("manage:closure_complete", args=[request.pk]), {})

    assert response.status_code == 200
    request.refresh_from_db()
    assert request.closed_at is None


@pytest.mark.parametrize("typed", ["close", "Close", "CLOSe"])
def test_an_admin_typing_the_word_in_other_capitals_is_refused_and_nothing_closes(
    admin_web, patient_a, typed
):
    request = closure.request_closure(patient_a.user, request=None)

    response = admin_web.post(
        reverse("manage:closure_complete", args=[request.pk]), {"confirm": typed}
    )

    assert response.status_code == 200
    assert "Type CLOSE, exactly as shown, to confirm." in response.content.decode()
    request.refresh_from_db()
    patient_a.user.refresh_from_db()
    assert request.closed_at is None
    assert patient_a.user.is_active
    assert not AccessLog.objects.filter(action="account.closed").exists()


def test_an_admin_closing_a_person_in_lower_case_is_refused(admin_web, patient_b):
    response = admin_web.post(
        reverse("manage:close_person", args=[patient_b.user.pk]), {"confirm": "close"}
    )

    assert "Type CLOSE, exactly as shown, to confirm." in response.content.decode()
    patient_b.user.refresh_from_db()
    assert patient_b.user.is_active
    assert not AccountClosure.objects.exists()


def test_the_word_with_spaces_around_it_still_closes(admin_web, patient_b):
    admin_web.post(
        reverse("manage:close_person", args=[patient_b.user.pk]), {"confirm": "  CLOSE \n"}
    )

    patient_b.user.refresh_from_db()
    assert not patient_b.user.is_active


def test_a_patient_typing_the_word_in_lower_case_is_refused_as_the_admin_is(patient_web):
    response = patient_web.post(reverse("journal:close_account"), {"confirm": "close"})

    assert "Type CLOSE, exactly as shown, to confirm." in response.content.decode()
    assert not AccountClosure.objects.exists()


@pytest.mark.parametrize(
    ("typed", "confirms"),
    [("SCHLIESSEN", True), ("CLOSE", True), ("schliessen", False), ("Schliessen", False)],
)
def test_in_german_the_shown_word_or_the_english_one_confirms_in_capitals_only(typed, confirms):
    with translation.override("de"):
        assert confirms_closing(typed) is confirms


def test_completing_an_unknown_request_is_404(admin_web):
    response = admin_web.post("/manage/closures/999999/complete/", {"confirm": "CLOSE"})

    assert response.status_code == 404


def test_closing_an_unknown_person_is_404(admin_web):
    assert admin_web.post("/manage/people/999999/close/", {"confirm": "CLOSE"}).status_code == 404


def test_an_admin_closes_anyones_account_without_a_request(admin_web, patient_b):
    admin_web.post(reverse("manage:close_person", args=[patient_b.user.pk]), {"confirm": "CLOSE"})

    row = AccountClosure.objects.get()
    assert row.user == patient_b.user
    assert row.closed_at is not None
    patient_b.user.refresh_from_db()
    assert not patient_b.user.is_active


def test_an_admin_cannot_close_their_own_account(admin_web, admin_user):
    admin_web.post(reverse("manage:close_person", args=[admin_user.pk]), {"confirm": "CLOSE"})

    admin_user.refresh_from_db()
    assert admin_user.is_active
    assert not AccountClosure.objects.exists()


def test_a_closed_account_is_not_closed_twice(admin_web, patient_a):
    request = closure.request_closure(patient_a.user, request=None)
    complete(admin_web, request)
    complete(admin_web, request)
    admin_web.post(reverse("manage:close_person", args=[patient_a.user.pk]), {"confirm": "CLOSE"})

    assert AccountClosure.objects.count() == 1
    assert AccessLog.objects.filter(action="account.closed").count() == 1


def test_a_closed_patient_cannot_ask_again(patient_a):
    closure.close_account(patient_a.user, by=None, request=None)

    with pytest.raises(closure.AlreadyClosed):
        closure.request_closure(patient_a.user, request=None)


def test_completing_asks_the_admin_for_the_password_first(admin_user, patient_a, settings):
    settings.LDN_REQUIRE_STAFF_MFA = False
    request = closure.request_closure(patient_a.user, request=None)
    admin = Client()
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        sign_in(admin, admin_user.email)
        clock.shift(timedelta(minutes=10))  # past ACCOUNT_REAUTHENTICATION_TIMEOUT
        response = complete(admin, request)

    assert reverse("account_reauthenticate") in response["Location"]
    request.refresh_from_db()
    assert request.closed_at is None


def test_the_list_costs_the_same_queries_for_one_request_or_many(
    admin_web, django_assert_max_num_queries
):
    for _ in range(12):
        closure.request_closure(PatientFactory().user, request=None)

    # session, user, the rows' count and page, the layout's urgent count, the read's
    # access-log row, and the session save (savepoint, update, release): the same for one
    # request or a page of them
    with django_assert_max_num_queries(9):
        response = admin_web.get(reverse("manage:closures"))

    assert len(response.context["page"]) == 12


# --- A clinician's closure ------------------------------------------------------------------


def test_a_clinicians_closure_is_refused_while_they_are_a_patients_only_clinician(
    admin_web, clinician_a, patient_a
):
    PatientFactory(clinicians=[clinician_a])

    response = admin_web.post(
        reverse("manage:close_person", args=[clinician_a.pk]), {"confirm": "CLOSE"}
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "only active clinician of 2 patients" in page
    assert reverse("manage:care_team_transfer") + f"?source={clinician_a.pk}" in page
    clinician_a.refresh_from_db()
    assert clinician_a.is_active
    assert not AccountClosure.objects.exists()
    assert not AccessLog.objects.filter(action="account.closed").exists()


def test_a_clinician_whose_patients_have_another_clinician_can_be_closed(
    admin_web, clinician_a, patient_a
):
    patient_a.memberships.create(clinician=ClinicianFactory())

    admin_web.post(reverse("manage:close_person", args=[clinician_a.pk]), {"confirm": "CLOSE"})

    clinician_a.refresh_from_db()
    assert not clinician_a.is_active
    assert clinician_a.email == f"closed-{clinician_a.pk}@closed.invalid"


# --- Erasure after the retention period -----------------------------------------------------


def test_the_erasure_runs_daily_from_beat():
    [entry] = [e for e in app.conf.beat_schedule.values() if e["task"] == "accounts.erase_closed"]
    assert entry["schedule"] == crontab(minute=45, hour=3)


@pytest.fixture
def closed_patient(full_patient):
    with time_machine.travel(CLOSED_ON, tick=False):
        closure.close_account(full_patient.user, by=None, request=None)
    return full_patient


def test_the_record_is_kept_until_the_retention_period_ends(closed_patient, settings):
    settings.LDN_CLOSED_RECORD_RETENTION_DAYS = 2922
    with time_machine.travel(CLOSED_ON + timedelta(days=2921), tick=False):
        assert erase_closed_records_task() == {"closures": 0, "rows": 0}

    assert NightlyEntry.objects.filter(patient=closed_patient).exists()
    assert Patient.objects.filter(pk=closed_patient.pk).exists()


def test_the_record_is_erased_after_the_retention_period(closed_patient, clinician_a, settings):
    settings.LDN_CLOSED_RECORD_RETENTION_DAYS = 2922
    user_pk, patient_pk = closed_patient.user.pk, closed_patient.pk
    other = PatientFactory(clinicians=[clinician_a])
    make_prescription(other, clinician_a, start=date(2026, 1, 1))

    with time_machine.travel(CLOSED_ON + timedelta(days=2922, minutes=1), tick=False):
        result = erase_closed_records_task()

    assert result["closures"] == 1
    assert result["rows"] > 0
    assert not Patient.objects.filter(pk=patient_pk).exists()
    assert not NightlyEntry.objects.filter(patient_id=patient_pk).exists()
    assert not NightlyEntry.history.filter(patient_id=patient_pk).exists()
    assert not Prescription.objects.filter(patient_id=patient_pk).exists()
    assert not Patient.history.filter(id=patient_pk).exists()
    assert not AccessLog.objects.filter(patient_id=patient_pk).exists()
    assert Prescription.objects.filter(patient=other).exists()  # nobody else's record
    row = AccountClosure.objects.get()
    assert row.erased_at is not None
    assert row.user is None
    audit = AccessLog.objects.get(action="account.erased")
    assert audit.patient is None
    assert audit.actor is None
    assert str(user_pk) not in str(audit.detail.get("after"))


def test_erasure_is_idempotent(closed_patient, settings):
    settings.LDN_CLOSED_RECORD_RETENTION_DAYS = 30
    with time_machine.travel(CLOSED_ON + timedelta(days=31), tick=False):
        first = erase_closed_records_task()
        second = erase_closed_records_task()

    assert first["closures"] == 1
    assert second == {"closures": 0, "rows": 0}
    assert AccessLog.objects.filter(action="account.erased").count() == 1


def test_a_closed_clinicians_account_is_never_erased(clinician_b, settings):
    closure.close_account(clinician_b, by=None, request=None)
    settings.LDN_CLOSED_RECORD_RETENTION_DAYS = 0

    assert erase_closed_records_task() == {"closures": 0, "rows": 0}
    clinician_b.refresh_from_db()  # still there (DoesNotExist otherwise)
    assert clinician_b.email.endswith("@closed.invalid")


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "Your LDN Journal account is closed", "kept for 8 years after closing"),
        ("de", "Ihr LDN-Journal-Konto ist geschlossen", "8 Jahre aufbewahrt"),
    ],
)
def test_the_closed_person_is_told_once_at_their_old_address_in_their_language(
    admin_web, patient_a, django_capture_on_commit_callbacks, language, subject, words
):
    user = patient_a.user
    user.language = language
    user.save(update_fields=["language"])
    address = user.email
    request = closure.request_closure(user, request=None)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        complete(admin_web, request)

    [message] = mail.outbox
    assert message.to == [address]
    assert subject in message.subject
    assert words in message.body
    assert patient_a.name not in message.body
    assert address not in message.body


def test_nothing_is_sent_when_the_closure_is_refused(
    admin_web, clinician_a, django_capture_on_commit_callbacks
):
    PatientFactory(clinicians=[clinician_a])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_web.post(
            reverse("manage:close_person", args=[clinician_a.pk]), {"confirm": "CLOSE"}
        )
    assert response.status_code == 409
    assert mail.outbox == []
    clinician_a.refresh_from_db()
    assert clinician_a.is_active


def test_completing_forgets_the_name_and_address_in_invitations_and_csv_uploads(
    admin_user, patient_a, clinician_a
):
    old_email, now = patient_a.user.email, timezone.now()
    invitation = Invitation.objects.create(
        email=old_email,
        role="patient",
        invited_by=admin_user,
        clinician=clinician_a,
        display_name="Sam Taylor",
        token_hash=hash_token("x"),
        created_at=now,
        last_sent_at=now,
        expires_at=now,
        accepted_at=now,
        accepted_user=patient_a.user,
    )
    batch = BulkInvitation.objects.create(created_by=admin_user, status="done")
    row = dict(batch=batch, role="patient", clinician_email=clinician_a.email, verdict="invite")
    BulkInvitationRow.objects.create(
        number=2, email=old_email, name="Sam Taylor", invitation=invitation, **row
    )
    # A later upload typed with the same address, differently cased.
    BulkInvitationRow.objects.create(number=3, email=old_email.upper(), name="S. Taylor", **row)

    closure.close_account(patient_a.user, by=admin_user, request=None)

    invitation.refresh_from_db()
    patient_a.user.refresh_from_db()
    assert invitation.display_name == ""
    assert list(BulkInvitationRow.objects.values_list("email", "name")) == [
        (patient_a.user.email, ""),
        (patient_a.user.email, ""),
    ]
    detail = AccessLog.objects.get(action="account.closed").detail
    assert (
        detail["before"]["bulk_rows_naming_them"],
        detail["after"]["bulk_rows_naming_them"],
    ) == (2, 0)
    assert (
        detail["before"]["invitations_naming_them"],
        detail["after"]["invitations_naming_them"],
    ) == (1, 0)


def test_closing_a_clinician_replaces_their_address_in_csv_uploads(admin_user, clinician_b):
    batch = BulkInvitation.objects.create(created_by=admin_user, status="done")
    BulkInvitationRow.objects.create(
        batch=batch,
        number=2,
        email="x@example.org",
        role="patient",
        clinician_email=clinician_b.email.upper(),
        verdict="invite",
    )
    closure.close_account(clinician_b, by=admin_user, request=None)
    clinician_b.refresh_from_db()
    assert list(BulkInvitationRow.objects.values_list("email", "clinician_email")) == [
        ("x@example.org", clinician_b.email)
    ]


def test_a_closed_patient_raises_no_silence_flags_on_the_list_or_in_the_digest(
    admin_user, patient_a, clinician_a, django_capture_on_commit_callbacks
):
    later = timezone.now() + timedelta(days=20)
    [before] = attention.list_page(clinician_a, later, 1).object_list
    assert {flag.kind for flag in before.flags} == {"quiet"}

    with django_capture_on_commit_callbacks(execute=True):
        closure.close_account(patient_a.user, by=admin_user, request=None)

    # Still on the team's list (the record is kept), without "gone quiet" for eight years.
    [after] = attention.list_page(clinician_a, later, 1).object_list
    assert (after.patient.pk, after.flags) == (patient_a.pk, [])
    assert new_flags_for_clinician(clinician_a, timezone.now(), later) == []
    page = signed_in_reauthenticated(clinician_a).get(
        reverse("clinic:patient", args=[patient_a.pk])
    )
    assert page.status_code == 200


def test_a_closed_account_cannot_be_reactivated(admin_web, admin_user, patient_a):
    """The People page offered "Reactivate" on a closed account, and the POST brought it back
    (its missed-night flags with it; found by an exploratory pass)."""
    complete(admin_web, closure.request_closure(patient_a.user, request=None))
    page = admin_web.get(reverse("manage:people")).content.decode()
    row = page.split("Closed", 1)[1].split("</tr>", 1)[0]
    assert "Reactivate" not in row
    response = admin_web.post(
        reverse("manage:set_active", args=[patient_a.user.pk]), {"active": "1"}, follow=True
    )
    assert "account is closed and cannot be reactivated" in response.content.decode()
    patient_a.user.refresh_from_db()
    assert not patient_a.user.is_active
    with pytest.raises(accounts_admin.AccountClosed):
        accounts_admin.set_user_active(patient_a.user, True)
    patient_a.user.refresh_from_db()
    assert not patient_a.user.is_active


def test_closing_a_clinician_revokes_their_open_patient_invitations_and_says_so(
    admin_web, clinician_a, patient_a
):
    # They listed as open (re-sendable) for ever: a closed account never comes back, so no
    # link of theirs could be accepted again.
    patient_a.memberships.create(clinician=ClinicianFactory())
    open_one = invitations.invite(clinician_a, "new.patient@example.org", "patient").invitation

    page = admin_web.post(
        reverse("manage:close_person", args=[clinician_a.pk]), {"confirm": "CLOSE"}, follow=True
    ).content.decode()

    open_one.refresh_from_db()
    assert open_one.status == Invitation.Status.REVOKED
    assert "1 open patient invitation from Dr A was revoked" in page
    row = AccessLog.objects.get(action="account.closed")
    assert row.detail["patient_invitations_revoked"] == 1
