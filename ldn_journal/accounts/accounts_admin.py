"""Account-level operations an admin performs: deactivate and reactivate."""

from allauth.usersessions.models import UserSession
from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from ldn_journal.accounts import invitations
from ldn_journal.accounts.access_log import patient_of, record_access
from ldn_journal.accounts.models import Role, User, is_closed
from patients import care_team


class LastClinician(Exception):
    """Deactivating this clinician would leave patients with no active clinician."""

    def __init__(self, user, patients):
        self.user = user
        self.patients = list(patients)
        names = ", ".join(patient.name for patient in self.patients)
        # In the admin's language (the request's, active when this is raised).
        super().__init__(
            ngettext(
                "%(name)s is the only active clinician of %(count)s patient (%(names)s). "
                "Choose a clinician to take them over, or add one to their care teams first.",
                "%(name)s is the only active clinician of %(count)s patients (%(names)s). "
                "Choose a clinician to take them over, or add one to their care teams first.",
                len(self.patients),
            )
            % {"name": user.name, "count": len(self.patients), "names": names}
        )


def end_all_sessions(user):
    """Sign the user out everywhere.

    usersessions tracks every session from sign-in; and Django's backend refuses an inactive
    user on the next request anyway, so a session it missed would still be dead.
    """
    for session in UserSession.objects.filter(user=user):
        session.end()


class AccountClosed(Exception):
    """A closed account cannot be reactivated: its email, password and identifiers are gone
    (ldn_journal.accounts.closure); the person is invited again for a new account."""


def set_user_active(user, active, *, request=None, taker=None) -> bool:
    """(De)activate `user`. A clinician who is the last active one of any patient is kept
    unless `taker` (an active clinician) takes those patients over in the same step: an
    urgent report must always reach someone who can open it. A taker also receives the
    clinician's open patient invitations (invitations.hand_over_open). A closed account is never
    reactivated (AccountClosed): the People page offered it, and the account came back.

    False, changing nothing, when `user` already is so: deactivating again (a second tab, a
    double tap) overwrote the deactivation time and logged a second deactivation. The
    locked row decides, so two requests at once change it once."""
    if active and is_closed(user):
        raise AccountClosed(user)
    # How many patients `taker` took over (read by the People page's message).
    user.patients_handed_over = 0
    with transaction.atomic():
        stored = User.objects.select_for_update().filter(pk=user.pk)
        if stored.values_list("is_active", flat=True).get() == active:
            return False
        if not active and user.role == Role.CLINICIAN:
            alone = list(care_team.patients_left_alone(user))
            if alone and (taker is None or taker.pk == user.pk):
                raise LastClinician(user, alone)
            if taker is not None and taker.pk != user.pk:
                care_team.check_can_join(taker)
                if alone:
                    by = getattr(request, "user", None)
                    user.patients_handed_over = care_team.hand_over(
                        alone, taker, by=by, request=request
                    )
                # Their open invitations go too: left behind, no link of theirs could be
                # accepted any more, while the list still said "Pending".
                invitations.hand_over_open(user, taker)
        user.is_active = active
        user.deactivated_at = None if active else timezone.now()
        user.save(update_fields=["is_active", "deactivated_at", "is_staff"])
        record_access(
            request,
            "account_reactivated" if active else "account_deactivated",
            patient=patient_of(user),
            obj=user,
        )
    if not active:
        end_all_sessions(user)
    return True
