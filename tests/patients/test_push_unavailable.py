"""A server with no Web Push service (no VAPID key): push is not offered, a chosen push is
said not to work (with what to do), and neither the sweep, its --dry-run nor an urgent alert
claims a push delivery that could only fail (one rule: reach.push_reachable)."""

import html
from datetime import UTC, datetime
from io import StringIO

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.management import call_command
from django.urls import reverse
from py_vapid import Vapid

from patients.models import PushSubscription, ReminderDelivery
from patients.notifications import reach
from patients.notifications import sweep as sweeper
from patients.notifications.channels import push
from tests.patients.reminder_support import patient_on_plan
from tests.patients.reminders_settings_support import URL, VALID
from tests.patients.urgent_support import make_report

pytestmark = pytest.mark.django_db

EVENING = datetime(2026, 1, 20, 21, 5, tzinfo=UTC)  # 21:05 in London: the evening reminder
PUSH_ALONE = "push notifications are not available at this clinic, so none can reach you"
EMAIL_ONLY = "Push notifications are not available at this clinic, so your reminders come"
DEVICES_UNAVAILABLE = "Push reminders are not available at this clinic: reminders come by email."
TURN_ON_BELOW = "Push notifications need this phone's permission"


@pytest.fixture
def no_push_service(settings, tmp_path):
    """No VAPID key in the environment, and none in var/ (a developer's `make run` writes
    one there)."""
    settings.VAPID_PRIVATE_KEY = ""
    settings.VAPID_PUBLIC_KEY = ""
    settings.VAR_DIR = tmp_path


def _channels(patient, *, email, push):
    patient.remind_by_email, patient.remind_by_push = email, push
    patient.save(update_fields=["remind_by_email", "remind_by_push"])


def _device(user, n=1):
    return PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example.net/{n}", p256dh="k", auth="a"
    )


def test_push_reaches_no_device_when_the_server_has_no_vapid_key(no_push_service, patient_a):
    _device(patient_a.user)
    assert reach.push_reachable([patient_a.user_id]) == set()


def test_push_reaches_a_device_when_the_server_has_a_vapid_key(vapid_keys, patient_a, patient_b):
    _device(patient_a.user)
    assert reach.push_reachable([patient_a.user_id, patient_b.user_id]) == {patient_a.user_id}


def test_a_patient_with_push_alone_is_unreachable_for_want_of_a_push_service(
    no_push_service, patient_a
):
    _channels(patient_a, email=False, push=True)
    _device(patient_a.user)
    assert reach.patient_unreachable(patient_a) == reach.NO_PUSH_SERVICE


def test_the_settings_page_offers_no_push_and_says_why(no_push_service, patient_client, patient_a):
    page = html.unescape(patient_client.get(URL).content.decode())
    assert 'id="push-controls"' not in page
    assert "data-vapid-key" not in page
    assert DEVICES_UNAVAILABLE in page
    # The push checkbox is shown disabled, saying why, not "turn them on below".
    assert TURN_ON_BELOW not in page
    push_box = page[page.index('id="id_remind_by_push"') - 200 :][:700]
    assert "disabled" in push_box
    assert "Push reminders are not available at this clinic." in push_box


def test_the_settings_page_offers_push_when_the_server_has_a_vapid_key(
    vapid_keys, patient_client, patient_a
):
    page = html.unescape(patient_client.get(URL).content.decode())
    assert 'id="push-controls"' in page
    assert 'id="push-unsupported"' in page  # shown by push.js where PushManager is missing
    assert DEVICES_UNAVAILABLE not in page
    assert TURN_ON_BELOW in page


def test_push_alone_is_said_not_to_work_with_what_to_do_on_settings_and_home(
    no_push_service, patient_client, patient_a
):
    _channels(patient_a, email=False, push=True)
    _device(patient_a.user)  # subscribed while the clinic still had a key
    page = html.unescape(patient_client.get(URL).content.decode())
    channels = page[page.index('id="channels"') :]
    channels = channels[: channels.index("</fieldset>")]
    assert PUSH_ALONE in channels
    assert "Tick “By email”" in channels
    assert "Turn on push notifications on this device" not in channels
    home = patient_client.get(reverse("journal:home")).content.decode()
    assert "push notifications are not available at this clinic" in home
    assert f'href="{reverse("journal:settings")}#channels"' in home


def test_push_beside_email_is_said_to_do_nothing_here(no_push_service, patient_client, patient_a):
    _channels(patient_a, email=True, push=True)
    page = html.unescape(patient_client.get(URL).content.decode())
    assert EMAIL_ONLY in page
    assert PUSH_ALONE not in page
    # Email reaches them: the home page has nothing to warn of.
    assert (
        "No reminder can reach you"
        not in patient_client.get(reverse("journal:home")).content.decode()
    )


def test_saving_the_settings_keeps_the_saved_push_choice_it_cannot_change(
    no_push_service, patient_client, patient_a
):
    _channels(patient_a, email=True, push=True)
    patient_client.post(URL, VALID)  # VALID has no remind_by_push: the disabled box is ignored
    patient_a.refresh_from_db()
    assert (patient_a.remind_by_email, patient_a.remind_by_push) == (True, True)


@pytest.mark.parametrize(
    ("language", "push_alone", "devices"),
    [
        (
            "de",
            "Push-Benachrichtigungen sind in dieser Praxis nicht verfügbar",
            "Push-Erinnerungen sind in dieser Praxis nicht verfügbar",
        ),
        (
            "es",
            "las notificaciones push no están disponibles en esta clínica",
            "Los recordatorios push no están disponibles en esta clínica",
        ),
    ],
)
def test_the_settings_page_says_so_in_the_patients_language(
    no_push_service, patient_client, patient_a, language, push_alone, devices
):
    _channels(patient_a, email=False, push=True)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    page = html.unescape(patient_client.get(URL).content.decode())
    assert push_alone in page
    assert devices in page
    assert "Push notifications are not available" not in page
    home = html.unescape(patient_client.get(reverse("journal:home")).content.decode())
    assert push_alone.lower() in home.lower()


def _push_patient():
    patient = patient_on_plan(remind_by_email=True, remind_by_push=True)
    _device(patient.user)
    return patient


def _dry_run():
    out = StringIO()
    call_command("send_reminders", "--at", EVENING.isoformat(), "--dry-run", stdout=out)
    return [line.split("\t")[2] for line in out.getvalue().splitlines() if "\t" in line]


def test_the_sweep_and_its_dry_run_claim_no_push_without_a_vapid_key(no_push_service):
    _push_patient()
    assert _dry_run() == ["email"]
    claimed = sweeper.sweep(EVENING, dispatch=lambda ids: None).claimed
    channels = ReminderDelivery.objects.filter(pk__in=claimed).values_list("channel", flat=True)
    assert list(channels) == ["email"]


def test_the_sweep_and_its_dry_run_claim_push_with_a_vapid_key(vapid_keys):
    _push_patient()
    assert sorted(_dry_run()) == ["email", "push"]
    claimed = sweeper.sweep(EVENING, dispatch=lambda ids: None).claimed
    channels = ReminderDelivery.objects.filter(pk__in=claimed).values_list("channel", flat=True)
    assert sorted(channels) == ["email", "push"]


def test_an_urgent_alert_claims_no_push_without_a_vapid_key(
    no_push_service, patient_a, clinician_a
):
    _device(clinician_a)
    report = make_report(patient_a)
    assert list(report.deliveries.values_list("channel", flat=True).distinct()) == ["email"]


def _write_key_file(var_dir):
    key = Vapid()
    key.generate_keys()
    key.save_key(str(var_dir / "vapid_private.pem"))
    return key


def test_a_key_file_written_after_start_up_is_noticed_without_a_restart(
    no_push_service, tmp_path, patient_a
):
    """`manage.py dev_keys` run while the server runs: "no key" was cached for the process's
    life (an lru_cache on the settings), so push stayed off until a restart."""
    _device(patient_a.user)
    assert reach.push_reachable([patient_a.user_id]) == set()
    assert push.public_key() == ""
    _write_key_file(tmp_path)
    assert reach.push_reachable([patient_a.user_id]) == {patient_a.user_id}
    assert push.public_key() != ""


def test_a_key_file_replaced_or_removed_is_read_again(no_push_service, tmp_path, patient_a):
    _device(patient_a.user)
    _write_key_file(tmp_path)
    first = push.public_key()
    _write_key_file(tmp_path)  # a new key in the same file
    assert push.public_key() not in ("", first)
    (tmp_path / "vapid_private.pem").unlink()
    assert reach.push_reachable([patient_a.user_id]) == set()
    assert push.public_key() == ""


def test_a_key_set_in_the_settings_after_none_was_found_is_used(
    no_push_service, settings, patient_a
):
    _device(patient_a.user)
    assert reach.push_reachable([patient_a.user_id]) == set()
    key = Vapid()
    key.generate_keys()
    settings.VAPID_PRIVATE_KEY = key.private_pem().decode()
    assert reach.push_reachable([patient_a.user_id]) == {patient_a.user_id}


# --- A corrupt or unreadable key ------------------------------------------------------------
# A key file (or setting) that is there but cannot be read as a VAPID key raised from
# push.vapid(): every page that asks whether push works (settings, home) answered 500. It
# now means "push unavailable", said once to the operators, never with the key's text.


def _pem(private_key):
    return private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


GOOD_PEM = Vapid()
GOOD_PEM.generate_keys()
GOOD_PEM = GOOD_PEM.private_pem().decode()

CORRUPT_KEYS = {
    "not a key": "this is not a key",
    "cut short": GOOD_PEM[:90] + "\n-----END PRIVATE KEY-----\n",
    "base64 of nothing": "QUJD",
    "an RSA key": _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    "a P-384 key": _pem(ec.generate_private_key(ec.SECP384R1())),
}


@pytest.fixture
def fresh_key_caches():
    """The key readers are cached by the key's text (so a corrupt one is said once): each
    test starts with none read."""
    caches = (push._key_from_file, push._key_from_setting, push._unreadable_key_file)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


def _pages_say_push_is_unavailable(patient_client):
    """The settings and home pages answer (no 500), the settings page twice, and say push
    is not available."""
    for _ in range(2):
        page = patient_client.get(URL)
        assert page.status_code == 200
        assert DEVICES_UNAVAILABLE in html.unescape(page.content.decode())
    assert patient_client.get(reverse("journal:home")).status_code == 200


def _body(text):
    """A line of the key's own text (not its PEM armour): what the log must never show."""
    lines = text.strip().splitlines()
    return lines[1] if len(lines) > 2 else text.strip()


def _said_once(caplog, secret):
    errors = [r for r in caplog.records if r.levelname == "ERROR" and "VAPID" in r.getMessage()]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "Web Push is off" in errors[0].getMessage()
    assert secret not in errors[0].getMessage()
    return errors[0].getMessage()


@pytest.mark.parametrize("text", CORRUPT_KEYS.values(), ids=CORRUPT_KEYS.keys())
def test_a_corrupt_key_file_means_push_unavailable_said_once_not_a_500(
    no_push_service, fresh_key_caches, settings, patient_client, patient_a, caplog, text
):
    (settings.VAR_DIR / push.KEY_FILE).write_text(text)

    _pages_say_push_is_unavailable(patient_client)

    assert not push.configured()
    assert push.public_key() == ""
    assert "vapid_private.pem" in _said_once(caplog, _body(text))


@pytest.mark.parametrize("text", CORRUPT_KEYS.values(), ids=CORRUPT_KEYS.keys())
def test_a_corrupt_key_setting_means_push_unavailable_said_once_not_a_500(
    no_push_service, fresh_key_caches, settings, patient_client, patient_a, caplog, text
):
    settings.VAPID_PRIVATE_KEY = text

    _pages_say_push_is_unavailable(patient_client)

    assert "VAPID_PRIVATE_KEY" in _said_once(caplog, _body(text))


def test_a_key_file_that_is_not_text_means_push_unavailable_said_once(
    no_push_service, fresh_key_caches, settings, patient_client, patient_a, caplog
):
    (settings.VAR_DIR / push.KEY_FILE).write_bytes(b"\xff\xfe\x00\x81 not text")

    _pages_say_push_is_unavailable(patient_client)

    assert "UnicodeDecodeError" in _said_once(caplog, "not text")


def test_a_key_path_that_cannot_be_read_means_push_unavailable_said_once(
    no_push_service, fresh_key_caches, settings, patient_client, patient_a, caplog
):
    (settings.VAR_DIR / push.KEY_FILE).mkdir()  # read_text: IsADirectoryError

    _pages_say_push_is_unavailable(patient_client)

    assert "IsADirectoryError" in _said_once(caplog, "-----")


def test_a_corrupt_key_sends_no_push_and_a_good_one_written_over_it_is_used(
    no_push_service, fresh_key_caches, settings, patient_a
):
    key_file = settings.VAR_DIR / push.KEY_FILE
    key_file.write_text("this is not a key")
    _device(patient_a.user)
    assert reach.push_reachable([patient_a.user_id]) == set()

    key_file.write_text(GOOD_PEM)

    assert reach.push_reachable([patient_a.user_id]) == {patient_a.user_id}
