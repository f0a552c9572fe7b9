"""Security events go to the access log."""

import time

from allauth.account.signals import password_changed, password_reset, user_logged_in
from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_out, user_login_failed
from django.dispatch import receiver

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import activate_for, remember_page_language
from ldn_journal.accounts.middleware import LAST_SEEN_KEY, SESSION_STARTED_KEY


@receiver(user_logged_in)
def on_login(request, user, **kwargs):
    request.session[SESSION_STARTED_KEY] = request.session[LAST_SEEN_KEY] = time.time()
    record_access(request, "login", actor=user)
    # A user with no language setting signing in on a Spanish or German page keeps it, so
    # their emails (written with no browser asking) are in it too.
    remember_page_language(request, user)
    # From here the request speaks the user's language, not the browser's: the "Signed in
    # as ..." message allauth adds next is written now, and was in the browser's.
    if user.language:
        activate_for(request, user.language)


@receiver(user_logged_out, dispatch_uid="page_language_after_sign_out")
def on_logout(request, user, **kwargs):
    # The rest of the request speaks the browser's language, as the sign-in page it leads to
    # does: "Password successfully changed" (said after the sign-out a password change
    # makes) and why a staff session ended were in the user's language on that page.
    if request is not None:
        activate_for(request, "")


@receiver(user_login_failed)
def on_login_failed(credentials, request=None, **kwargs):
    # The attempted address is not stored: it may be a patient's, and nobody signed in.
    if request is not None:
        record_access(request, "login_failed", actor=None)


@receiver(authenticator_added)
def on_mfa_added(request, user, authenticator, **kwargs):
    record_access(request, "mfa_added", actor=user, detail={"type": authenticator.type})


@receiver(authenticator_removed)
def on_mfa_removed(request, user, authenticator, **kwargs):
    record_access(request, "mfa_removed", actor=user, detail={"type": authenticator.type})


@receiver(password_changed)
@receiver(password_reset)
def on_password_changed(request, user, **kwargs):
    record_access(request, "password_changed", actor=user)
