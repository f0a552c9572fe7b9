"""The staff session policy, the MFA requirement and no-store caching."""

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.session_store import AGE_KEY
from ldn_journal.compiled_queries import CompiledQuery

# Paths that never need a session, a login or MFA.
EXEMPT_PREFIXES = ("/healthz", "/static/", "/favicon.ico", "/sw.js", "/manifest.webmanifest")


def _exempt(path):
    return path.startswith(EXEMPT_PREFIXES)


SESSION_STARTED_KEY = "ldn_auth_started"
LAST_SEEN_KEY = "ldn_last_seen"
# The idle clock is written at most once a minute, so a page view does not cost a session
# write: staff are signed out after between 29 and 30 minutes without a request.
LAST_SEEN_RESOLUTION_SECONDS = 60


def _end_session(request, message):
    """Sign out, then say why: `message` is called after the sign-out, so it is written in
    the language of the sign-in page that shows it (the browser's, accounts.signals)."""
    logout(request)
    messages.info(request, message())
    return redirect_to_login(request.get_full_path(), reverse("account_login"))


def _signed_out_after_hours():
    return gettext(
        "For your patients' safety you were signed out after %(hours)s hours. Sign in again."
    ) % {"hours": settings.LDN_STAFF_ABSOLUTE_SECONDS // 3600}


def _signed_out_when_idle():
    return gettext(
        "For your patients' safety you were signed out after %(minutes)s minutes "
        "without activity. Sign in again."
    ) % {"minutes": settings.LDN_STAFF_IDLE_SECONDS // 60}


class SessionPolicyMiddleware:
    """Staff sessions end after 30 minutes idle and 12 hours in all; patients may stay 30 days.

    Patients' sessions follow allauth's "remember me" (SESSION_COOKIE_AGE, 30 days) or end
    with the browser. The clock is `time.time()` so tests can move it with time-machine.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not _exempt(request.path) and user.is_authenticated and user.is_staff_role:
            response = self._apply_staff_policy(request)
            if response is not None:
                return response
        response = self.get_response(request)
        # The sign-in request began anonymous; allauth's "remember me" then set 30 days
        # after the login itself (and after user_logged_in), so the cap is read off the
        # response: a staff session's row and cookie never carry more than the idle time.
        user = request.user
        if not _exempt(request.path) and user.is_authenticated and user.is_staff_role:
            cap_staff_expiry(request.session)
        return response

    def _apply_staff_policy(self, request):
        session = request.session
        now = time.time()
        started = session.get(SESSION_STARTED_KEY)
        last_seen = session.get(LAST_SEEN_KEY)
        if started is None:
            session[SESSION_STARTED_KEY] = started = now
        if now - started > settings.LDN_STAFF_ABSOLUTE_SECONDS:
            return _end_session(request, _signed_out_after_hours)
        if last_seen is not None and now - last_seen > settings.LDN_STAFF_IDLE_SECONDS:
            return _end_session(request, _signed_out_when_idle)
        if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_KEY] = now
            # A remembered session's cookie rolls with the idle time (its row and cookie
            # are written now anyway); one that ends with the browser stays that way.
            if not session.get_expire_at_browser_close():
                session.set_expiry(settings.LDN_STAFF_IDLE_SECONDS)
        return None


def cap_staff_expiry(session):
    """No staff session's cookie or row carries 30 days. A remembered one (or one with no
    expiry of its own) gets the idle time, cookie and row. One that ends with the browser
    (not remembered, or from sign-up: accounts.remember) keeps that cookie; its row, which
    Django gave SESSION_COOKIE_AGE, gets the 12-hour limit: not the idle time, so that after
    an idle sign-out the row is still there to say why. Written only when something changes."""
    if session.get(AGE_KEY) != settings.LDN_STAFF_ABSOLUTE_SECONDS:
        session[AGE_KEY] = settings.LDN_STAFF_ABSOLUTE_SECONDS
    idle = settings.LDN_STAFF_IDLE_SECONDS
    if not session.get_expire_at_browser_close() and session.get_expiry_age() > idle:
        session.set_expiry(idle)


MFA_ALLOWED_PREFIXES = ("/accounts/",)


def _second_factors(user_id):
    return Authenticator.objects.filter(
        user_id=user_id, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).values_list("pk")[:1]


# Asked on every staff request: compiled to SQL once per process.
_SECOND_FACTOR = CompiledQuery(_second_factors, -5_000_001)


def user_has_mfa(user):
    return bool(_SECOND_FACTOR.values(user.pk))


def mfa_required_for(user):
    if user.role in (Role.CLINICIAN, Role.ADMIN):
        return settings.LDN_REQUIRE_STAFF_MFA
    return settings.LDN_REQUIRE_PATIENT_MFA


class RequireMFAMiddleware:
    """Until they have set up a second factor, required users reach only account pages.

    allauth has no switch for "MFA required", so this sends every other request to the
    TOTP setup page. The check asks the database about the user on every request (one
    indexed EXISTS, for required users only): a result remembered in the session outlived
    the factor, so removing it in one session left the user's other sessions exempt.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if (
            not _exempt(path)
            and not path.startswith(MFA_ALLOWED_PREFIXES)
            and request.user.is_authenticated
            and mfa_required_for(request.user)
            and not user_has_mfa(request.user)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for signed-in users carry health data: never keep them in any cache."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Exempt paths (health check, static files) never touch the session: no query.
        if not _exempt(request.path) and (
            response.get("Content-Disposition") or request.user.is_authenticated
        ):
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response
