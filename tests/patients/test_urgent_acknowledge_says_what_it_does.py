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

from patients.pause import urgent_state
from prescriptions.models import PlanVersion
from tests.patients.catalogue_support import catalogue, translations
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


# And that it ends the pause (patients/rules/pause.py): it said only what the alerts do.
ENDS_THE_PAUSE = {
    "en": (
        "It also ends the report’s pause: while it is open, the patient is asked to wait "
        "before their next dose and gets no dose reminders."
    ),
    "de": (
        "Die Bestätigung beendet auch die Wartezeit dieser Meldung: Solange die Meldung offen "
        "ist, wird die Person "
        "gebeten, mit der nächsten Dosis zu warten, und erhält keine Dosiserinnerungen."
    ),
    "es": (
        "También termina la espera del aviso: mientras está abierto, se pide al paciente que "
        "espere antes de su próxima dosis y no recibe recordatorios de dosis."
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
    assert said == f"{SAYS[language]} {ENDS_THE_PAUSE[language]}"


def test_the_button_is_described_by_what_acknowledging_does(clinician_client, report):
    """On the <form> the description was not announced by screen readers; on the button it
    is, as the clinician reaches it."""
    form = _page(clinician_client, report, "en").split('aria-labelledby="ack-title"', 1)[1]
    form = form.split("</section>", 1)[0]
    opening = form.split("<form", 1)[1].split(">", 1)[0]
    assert "aria-describedby" not in opening
    assert '<button type="submit" class="btn btn-primary" aria-describedby="ack-what">' in form


def test_with_another_report_open_the_pause_ends_when_every_one_is_acknowledged(
    clinician_client, report, patient_a
):
    urgent_report(patient_a, REPORTED + timedelta(minutes=5))
    page = _page(clinician_client, report, "en")
    said = page.split('<p id="ack-what" class="small">', 1)[1].split("</p>", 1)[0]
    assert said.endswith(
        "The patient’s pause ends when every open report is acknowledged: until then they are "
        "asked to wait before their next dose and get no dose reminders."
    )


def test_acknowledging_ends_the_pause(clinician_client, report, patient_a):
    assert urgent_state(patient_a.pk, ANSWERED).paused(ANSWERED)
    with time_machine.travel(ANSWERED, tick=False):
        clinician_client.post(
            reverse("clinic:urgent_acknowledge", args=[report.pk]),
            {"note": "Take it as planned.", "decision": "continue"},
        )
    assert not urgent_state(patient_a.pk, ANSWERED).paused(ANSWERED)


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


# What "continue" does; the form follows it with what "hold" does, from the night it names.
CONTINUE_HELP = "Continue: the pause ends and the patient doses as planned."


@pytest.mark.parametrize(
    ("language", "wait", "hold"), [("de", "Wartezeit", "Pause"), ("es", "espera", "pausa")]
)
def test_the_reports_wait_and_the_plans_hold_are_two_words(language, wait, hold):
    """On one page the report's pause (the patient asked to wait) and a plan hold had one
    word in German and Spanish ("Die Pause endet" beside "signieren ... eine Pause"; found by
    QA): the wait is "Wartezeit" / "espera" wherever the acknowledgement speaks of it."""
    said = dict(translations(catalogue(language)))
    continue_help = said[CONTINUE_HELP]
    first = continue_help.split(".")[0].lower()  # what "continue" does, before "Hold: ..."
    assert wait.lower() in first
    assert hold.lower() not in first
    assert wait in ENDS_THE_PAUSE[language]
