"""Refusals and failure reasons in the reader's language: POST /journal/reminders/push/
refused a subscription in English to Spanish and German patients, and the failures list
showed a Spanish admin the stored English reason (delivery_reasons: stored in English,
shown translated)."""

import html
import smtplib
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from patients.models import ReminderDelivery
from patients.notifications import delivery_reasons as reasons
from patients.notifications.channels import email as email_channel
from tests.factories import AdminFactory
from tests.patients.push_support import b64, post, subscription_json

pytestmark = pytest.mark.django_db

REFUSALS = {
    "http": (
        subscription_json(endpoint="http://fcm.googleapis.com/fcm/send/abc"),
        {
            "es": "Las direcciones de notificaciones push deben empezar por https://.",
            "de": "Push-Adressen müssen mit https:// beginnen.",
        },
    ),
    "ip": (
        subscription_json(endpoint="https://127.0.0.1/send/abc"),
        {
            "es": "deben nombrar un servicio push, no una dirección IP",
            "de": "müssen einen Push-Dienst nennen, keine IP-Adresse",
        },
    ),
    "unknown-service": (
        subscription_json(endpoint="https://push.example.org/send/abc"),
        {
            "es": "no es uno de los que acepta la clínica. Permitidos: fcm.googleapis.com",
            "de": "nicht zu denen, die die Praxis akzeptiert. Erlaubt: fcm.googleapis.com",
        },
    ),
    "short-p256dh": (
        {**subscription_json(), "keys": {"p256dh": "AAAA", "auth": b64(b"x" * 16)}},
        {
            "es": "La clave p256dh de la suscripción tiene una longitud incorrecta.",
            "de": "Der p256dh-Schlüssel des Abonnements hat die falsche Länge.",
        },
    ),
    "bad-auth": (
        {**subscription_json(), "keys": {"p256dh": b64(b"\x04" + b"x" * 64), "auth": "%%%"}},
        {
            "es": "Falta la clave auth de la suscripción o no tiene un formato válido.",
            "de": "Der auth-Schlüssel des Abonnements fehlt oder ist fehlerhaft.",
        },
    ),
}


@pytest.mark.parametrize("language", ["es", "de"])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_refused_subscription_says_why_in_the_patients_language(
    patient_client, patient_a, language, case
):
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    body, expected = REFUSALS[case]
    response = post(patient_client, body)
    assert response.status_code == 400
    assert expected[language] in response.json()["error"]


def test_a_refused_subscription_still_says_why_in_english(patient_client):
    response = post(patient_client, REFUSALS["http"][0])
    assert response.json()["error"] == "Push endpoints must be https:// addresses."


STORED = [
    reasons.MAIL_ADDRESS_REFUSED(code=550),
    reasons.GAVE_UP(attempts=3, reason=reasons.MAIL_MESSAGE_DEFERRED(code=451)),
    reasons.PUSH_NOT_CONFIGURED(),
    reasons.PUSH_UNAVAILABLE(status=503),
    reasons.PUSH_NO_ANSWER(),
    "A reason no template made",
]


def _failed(patient, last_error, n):
    return ReminderDelivery.objects.create(
        key=f"r:failed:{n}",
        recipient=patient.user,
        patient=patient,
        kind="evening",
        channel="email",
        status="failed",
        last_error=last_error,
        due_at=datetime(2026, 1, 15, 21, n, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "es",
            [
                "El servidor de correo rechazó la dirección (550).",
                "Abandonado tras 3 intentos: El servidor de correo aplazó el mensaje (451).",
                "Web Push no está configurado (no hay clave VAPID).",
                "Servicio push no disponible (503).",
                "Servicio push no disponible (sin respuesta).",
                "A reason no template made",
            ],
        ),
        (
            "de",
            [
                "Adresse vom Mailserver abgelehnt (550).",
                "Nach 3 Versuchen aufgegeben: Mailserver hat die Nachricht zurückgestellt (451).",
                "Web Push ist nicht eingerichtet (kein VAPID-Schlüssel).",
                "Push-Dienst nicht verfügbar (503).",
                "Push-Dienst nicht verfügbar (keine Antwort).",
                "A reason no template made",
            ],
        ),
        ("en", STORED),
    ],
)
def test_the_failures_list_shows_each_reason_in_the_admins_language(
    client, patient_a, language, shown
):
    for n, last_error in enumerate(STORED):
        _failed(patient_a, last_error, n)
    admin = AdminFactory(language=language)
    client.force_login(admin)
    page = html.unescape(client.get(reverse("reminder_failures")).content.decode())
    for text in shown:
        assert f"<td>{text}</td>" in page, text


def test_every_reason_reads_back_what_it_stored_and_is_translated():
    for reason in reasons.REASONS:
        fields = {name: "X" for name in reason.pattern.groupindex}
        stored = reason(**fields)
        assert reasons.display(stored) == stored
        with translation.override("es"):
            assert reasons.display(stored) != stored, reason.english
        with translation.override("de"):
            assert reasons.display(stored) != stored, reason.english


def test_what_the_mail_channel_stores_is_shown_translated():
    refused = smtplib.SMTPRecipientsRefused({"a@example.org": (550, b"no such user")})
    stored = str(email_channel._classify(refused))
    with translation.override("es"):
        assert reasons.display(stored) == "El servidor de correo rechazó la dirección (550)."
