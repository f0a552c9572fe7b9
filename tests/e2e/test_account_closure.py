"""Browser journey (issue 18, item 4): a patient asks on the phone (390x844) to close the
account, after the page offered the data export; an admin completes it at 1280x800, and the
patient can no longer sign in. Screenshots: close-account.png, manage-closures.png."""

import re

import pytest
from playwright.sync_api import expect

from ldn_journal.accounts.models import AccountClosure, User
from ldn_journal.demo import DEMO_PASSWORD
from tests.e2e.browser_support import PHONE, SCREENSHOTS, sideways_scroll, sign_in

DESKTOP = {"width": 1280, "height": 800}
PATIENT = "patient5@example.com"


def confirm_password_if_asked(page, heading):
    """allauth asks for the password again when the sign-in is not fresh enough. `heading`
    begins the h1 of the page the click opens when it does not ask.

    The click returns before its page has loaded, and the page it left has an h1 too: wait
    for one of the two h1s the click leads to before reading it."""
    h1 = page.locator("h1")
    expect(h1).to_have_text(re.compile(rf"^\s*(Confirm Access|{re.escape(heading)})"))
    if h1.inner_text() == "Confirm Access":
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.locator("main form button[type=submit]").first.click()
        page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_patient_asks_to_close_the_account_and_an_admin_completes_it(
    browser, live_server, settings
):
    settings.LDN_REQUIRE_STAFF_MFA = False
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    sign_in(phone, live_server, PATIENT)
    phone.goto(f"{live_server.url}/journal/settings/")
    phone.get_by_role("link", name="Close my account").click()
    confirm_password_if_asked(phone, "Close my account")
    expect(phone.locator("h1")).to_have_text("Close my account")
    expect(phone.get_by_role("link", name="Download my data")).to_be_visible()
    expect(phone.locator("main")).to_contain_text("kept for 8 years")
    phone.get_by_label("Type CLOSE to confirm").fill("CLOSE")
    assert sideways_scroll(phone) == 0
    phone.screenshot(path=str(SCREENSHOTS / "close-account.png"), full_page=True)
    phone.get_by_role("button", name="Close my account").click()
    expect(phone.locator(".messages")).to_contain_text("Your request is sent")
    expect(phone.locator("main")).to_contain_text("Your request is with the clinic")
    assert sideways_scroll(phone) == 0
    request = AccountClosure.objects.get(user__email=PATIENT)
    assert request.closed_at is None

    admin = browser.new_context(viewport=DESKTOP).new_page()
    sign_in(admin, live_server, "admin@example.com")
    admin.goto(f"{live_server.url}/manage/closures/")
    row = admin.locator("tr", has_text=PATIENT)
    expect(row).to_be_visible()
    admin.screenshot(path=str(SCREENSHOTS / "manage-closures.png"), full_page=True)
    row.get_by_role("link", name="Complete the closure").click()
    confirm_password_if_asked(admin, "Close the account of")
    expect(admin.locator("main")).to_contain_text("It cannot be undone.")
    admin.get_by_label("Type CLOSE to confirm").fill("CLOSE")
    admin.get_by_role("button", name="Close the account").click()
    expect(admin.locator(".messages")).to_contain_text("The account is closed")
    assert sideways_scroll(admin) == 0

    request.refresh_from_db()
    assert request.closed_at is not None
    closed = User.objects.get(pk=request.user_id)
    assert not closed.is_active
    assert closed.email.endswith("@closed.invalid")

    phone.goto(f"{live_server.url}/journal/")
    assert "/accounts/login/" in phone.url  # the phone's session ended
    sign_in(phone, live_server, PATIENT)
    assert "/accounts/login/" in phone.url
