"""Tonight between an ended prescription and a later one whose steps begin on a later night.

The position said "ended" and nothing more: the patient's tonight card told them their
clinician had ended LDN "unless they prescribe it again" (they had), My plan's tonight card
was empty, and the clinician's plan panel and list said "No plan". The position now carries
the night the next prescription's steps begin (titration.current_step), and every surface
says it from there: no LDN tonight, and when the steps begin.
"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import attention
from prescriptions import changes, plans, titration
from prescriptions.models import Formulation
from tests.patients.journal_support import make_plan, sign_change, visible_text
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 2 Dec
DEC_2 = date(2026, 12, 2)
DEC_7 = date(2026, 12, 7)


def _ended_then_prescribed_again(patient, clinician, *, dosing_time="evening"):
    """A prescription ended 3 nights ago (29 Nov), and a new one whose step 1 (1.5 mg)
    begins on 7 Dec: tonight (2 Dec) lies between the two."""
    make_prescription(
        patient, clinician, date(2026, 11, 1), steps=(("1.5", None),), dosing_time=dosing_time
    )
    sign_change(
        patient,
        clinician,
        lambda plan: changes.end_change(
            plan.latest, tonight_night=date(2026, 11, 29), reason="No benefit"
        ),
        datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    )
    make_plan(
        patient,
        clinician,
        steps=(("1.5", 14), ("3", None)),
        start=DEC_7,
        formulation=Formulation.OTHER,
        dosing_time=dosing_time,
    )


def _get(client, url):
    with time_machine.travel(NOW, tick=False):
        return client.get(url).content.decode()


def _section(html, marker):
    return html.split(marker, 1)[1].split("</section>", 1)[0]


def _surfaces(patient, clinician):
    """The text each surface shows for tonight: the patient's tonight card (home), My plan's
    tonight card, the clinician's plan panel (plan page and patient page) and list row."""
    patient_client = signed_in(patient.user)
    clinician_client = signed_in_reauthenticated(clinician)
    home = _get(patient_client, reverse("journal:home"))
    my_plan = _get(patient_client, reverse("journal:plan"))
    plan_page = _get(clinician_client, reverse("clinic:plan", args=[patient.pk]))
    patient_page = _get(clinician_client, reverse("clinic:patient", args=[patient.pk]))
    with time_machine.travel(NOW, tick=False):
        attention.recompute([patient.pk], NOW)
    listed = _get(clinician_client, reverse("clinic:patients"))
    row = listed.split(f'href="{reverse("clinic:patient", args=[patient.pk])}"', 1)[1]
    return {
        "home": visible_text(_section(home, 'aria-labelledby="tonight-title"')),
        "my plan": visible_text(_section(my_plan, 'aria-labelledby="plan-now"')),
        "plan panel": visible_text(
            _section(plan_page, 'class="grid plan-summary"').split("</div>")[0]
        ),
        "patient page panel": visible_text(
            _section(patient_page, 'class="grid plan-summary"').split("</div>")[0]
        ),
        # The row's plan position (list_rows.position_html).
        # The patient page's own figures above the panel: tonight and the next change.
        "patient page figures": visible_text(
            patient_page.split('class="grid stats"', 1)[1].split('<div class="stat">')[1]
            + patient_page.split('class="grid stats"', 1)[1].split('<div class="stat">')[3]
        ),
        "list": _position_cell(row),
    }


def _position_cell(row):
    """The list row's plan position: its cells after the name are the flags, then the
    position (list_rows.row_html: flags come second, f012bb5)."""
    cell = row.split("<td", 3)[2]
    return visible_text(cell.split(">", 1)[1].split("</td>", 1)[0])


# The plan panel of _ended's patient: who ended it, then its first night without a dose
# ("ended on 29 Nov" read as the last night on LDN).
PANEL = {
    "en": ("The last prescription was ended", "No dose from the night of 29 Nov 2026 on."),
    "de": (
        "Die letzte Verordnung wurde beendet",
        "Keine Dosis mehr ab der Nacht vom 29. Nov 2026.",
    ),
    "es": ("Se finalizó la última prescripción", "Ninguna dosis desde la noche del 29 nov 2026."),
}


def _ended(patient, clinician, dosing_time="evening"):
    """A prescription ended on 29 Nov, and no new one."""
    make_prescription(
        patient, clinician, date(2026, 11, 1), steps=(("1.5", None),), dosing_time=dosing_time
    )
    sign_change(
        patient,
        clinician,
        lambda plan: changes.end_change(
            plan.latest, tonight_night=date(2026, 11, 29), reason="No benefit"
        ),
        datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
    )


def test_the_position_between_the_two_says_when_the_next_steps_begin(patient_a, clinician_a):
    _ended_then_prescribed_again(patient_a, clinician_a)
    position = plans.load(patient_a).on(DEC_2)
    assert position.status == titration.ENDED
    assert position.ended_on == date(2026, 11, 29)
    assert (position.next_step_night, str(position.next_dose_mg)) == (DEC_7, "1.50")


def test_an_ended_prescription_with_no_new_one_has_no_next_steps(patient_a, clinician_a):
    _ended(patient_a, clinician_a)
    position = plans.load(patient_a).on(DEC_2)
    assert (position.status, position.next_step_night, position.next_dose_mg) == (
        titration.ENDED,
        None,
        None,
    )


def test_every_surface_agrees_no_ldn_tonight_and_the_next_steps_begin_on_7_dec(
    patient_a, clinician_a
):
    _ended_then_prescribed_again(patient_a, clinician_a)
    seen = _surfaces(patient_a, clinician_a)
    assert seen["home"].startswith("Tonight · "), seen
    assert (
        "No LDN tonight — your next steps begin on Monday 7 December with 1.5 mg." in (seen["home"])
    ), seen
    # Not the ending's words: a new prescription is signed.
    assert "unless they prescribe it again" not in seen["home"], seen
    assert (
        "No LDN tonight — your next steps begin on Monday 7 December with 1.5 mg."
        in (seen["my plan"])
    ), seen
    for panel in ("plan panel", "patient page panel"):
        assert "No plan" not in seen[panel], seen
        assert (
            "No LDN previous prescription ended; the new one starts 7 Dec 2026 at 1.5 mg"
            in seen[panel]
        ), seen
    # The list says what the panel says, short: no LDN until the new steps begin (it said
    # "Starts 7 Dec", as of a patient new to LDN).
    assert seen["list"] == "No LDN · starts 7 Dec", seen
    for panel in ("plan panel", "patient page panel"):
        assert seen["list"].split(" · ")[0] in seen[panel], seen
    assert seen["patient page figures"] == "Tonight (2 Dec) No LDN Next change 7 Dec 1.5 mg", seen


@pytest.mark.parametrize(
    ("language", "home", "panel", "listed"),
    [
        (
            "de",
            "Heute Abend kein LDN — Ihre nächsten Stufen beginnen am",
            "Kein LDN vorherige Verordnung beendet; die neue beginnt am",
            "Kein LDN · beginnt am 7. Dez",
        ),
        (
            "es",
            "Esta noche no tome LDN — sus próximos pasos empiezan el",
            "Sin LDN prescripción anterior finalizada; la nueva empieza el",
            "Sin LDN · empieza el 7 dic",
        ),
    ],
)
def test_the_surfaces_say_it_in_german_and_spanish(
    patient_a, clinician_a, language, home, panel, listed
):
    _ended_then_prescribed_again(patient_a, clinician_a)
    for user in (patient_a.user, clinician_a):
        user.language = language
        user.save(update_fields=["language"])
    seen = _surfaces(patient_a, clinician_a)
    assert home in seen["home"], seen
    assert home in seen["my plan"], seen
    assert panel in seen["plan panel"], seen
    assert seen["list"].startswith(listed), seen
    no_plan = {"de": "Kein Plan", "es": "Sin plan"}[language]
    for text in seen.values():
        assert no_plan not in text, seen


def test_a_morning_doser_is_told_no_ldn_today(patient_a, clinician_a):
    _ended_then_prescribed_again(patient_a, clinician_a, dosing_time="morning")
    seen = _surfaces(patient_a, clinician_a)
    assert "No LDN today — your next steps begin on Monday 7 December" in seen["home"], seen
    assert "No LDN today — your next steps begin on Monday 7 December" in seen["my plan"], seen


@pytest.mark.parametrize(
    ("language", "listed", "panel", "no_plan"),
    [
        ("en", "Prescription ended", PANEL["en"], "No plan"),
        ("de", "Verordnung beendet", PANEL["de"], "Kein Plan"),
        ("es", "Prescripción finalizada", PANEL["es"], "Sin plan"),
    ],
)
def test_an_ended_prescription_with_no_new_one_is_said_alike_by_the_list_and_the_panel(
    patient_a, clinician_a, language, listed, panel, no_plan
):
    """The list said "No plan" (as of a patient never prescribed LDN) of a patient whose
    prescription had ended, beside a plan panel saying the last prescription ended: it says
    "Prescription ended", the panel's word for it (its steps table's and its versions')."""
    _ended(patient_a, clinician_a)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    client = signed_in_reauthenticated(clinician_a)
    plan_page = _get(client, reverse("clinic:plan", args=[patient_a.pk]))
    patient_page = _get(client, reverse("clinic:patient", args=[patient_a.pk]))
    with time_machine.travel(NOW, tick=False):
        attention.recompute([patient_a.pk], NOW)
    listed_page = _get(client, reverse("clinic:patients"))
    row = listed_page.split(f'href="{reverse("clinic:patient", args=[patient_a.pk])}"', 1)[1]
    cell = _position_cell(row)
    assert cell == listed
    for page in (plan_page, patient_page):
        said = visible_text(_section(page, 'aria-labelledby="plan-panel-title"'))
        assert all(part in said for part in panel), said
        assert no_plan not in said, said


@pytest.mark.parametrize(
    ("language", "ended", "panel"),
    [
        ("en", "Prescription ended", PANEL["en"]),
        ("de", "Verordnung beendet", PANEL["de"]),
        ("es", "Prescripción finalizada", PANEL["es"]),
    ],
)
def test_the_patient_pages_tonight_figure_says_the_prescription_ended_as_the_list_and_panel_do(
    patient_a, clinician_a, language, ended, panel
):
    """The patient page's "Tonight" figure showed "—" for a patient whose prescription had
    ended with no new one, beside a list row saying "Prescription ended" and a plan panel (on
    the same page) saying the last prescription ended."""
    _ended(patient_a, clinician_a)
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    client = signed_in_reauthenticated(clinician_a)
    patient_page = _get(client, reverse("clinic:patient", args=[patient_a.pk]))
    with time_machine.travel(NOW, tick=False):
        attention.recompute([patient_a.pk], NOW)
    listed_page = _get(client, reverse("clinic:patients"))
    row = listed_page.split(f'href="{reverse("clinic:patient", args=[patient_a.pk])}"', 1)[1]
    listed = _position_cell(row)
    tonight = patient_page.split('class="grid stats"', 1)[1].split('<div class="stat">')[1]
    figure = visible_text(tonight.split('class="stat-value">', 1)[1].split("</span>", 1)[0])
    said = visible_text(_section(patient_page, 'aria-labelledby="plan-panel-title"'))
    assert (listed, figure) == (ended, ended), (listed, figure)
    assert all(part in said for part in panel), said


def test_a_morning_dosers_ended_panel_names_the_first_day_without_a_dose(patient_a, clinician_a):
    _ended(patient_a, clinician_a, dosing_time="morning")
    client = signed_in_reauthenticated(clinician_a)
    for name in ("clinic:plan", "clinic:patient"):
        page = _get(client, reverse(name, args=[patient_a.pk]))
        said = visible_text(_section(page, 'aria-labelledby="plan-panel-title"'))
        assert "The last prescription was ended" in said, said
        assert "No dose from the day of 29 Nov 2026 on." in said, said
