"""The clinician's acknowledgement form says what acknowledging does before they press it:
the patient sees the report was seen (with the note and what happens next), the alerts and
the escalation stop, and the plan does not change unless "Hold the plan" is chosen. The form
only had its fields' help (the note's, the decision's): nothing said what the button itself
does, or that "continue" leaves the plan as it is. Each claim is checked here too."""

import html
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import PlanVersion
from tests.patients.journal_support import make_plan
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

REPORTED = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)
ANSWERED = REPORTED + timedelta(minutes=10)

SAYS = {
    "en": (
        "Acknowledging tells the patient you have seen their report: they see “Your clinician "
        "has seen this” with your note and what happens next. It stops the alerts and the "
        "escalation for this report. It does not change the plan unless you choose “Hold the "
        "plan”, which signs a hold in your name."
    ),
    "de": (
        "Mit der Bestätigung erfährt die Person, dass Sie ihre Meldung gesehen haben: Sie sieht "
        "„Ihre behandelnde Person hat dies gesehen“ mit Ihrer Notiz und wie es weitergeht. Die "
        "Alarme und die Eskalation zu dieser Meldung enden. Der Plan ändert sich nicht, außer "
        "Sie wählen „Plan pausieren“: Damit signieren Sie in Ihrem Namen eine Pause."
    ),
    "es": (
        "Al confirmar, el paciente sabe que usted ha visto su aviso: ve «Su profesional "
        "sanitario lo ha visto» con su nota y qué pasa ahora. Se detienen las alertas y la "
        "escalada de este aviso. El plan no cambia, salvo que usted elija «Poner el plan en "
        "pausa», que firma una pausa en su nombre."
    ),
}


@pytest.fixture
def report(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    return urgent_report(patient_a, REPORTED)


def _page(client, report, language):
    with time_machine.travel(ANSWERED, tick=False):
        response = client.get(
            reverse("clinic:urgent_report", args=[report.pk]), HTTP_ACCEPT_LANGUAGE=language
        )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_form_says_what_acknowledging_does(clinician_client, report, language):
    page = _page(clinician_client, report, language)
    form = page.split('aria-labelledby="ack-title"', 1)[1].split("</section>", 1)[0]
    said = form.split('<p id="ack-what" class="small">', 1)[1].split("</p>", 1)[0]
    assert said == SAYS[language]
    assert 'aria-describedby="ack-what"' in form


def test_acknowledging_with_continue_shows_the_patient_it_was_seen_and_keeps_the_plan(
    clinician_client, report, patient_a
):
    versions = PlanVersion.objects.filter(prescription__patient=patient_a).count()
    with time_machine.travel(ANSWERED, tick=False):
        response = clinician_client.post(
            reverse("clinic:urgent_acknowledge", args=[report.pk]),
            {"note": "Take it as planned.", "decision": "continue"},
        )
        assert response.status_code == 302
        seen = signed_in(patient_a.user).get(reverse("journal:urgent_detail", args=[report.pk]))
    assert "Your clinician has seen this" in seen.content.decode()
    assert PlanVersion.objects.filter(prescription__patient=patient_a).count() == versions
