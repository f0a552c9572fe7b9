"""Inviting people into the clinic: create, send, re-send, revoke, accept.

Nobody self-registers. A clinician invites patients (who join that clinician's care team);
an admin invites clinicians and admins. The link carries a random token whose hash is
stored, is single-use and expires after LDN_INVITATION_DAYS.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, OperationalError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from ldn_journal.accounts.models import Invitation, Role, User, hash_token
from patients import care_team
from patients.models import CareTeamMembership, Patient, default_time_zone
from patients.rules.emergency import zone_for_country

SESSION_KEY = "ldn_invitation_id"


def roles_invitable_by(user):
    if user.role == Role.ADMIN:
        return [Role.CLINICIAN, Role.ADMIN]
    if user.role == Role.CLINICIAN:
        return [Role.PATIENT]
    return []


@dataclass
class InviteOutcome:
    invitation: Invitation | None = None
    care_team_request: object | None = None  # patients.models.CareTeamRequest


def patients_clinician(inviter, role, clinician=None):
    """Whose care team an invited patient joins: the inviting clinician's, or for an admin
    (bulk invitations) the active clinician they name. None for staff invitations."""
    if role != Role.PATIENT:
        return None
    if inviter.role == Role.CLINICIAN:
        return inviter
    if clinician is None or clinician.role != Role.CLINICIAN or not clinician.is_active:
        raise ValidationError(
            gettext("A patient's invitation needs an active clinician to join."),
            code="clinician_missing" if clinician is None else "clinician_inactive",
        )
    return clinician


def _check_role(inviter, role, clinician):
    admin_inviting_patient = inviter.role == Role.ADMIN and role == Role.PATIENT and clinician
    if role not in roles_invitable_by(inviter) and not admin_inviting_patient:
        raise ValidationError(
            gettext("You cannot invite someone with that role."), code="role_not_allowed"
        )


def invite(
    inviter, email, role, *, now=None, country="", clinician=None, name="", language=""
) -> InviteOutcome:
    """Invite `email` as `role`, or ask an existing patient to let the clinician join.

    The one way an invitation is made: the invitation forms and bulk invitations from CSV
    (bulk_invitations.py) both call it. `clinician` is the patient's clinician when an admin
    invites a patient (a clinician's patients join the clinician's own team); `name` and
    `language` pre-fill the new account.

    A clinician's invitation has one outcome they can see, whatever the address: a new
    address gets an invitation; an existing patient a care-team request they accept or
    decline; staff, deactivated accounts, a patient already on the team or an address with
    an open invitation get nothing new. The form answers the same in every case, so it
    tells nobody what kind of account an address has (issue 15). Admins, who see every
    account anyway, are told why an invitation cannot be made.

    Raises ValidationError (with a code) with a message for the person inviting when it
    cannot be done.
    """
    now = now or timezone.now()
    email = email.strip().lower()
    _check_role(inviter, role, clinician)
    joins = patients_clinician(inviter, role, clinician)
    answers_uniformly = inviter.role == Role.CLINICIAN

    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        if role == Role.PATIENT and existing.role == Role.PATIENT and existing.is_active:
            patient = Patient.objects.filter(user=existing).first()
            if patient is not None:
                asked = care_team.ask_to_join(patient, joins, requested_by=inviter, now=now)
                return InviteOutcome(care_team_request=asked)
        if answers_uniformly:
            return InviteOutcome()
        raise ValidationError(
            existing_account_message(existing.role, role, active=existing.is_active),
            code="account_exists",
        )

    with transaction.atomic():
        # An expired invitation no longer blocks a new one.
        Invitation.objects.filter(
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__lte=now,
        ).update(revoked_at=now)
        invitation = Invitation(
            email=email,
            role=role,
            invited_by=inviter,
            clinician=joins,
            country=(country or "").upper() if role == Role.PATIENT else "",
            display_name=(name or "").strip()[:150],
            language=language or "",
            created_at=now,
            last_sent_at=now,
        )
        token = invitation.new_token(now)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            if answers_uniformly:
                # Already invited: the open invitation stands (its inviter may re-send it).
                return InviteOutcome()
            raise ValidationError(
                _already_invited_message(inviter, email), code="already_invited"
            ) from None
    send_invitation_email(invitation, token)
    return InviteOutcome(invitation=invitation)


def existing_account_message(actual_role, role, *, active=True):
    """Why an admin cannot invite an address that has an account (its role `actual_role`)
    as `role`, and what to do instead: admins see every account anyway (a clinician is never
    told, see invite()). Plain values, so a bulk-invitation row stored days ago says the same."""
    names = {"role": str(Role(role).label), "actual": str(Role(actual_role).label)}
    if actual_role != role:
        return (
            gettext(
                "This address already has an account with the role “%(actual)s”, so it cannot "
                "be invited as “%(role)s”: an account has one role. Find the account under "
                "People to manage it."
            )
            % names
        )
    if not active:
        return (
            gettext(
                "This address already has an account with the role “%(role)s”, but it is "
                "deactivated: reactivate it under People instead of inviting it."
            )
            % names
        )
    return (
        gettext(
            "This address already has an account with the role “%(role)s”: there is nothing "
            "to invite. The person signs in with it (or resets their password from the sign-in "
            "page); find the account under People to manage it."
        )
        % names
    )


def _already_invited_message(inviter, email):
    mine = (
        Invitation.objects.visible_to(inviter)
        .filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .exists()
    )
    if mine:
        return gettext(
            "This address already has a pending invitation. Re-send it from your list of "
            "invitations instead."
        )
    return gettext(
        "This address already has a pending invitation from someone else at the clinic. "
        "They can re-send or revoke it; an admin can see every invitation."
    )


def resend(invitation, *, now=None):
    """Rotate the token (old links stop working), extend the expiry and send again."""
    now = now or timezone.now()
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(gettext("Only a pending or expired invitation can be re-sent."))
    if invitation.role == Role.PATIENT and not (
        invitation.clinician is not None and invitation.clinician.is_active
    ):
        # Its link leads nowhere while the clinician is deactivated (can_be_accepted): a
        # re-send said "sent again" and mailed the patient a dead link (found by exploratory
        # QA).
        raise ValidationError(
            gettext(
                "Not sent: %(name)s, whose care team this patient would join, is deactivated, "
                "so the link would not work. Revoke this invitation and invite the patient "
                "from an active clinician's account."
            )
            % {"name": invitation.clinician.name if invitation.clinician else ""},
            code="clinician_inactive",
        )
    token = invitation.new_token(now)
    invitation.last_sent_at = now
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "expires_at", "last_sent_at", "send_count"])
    send_invitation_email(invitation, token)


def revoke(invitation, *, now=None):
    now = now or timezone.now()
    updated = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    if not updated:
        raise ValidationError(gettext("Only a pending invitation can be revoked."))


def open_for_clinician(clinician):
    """Patient invitations not yet accepted or revoked whose patient would join `clinician`'s
    care team (pending, or expired and so still re-sendable)."""
    return Invitation.objects.filter(
        role=Role.PATIENT, clinician=clinician, accepted_at__isnull=True, revoked_at__isnull=True
    )


def hand_over_open(clinician, taker) -> int:
    """Point `clinician`'s open patient invitations at `taker`'s care team, as their patients
    are handed over when `clinician` is deactivated: left behind, every link stopped working.
    The links themselves stay the same. Returns how many moved."""
    return open_for_clinician(clinician).update(clinician=taker)


def left_behind_message(clinician, count):
    """What the admin is told when `clinician` is deactivated with `count` open patient
    invitations and nobody took them over (the People page and the Django admin)."""
    return ngettext(
        "%(count)s patient invitation from %(name)s can no longer be accepted: it would "
        "join a care team with no active clinician. Under Invitations, revoke it and "
        "invite the patient from an active clinician's account, or reactivate %(name)s.",
        "%(count)s patient invitations from %(name)s can no longer be accepted: they would "
        "join a care team with no active clinician. Under Invitations, revoke them and "
        "invite the patients from an active clinician's account, or reactivate %(name)s.",
        count,
    ) % {"count": count, "name": clinician.name}


def invitation_url(token):
    return settings.SITE_URL + reverse("accept_invitation", args=[token])


def send_invitation_email(invitation, token):
    inviter = invitation.invited_by
    if not inviter.is_active and invitation.clinician is not None:
        # Handed over when the inviter left (hand_over_open): a re-sent link named someone
        # who has left; it names the clinician whose team the patient joins.
        inviter = invitation.clinician
    context = {
        "invitation": invitation,
        "url": invitation_url(token),
        "inviter": inviter,
        "days": settings.LDN_INVITATION_DAYS,
    }
    # In the invitation's language when it has one (bulk invitations), else in the language
    # the inviter's page is in (the invited person has no setting yet).
    with translation.override(invitation.language or translation.get_language()):
        subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + gettext("You are invited to LDN Journal")
        text = render_to_string("accounts/email/invitation.txt", context)
        html = render_to_string("accounts/email/invitation.html", context)
    message = EmailMultiAlternatives(subject, text, to=[invitation.email])
    message.attach_alternative(html, "text/html")
    message.send()


def find_pending(token, now=None):
    """The pending invitation for a link token, or None (unknown, used, revoked, expired)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("clinician").filter(token_hash=hash_token(token)).first()
    )
    if invitation is None or not can_be_accepted(invitation, now):
        return None
    return invitation


def can_be_accepted(invitation, now=None) -> bool:
    """Pending (Invitation.status_at, which the invitation lists show too): for a patient
    that includes the clinician still being active, since joining a team with no active
    clinician would leave the patient's urgent reports with nobody to open them."""
    return invitation.status_at(now) == Invitation.Status.PENDING


def invitation_from_session(request):
    invitation_id = request.session.get(SESSION_KEY)
    if not invitation_id:
        return None
    invitation = Invitation.objects.select_related("clinician").filter(pk=invitation_id).first()
    if invitation is None or not can_be_accepted(invitation):
        return None
    return invitation


def accept(invitation_id, user, *, now=None, time_zone=""):
    """Claim the invitation and save the new user with it, exactly once.

    The invitation row is locked before the user is inserted, so a second simultaneous
    accept of the same link waits, then finds it used. (SQLite has no row locks; there the
    unique email makes the second insert fail, which ends the same way.)

    A patient's clinician's row is locked first, as deactivating them locks it
    (accounts_admin.set_user_active): a deactivation in progress finishes before this reads
    whether they are active, and one that starts later finds the new patient on their team.
    Unlocked, a sign-up saw a leaving clinician as active and made a patient whose only
    clinician was gone. Clinician, then invitation: the order a deactivation that hands
    invitations over takes them in.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            locked = _lock_with_clinician(invitation_id)
            if locked is None or not can_be_accepted(locked, now):
                raise InvitationNoLongerValid
            user.email = locked.email
            user.role = locked.role
            user.language = user.language or locked.language
            user.save()
            locked.accepted_at = now
            locked.accepted_user = user
            locked.save(update_fields=["accepted_at", "accepted_user"])
            if locked.role == Role.PATIENT:
                # The zone chosen at sign-up, else the invitation's country's, else the
                # clinic's default.
                zone = time_zone or zone_for_country(locked.country) or default_time_zone()
                patient = Patient.objects.create(user=user, country=locked.country, time_zone=zone)
                CareTeamMembership.objects.create(
                    patient=patient, clinician=locked.clinician, added_by=locked.invited_by
                )
    except IntegrityError:
        raise InvitationNoLongerValid from None
    except OperationalError as exc:
        # A deadlock or serialization failure with a deactivation that hands this invitation
        # over at the same moment answered 500; the sign-up is told the link no longer
        # works (nothing was saved: the transaction rolled back). Other errors still raise.
        if getattr(exc.__cause__, "sqlstate", None) in LOCK_CONFLICTS:
            raise InvitationNoLongerValid from None
        raise
    return locked


# PostgreSQL's deadlock_detected and serialization_failure.
LOCK_CONFLICTS = {"40P01", "40001"}


class _MovedOn(Exception):
    """The invitation was handed to another clinician between reading and locking it."""


def _lock_with_clinician(invitation_id, attempts=3):
    """The invitation locked, its clinician (if any) locked before it and read afresh; None
    when it keeps moving to another clinician (handed over while this waited).

    Each attempt runs in a savepoint that a miss rolls back, letting go of the invitation's
    lock: the retry held it while it locked the new clinician, invitation then clinician,
    the reverse of a deactivation's order, and the two could deadlock."""
    for _attempt in range(attempts):
        try:
            with transaction.atomic():
                clinician_id = (
                    Invitation.objects.filter(pk=invitation_id)
                    .values_list("clinician_id", flat=True)
                    .get()
                )
                clinician = (
                    User.objects.select_for_update().get(pk=clinician_id) if clinician_id else None
                )
                locked = Invitation.objects.select_for_update().get(pk=invitation_id)
                if locked.clinician_id != clinician_id:
                    raise _MovedOn
        except _MovedOn:
            continue
        locked.clinician = clinician
        return locked
    return None


class InvitationNoLongerValid(Exception):
    """The invitation was used, revoked or expired between opening the link and signing up."""
