"""Whether a patient's reminders can reach them (patients.notifications.reach): push alone
with no device to push to is said on the settings page, on the home page and when the last
device is removed, by the one rule; neither channel ticked is said on the settings page."""

import html
import itertools
import re
from datetime import time

import pytest
from django.urls import reverse

from patients.models import PushSubscription
from patients.notifications import due, reach
from tests.patients.reminders_settings_support import URL, VALID

# These are about devices on a server that can send push; without a VAPID key:
# test_push_unavailable.py.
pytestmark = pytest.mark.usefixtures("vapid_keys")

NO_DEVICE_SETTINGS = "Your reminders go by push notification only"
NO_DEVICE_HOME = "No reminder can reach you"
ALL_OFF = "Reminders are off"


def _device(user, n=1):
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.net/{n}", p256dh="k", auth="a"
    )


def _channels(patient, *, email, push):
    patient.remind_by_email, patient.remind_by_push = email, push
    patient.save(update_fields=["remind_by_email", "remind_by_push"])


@pytest.mark.parametrize(
    ("email", "push", "device"), list(itertools.product((False, True), repeat=3))
)
def test_the_rule_over_every_combination(email, push, device):
    expected = "" if email or (push and device) else (reach.NO_DEVICE if push else reach.ALL_OFF)
    assert reach.unreachable(email, push, device) == expected


@pytest.mark.parametrize(
    ("email", "push", "device"), list(itertools.product((False, True), repeat=3))
)
def test_the_pages_warn_exactly_when_the_sweep_has_no_channel_to_claim_by(email, push, device):
    """The sweep's channels for a patient (due._prefs, what it claims by) and the warning are
    one rule: no channel, a warning; a channel, none."""
    columns = (
        "Europe/London",
        time(21),
        False,
        time(23, 30),
        False,
        time(9),
        None,
        None,
        email,
        push,
    )
    channels = due._prefs(columns, device, None, due.morning_window_end()).channels
    assert (reach.unreachable(email, push, device) == "") == bool(channels)


@pytest.mark.django_db
def test_only_the_patients_own_devices_count(patient_a, patient_b):
    _channels(patient_a, email=False, push=True)
    _device(patient_b.user)
    assert reach.patient_unreachable(patient_a) == reach.NO_DEVICE
    _device(patient_a.user, 2)
    assert reach.patient_unreachable(patient_a) == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "push", "device", "settings_says", "home_says"),
    [
        (False, True, False, NO_DEVICE_SETTINGS, NO_DEVICE_HOME),
        (False, True, True, None, None),
        (True, True, False, None, None),
        (True, False, False, None, None),
        (False, False, False, ALL_OFF, None),  # the patient's choice: not on every home page
    ],
)
def test_the_settings_and_home_pages_say_the_same(
    patient_client, patient_a, email, push, device, settings_says, home_says
):
    _channels(patient_a, email=email, push=push)
    if device:
        _device(patient_a.user)
    settings_page = patient_client.get(URL).content.decode()
    home = patient_client.get(reverse("journal:home")).content.decode()
    for text in (NO_DEVICE_SETTINGS, ALL_OFF):
        assert (text in settings_page) == (text == settings_says), text
    assert (NO_DEVICE_HOME in home) == (home_says is not None)
    if home_says:
        assert f'href="{reverse("journal:settings")}#channels"' in home
        # Where it lands: the channels, with the settings' warning in them.
        channels = settings_page[settings_page.index('id="channels"') :]
        assert settings_says in channels[: channels.index("</fieldset>")]
    # One rule: what the pages say is what reach decides for the saved patient.
    assert (NO_DEVICE_HOME in home) == (reach.patient_unreachable(patient_a) == reach.NO_DEVICE)


@pytest.mark.django_db
def test_saving_push_alone_without_a_device_saves_and_says_why_none_will_arrive_once(
    patient_client, patient_a
):
    data = {k: v for k, v in VALID.items() if k != "remind_by_email"}
    quiet = {"quiet_start": "19:00", "quiet_end": "08:00"}  # over the whole evening
    response = patient_client.post(URL, {**data, "remind_by_push": "on", **quiet}, follow=True)
    patient_a.refresh_from_db()
    assert (patient_a.remind_by_email, patient_a.remind_by_push) == (False, True)
    page = response.content.decode()
    # This save left no evening reminder: "Saved, but ..." in place of the confirmation.
    assert "Saved, but your quiet hours cover the whole evening window" in page
    # Each said once (they were flashed and shown standing: twice).
    assert page.count(NO_DEVICE_SETTINGS) == 1
    assert page.count("no evening reminder can reach you") == 1
    # With email ticked again nothing is said.
    response = patient_client.post(URL, {**VALID, "remind_by_push": "on"}, follow=True)
    assert NO_DEVICE_SETTINGS not in response.content.decode()


@pytest.mark.django_db
def test_removing_the_last_device_of_push_alone_says_so(patient_client, patient_a):
    _channels(patient_a, email=False, push=True)
    first, second = _device(patient_a.user, 1), _device(patient_a.user, 2)
    response = patient_client.post(reverse("journal:push_remove", args=[first.pk]))
    assert response["Location"].endswith("#devices")  # one device left
    assert NO_DEVICE_SETTINGS not in patient_client.get(URL).content.decode()
    response = patient_client.post(reverse("journal:push_remove", args=[second.pk]))
    # Back at the channels, where the page says why no reminder can reach them now.
    assert response["Location"].endswith("#channels")
    assert patient_client.get(URL).content.decode().count(NO_DEVICE_SETTINGS) == 1


@pytest.mark.django_db
def test_the_warning_is_in_the_patients_language(patient_client, patient_a):
    _channels(patient_a, email=False, push=True)
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])
    home = patient_client.get(reverse("journal:home")).content.decode()
    assert "Keine Erinnerung kann Sie erreichen" in home
    assert "Erinnerungseinstellungen" in home
    assert "Ihre Erinnerungen kommen nur als Push-Benachrichtigung" in (
        patient_client.get(URL).content.decode()
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_push_help_and_the_warning_name_the_devices_section_as_its_heading_does(
    patient_client, patient_a, language
):
    _channels(patient_a, email=False, push=True)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    page = html.unescape(patient_client.get(URL).content.decode())
    heading = re.search(r'<h2 id="devices-title"[^>]*>([^<]+)</h2>', page).group(1)
    push_help = re.search(r'<p class="help" id="id_remind_by_push_helptext">([^<]+)</p>', page)
    warning = re.search(r'<p class="message warning" role="status">([^<]+)</p>', page)
    # The name quoted as the language quotes it: “…” (en), „…“ (de), «…» (es).
    quoted = re.compile(r"[“„«]([^”“»]+)[”“»]")
    assert quoted.findall(push_help.group(1)) == [heading]
    assert quoted.findall(warning.group(1))[0] == heading
