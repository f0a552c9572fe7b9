"""Two holds signed back to back (10-12 Dec, then 13-15 Dec) are two holds, each with its
own dates, reason and note, whatever is signed after them.

A steps change signed before them carries the hold to come (changes._carried_hold): it read
the held nights as one run and carried 10-15 Dec as one hold, under the first hold's words.
New dates for the first hold then lifted the second with it (a hold over a hold changes that
hold's dates), and the patient was told to take LDN on the nights of the second hold.
"""

from datetime import UTC, date, datetime
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from prescriptions import changes, plans, titration
from tests.patients.journal_support import (
    panel_steps_table,
    sign_hold,
    sign_restart,
    sign_steps,
    visible_text,
    your_steps,
)
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)  # 14:00 in London, the night of 2 Dec
DEC = {day: date(2026, 12, day) for day in range(1, 32)}


@pytest.fixture
def patient(patient_on_2mg, clinician):
    sign_hold(
        patient_on_2mg,
        clinician,
        DEC[10],
        DEC[12],
        signed=NOW,
        reason="Dental surgery",
        patient_note="No LDN around your dental surgery.",
    )
    sign_hold(
        patient_on_2mg,
        clinician,
        DEC[13],
        DEC[15],
        signed=NOW,
        reason="Knee surgery",
        patient_note="No LDN around your knee surgery.",
    )
    return patient_on_2mg


def _steps_from(patient, clinician, night, signed=NOW):
    return sign_steps(patient, clinician, night, (("1.5", None),), signed=signed)


def _holds(patient):
    """The holds that hold the plan's nights, each as (first, last, reason) as the version
    holding a night says it and the signed hold row it carries names it."""
    view = plans.load(patient)
    holds = set()
    for day in range(4, 20):
        version = titration.version_in_effect(view.versions, DEC[day])
        if view.status_on(DEC[day]) == titration.ON_HOLD:
            row = view.signed_hold_row(version)
            holds.add((version.hold_from, version.hold_until, row.reason if row else None))
    return sorted(holds)


def test_a_steps_change_keeps_two_back_to_back_holds_as_they_were_signed(patient, clinician):
    _steps_from(patient, clinician, DEC[4])
    assert _holds(patient) == [
        (DEC[10], DEC[12], "Dental surgery"),
        (DEC[13], DEC[15], "Knee surgery"),
    ]


def test_new_dates_for_the_first_of_two_back_to_back_holds_keep_the_second(patient, clinician):
    _steps_from(patient, clinician, DEC[4])
    sign_hold(patient, clinician, DEC[10], DEC[11], signed=NOW, reason="Dental surgery")
    plan = plans.load(patient)
    assert [plan.status_on(DEC[day]) for day in (10, 11, 12, 13, 14, 15, 16)] == [
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ACTIVE,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ACTIVE,
    ]
    assert plan.dose_on(DEC[12]) == plan.dose_on(DEC[16]) == Decimal("1.5")


def test_a_restart_during_the_first_of_two_back_to_back_holds_keeps_the_second(patient, clinician):
    sign_restart(patient, clinician, DEC[12], 0, signed=NOW)
    plan = plans.load(patient)
    assert [plan.status_on(DEC[day]) for day in (10, 11, 12, 13, 14, 15, 16)] == [
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ACTIVE,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ON_HOLD,
        titration.ACTIVE,
    ]


def test_a_steps_change_during_the_second_hold_keeps_its_note_on_the_card(patient, clinician):
    _steps_from(patient, clinician, DEC[14], signed=datetime(2026, 12, 14, 20, 0, tzinfo=UTC))
    plan = plans.load(patient)
    assert plan.hold_note(DEC[14]) == "No LDN around your knee surgery."
    assert plan.hold_note(DEC[11]) == "No LDN around your dental surgery."


def _rows(patient, tonight):
    return [(row.status, row.first, row.last) for row in plans.load(patient).steps_ahead(tonight)]


def test_the_steps_ahead_list_two_back_to_back_holds_as_two_rows(patient):
    assert _rows(patient, DEC[2]) == [
        (titration.ACTIVE, date(2026, 11, 22), DEC[9]),
        (titration.ON_HOLD, DEC[10], DEC[12]),
        (titration.ON_HOLD, DEC[13], DEC[15]),
        (titration.ACTIVE, DEC[16], None),
    ]


def test_during_the_second_of_two_back_to_back_holds_its_row_begins_on_its_own_first_night(
    patient,
):
    assert _rows(patient, DEC[14])[0] == (titration.ON_HOLD, DEC[13], DEC[15])
    assert _rows(patient, DEC[11])[:2] == [
        (titration.ON_HOLD, DEC[10], DEC[12]),
        (titration.ON_HOLD, DEC[13], DEC[15]),
    ]


def test_a_steps_change_inside_a_hold_leaves_it_one_row(patient, clinician):
    # The change carries the hold (from its own first night): the same signed hold.
    _steps_from(patient, clinician, DEC[11], signed=datetime(2026, 12, 11, 14, 0, tzinfo=UTC))
    assert _rows(patient, DEC[11])[:2] == [
        (titration.ON_HOLD, DEC[10], DEC[12]),
        (titration.ON_HOLD, DEC[13], DEC[15]),
    ]


def test_my_plan_and_the_plan_panel_show_each_of_two_back_to_back_holds(patient, clinician):
    assert "On hold, no LDN — from 10 Dec to 12 Dec" in your_steps(patient, NOW)
    assert "On hold, no LDN — from 13 Dec to 15 Dec" in your_steps(patient, NOW)
    table = visible_text(panel_steps_table(patient, clinician, NOW))
    assert "On hold 10 Dec 2026 – 12 Dec 2026 3 nights" in table
    assert "On hold 13 Dec 2026 – 15 Dec 2026 3 nights" in table


def _resume_page(clinician, patient, restart=None):
    """The Resume page as the clinician opens it, or as it comes back refused when they sign
    a restart on ``restart`` with no reason."""
    client = signed_in_reauthenticated(clinician)
    url = reverse("clinic:plan_resume", args=[patient.pk])
    with time_machine.travel(NOW, tick=False):
        if restart is None:
            return unescape(client.get(url).content.decode())
        data = {
            "based_on": str(plans.load(patient).latest.number),
            "resume_on": str(restart),
            "step": "0",
            "reason": " ",
        }
        return unescape(client.post(url, data).content.decode())


def test_the_resume_page_names_the_hold_its_restart_night_ends(patient, clinician):
    html = _resume_page(clinician, patient)
    assert 'value="2026-12-16"' in html
    assert "A restart on 16 Dec 2026 ends the hold from 13 Dec 2026 to 15 Dec 2026." in html


@pytest.mark.parametrize(
    ("restart", "named"),
    [
        (DEC[12], "A restart on 12 Dec 2026 ends the hold from 10 Dec 2026 to 12 Dec 2026."),
        (DEC[13], "A restart on 13 Dec 2026 cancels the hold from 13 Dec 2026 to 15 Dec 2026."),
        (DEC[14], "A restart on 14 Dec 2026 ends the hold from 13 Dec 2026 to 15 Dec 2026."),
        (
            DEC[20],
            "A restart on 20 Dec 2026 keeps the hold from 13 Dec 2026 to 15 Dec 2026 on until "
            "19 Dec 2026.",
        ),
    ],
)
def test_the_resume_page_names_the_hold_the_night_typed_ends(patient, clinician, restart, named):
    assert named in _resume_page(clinician, patient, restart)


def test_the_resume_page_names_no_hold_for_a_restart_before_the_holds(patient, clinician):
    assert "A restart on" not in _resume_page(clinician, patient, DEC[5])


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Ein Neustart am 16. Dez 2026 beendet die Pause vom 13. Dez 2026 bis"),
        ("es", "Una reanudación el 16 dic 2026 termina la pausa del 13 dic 2026 al"),
    ],
)
def test_the_named_hold_is_translated(language, words):
    with translation.override(language):
        message = changes.resumed_hold_message(DEC[16], (DEC[13], DEC[15]))
    assert words in message


# --- a restart on the night between two holds ----------------------------------------------
# 13 Dec is both the night after the first hold and the second hold's first night: a
# restart there cancels the knee surgery's hold. Typed as "restart after the dental surgery"
# it was signed at once, the page having named the hold a restart on 16 Dec ends.

DEC_11 = datetime(2026, 12, 11, 14, 0, tzinfo=UTC)  # the night of 11 Dec, in the first hold


def _post_restart(clinician, patient, restart, now=NOW, confirm=None):
    client = signed_in_reauthenticated(clinician)
    data = {
        "based_on": str(plans.load(patient).latest.number),
        "resume_on": str(restart),
        "step": "0",
        "reason": "Dental surgery over",
    }
    if confirm is not None:
        data["confirm_cancel"] = str(confirm)
    with time_machine.travel(now, tick=False):
        response = client.post(reverse("clinic:plan_resume", args=[patient.pk]), data)
    return response, unescape(response.content.decode())


def _held(patient):
    view = plans.load(patient)
    return [day for day in range(9, 17) if view.status_on(DEC[day]) == titration.ON_HOLD]


@pytest.mark.parametrize("now", [NOW, DEC_11, datetime(2026, 12, 12, 14, 0, tzinfo=UTC)])
def test_a_restart_between_two_holds_asks_before_it_cancels_the_second(patient, clinician, now):
    response, html = _post_restart(clinician, patient, DEC[13], now)
    assert response.status_code == 200
    assert html.count("A restart on 13 Dec 2026 cancels the hold from 13 Dec 2026 to 15 Dec") == 1
    assert "right after the hold from 10 Dec 2026 to 12 Dec 2026" in html
    assert "restart on 12 Dec 2026 or before" in html
    assert "nothing was saved" in html
    assert 'name="confirm_cancel" id="id_confirm_cancel" value="2026-12-13">' in html
    assert "I confirm this restart cancels the hold from 13 Dec 2026" in html
    assert _held(patient) == [10, 11, 12, 13, 14, 15]


def test_a_restart_between_two_holds_cancels_the_second_once_confirmed(patient, clinician):
    response, _html = _post_restart(clinician, patient, DEC[13], confirm=DEC[13])
    assert response.status_code == 302
    assert _held(patient) == [10, 11, 12]
    told = [str(message) for message in get_messages(response.wsgi_request)]
    assert "The hold from 13 Dec 2026 to 15 Dec 2026 is cancelled." in told


def test_a_box_ticked_for_another_night_confirms_no_cancellation(patient, clinician):
    response, html = _post_restart(clinician, patient, DEC[13], confirm=DEC[16])
    assert response.status_code == 200
    assert 'value="2026-12-13">' in html
    assert _held(patient) == [10, 11, 12, 13, 14, 15]


@pytest.mark.parametrize(
    ("restart", "now", "held"),
    [
        # Ends the first hold early; the second is kept.
        (DEC[12], NOW, [10, 11, 13, 14, 15]),
        # Ends the second hold early, in it.
        (DEC[14], NOW, [10, 11, 12, 13]),
        # The first hold is over: tonight's restart is no restart "after" it.
        (DEC[13], datetime(2026, 12, 13, 14, 0, tzinfo=UTC), [10, 11, 12]),
        # Cancels the first hold, on its own first night: the night before is not held.
        (DEC[10], NOW, [13, 14, 15]),
    ],
)
def test_other_restarts_around_two_holds_are_signed_without_a_question(
    patient, clinician, restart, now, held
):
    response, _html = _post_restart(clinician, patient, restart, now)
    assert response.status_code == 302
    assert _held(patient) == held


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", "Ich bestätige, dass dieser Neustart die Pause ab 13. Dez 2026 aufhebt"),
        ("es", "Confirmo que esta reanudación cancela la pausa desde el 13 dic 2026"),
    ],
)
def test_the_question_before_cancelling_the_second_hold_is_translated(language, words):
    with translation.override(language):
        message = str(
            changes.NeedsCancelConfirmation(DEC[13], (DEC[13], DEC[15]), (DEC[10], DEC[12]))
        )
    assert words in message
    assert "restart" not in message


def _current_plan(html):
    """The "Current plan" line the change pages open with, as one line of text."""
    start = html.index("Current plan:")
    return " ".join(html[start : html.index("</p>", start)].split())


def test_the_resume_pages_current_plan_names_both_holds_not_only_the_newest_versions(
    patient, clinician
):
    # It read the newest version's own hold: "Hold from 13 Dec 2026 to 15 Dec 2026." alone
    # (found by exploratory QA).
    summary = _current_plan(_resume_page(clinician, patient))

    assert summary.endswith(
        "Hold from 10 Dec 2026 to 12 Dec 2026. Hold from 13 Dec 2026 to 15 Dec 2026."
    )


def test_the_current_plan_names_the_holds_as_a_signed_restart_left_them(patient, clinician):
    # The newest version is the restart: the first hold ends on the 11th, the second stands.
    sign_restart(patient, clinician, DEC[12], 0, signed=NOW)

    summary = _current_plan(_resume_page(clinician, patient))

    assert summary.endswith(
        "Hold from 10 Dec 2026 to 11 Dec 2026. Hold from 13 Dec 2026 to 15 Dec 2026."
    )


def test_the_current_plan_names_no_hold_once_both_are_over(patient, clinician):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(datetime(2026, 12, 20, 14, 0, tzinfo=UTC), tick=False):
        html = client.get(reverse("clinic:plan_resume", args=[patient.pk])).content.decode()

    assert "Hold from" not in _current_plan(unescape(html))


def test_the_hold_and_change_pages_name_the_same_holds(patient, clinician):
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(NOW, tick=False):
        for name in ("clinic:plan_hold", "clinic:plan_change", "clinic:plan_end"):
            html = client.get(reverse(name, args=[patient.pk])).content.decode()
            assert _current_plan(unescape(html)).endswith(
                "Hold from 10 Dec 2026 to 12 Dec 2026. Hold from 13 Dec 2026 to 15 Dec 2026."
            ), name
