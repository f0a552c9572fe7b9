"""The refusal a patient gets at the most devices allowed for push reminders.

It was an English f-string (a German patient read English) naming "the reminders page", which
is now a part of Settings; and the settings page's button did not show it, only "check the
browser's permission", which is not the reason."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.patients.push_support import post, subscription_json

pytestmark = pytest.mark.django_db

PUSH_JS = Path(django_settings.BASE_DIR) / "static" / "js" / "push.js"


def _at_the_limit(patient_client, settings):
    settings.LDN_PUSH_MAX_DEVICES = 2
    for n in range(2):
        endpoint = f"https://fcm.googleapis.com/fcm/send/device-{n}"
        assert post(patient_client, subscription_json(endpoint=endpoint)).status_code == 201
    third = subscription_json(endpoint="https://fcm.googleapis.com/fcm/send/device-x")
    return post(patient_client, third)


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "You already get reminders on 2 devices, the most allowed."),
        ("de", "Sie erhalten bereits auf 2 Geräten Erinnerungen"),
        ("es", "Ya recibe recordatorios en 2 dispositivos"),
    ],
)
def test_the_device_limit_refusal_is_in_the_patients_language(
    patient_client, patient_a, settings, language, said
):
    patient_a.user.language = language
    patient_a.user.save()
    response = _at_the_limit(patient_client, settings)
    assert response.status_code == 400
    assert said in response.json()["message"]
    assert "reminders page" not in response.json()["message"]


def test_the_push_button_shows_the_journals_reason_for_a_refusal():
    """push.js read only response.ok; the JSON "message" is what says why."""
    script = PUSH_JS.read_text(encoding="utf-8")
    assert "response.json()" in script
    assert "body.message" in script
