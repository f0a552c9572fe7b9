"""The access matrix, generated from Django's URL resolver (in the spirit of 18F tock's
test_url_auth.py and healthchecks' owner/teammate/outsider tests).

Every URL pattern is requested with GET and POST by every member of a small clinic. Objects in
the URL belong to patient A, who is on clinician A's care team. Who may use each view is
declared once, in tests/security/access_rules.py; a URL with no declaration fails the run.
"""

import re

import pytest
from django.db import transaction

from tests import figures
from tests.security.access_matrix_support import URLS, concrete
from tests.security.access_rules import (
    ALL_ROLES,
    RULES,
    build_cast,
)
from tests.security.reauth import mark_reauthenticated


def test_every_url_has_an_access_declaration():
    undeclared = sorted({name or route for route, name in URLS} - set(RULES))
    assert not undeclared, (
        "These URLs have no access declaration in tests/security/access_rules.py: "
        + ", ".join(undeclared)
    )


def test_every_url_has_a_name():
    assert all(name for _, name in URLS), [route for route, name in URLS if not name]


def _is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _is_mfa_redirect(response):
    return response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def _assert_never_cached_or_framed(response, context):
    """A page for a signed-in person (or an export) carries their data: no cache may keep
    it, and HTML pages carry the CSP."""
    assert "no-store" in response.get("Cache-Control", ""), f"{context}: cacheable"
    figures.add("access matrix", "pages proven no-store")
    if response.get("Content-Type", "").startswith("text/html"):
        policy = response.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, context
        assert "unsafe-inline" not in policy, context


_ID = re.compile(r'\sid="([^"]+)"')
_DESCRIBED_BY = re.compile(r'\saria-describedby="([^"]*)"')


def _assert_labels_point_somewhere(response, context):
    """Every page a role may open: no label for nothing, no description that is not there
    (a radio group's <label for=""> and help ids never written: exploratory testing)."""
    if "text/html" not in response.get("Content-Type", "") or response.streaming:
        return
    html = response.content.decode()
    assert 'for=""' not in html, f"{context}: a label for nothing"
    ids = set(_ID.findall(html))
    missing = {
        token
        for value in _DESCRIBED_BY.findall(html)
        for token in value.split()
        if token not in ids
    }
    assert not missing, f"{context}: aria-describedby names no element: {sorted(missing)}"
    figures.add("access matrix", "pages proven to label and describe only what is there")


def _assert_answer(response, rule, role, method, url):
    """The response is what the rule promises this role for this method."""
    expected = rule.expected(role, method)
    figures.add("access matrix", "requests")
    assert response.status_code < 500, f"{method.upper()} {url} as {role}: 5xx"
    context = f"{method.upper()} {url} as {role}: got {response.status_code}"
    if not rule.serves(method) and response.status_code in (404, 405):
        # Refused by method, the same for any object and role: reveals nothing.
        if expected != "allowed":
            figures.add("access matrix", "denials proven")
        return
    if expected == "allowed":
        assert response.status_code not in (403, 404), context
        assert not _is_login_redirect(response), context
        assert not _is_mfa_redirect(response), context
        if response.status_code == 200:
            _assert_never_cached_or_framed(response, context)
            _assert_labels_point_somewhere(response, context)
        return
    if expected == "any":
        return
    denied = {
        "login": _is_login_redirect,
        "mfa": _is_mfa_redirect,
        "404": lambda answer: answer.status_code == 404,
    }
    if expected not in denied:  # pragma: no cover - a typo in a rule
        raise AssertionError(f"unknown expectation {expected!r}")
    assert denied[expected](response), context
    figures.add("access matrix", "denials proven")


@pytest.mark.parametrize(("route", "name"), URLS, ids=[name or route for route, name in URLS])
def test_access_matrix(route, name, client, settings, db):
    if name not in RULES:
        pytest.fail(f"{name} has no access declaration")
    rule = RULES[name]
    cast = build_cast()
    url = concrete(route, name, cast)
    for role in ALL_ROLES:
        for method in ("get", "post"):
            client.logout()
            settings.LDN_REQUIRE_STAFF_MFA = role == "staff_no_mfa"
            user = cast.user_for(role)
            if user is not None:
                client.force_login(user)
                if rule.reauth:
                    mark_reauthenticated(client, user)
            # Each request in its own savepoint: one role's POST (an undo, a resend) must
            # not change what the next role finds.
            with transaction.atomic():
                response = getattr(client, method)(url)
                transaction.set_rollback(True)
            _assert_answer(response, rule, role, method, url)
    figures.add("access matrix", "urls")
    figures.FIGURES["access matrix"]["roles"] = len(ALL_ROLES)
    figures.FIGURES["access matrix"]["methods"] = 2
