"""How long a sign-in lasts on this device: the "Keep me signed in" box, for every way in.

allauth's sign-in form sets the session's length from the box itself (LoginForm.login), but
only on the password path: a passkey sign-in, a sign-in by emailed code and the sign-in that
ends a sign-up kept Django's default, a 30-day cookie nobody asked for. The adapter's
post_login (every login passes there) asks `remembered` and applies it.
"""

from allauth.account import app_settings
from allauth.account.internal.flows.login import get_authentication_records
from django import forms

# The passkey form's copy of the box (templates/account/login.html, static/js/signin.js).
REMEMBER_FIELD = "remember"


def _box_ticked(request):
    raw = forms.CheckboxInput().value_from_datadict(request.POST, None, REMEMBER_FIELD)
    return forms.BooleanField(required=False).to_python(raw)


def remembered(request, user, *, signup):
    """Whether this login is to outlast the browser: True, False, or None when the password
    form decides (at this step, or at the password step before an MFA code)."""
    if signup:
        # A new account has not asked to be remembered: its session ends with the browser.
        return False
    records = get_authentication_records(request, user)
    if any(record.get("method") == "password" for record in records):
        return None
    if app_settings.SESSION_REMEMBER is not None:
        return app_settings.SESSION_REMEMBER
    passkey = any(
        record.get("method") == "mfa" and record.get("passwordless") for record in records
    )
    # The passkey form carries the box; any other way in (a code by email) has no box.
    return bool(passkey and _box_ticked(request))


def apply(session, remember):
    """As allauth's sign-in form: 30 days (SESSION_COOKIE_AGE) or until the browser closes.
    A staff session is capped after this (middleware.cap_staff_expiry)."""
    if remember is None:
        return
    session.set_expiry(app_settings.SESSION_COOKIE_AGE if remember else 0)
