"""Forms kept on the phone offline, on the tonight card and in the phone's list (found by
exploratory QA): a skip kept for an earlier night made tonight's card say tonight was saved
and hid Taken now; the list named only the moment of the tap (in the browser's language and
zone, not the page's and the patient's), not the night the entry is for; a double tap kept
the same form twice; and a Taken now for a night skipped meanwhile on another device was
dropped as sent ("already logged") without a word."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from patients.journal import entries as journal
from patients.models import NightlyEntry, Patient
from prescriptions import plans
from tests.e2e.browser_support import LONDON, PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATIENT = "patient@example.com"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def phone(evening, browser):
    return browser


def _context(browser, **kwargs):
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, **kwargs
    )


def _kept(page):
    return page.evaluate("window.LdnOutbox.all()")


def _open_night(patient, *nights):
    """The nights start unlogged (the demo logs most of them)."""
    NightlyEntry.objects.filter(patient=patient, night__in=nights).delete()


def _tonight(patient):
    local = timezone.now().astimezone(patient.tz)
    return local.date() if local.hour >= 12 else local.date() - timedelta(days=1)


def _card_kept_by_the_worker(page, live_server):
    """The tonight card, controlled by the service worker, which has kept it as last seen."""
    page.goto(f"{live_server.url}/journal/")
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.reload()
    page.wait_for_load_state("networkidle")


def _acted(record):
    return datetime.fromisoformat(record["actedAt"].replace("Z", "+00:00"))


def test_a_skip_kept_offline_for_an_earlier_night_leaves_tonights_card_to_log_and_names_its_night(
    phone, live_server
):
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    earlier = tonight - timedelta(days=3)
    _open_night(patient, tonight, earlier)
    context = _context(phone, timezone_id="Europe/London")
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)
    page.goto(f"{live_server.url}/journal/night/{earlier.isoformat()}/skip/")

    context.set_offline(True)
    page.get_by_label("I forgot").check()
    page.get_by_role("button", name="Save: skipped").click()
    page.locator("#outbox").wait_for(state="visible")
    [record] = _kept(page)
    assert (record["kind"], record["night"]) == ("skip", earlier.isoformat())

    page.goto(f"{live_server.url}/journal/")  # still offline: the card as last seen
    page.locator("#outbox").wait_for(state="visible")
    # Tonight is not logged: the one tap is still offered, and the card does not say saved.
    expect(page.get_by_role("button", name="Taken now")).to_be_visible()
    expect(page.locator("[data-offline-saved]")).to_be_hidden()
    # The list says it is kept, once, and for which night.
    expect(page.locator("[data-outbox-pending]")).to_be_visible()
    tapped = _acted(record).astimezone(LONDON)
    expect(page.locator(".outbox-item")).to_have_text(
        f"Skipped · night of {earlier:%a} {earlier.day} {earlier:%b}"
        f" · tapped {tapped:%a} {tapped:%H:%M} Waiting to be sent."
    )
    context.close()


def _german_patient_in_berlin_on_a_new_york_phone(browser, live_server):
    """The demo patient reads German and lives in Berlin (22:30 there: Taken now is offered);
    the browser's own language and zone are another's. Their card, kept by the worker, offline."""
    patient = Patient.objects.get(user__email=PATIENT)
    patient.time_zone = "Europe/Berlin"
    patient.save(update_fields=["time_zone"])
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    _open_night(patient, _tonight(patient))
    context = _context(browser, timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)
    context.set_offline(True)
    return patient, context, page


def test_the_kept_list_reads_in_the_pages_language_and_the_patients_zone(phone, live_server):
    patient, context, page = _german_patient_in_berlin_on_a_new_york_phone(phone, live_server)
    page.locator("form[data-offline=taken_now] button").click()
    page.locator("[data-offline-saved]").wait_for(state="visible")
    [record] = _kept(page)
    assert record["night"] == _tonight(patient).isoformat()
    text = page.locator(".outbox-item").inner_text()
    tapped = _acted(record)
    assert "Nacht vom " in text
    assert "getippt am " in text
    assert f", {tapped.astimezone(BERLIN):%H:%M} " in text, text  # "Sa., 19:39"
    assert f"{tapped.astimezone(ZoneInfo('America/New_York')):%H:%M}" not in text
    context.close()


def test_a_double_tap_offline_is_kept_and_listed_once(phone, live_server):
    _patient, context, page = _german_patient_in_berlin_on_a_new_york_phone(phone, live_server)
    page.evaluate(
        """() => {
            const form = document.querySelector("form[data-offline=taken_now]");
            form.requestSubmit();
            form.requestSubmit();  // the second tap, before the first is kept
        }"""
    )
    page.locator("[data-offline-saved]").wait_for(state="visible")
    page.wait_for_timeout(500)  # the second keep, had it been kept, is in by now
    kept = _kept(page)
    assert len(kept) == 1, kept
    expect(page.locator(".outbox-item")).to_have_count(1)
    context.close()


def test_a_taken_now_kept_offline_for_a_night_skipped_meanwhile_stays_on_the_phone_with_why(
    phone, live_server
):
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    _open_night(patient, tonight)
    context = _context(phone)
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)

    context.set_offline(True)
    page.get_by_role("button", name="Taken now").click()
    page.locator("[data-offline-saved]").wait_for(state="visible")
    # Meanwhile, on another device, the night is logged as skipped.
    journal.skip_night(patient, tonight, timezone.now(), uuid.uuid4(), reason="forgot")

    context.set_offline(False)
    refused = page.locator(".outbox-refused")
    expect(refused).to_contain_text(
        "This night was already logged, online or on another device: skipped (I forgot)."
    )
    [record] = _kept(page)
    assert record["state"] == "refused"
    entry = NightlyEntry.objects.get(patient=patient, night=tonight)
    assert entry.status == NightlyEntry.Status.SKIPPED
    context.close()


def test_a_taken_now_kept_offline_for_a_night_taken_meanwhile_elsewhere_says_when(
    phone, live_server
):
    """The same dose logged meanwhile on another device was answered "sent": the phone
    dropped the tap, and a possible second dose went unseen. Once refused, the card is drawn
    again (it reloaded only after a send, and went on offering Taken now)."""
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    _open_night(patient, tonight)
    context = _context(phone, timezone_id="Europe/London")
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)

    context.set_offline(True)
    page.get_by_role("button", name="Taken now").click()
    page.locator("[data-offline-saved]").wait_for(state="visible")
    # Meanwhile, on another device, the night's dose is logged with one tap.
    other = journal.log_taken_now(patient, timezone.now(), uuid.uuid4()).entry
    taken_at = other.taken_at.astimezone(LONDON)

    context.set_offline(False)
    # The card is drawn again with the night as the server holds it: no Taken now for a
    # night already logged (the card drawn before the refusal still offered it).
    expect(page.locator(".card-tonight")).to_contain_text(
        f"Logged: {other.dose_mg.normalize():f} mg at {taken_at:%H:%M}"
    )
    expect(page.get_by_role("button", name="Taken now")).to_have_count(0)
    refused = page.locator(".outbox-refused")
    expect(refused).to_contain_text(
        "This night was already logged, online or on another device: "
        f"{other.dose_mg.normalize():f} mg taken at "
    )
    expect(refused).to_contain_text(
        f", {taken_at:%H:%M}. That log was kept and this tap was not saved again. "
        "If you took a second dose, tell your clinician."
    )
    [record] = _kept(page)
    assert record["state"] == "refused"
    assert NightlyEntry.objects.get(patient=patient, night=tonight).taken_at == other.taken_at
    context.close()


def test_a_tap_the_worker_kept_for_last_night_leaves_tonights_card_and_is_refused_when_sent(
    phone, live_server
):
    """A tap the service worker kept (the page's script missed the offline post) named no
    night: the next evening it hid tonight's Taken now and said tonight was saved, and once
    sent it was logged as tonight's dose. The form names its night; the worker keeps it."""
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    last_night = tonight - timedelta(days=1)
    _open_night(patient, tonight, last_night)
    context = _context(phone, timezone_id="Europe/London")
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)

    context.set_offline(True)
    # What sw.js's postOrKeep keeps: the URL and the body, no night of its own. The body is
    # the one-tap form's, as the card drawn last night had it.
    page.evaluate(
        """(night) => {
            const form = document.querySelector("form[data-offline=taken_now]");
            const body = new URLSearchParams(new FormData(form));
            body.set("night", night);
            return window.LdnOutbox.keep(form.action, body.toString());
        }""",
        last_night.isoformat(),
    )
    page.reload()  # still offline: the card as last seen
    page.locator("#outbox").wait_for(state="visible")
    [record] = _kept(page)
    assert (record["kind"], record["night"]) == ("taken_now", last_night.isoformat())
    expect(page.get_by_role("button", name="Taken now")).to_be_visible()
    expect(page.locator("[data-offline-saved]")).to_be_hidden()
    expect(page.locator(".outbox-item")).to_contain_text(
        f"night of {last_night:%a} {last_night.day} {last_night:%b}"
    )

    context.set_offline(False)
    expect(page.locator(".outbox-refused")).to_contain_text(
        "It is past the night's dosing window, so the time now would be wrong."
    )
    [record] = _kept(page)
    assert record["state"] == "refused"
    assert not NightlyEntry.objects.filter(patient=patient, night__gte=last_night).exists()
    context.close()


def test_the_card_kept_on_the_phone_offers_no_tap_past_its_window_and_says_why(phone, live_server):
    """The card as last seen, opened offline the next day, offered Taken now for the night
    it was drawn for: the tap said "saved on this phone" and was refused once sent (past
    that night's window). Past the window on the phone's clock, it says so at once."""
    patient = Patient.objects.get(user__email=PATIENT)
    tonight = _tonight(patient)
    _open_night(patient, tonight)
    context = _context(phone, timezone_id="Europe/London")
    page = context.new_page()
    sign_in(page, live_server, PATIENT)
    _card_kept_by_the_worker(page, live_server)
    tap = page.locator("form[data-offline=taken_now]")
    until = datetime.fromisoformat(tap.get_attribute("data-offline-until"))
    assert until == journal.dosing_window_end(plans.load(patient), patient.tz, tonight)
    note = page.locator("[data-offline-stale]")
    expect(note).to_be_hidden()
    heading = page.locator("#tonight-title")
    day = f"{tonight:%a} {tonight.day} {tonight:%b}"
    expect(heading).to_have_accessible_name(f"Tonight · {day}")

    # The card left open offline until after the window: the tap is not kept.
    context.set_offline(True)
    page.clock.set_system_time(until + timedelta(minutes=5))
    page.get_by_role("button", name="Taken now").click()
    expect(note).to_be_visible()
    expect(note).to_have_text(
        f"This card is from {tonight:%A} {tonight.day} {tonight:%B}, as last seen on this "
        "phone, and its dosing window is over. Connect to the internet to log your dose."
    )
    expect(tap).to_be_hidden()
    expect(page.locator("[data-offline-saved]")).to_be_hidden()
    # Nor does its heading still call that past night "Tonight".
    expect(heading).to_have_accessible_name(day)
    assert _kept(page) == []

    # The next evening, offline: the kept card says the same on opening.
    page.clock.set_system_time(until + timedelta(hours=18))
    page.reload()
    page.locator("[data-offline-stale]").wait_for(state="visible")
    expect(page.get_by_role("button", name="Taken now")).to_be_hidden()
    expect(heading).to_have_accessible_name(day)
    assert _kept(page) == []
    context.close()
