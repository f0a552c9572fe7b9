"""Point 10: styled error pages that leak nothing; CSP, no-store and request-id headers."""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path

import ldn_journal.urls

SECRET_NOTE = "Patient A reported severe nausea after 4.5 mg"


def _explode(request):
    raise RuntimeError(SECRET_NOTE)


def _forbidden(request):
    raise PermissionDenied(SECRET_NOTE)


def _suspicious(request):
    raise SuspiciousOperation(SECRET_NOTE)


urlpatterns = [
    path("boom/", _explode),
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    path("", include(ldn_journal.urls)),
]
handler400 = ldn_journal.urls.handler400
handler403 = ldn_journal.urls.handler403
handler404 = ldn_journal.urls.handler404
handler500 = ldn_journal.urls.handler500


@pytest.fixture
def browser(db):
    return Client(raise_request_exception=False)


@pytest.mark.urls(__name__)
def test_a_server_error_shows_a_styled_page_that_leaks_nothing(browser, patient_a):
    browser.force_login(patient_a.user)
    response = browser.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong on our side" in page
    assert "/static/css/app.css" in page
    for leak in (SECRET_NOTE, "Traceback", "RuntimeError", "Patient A", patient_a.user.email):
        assert leak not in page


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("url", "status", "title"),
    [("/forbidden/", 403, "not allowed"), ("/suspicious/", 400, "could not")],
)
def test_403_and_400_pages_are_styled_and_leak_nothing(browser, url, status, title):
    response = browser.get(url)
    assert response.status_code == status
    page = response.content.decode()
    assert "/static/css/app.css" in page
    assert title in page.lower()
    assert SECRET_NOTE not in page


def test_an_unknown_url_answers_a_styled_404(browser):
    response = browser.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert "/static/css/app.css" in page
    assert 'href="#main"' in page  # the skip link of the base layout
    assert '<html lang="en-gb">' in page


def test_every_page_carries_a_csp_without_unsafe_inline(browser):
    response = browser.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("url", ["/accounts/login/", "/accounts/password/reset/"])
def test_allauth_pages_have_no_inline_script_or_style(browser, url):
    page = browser.get(url).content.decode()
    assert " style=" not in page
    assert "onclick" not in page
    for script in re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S):
        attrs, _body = script
        assert "src=" in attrs or 'type="application/json"' in attrs, script


def test_signed_in_pages_are_never_stored_by_caches(patient_client):
    response = patient_client.get("/journal/")
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_every_response_carries_a_request_id(browser):
    first = browser.get("/accounts/login/")
    second = browser.get("/accounts/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_request_id_sent_by_the_client_is_not_trusted(browser):
    response = browser.get("/accounts/login/", HTTP_X_REQUEST_ID="evil\nheader")
    assert response["X-Request-ID"] != "evil\nheader"


def test_security_headers_are_set(browser):
    response = browser.get("/accounts/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_rate_limited_page_is_styled(browser, patient_a):
    for _ in range(6):
        response = browser.post("/accounts/password/reset/", {"email": patient_a.user.email})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "/static/css/app.css" in page
