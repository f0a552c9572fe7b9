"""Account-level operations an admin performs: deactivate and reactivate."""

from allauth.usersessions.models import UserSession
from django.utils import timezone

from ldn_journal.accounts.access_log import record_access


def end_all_sessions(user):
    """Sign the user out everywhere.

    usersessions tracks every session from sign-in; and Django's backend refuses an inactive
    user on the next request anyway, so a session it missed would still be dead.
    """
    for session in UserSession.objects.filter(user=user):
        session.end()


def set_user_active(user, active, *, request=None):
    user.is_active = active
    user.deactivated_at = None if active else timezone.now()
    user.save(update_fields=["is_active", "deactivated_at", "is_staff"])
    if not active:
        end_all_sessions(user)
    record_access(
        request,
        "account_reactivated" if active else "account_deactivated",
        patient=getattr(user, "patient", None) if user.is_patient else None,
        obj=user,
    )
