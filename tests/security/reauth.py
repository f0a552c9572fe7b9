"""Mark a test client's session as having just re-entered its password.

Sensitive views (plan holds, exports, email and MFA changes) use allauth's
`reauthentication_required`. Fixture clients made with `force_login` call
`mark_reauthenticated` so tests of what those views do are not stopped at the prompt;
tests of the prompt itself sign in through the real login form instead. `signed_in` and
`signed_in_reauthenticated` give a test a browser of its own, without and with the mark.
"""

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY,
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.internal.userkit import user_id_to_str
from django.test import Client

# Far in the future, so a test that freezes the clock never sees the confirmation expire.
_CONFIRMED_AT = 4_102_444_800  # 2100-01-01


def mark_reauthenticated(client, user):
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "password", "at": _CONFIRMED_AT, "reauthenticated": True}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


def signed_in(user):
    """A browser of its own with ``user`` signed in (force_login)."""
    client = Client()
    client.force_login(user)
    return client


def signed_in_reauthenticated(user):
    """A browser of its own with ``user`` signed in, as if they had just re-entered their
    password (the sensitive views let it through without the prompt)."""
    client = signed_in(user)
    mark_reauthenticated(client, user)
    return client
