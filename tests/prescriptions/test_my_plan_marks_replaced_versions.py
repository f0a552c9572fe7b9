"""My plan's "Changes to your plan" marks a version replaced before it took effect, as the
visit report does (PlanView.replaced_before_effect): on hold, a restart signed for a later
night and then a restart for an earlier night read "Resumed — from 10 Dec 2026" as if the
patient had restarted then, with its note (found by exploratory QA)."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from prescriptions import plans
from tests.patients.journal_support import sign_ending, sign_restart, visible_text
from tests.prescriptions.factories import prescribe_again
from tests.prescriptions.signed_restart_support import NOW, _held_from_dec_2
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db
EARLIER = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)  # the night of the 4th


def plan_changes(patient, now):
    """The rows of "Changes to your plan" on My plan at ``now``: (text, struck) each."""
    with time_machine.travel(now, tick=False):
        html = signed_in(patient.user).get(reverse("journal:plan")).content.decode()
    section = html.split('id="plan-history"', 1)[1].split("</section>", 1)[0]
    items = [item.split(">", 1)[1] for item in section.split("<li")[1:]]
    return [(visible_text(item), "<s>" in item) for item in items]


@pytest.fixture
def restart_replaced(patient_a, clinician_a):
    """On hold from 2 Dec; v3 restarts on 10 Dec (signed 3 Dec); v4 restarts on 5 Dec
    (signed 4 Dec), so v3 never governs a night."""
    _held_from_dec_2(patient_a, clinician_a)
    sign_restart(
        patient_a, clinician_a, date(2026, 12, 10), 1, signed=NOW, patient_note="Back on the 10th"
    )
    sign_restart(
        patient_a, clinician_a, date(2026, 12, 5), 0, signed=EARLIER, patient_note="Back sooner"
    )
    return patient_a


def test_a_restart_replaced_before_its_night_is_struck_and_says_so(restart_replaced):
    rows = plan_changes(restart_replaced, EARLIER)
    assert [struck for _, struck in rows] == [False, True, False, False], rows
    assert rows[0][0].startswith("Resumed — from 5 Dec 2026"), rows
    assert "Back sooner" in rows[0][0]
    assert rows[1][0].startswith("Resumed — from 10 Dec 2026"), rows
    assert rows[1][0].endswith("(replaced before it started)"), rows
    # Its note is no longer true: not shown as if current.
    assert "Back on the 10th" not in rows[1][0]
    assert not any("replaced" in text for text, struck in rows if not struck)


def test_my_plan_marks_the_versions_the_plan_view_says_were_replaced(restart_replaced):
    view = plans.load(restart_replaced)
    replaced = view.replaced_before_effect()
    assert [row.number for row in view.history if row.pk in replaced] == [3]
    assert replaced[view.history[2].pk].number == 4


def test_a_restart_not_replaced_is_not_marked(patient_a, clinician_a):
    _held_from_dec_2(patient_a, clinician_a)
    sign_restart(patient_a, clinician_a, date(2026, 12, 10), 1, signed=NOW)
    rows = plan_changes(patient_a, NOW)
    assert not any(struck for _, struck in rows), rows
    assert not any("replaced" in text for text, _ in rows), rows


def test_an_earlier_prescriptions_replaced_restart_is_struck_too(restart_replaced, clinician_a):
    """Ended from 6 Dec and prescribed again from 7 Dec: the replaced restart, now under
    "Earlier prescriptions", is marked as it was in the current list."""
    sign_ending(restart_replaced, clinician_a, date(2026, 12, 6), "Switch formulation")
    prescribe_again(restart_replaced, clinician_a, date(2026, 12, 7))
    with time_machine.travel(datetime(2026, 12, 7, 20, 0, tzinfo=UTC), tick=False):
        html = signed_in(restart_replaced.user).get(reverse("journal:plan")).content.decode()
    section = html.split('<details class="earlier-prescriptions">', 1)[1].split("</details>")[0]
    items = [item.split(">", 1)[1] for item in section.split("<li")[1:]]
    rows = [(visible_text(item), "<s>" in item) for item in items]
    assert [struck for _, struck in rows] == [False, False, True, False, False], rows
    assert rows[2][0].startswith("Resumed — from 10 Dec 2026"), rows
    assert rows[2][0].endswith("(replaced before it started)"), rows
    assert "Back on the 10th" not in rows[2][0]
