"""Every patient page and email in Spanish and German: no English sentence left.

A sentence is "left" when, in the es or de page, it is
- a piece of an English msgid of the catalog (three words or more between placeholders and
  tags) shown verbatim: marked but not translated, or
- a text of three words or more that reads the same as on the English page: not marked.
The patient's own data (name, notes) is chosen so that it cannot be mistaken for either.
"""

import html
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.mfa_reset import reset_mfa
from ldn_journal.accounts.models import AccessLog, Invitation, User
from patients import care_team
from patients.models import (
    CareTeamMembership,
    CareTeamRequest,
    NightlyEntry,
    PushSubscription,
    ReminderDelivery,
    SideEffect,
    UrgentReport,
)
from patients.notifications.outbox import send_delivery, unsubscribe_token
from patients.rules import emergency
from patients.urgent import reports as urgent
from tests.patients.journal_support import NOW, TONIGHT, make_plan
from tests.patients.translations_support import (
    ENGLISH,
    LANGUAGES,
    country_options,
    english_left,
    is_sentence,
    render_in,
)
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db


# --- Short labels: one or two words ("Pain", "From", "Pending", a raw "taken") -------------------


# --- The patient and everything their pages can show --------------------------------------------


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def patient_world(patient_a, clinician_a):
    """A patient with a plan, logged and edited nights, a report, a device, a reminder."""
    user = patient_a.user
    user.display_name = "Quokka"
    user.save()
    make_plan(patient_a, clinician_a)
    night = TONIGHT - timedelta(days=1)
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=night,
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=datetime(2026, 11, 24, 22, 0, tzinfo=UTC),
        sleep_quality=6,
        dreams="vivid",
        dream_intensity=7,
        pain=3,
        notes="Zzz",
        morning_logged_at=datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    )
    SideEffect.objects.create(entry=entry, kind="headache", severity=2)
    entry.dose_mg = Decimal("2.5")  # an edit: the entry page shows its history
    entry.save()
    NightlyEntry.objects.create(
        patient=patient_a, night=TONIGHT - timedelta(days=2), status="skipped", skip_reason="forgot"
    )
    report = urgent_report(
        patient_a, NOW - timedelta(hours=3), symptoms=["racing_heart", "other"], text="Zzz"
    )
    PushSubscription.objects.create(
        user=user, endpoint="https://push.example/1", p256dh="k", auth="a"
    )
    ReminderDelivery.objects.create(
        recipient=user,
        patient=patient_a,
        night=night,
        kind="evening",
        channel="email",
        status="sent",
        key="sent-reminder",
        due_at=NOW - timedelta(days=1),
    )
    AccessLog.objects.create(
        actor=clinician_a, actor_role="clinician", patient=patient_a, action="patient.view"
    )
    return patient_a, entry, report


def patient_pages(entry, report, user):
    night = TONIGHT.isoformat()
    token = unsubscribe_token(user.pk, "reminders")
    return [
        reverse("journal:home"),
        reverse("journal:evening", args=[night]),
        reverse("journal:skip", args=[night]),
        reverse("journal:morning", args=[(TONIGHT - timedelta(days=1)).isoformat()]),
        reverse("journal:entry", args=[entry.pk]),
        reverse("journal:night", args=[(TONIGHT - timedelta(days=3)).isoformat()]),
        reverse("journal:history"),
        reverse("journal:history_list"),
        reverse("journal:trends"),
        reverse("journal:settings"),
        reverse("journal:more"),
        reverse("journal:plan"),
        reverse("journal:urgent_report"),
        reverse("journal:urgent_detail", args=[report.pk]),
        reverse("journal:access_log"),
        reverse("journal:care_team"),
        reverse("journal:export"),
        reverse("journal:close_account"),
        reverse("journal:offline"),
        reverse("journal:urgent_guidance"),
        reverse("account_language"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
        reverse("usersessions_list"),
        reverse("reminders_unsubscribe", args=[token]),
        reverse("reminders_unsubscribe", args=["not-a-token"]),
        "/journal/no-such-page/",
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_patient_page_is_in_the_browsers_language_with_no_english_left(
    patient_client, patient_world, language
):
    patient, entry, report = patient_world
    left = {}
    for url in patient_pages(entry, report, patient.user):
        translated = render_in(patient_client, url, language)
        assert f'<html lang="{language}">' in translated, url
        english = render_in(patient_client, url, "en")
        if found := english_left(translated, english):
            left[url] = found
    assert left == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tonight_card_after_taken_now_and_the_form_errors_are_translated(
    patient_client, patient_world, language
):
    pages = []
    patient_client.post(
        reverse("journal:taken_now"),
        {"submission_id": str(uuid.uuid4())},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    pages.append((reverse("journal:home"), "get", None))
    bad_dose = {"submission_id": str(uuid.uuid4()), "dose": "15", "taken_at": "tomorrow"}
    pages.append((reverse("journal:evening", args=[TONIGHT]), "post", bad_dose))
    pages.append((reverse("journal:morning", args=[TONIGHT]), "post", {"submission_id": "x"}))
    pages.append((reverse("journal:skip", args=[TONIGHT]), "post", {"reason": "other"}))
    pages.append((reverse("journal:urgent_report"), "post", {"symptoms": ["other"]}))
    pages.append((reverse("journal:close_account"), "post", {"confirm": "nope"}))
    left = {}
    for url, method, data in pages:
        translated = render_in(patient_client, url, language, method, data)
        english = render_in(patient_client, url, "en", method, data)
        if found := english_left(translated, english):
            left[url] = found
    assert left == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_sign_in_and_sign_up_pages_are_in_the_browsers_language(client, db, language):
    for url in (reverse("account_login"), reverse("account_signup")):
        translated = render_in(client, url, language)
        english = render_in(client, url, "en")
        assert english_left(translated, english) == [], url


# --- Emails and push texts: in the recipient's language ----------------------------------------


def english_left_in_text(text: str, english: str) -> list[str]:
    left = sorted(fragment for fragment in ENGLISH if fragment in text)
    english_lines = {line.strip() for line in english.splitlines() if is_sentence(line)}
    return left + [line.strip() for line in text.splitlines() if line.strip() in english_lines]


def reminder_email(patient_a, language, night):
    patient_a.user.language = language
    patient_a.user.save()
    delivery = ReminderDelivery.objects.create(
        recipient=patient_a.user,
        patient=patient_a,
        night=night,
        kind="evening",
        channel="email",
        key=f"reminder-{night}",
        due_at=datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=21),
    )
    with time_machine.travel(delivery.due_at, tick=False):
        assert send_delivery(delivery.pk) == ReminderDelivery.Status.SENT
    return mail.outbox[-1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_email_is_in_the_patients_language_without_the_dose(
    patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a, steps=(("4.5", None),))
    patient_a.remind_by_email = True
    patient_a.save()
    message = reminder_email(patient_a, language, TONIGHT)
    english = reminder_email(patient_a, "en-gb", TONIGHT - timedelta(days=1))
    html = message.alternatives[0][0]
    assert "4,5" not in message.subject + message.body + html
    assert "4.5" not in message.subject + message.body + html
    assert english_left_in_text(message.subject + "\n" + message.body, english.body) == []
    assert english_left(html, english.alternatives[0][0]) == []


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("es", "Aviso urgente de un paciente de su equipo"),
        ("de", "Dringende Meldung aus Ihrem Team"),
        ("en-gb", "Urgent report from a patient on your team"),
    ],
)
def test_an_urgent_alert_and_its_push_are_in_each_clinicians_own_language(
    patient_a, clinician_a, language, subject, monkeypatch, vapid_keys
):
    clinician_a.language = language
    clinician_a.save()
    pushed = []
    monkeypatch.setattr(
        "patients.notifications.outbox.send_push", lambda subs, payload, **_: pushed.append(payload)
    )
    PushSubscription.objects.create(
        user=clinician_a, endpoint="https://push.example/c", p256dh="k", auth="a"
    )
    # The patient's request is in English: the alert is still in the clinician's language.
    with translation.override("en-gb"):
        report = urgent_report(patient_a, NOW, symptoms=["vomiting"], since="few_hours")
        for delivery_id in report.deliveries.values_list("pk", flat=True):
            send_delivery(delivery_id)
    [message] = mail.outbox
    assert message.subject == subject
    [payload] = pushed
    assert payload["title"] == subject


@pytest.mark.parametrize(
    ("language", "subject"),
    [("es", "Le invitamos a LDN Journal"), ("de", "Sie sind zu LDN Journal eingeladen")],
)
def test_an_invitation_is_written_in_the_language_of_the_page_that_sent_it(
    clinician_client, language, subject
):
    clinician_client.post(
        reverse("clinic:invite"),
        {"email": "new.patient@example.org", "role": "patient"},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert Invitation.objects.filter(email="new.patient@example.org").exists()
    [message] = mail.outbox
    assert message.subject.endswith(subject)
    english = "has invited you to LDN Journal"
    assert english not in message.body
    assert english not in message.alternatives[0][0]


def test_the_tonight_card_names_the_night_as_german_writes_it(patient_client, patient_world):
    page = render_in(patient_client, reverse("journal:evening", args=[TONIGHT]), "de")
    assert "Heute Abend, Mittwoch, 25. November." in page


def test_an_urgent_report_states_its_symptoms_in_the_patients_language(
    patient_client, patient_world
):
    _patient, _entry, report = patient_world
    page = render_in(patient_client, reverse("journal:urgent_detail", args=[report.pk]), "de")
    assert "Herzrasen" in page
    assert "Etwas anderes" in page
    assert UrgentReport.objects.get(pk=report.pk).symptoms == ["racing_heart", "other"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_close_account_page_after_the_request_is_translated(
    patient_client, patient_world, language
):
    url = reverse("journal:close_account")
    patient_client.post(url, {"confirm": "CLOSE"}, HTTP_ACCEPT_LANGUAGE=language)

    translated = render_in(patient_client, url, language)
    # The request kept its page's language as the patient's setting (for the emailed notice
    # of the closure); the English page to compare with is the browser's again.
    User.objects.filter(pk=patient_world[0].user_id).update(language="")

    assert english_left(translated, render_in(patient_client, url, "en")) == []


MORNING_AFTER = datetime(2026, 11, 26, 11, 26, tzinfo=UTC)  # past last night's dosing window


@pytest.mark.parametrize("language", LANGUAGES)
def test_past_the_window_the_card_and_its_refusals_are_translated(
    patient_client, patient_world, language
):
    NightlyEntry.objects.filter(night=TONIGHT).delete()
    home = reverse("journal:home")
    when = reverse("journal:taken_at", args=[TONIGHT])
    pages = [
        (home, "get", None),  # "When did you take it?" with its time field
        (when, "post", {"submission_id": str(uuid.uuid4()), "time": ""}),  # time required
        (reverse("journal:taken_now"), "post", {"submission_id": str(uuid.uuid4())}),
    ]
    left = {}
    with time_machine.travel(MORNING_AFTER, tick=False):
        for url, method, data in pages:
            translated, english = (
                getattr(patient_client, method)(
                    url, data or {}, follow=True, HTTP_ACCEPT_LANGUAGE=code
                ).content.decode()
                for code in (language, "en")
            )
            if found := english_left(translated, english):
                left[url] = found
    assert left == {}
    assert not NightlyEntry.objects.filter(night=TONIGHT).exists()


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_the_phone_is_told_about_a_kept_entry_is_in_the_patients_language(
    patient_client, patient_world, language
):
    def told(code, acted_at):
        return patient_client.post(
            reverse("journal:taken_now"),
            {"submission_id": str(uuid.uuid4()), "acted_at": acted_at},
            HTTP_X_LDN_REPLAY="1",
            HTTP_ACCEPT_LANGUAGE=code,
        ).json()["message"]

    for acted_at in ("not a time", "2026-11-01T22:00:00+00:00"):  # no time; past the retro days
        translated, english = told(language, acted_at), told("en", acted_at)
        assert translated != english
        assert english_left_in_text(translated, english) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_tonight_card_and_the_morning_card_without_an_open_report_are_translated(
    patient_client, patient_world, clinician_a, language
):
    """The fixture's report is open, so its home shows the wait card; once the clinician
    says "continue", the evening's one-tap card and the next morning's "When did you take
    it?" card show instead, and both are translated."""
    _patient, _entry, report = patient_world
    urgent.acknowledge(report, clinician_a, "Carry on.", NOW, decision="continue")
    NightlyEntry.objects.filter(night=TONIGHT).delete()
    home = reverse("journal:home")
    left = {}
    for moment, expected in ((NOW, "Taken now"), (MORNING_AFTER, "When did you take it?")):
        with time_machine.travel(moment, tick=False):
            translated = render_in(patient_client, home, language)
            english = render_in(patient_client, home, "en")
        assert expected in english, moment
        assert "Wait for your clinician" not in english
        if found := english_left(translated, english):
            left[moment] = found
    assert left == {}


def _emails_to_the_patient(patient, clinician_a, clinician_b, admin, capture):
    """What the care-team request, the transfer and the MFA reset write to the patient."""
    mail.outbox.clear()
    CareTeamRequest.objects.all().delete()
    care_team.ask_to_join(patient, clinician_b, requested_by=clinician_b)
    with capture(execute=True):
        care_team.transfer_patients(
            [patient], source=clinician_a, target=clinician_b, note="", admin=admin, request=None
        )
    # A reset of nothing sends nothing: the patient has an authenticator app to lose.
    TOTP.activate(patient.user, generate_totp_secret())
    reset_mfa(patient.user, reason="Lost phone", request=None)
    told = [m for m in mail.outbox if m.to == [patient.user.email]]
    return {m.subject: m.body for m in told}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_care_team_transfer_and_mfa_reset_emails_are_in_the_patients_language(
    patient_a, clinician_a, clinician_b, admin_user, django_capture_on_commit_callbacks, language
):
    user = patient_a.user
    user.language = "en"
    user.save(update_fields=["language"])
    english = _emails_to_the_patient(
        patient_a, clinician_a, clinician_b, admin_user, django_capture_on_commit_callbacks
    )
    # Back on the first team, in the patient's own language this time.
    CareTeamMembership.objects.filter(patient=patient_a).delete()
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_a)
    user.language = language
    user.save(update_fields=["language"])
    translated = _emails_to_the_patient(
        patient_a, clinician_a, clinician_b, admin_user, django_capture_on_commit_callbacks
    )

    assert len(english) == len(translated) == 3
    english_text = "\n".join(f"{subject}\n{body}" for subject, body in english.items())
    left = [
        english_left_in_text(f"{subject}\n{body}", english_text)
        for subject, body in translated.items()
    ]
    assert left == [[], [], []]
    assert not set(english) & set(translated)


@pytest.mark.parametrize(
    ("language", "refused"),
    [
        ("es", "«Atlantis» no es una zona horaria ni una ciudad conocida. Escriba una ciudad"),
        ("de", "„Atlantis“ ist keine bekannte Zeitzone oder Stadt. Geben Sie eine Stadt ein"),
    ],
)
def test_an_unknown_time_zone_is_refused_in_the_patients_language(
    patient_client, patient_world, language, refused
):
    # Not "Berlin" any more: a city names its zone (test_time_zone_city_names).
    url = reverse("journal:settings")
    data = {"time_zone": "Atlantis"}
    translated = html.unescape(render_in(patient_client, url, language, "post", data))
    english = html.unescape(render_in(patient_client, url, "en", "post", data))
    assert "“Atlantis” is not a known time zone or city." in english
    assert refused in translated
    assert "is not a known time zone" not in translated


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_settings_page_names_countries_in_the_patients_language_in_its_order(
    patient_client, patient_world, language
):
    options = country_options(render_in(patient_client, reverse("journal:settings"), language))
    named = dict(options)
    assert options[0][0] == ""  # "from my time zone" stays first
    assert named["DE"] == {"de": "Deutschland", "es": "Alemania"}[language]
    names = [name for _code, name in options[1:]]
    assert names == sorted(names, key=emergency.collation_key)
