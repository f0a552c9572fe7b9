"""No reminder carries a dose (SECURITY.md, boundary 5: messages carry no health data): an
inbox or a lock screen shows a reminder to whoever holds the phone. The email and the push
said "Tonight's dose: 2.5 mg"; the card behind the link shows the dose."""

import re
from datetime import UTC, date, datetime

import pytest

from patients.models import ReminderDelivery
from patients.notifications.renderers import ReminderRenderer
from tests.patients.reminder_support import patient_on_plan

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel
# "2.5 mg", "2,5 mg", "2.5mg", "2.5 milligrams": any amount at all.
AN_AMOUNT = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|milligram|mL)\b", re.IGNORECASE)
# The links carry signed tokens, random base64 that may hold "5mg" or "2.5" by chance
# (CI once failed on ".../unsubscribe/...F5mg/"): the words are checked, not the links.
A_LINK = re.compile(r"https?://[^\s\"'<>]+")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
@pytest.mark.parametrize("dosing_time", ["evening", "morning"])
@pytest.mark.parametrize("kind", [Kind.EVENING, Kind.LAST_CALL, Kind.MORNING, Kind.MISSED])
def test_no_reminder_carries_the_dose(kind, dosing_time, language):
    patient = patient_on_plan(start=date(2026, 1, 1), dose="2.5", dosing_time=dosing_time)
    patient.user.language = language
    patient.user.save()
    delivery = ReminderDelivery(
        key=f"test-{kind}-{language}-{dosing_time}",
        recipient=patient.user,
        patient=patient,
        night=date(2026, 1, 15),
        kind=kind,
        channel=Channel.EMAIL,
        due_at=datetime(2026, 1, 15, 21, 0, tzinfo=UTC),
    )
    rendered = ReminderRenderer().render(delivery, delivery.due_at)
    texts = [
        rendered.email.subject,
        rendered.email.text,
        rendered.email.html,
        rendered.push["title"],
        rendered.push["body"],
    ]
    for text in (A_LINK.sub("<link>", text) for text in texts):
        assert not AN_AMOUNT.search(text), (kind, dosing_time, language, text)
        assert "2.5" not in text
        assert "2,5" not in text
