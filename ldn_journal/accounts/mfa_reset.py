"""An admin resets a locked-out user's second factor: every authenticator goes, every session
ends, and the user is told. Staff then meet the MFA middleware, which sends them to set it up
again before they see patient data."""

from collections import Counter

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext, ngettext

from ldn_journal.accounts.access_log import patient_of, record_access
from ldn_journal.accounts.accounts_admin import end_all_sessions
from ldn_journal.accounts.languages import speaking_to


def method_labels(types):
    """An account's second factors in words, each kind once (the reset page listed allauth's
    codes, "recovery_codes, totp", in every language)."""
    count = Counter(types)
    labels = []
    if count[Authenticator.Type.TOTP]:
        labels.append(gettext("authenticator app"))
    if keys := count[Authenticator.Type.WEBAUTHN]:
        labels.append(
            ngettext("security key or passkey", "%(count)s security keys or passkeys", keys)
            % {"count": keys}
        )
    if count[Authenticator.Type.RECOVERY_CODES]:
        labels.append(gettext("recovery codes"))
    return labels


def reset_mfa(user, *, reason, request):
    """Remove all of `user`'s authenticators; returns how many there were.

    With none there is nothing to reset: nothing is logged, no session ends and no email
    says that methods were removed (0 is returned and the caller says so)."""
    with transaction.atomic():
        authenticators = Authenticator.objects.filter(user=user)
        # Locked: of two admins resetting at once, the second finds none left.
        before = sorted(authenticators.select_for_update().values_list("type", flat=True))
        if not before:
            return 0
        authenticators.delete()
        record_access(
            request,
            "mfa.reset",
            patient=patient_of(user),
            obj=user,
            # The reason is the admin's own words about the account, never health data.
            detail={"before": before, "after": [], "reason": reason},
        )
    end_all_sessions(user)
    with speaking_to(user):
        subject = gettext("Your two-step sign-in was reset")
        body = render_to_string("accounts/email/mfa_reset.txt", {"user": user})
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [user.email])
    return len(before)
