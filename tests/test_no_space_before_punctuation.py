"""No space before a full stop or a colon on the surfaces QA listed: the patient's card on
hold ("do not take LDN."), the urgent wait card ("… 22:42 IST." / "… 04:10 +11."), the
list's empty filter ("Show all patients.") and the flag evidence ("Mi, 25. Nov: eingenommen";
German puts no space before a colon either).

QA read "do not take LDN ." and the like from text with each tag turned into a space; the
pages put the punctuation straight after the closing tag ("</strong>.", "</a>:"), so a
browser shows none. This keeps it so: the text is read as a browser joins inline elements
(tags dropped without a space, whitespace collapsed)."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ldn_journal.accounts.models import User
from patients.models import Patient
from prescriptions import plans
from tests.patients.journal_support import sign_hold
from tests.patients.urgent_support import urgent_report

pytestmark = pytest.mark.django_db

# A space before "." or ":" that ends a phrase (not "…" nor a decimal or a time like ":30").
STRAY = re.compile(r"\S\s+[.:](?![\w.])")


def _as_shown(page):
    body = re.search(r"<body.*?</body>", page, re.S).group(0)
    text = re.sub(r"<[^>]+>", "", body)
    return " ".join(text.split())


def _client(email, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(email=email))
    return client


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    now = timezone.now()
    # The wait card in Kolkata (IST) and on Lord Howe (+11); a hold on patient6's card.
    for email in ("patient4@example.com", "patient5@example.com"):
        urgent_report(Patient.objects.get(user__email=email), now - timedelta(minutes=5))
    held = Patient.objects.get(user__email="patient6@example.com")
    tonight = plans.load(held).tonight(held.tz, now)
    sign_hold(held, held.care_team.first(), tonight, signed=now)


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_no_space_before_a_full_stop_or_a_colon(demo, language):
    pat_jones = Patient.objects.get(user__email="patient@example.com")
    pages = [
        ("patient6@example.com", reverse("journal:home"), "LDN"),
        ("patient4@example.com", reverse("journal:home"), "IST"),
        ("patient5@example.com", reverse("journal:home"), "+11"),
        ("clinician@example.com", reverse("clinic:patients") + "?q=nobody", "/clinic/"),
        ("clinician@example.com", reverse("clinic:patient", args=[pat_jones.pk]), "evidence"),
    ]
    stray = {}
    for email, url, marker in pages:
        response = _client(email, language).get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert marker in page, (url, marker)
        found = STRAY.findall(_as_shown(page))
        if found:
            stray[(email, url)] = found
    assert stray == {}
