"""What the digest and the morning reminders say about time, in every language.

Issue 17's wording: the first digest said "since yesterday's digest" (there was none); the
morning check-in email was headed with "Tonight's dose" and "Open tonight's card" at 09:00,
about a night that had passed. Both were lost once in a merge: these tests keep them.
"""

import re
from datetime import UTC, date, datetime, time

import pytest
from django.core import mail

from patients.models import ClinicianPreferences, ReminderDelivery
from patients.notifications import outbox as delivery
from patients.notifications import sweep as sweeper
from patients.notifications.renderers import ReminderRenderer
from tests.factories import ClinicianFactory
from tests.patients.reminder_support import log_evening, patient_on_plan

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel
LANGUAGES = ("en", "es", "de")

# "Tonight" in each language, as the evening texts say it.
TONIGHT = {
    "en": ("Tonight", "tonight"),
    "es": ("Esta noche", "esta noche"),
    "de": ("Heutige Abend", "heutige Abend", "Heute Abend", "heute Abend"),
}
SINCE = {
    "en": "since this time yesterday",
    "es": "desde ayer a esta hora",
    "de": "seit gestern um diese Zeit",
}
LAST_NIGHT_LINK = {
    "en": "Open last night's entry",
    "es": "Abrir el registro de anoche",
    "de": "Eintrag der letzten Nacht öffnen",
}


def words(text):
    """The text without its links (their anchors are not words the patient reads)."""
    return re.sub(r'https?://\S+|href="[^"]*"', "", text)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_digest_does_not_speak_of_a_digest_yesterday(language, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clinician = ClinicianFactory(display_name="Dr First", language=language)
    ClinicianPreferences.objects.update_or_create(
        user=clinician, defaults={"time_zone": "Europe/London", "digest_time": time(7, 30)}
    )
    quiet = patient_on_plan(clinicians=[clinician], start=date(2026, 1, 1))
    log_evening(quiet, date(2026, 1, 9), at=utc(2026, 1, 9, 22, 0))
    assert not ReminderDelivery.objects.filter(kind=Kind.DIGEST).exists()  # the first one

    [digest] = sweeper.sweep(utc(2026, 1, 15, 7, 30), dispatch=lambda ids: None).digests
    assert delivery.send_delivery(digest, now=utc(2026, 1, 15, 7, 30)) == "sent"
    [message] = mail.outbox
    for body in (message.body, message.alternatives[0][0]):
        assert SINCE[language] in body
        assert "digest." not in body
        assert "resumen de ayer" not in body
        assert "gestrigen Zusammenfassung" not in body


def _reminder(kind, language, dosing_time="evening"):
    patient = patient_on_plan(start=date(2026, 1, 1), dose="2.5", dosing_time=dosing_time)
    patient.user.language = language
    patient.user.save()
    return ReminderDelivery(
        key=f"test-{kind}-{language}",
        recipient=patient.user,
        patient=patient,
        night=date(2026, 1, 15),
        kind=kind,
        channel=Channel.EMAIL,
        due_at=utc(2026, 1, 16, 9, 0),
    )


def _sent_when_due(reminder):
    """The renderer's arguments for a reminder sent on time."""
    return reminder, reminder.due_at


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [Kind.MORNING, Kind.MISSED])
def test_the_morning_reminders_speak_of_last_night_not_tonight(kind, language):
    rendered = ReminderRenderer().render(*_sent_when_due(_reminder(kind, language)))
    texts = (
        rendered.email.subject,
        rendered.email.text,
        rendered.email.html,
        rendered.push["title"],
        rendered.push["body"],
    )
    for text in map(words, texts):
        for word in TONIGHT[language]:
            assert word not in text, (kind, language, text)
    assert LAST_NIGHT_LINK[language] in rendered.email.text
    assert LAST_NIGHT_LINK[language] in rendered.email.html


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_evening_reminder_still_speaks_of_tonight(language):
    reminder = _reminder(Kind.EVENING, language)
    reminder.due_at = utc(2026, 1, 15, 21, 0)  # its evening (after midnight it says last night)
    rendered = ReminderRenderer().render(reminder, reminder.due_at)
    assert any(word in rendered.email.html for word in TONIGHT[language])


@pytest.mark.django_db
def test_a_morning_dosing_reminder_says_today_not_tonight():
    rendered = ReminderRenderer().render(
        *_sent_when_due(_reminder(Kind.EVENING, "en", dosing_time="morning"))
    )
    assert "Tap to log today's dose." in rendered.email.text
    assert "Open today's card" in rendered.email.text
    assert "onight" not in words(rendered.email.html + rendered.email.text)


AFTER_MIDNIGHT = {
    "en": ("Last call for last night's dose", "Open last night's card"),
    "es": ("Último aviso para la dosis de anoche", "Abrir la tarjeta de anoche"),
    "de": ("Letzte Erinnerung an die Dosis von letzter Nacht", "Karte der letzten Nacht öffnen"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_last_call_after_midnight_speaks_of_last_night_as_the_card_does(language):
    """A last call set for 01:00 said "Last call for tonight's dose ... There is still time
    tonight", and the card it opened read "Last night · Thu 15 Jan"."""
    reminder = _reminder(Kind.LAST_CALL, language)
    reminder.due_at = utc(2026, 1, 16, 1, 0)  # London: 01:00 after the night of the 15th
    rendered = ReminderRenderer().render(reminder, reminder.due_at)
    title, link = AFTER_MIDNIGHT[language]
    assert rendered.email.subject == title
    assert rendered.push["title"] == title
    assert link in rendered.email.text
    for text in map(words, (rendered.email.text, rendered.email.html, rendered.push["body"])):
        for word in TONIGHT[language]:
            assert word not in text, (language, text)


@pytest.mark.django_db
def test_an_evening_reminder_after_midnight_speaks_of_last_night():
    reminder = _reminder(Kind.EVENING, "en")
    reminder.due_at = utc(2026, 1, 16, 0, 30)  # held by quiet hours until 00:30
    rendered = ReminderRenderer().render(reminder, reminder.due_at)
    assert rendered.push["title"] == "Your dose for last night"
    assert rendered.push["body"] == "Tap to log last night's dose."
    assert "onight" not in words(rendered.email.html + rendered.email.text)


@pytest.mark.django_db
def test_a_last_call_before_midnight_still_speaks_of_tonight():
    reminder = _reminder(Kind.LAST_CALL, "en")
    reminder.due_at = utc(2026, 1, 15, 23, 30)
    rendered = ReminderRenderer().render(reminder, reminder.due_at)
    assert rendered.push["title"] == "Last call for tonight's dose"
