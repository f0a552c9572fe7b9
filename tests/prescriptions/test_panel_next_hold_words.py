"""The plan panel's next change when it is a hold: one phrase with both dates. The value
"on hold until 9 Dec" above the note "from 5 Dec 2026" read "Next change on hold until 9 Dec
from 5 Dec 2026" (found by exploratory QA)."""

from datetime import date

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.patients.journal_support import make_plan, sign_hold
from tests.prescriptions.signed_restart_support import NOW

pytestmark = pytest.mark.django_db
DEC_5 = date(2026, 12, 5)


def _next_change_stat(patient, clinician, until, language="en"):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)))
    sign_hold(patient, clinician, DEC_5, until, signed=NOW)
    client = Client()
    client.force_login(clinician)
    with time_machine.travel(NOW, tick=False):
        html = client.get(
            reverse("clinic:plan", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()
    return " ".join(html.split('id="plan-panel-title"', 1)[1].split("</div>", 3)[2].split())


@pytest.mark.parametrize(
    ("until", "language", "value", "note"),
    [
        (date(2026, 12, 9), "en", "On hold", "from 5 Dec 2026 to 9 Dec 2026"),
        (None, "en", "On hold", "from 5 Dec 2026 until resumed"),
        (None, "de", "Pausiert", "ab 5. Dez 2026 bis zur Fortsetzung"),
        (None, "es", "En pausa", "desde el 5 dic 2026 hasta que se reanude"),
    ],
)
def test_a_hold_to_come_says_from_when_until_when(
    patient_a, clinician_a, until, language, value, note
):
    stat = _next_change_stat(patient_a, clinician_a, until, language)
    assert f'{value}</span> <span class="small muted">{note}</span>' in stat
    assert "on hold until" not in stat
