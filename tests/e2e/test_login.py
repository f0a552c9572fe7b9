"""Browser journey: the demo patient and clinician sign in through the real form on a phone."""

import pytest

from tests.e2e.browser_support import PHONE, SCREENSHOTS, sideways_scroll, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    problems = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type == "error" else None,
    )
    return page, problems


def assert_fits_the_phone(page):
    overflow = sideways_scroll(page)
    assert overflow <= 0, f"horizontal scroll of {overflow}px on {page.url}"


@pytest.mark.parametrize(
    ("email", "area", "screenshot"),
    [
        ("patient@example.com", "/journal/", "home-patient.png"),
        ("clinician@example.com", "/clinic/", "home-clinician.png"),
    ],
)
def test_demo_account_signs_in_on_a_phone_and_lands_in_its_area(
    browser, live_server, email, area, screenshot
):
    page, problems = open_phone(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    assert_fits_the_phone(page)
    sign_in(page, live_server, email)
    assert page.url == f"{live_server.url}{area}"
    assert_fits_the_phone(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)
    if area == "/journal/":
        # A patient's account links are under More in the bottom tab bar.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="More").click()
    assert page.get_by_role("link", name="Sign out").count() == 1
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_the_login_page_has_labelled_fields_and_big_enough_buttons(browser, live_server):
    page, problems = open_phone(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    for label in ("Email", "Password", "Keep me signed in on this device"):
        assert page.get_by_label(label).count() == 1, label
    for name in ("Sign in", "Sign in with a passkey"):
        box = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["height"] >= 44, name
    assert_fits_the_phone(page)
    assert not problems, problems


def test_a_wrong_password_shows_a_message_on_the_page(browser, live_server):
    page, _ = open_phone(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("patient@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").inner_text().strip().startswith("The email address")
    assert page.url.endswith("/accounts/login/")
