"""A client signed in through the real login form (the hardening and access-log tests')."""

from django.test import Client

from tests.factories import PASSWORD

REAUTH = "/accounts/reauthenticate/"


def sign_in(email, password=PASSWORD, next_url=None):
    """A client signed in through the real login form (so allauth records the session)."""
    client = Client()
    data = {"login": email, "password": password}
    url = "/accounts/login/" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    return client, response
