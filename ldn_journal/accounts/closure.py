"""Closing an account: a patient asks, an admin completes it, and after the retention period
a daily task erases a closed patient's clinical record.

Completing a closure disables sign-in, stops reminders and forgets the person (identifiers
replaced or blanked, second factors and email addresses removed) but keeps the clinical
record (entries, plans, urgent reports) for LDN_CLOSED_RECORD_RETENTION_DAYS, for clinical
and legal reasons (SECURITY.md). Audit rows hold ids, codes and counts, never the identifiers.
"""

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ldn_journal.accounts import invitations
from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.accounts_admin import end_all_sessions, is_closed
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import (
    AccountClosure,
    BulkInvitationRow,
    Invitation,
    Role,
    User,
)
from patients import care_team
from patients.models import (
    ClinicianNote,
    NightlyEntry,
    Patient,
    PushSubscription,
    ReminderDelivery,
    UrgentReport,
)
from prescriptions.models import PlanVersion, Prescription

# Reserved by RFC 2606: mail to it can never be delivered.
PLACEHOLDER_DOMAIN = "closed.invalid"


class AlreadyRequested(Exception):
    """The user has an open closure request already (a second tap, another tab)."""

    def __init__(self, closure):
        self.closure = closure
        super().__init__(f"closure #{closure.pk} is open")


class AlreadyClosed(Exception):
    """The account was closed before."""


class StillTheOnlyClinician(Exception):
    """A clinician is the only active clinician of some patients: reassign them first."""

    def __init__(self, user, count):
        self.user, self.count = user, count
        super().__init__(f"only active clinician of {count} patient(s)")


def placeholder_email(user) -> str:
    """Unique (the user id) and never deliverable."""
    return f"closed-{user.pk}@{PLACEHOLDER_DOMAIN}"


def open_request(user):
    return AccountClosure.objects.open().filter(user=user).first()


def request_closure(user, *, request, now=None):
    """The user asks for their account to be closed; the admins are emailed."""
    now = now or timezone.now()
    if is_closed(user):
        raise AlreadyClosed
    try:
        # The partial unique constraint decides a double submit: one open request each.
        with transaction.atomic():
            closure = AccountClosure.objects.create(
                user=user, role=user.role, requested_by=user, requested_at=now
            )
            record_access(
                request,
                "account.closure_requested",
                patient=_patient_of(user),
                obj=closure,
                actor=user,
                detail={"before": {"closure": None}, "after": {"closure": "open"}},
            )
    except IntegrityError:
        raise AlreadyRequested(open_request(user)) from None
    transaction.on_commit(lambda: tell_admins(closure))
    return closure


def tell_admins(closure):
    """Each active admin, in their language; the email names no one (a link to the list)."""
    url = settings.SITE_URL + reverse("manage:closures")
    for admin in User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"):
        with speaking_to(admin):
            subject = gettext("An account closure was requested")
            body = render_to_string(
                "accounts/email/closure_requested.txt",
                {"closure": closure, "role": closure.get_role_display(), "url": url},
            )
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [admin.email])


def retention_years() -> int:
    """LDN_CLOSED_RECORD_RETENTION_DAYS in whole years, as every page and email says it."""
    return max(1, round(settings.LDN_CLOSED_RECORD_RETENTION_DAYS / 365.25))


def closed_notice(user):
    """The email telling `user` their account is closed, in their language, written while
    the address is still theirs (closing replaces it). None when there is no real address."""
    if user.email.endswith("@" + PLACEHOLDER_DOMAIN):
        return None
    with speaking_to(user):
        subject = gettext("Your LDN Journal account is closed")
        body = render_to_string(
            "accounts/email/account_closed.txt",
            {"years": retention_years(), "patient": user.role == Role.PATIENT},
        )
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, user.email


def _patient_of(user):
    return Patient.objects.filter(user=user).first() if user.role == Role.PATIENT else None


def patients_needing_another_clinician(user) -> int:
    if user.role != Role.CLINICIAN:
        return 0
    return care_team.patients_left_alone(user).count()


def close_account(user, *, by, request, now=None):
    """Complete the closure of `user`'s account (their open request, or a new one made by
    the admin `by`). Raises StillTheOnlyClinician or AlreadyClosed and then changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locks the person: two admins completing at once close it once.
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_closed(user):
            raise AlreadyClosed
        alone = patients_needing_another_clinician(user)
        if alone:
            raise StillTheOnlyClinician(user, alone)
        closure = open_request(user) or AccountClosure.objects.create(
            user=user, role=user.role, requested_by=by, requested_at=now
        )
        patient = _patient_of(user)
        before = _footprint(user, patient)
        notice = closed_notice(user)
        # A closed account never comes back: its open patient invitations could never be
        # accepted (no active clinician), yet they listed as open and could be re-sent.
        revoked = (
            invitations.open_for_clinician(user).update(revoked_at=now)
            if user.role == Role.CLINICIAN
            else 0
        )
        _forget(user, patient)
        closure.closed_at, closure.closed_by = now, by
        closure.save(update_fields=["closed_at", "closed_by"])
        record_access(
            request,
            "account.closed",
            patient=patient,
            obj=closure,
            actor=by,
            detail={
                "user": user.pk,
                "before": before,
                "after": _footprint(user, patient),
                "patient_invitations_revoked": revoked,
            },
        )
        if notice is not None:
            subject, body, address = notice
            transaction.on_commit(lambda: send_mail(subject, body, None, [address]))
    end_all_sessions(user)
    return closure


def _footprint(user, patient):
    """What the account holds, as codes and counts (the audit's before and after)."""
    identifiers = [name for name in ("display_name",) if getattr(user, name)]
    if not user.email.endswith("@" + PLACEHOLDER_DOMAIN):
        identifiers.insert(0, "email")
    reminders = False
    if patient is not None:
        identifiers += [
            name for name in ("phone", "date_of_birth", "record_number") if getattr(patient, name)
        ]
        reminders = any((patient.remind_by_email, patient.remind_by_push, patient.morning_checkin))
    return {
        "active": user.is_active,
        "identifiers": identifiers,
        "email_addresses": EmailAddress.objects.filter(user=user).count(),
        "authenticators": Authenticator.objects.filter(user=user).count(),
        "push_devices": PushSubscription.objects.filter(user=user).count(),
        "invitations_naming_them": _invitations_naming(user).count(),
        "bulk_rows_naming_them": _bulk_rows_naming(user).count(),
        "reminders": reminders,
    }


def _invitations_naming(user):
    return Invitation.objects.filter(accepted_user=user).exclude(
        email=placeholder_email(user), display_name=""
    )


def _bulk_rows_naming(user):
    """Rows of CSV uploads that carry the person's address or name: the row that invited
    them, and any other row typed with their address (as patient or as clinician)."""
    if user.email.endswith("@" + PLACEHOLDER_DOMAIN):
        return BulkInvitationRow.objects.filter(invitation__accepted_user=user).exclude(name="")
    return BulkInvitationRow.objects.filter(
        Q(invitation__accepted_user=user)
        | Q(email__iexact=user.email)
        | Q(clinician_email__iexact=user.email)
    )


def _forget(user, patient):
    placeholder = placeholder_email(user)
    # Before the address is replaced below: the uploads typed with it are found by it.
    old = user.email
    BulkInvitationRow.objects.filter(
        Q(invitation__accepted_user=user) | Q(email__iexact=old)
    ).update(email=placeholder, name="")
    BulkInvitationRow.objects.filter(clinician_email__iexact=old).update(
        clinician_email=placeholder
    )
    Invitation.objects.filter(accepted_user=user).update(email=placeholder, display_name="")
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    PushSubscription.objects.filter(user=user).delete()
    ReminderDelivery.objects.filter(recipient=user, status=ReminderDelivery.Status.PENDING).update(
        status=ReminderDelivery.Status.SKIPPED, last_error="account closed"
    )
    user.email, user.display_name = placeholder, ""
    user.is_active, user.deactivated_at = False, user.deactivated_at or timezone.now()
    user.set_unusable_password()
    user.save()
    if patient is not None:
        patient.phone, patient.record_number, patient.date_of_birth = "", "", None
        patient.remind_by_email = patient.remind_by_push = False
        patient.morning_checkin = patient.last_call = False
        patient.next_reminder_at = None
        patient.save()
        # The history keeps every earlier value: it forgets the identifiers too.
        Patient.history.filter(id=patient.pk).update(phone="", record_number="", date_of_birth=None)


# --- Erasure after the retention period -----------------------------------------------------


@dataclass(frozen=True)
class Erased:
    closures: int
    rows: int

    def as_dict(self):
        return {"closures": self.closures, "rows": self.rows}


def due_for_erasure(now):
    days = settings.LDN_CLOSED_RECORD_RETENTION_DAYS
    return AccountClosure.objects.filter(
        role=Role.PATIENT,
        closed_at__lte=now - timedelta(days=days),
        erased_at__isnull=True,
    )


def erase_due_records(now):
    """Erase every closed patient's record past its retention. A second run (or a redelivered
    task) finds nothing left: each closure is claimed under a row lock and marked erased."""
    closures = rows = 0
    for pk in list(due_for_erasure(now).values_list("pk", flat=True)):
        with transaction.atomic():
            closure = due_for_erasure(now).select_for_update(skip_locked=True).filter(pk=pk).first()
            if closure is None:
                continue
            removed = _erase(closure)
            closure.erased_at = now
            closure.save(update_fields=["erased_at"])
            record_access(
                None,
                "account.erased",
                obj=closure,
                actor=None,
                detail={
                    "closure": closure.pk,
                    "before": {"record": "kept"},
                    "after": {"record": "erased", "rows": removed},
                },
            )
        closures += 1
        rows += removed
    return Erased(closures=closures, rows=rows)


def _erase(closure) -> int:
    """Delete the patient's clinical record and, with it, the account; returns rows deleted."""
    patient = Patient.objects.filter(user_id=closure.user_id).first()
    total = 0
    if patient is not None:
        prescriptions = list(patient.prescriptions.values_list("pk", flat=True))
        # The record protects itself from accidental deletion (PROTECT): children first.
        for queryset in (
            UrgentReport.objects.filter(patient=patient),
            NightlyEntry.objects.filter(patient=patient),
            PlanVersion.objects.filter(prescription_id__in=prescriptions),
            Prescription.objects.filter(pk__in=prescriptions),
            Patient.objects.filter(pk=patient.pk),
            # History rows are not linked by foreign key: their own deletes.
            UrgentReport.history.filter(patient_id=patient.pk),
            NightlyEntry.history.filter(patient_id=patient.pk),
            ClinicianNote.history.filter(patient_id=patient.pk),
            Prescription.history.filter(patient_id=patient.pk),
            Patient.history.filter(id=patient.pk),
        ):
            total += queryset.delete()[0]
    if closure.user_id is not None:
        try:
            with transaction.atomic():
                total += User.objects.filter(pk=closure.user_id).delete()[0]
        except ProtectedError:
            pass  # still named by another record; it holds no identifiers since closing
    return total
