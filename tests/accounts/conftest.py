"""Helpers for the accounts tests: signing in through the real allauth form, MFA on."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


def sign_in(client, email, password=PASSWORD, **extra):
    """POST the real allauth login form; returns the response (not followed)."""
    return client.post(reverse("account_login"), {"login": email, "password": password, **extra})


@pytest.fixture
def staff_mfa_required(settings):
    settings.LDN_REQUIRE_STAFF_MFA = True
    return settings
