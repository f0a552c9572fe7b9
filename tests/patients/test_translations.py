"""Every patient page and email in Spanish and German: no English sentence left.

A sentence is "left" when, in the es or de page, it is
- a piece of an English msgid of the catalog (three words or more between placeholders and
  tags) shown verbatim: marked but not translated, or
- a text of three words or more that reads the same as on the English page: not marked.
The patient's own data (name, notes) is chosen so that it cannot be mistaken for either.
"""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.mfa_reset import reset_mfa
from ldn_journal.accounts.models import AccessLog, Invitation
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
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ("es", "de")
# Attributes people read (screen readers included).
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


class VisibleText(HTMLParser):
    """The texts a person reads or hears on a page: text nodes and labelling attributes."""

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist", "svg"):
            self._skip += 1
        self.texts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist", "svg"):
            self._skip = max(self._skip - 1, 0)

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def catalog_msgids(po: Path) -> list[str]:
    """The English msgids (and plurals) of a .po file."""
    msgids, current = [], None
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith(("msgid ", "msgid_plural ")):
            current = [line.split(" ", 1)[1]]
            msgids.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    return [
        "".join(part[1:-1] for part in parts).replace('\\"', '"').replace("\\n", "\n")
        for parts in msgids
    ]


def english_fragments() -> set[str]:
    """Runs of three or more words of each English msgid (placeholders and tags cut out)."""
    fragments = set()
    for msgid in catalog_msgids(LOCALE / "es" / "LC_MESSAGES" / "django.po"):
        for piece in re.split(r"%\(\w+\)s|\{\w+\}|<[^>]+>", msgid):
            piece = " ".join(piece.split()).strip(" .,:;()—-")
            if len(piece.split()) >= 3:
                fragments.add(piece)
    return fragments


ENGLISH = english_fragments()


def is_sentence(text: str) -> bool:
    """Three or more words of letters, the product's name aside ("24 Nov 2026" is none)."""
    text = re.sub(r"\S+@\S+|https?://\S+", "", text.replace("LDN Journal", ""))
    words = re.findall(r"[^\W\d_]{2,}", text)
    return len(words) >= 3


def english_left(translated: str, english: str) -> list[str]:
    page = " ".join(visible_texts(translated))
    left = sorted(fragment for fragment in ENGLISH if fragment in page)
    english_texts = {t for t in visible_texts(english) if is_sentence(t)}
    left += [t for t in visible_texts(translated) if t in english_texts]
    return left


# --- Short labels: one or two words ("Pain", "From", "Pending", a raw "taken") -------------------

# Between placeholders, tags, digits and punctuation: what is left of "%(dose)s mg taken" or
# "(intensity 7)" is a label's words.
_PIECE_BREAK = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>|[\d.,:;!?()\[\]#·•→←—–/|×*+=\"“”„«»‼✓★]+")
# English shown by Django's and third-party apps' own catalogs, which ours does not list
# (django-simple-history has no Spanish: its change types showed in English).
THIRD_PARTY_ENGLISH = ("Created", "Changed", "Deleted")


def pieces(text: str) -> list[str]:
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # addresses are nobody's label
    return [" ".join(p.split()) for p in _PIECE_BREAK.split(text) if p.strip()]


def catalog_pairs(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of a .po file, plural forms and contexts aside."""
    text = po.read_text(encoding="utf-8")
    pairs = []
    for block in text.split("\n\n"):
        found = {}
        for key in ("msgid", "msgstr"):
            match = re.search(rf'^{key} ((?:".*"\n?)+)', block, re.M)
            if match:
                parts = re.findall(r'"(.*)"', match.group(1))
                found[key] = "".join(parts).replace('\\"', '"')
        if found.get("msgid") and found.get("msgstr"):
            pairs.append((found["msgid"], found["msgstr"]))
    return pairs


def short_english(language: str) -> frozenset[str]:
    """Labels of one or two words (case folded) that read differently in `language`: each
    piece of an English msgid that its own translation does not contain, and that no
    translation of the catalog uses as a piece of its own ("Name" and "Status" are German
    too, "Start" is a German translation)."""
    pairs = catalog_pairs(LOCALE / language / "LC_MESSAGES" / "django.po")
    translated = {p.casefold() for _msgid, msgstr in pairs for p in pieces(msgstr)}
    short = set()
    for msgid, msgstr in [*pairs, *((word, "") for word in THIRD_PARTY_ENGLISH)]:
        said = f" {' '.join(pieces(msgstr)).casefold()} "
        for piece in pieces(msgid):
            folded = piece.casefold()
            label = len(piece.split()) <= 2 and re.search(r"[^\W\d_]{2,}", piece)
            if label and f" {folded} " not in said and folded not in translated:
                short.add(folded)
    return frozenset(short)


SHORT_ENGLISH = {language: short_english(language) for language in LANGUAGES}


def english_words_left(translated: str, english: str, language: str) -> list[str]:
    """Short English labels on the `language` page that the English page shows too: a
    whole text, or a piece of one between numbers and punctuation ("1.5 mg taken")."""
    shown_in_english = {p.casefold() for t in visible_texts(english) for p in pieces(t)}
    return sorted(
        {
            piece
            for text in visible_texts(translated)
            for piece in pieces(text)
            if piece.casefold() in SHORT_ENGLISH[language] and piece.casefold() in shown_in_english
        }
    )


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


def render_in(client, url, language, method="get", data=None):
    response = getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    return response.content.decode()


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
    patient_a, clinician_a, language, subject, monkeypatch
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


def country_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="(\w*)"[^>]*>([^<]*)</option>', select)
    return [(code, html.unescape(name.strip())) for code, name in options]


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
