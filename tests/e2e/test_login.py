"""Browser journey: the demo patient and clinician sign in through the real form on a phone."""

import pytest
from playwright.sync_api import expect

from ldn_journal.accounts import invitations
from ldn_journal.accounts.models import Role, User
from patients.models import Patient
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
    # Waits for the More page: the click returns before its document has loaded.
    expect(page.get_by_role("link", name="Sign out")).to_have_count(1)
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


def test_the_passkey_sign_in_carries_the_keep_me_signed_in_box(browser, live_server):
    """The passkey button posts allauth's own form, outside the box's: its hidden copy
    (static/js/signin.js) follows the box, which accounts.remember reads."""
    page, problems = open_phone(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    copy = page.locator("#passkey_remember")
    assert copy.evaluate("input => input.form.id") == "mfa_login"
    assert copy.input_value() == ""
    page.get_by_label("Keep me signed in on this device").check()
    assert copy.input_value() == "on"
    page.get_by_label("Keep me signed in on this device").uncheck()
    assert copy.input_value() == ""
    assert not problems, problems


def test_a_wrong_password_shows_a_message_on_the_page(browser, live_server):
    page, _ = open_phone(browser)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("patient@example.com")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").inner_text().strip().startswith("The email address")
    assert page.url.endswith("/accounts/login/")


def test_a_new_patients_sign_up_starts_at_the_phones_own_time_zone(browser, live_server):
    """The sign-up's zone list starts at the browser's zone (a patient in Tokyo invited with
    no country), and the account is made in it; without the script it would be the clinic's
    default."""
    clinician = User.objects.get(email="clinician@example.com")
    invitation = invitations.invite(clinician, "tokyo.patient@example.org", Role.PATIENT).invitation
    token = invitation.new_token()
    invitation.save()
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, timezone_id="Asia/Tokyo"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/invite/{token}/")
    zone = page.get_by_label("Your time zone")
    expect(zone).to_have_value("Asia/Tokyo")
    # The phone's own zone needs no "This is my time zone" tick: the script gives it.
    expect(page.get_by_label("This is my time zone")).to_be_hidden()
    assert_fits_the_phone(page)
    page.get_by_label("Your name").fill("Aiko")
    page.locator("input[name=password1]").fill("a-long-new-password-2026")
    page.locator("input[name=password2]").fill("a-long-new-password-2026")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server.url}/journal/")
    context.close()
    assert Patient.objects.get(user__email="tokyo.patient@example.org").time_zone == "Asia/Tokyo"
    assert invitation.pk


def invited_patient_link(email):
    clinician = User.objects.get(email="clinician@example.com")
    invitation = invitations.invite(clinician, email, Role.PATIENT).invitation
    token = invitation.new_token()
    invitation.save()
    return f"/invite/{token}/"


def fill_in_name_and_password(page):
    page.get_by_label("Your name").fill("Lee")
    page.locator("input[name=password1]").fill("a-long-new-password-2026")
    page.locator("input[name=password2]").fill("a-long-new-password-2026")


def test_a_sign_up_without_javascript_makes_the_patient_confirm_the_guessed_zone(
    browser, live_server
):
    """A phone without JavaScript signed up in the clinic's default, Europe/London, without
    a word: a patient in Los Angeles got the 21:00 reminder at 13:00 (exploratory QA). The
    guess is preselected in a labelled list, and stored only once the patient confirms it."""
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        timezone_id="America/Los_Angeles",
        java_script_enabled=False,
    )
    page = context.new_page()
    page.goto(f"{live_server.url}{invited_patient_link('la.patient@example.org')}")
    expect(page.get_by_label("Your time zone")).to_have_value("Europe/London")
    tick = page.get_by_label("This is my time zone")
    expect(tick).to_be_visible()
    expect(tick).not_to_be_checked()
    fill_in_name_and_password(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Check that the time zone above is yours")).to_be_visible()
    assert not User.objects.filter(email="la.patient@example.org").exists()
    assert_fits_the_phone(page)
    page.get_by_label("Your time zone").select_option("America/Los_Angeles")
    page.get_by_label("This is my time zone").check()
    fill_in_name_and_password(page)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{live_server.url}/journal/")
    context.close()
    patient = Patient.objects.get(user__email="la.patient@example.org")
    assert patient.time_zone == "America/Los_Angeles"
