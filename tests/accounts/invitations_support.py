"""The invitation link in an email, and the sign-up form posted (the invitation tests')."""

import re

from django.urls import reverse

NEW_PASSWORD = "a-long-new-password-2026"
LINK = re.compile(r"https?://\S+/invite/([\w-]+)/")


def link_in(message):
    match = LINK.search(message.body)
    assert match, message.body
    return match.group(0).replace("http://127.0.0.1:8000", "")


def sign_up(client, email, name="Sam Taylor", password=NEW_PASSWORD, repeated=None, **fields):
    """The sign-up form posted (``repeated``: the password typed the second time, if not the
    same; ``fields``: the rest, e.g. time_zone). A patient's zone is sent as the page shows
    it for an invitation with no country (the clinic's default), confirmed; a clinician's
    form has no such fields and ignores them."""
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "display_name": name,
            "password1": password,
            "password2": password if repeated is None else repeated,
            "time_zone": "Europe/London",
            "time_zone_confirmed": "on",
            **fields,
        },
    )
