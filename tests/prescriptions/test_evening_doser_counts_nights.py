"""An evening doser's step lengths and positions are counted in nights, a morning doser's in
days (the dosing time the page already has: position.dosing_time, each row's dosing_time).

My plan said "Step 3 of 4, day 6." to an evening doser and the clinician's plan panel listed
the step lengths "7 days" / "1 day, then continues" under a "Nights" column header."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan, panel_steps_table, visible_text
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # London is on GMT: 25 Nov is night/day 6
# Step 3 (3 mg, 7 nights) runs 20 to 26 Nov; step 4 (4.5 mg, 1 night) from 27 Nov on.
STEPS = (("1", 2), ("1.5", 3), ("3", 7), ("4.5", 1))

WORDS = {
    ("en", "evening"): (
        "Step 3 of 4, night 6.",
        "Step 3 of 4, night 6",
        "7 nights",
        "1 night, then continues",
    ),
    ("en", "morning"): (
        "Step 3 of 4, day 6.",
        "Step 3 of 4, day 6",
        "7 days",
        "1 day, then continues",
    ),
    ("de", "evening"): (
        "Stufe 3 von 4, Nacht 6.",
        "Stufe 3 von 4, Nacht 6",
        "7 Nächte",
        "1 Nacht, dann weiter",
    ),
    ("de", "morning"): (
        "Stufe 3 von 4, Tag 6.",
        "Stufe 3 von 4, Tag 6",
        "7 Tage",
        "1 Tag, dann weiter",
    ),
    ("es", "evening"): (
        "Paso 3 de 4, noche 6.",
        "Paso 3 de 4, noche 6",
        "7 noches",
        "1 noche, luego continúa",
    ),
    ("es", "morning"): (
        "Paso 3 de 4, día 6.",
        "Paso 3 de 4, día 6",
        "7 días",
        "1 día, luego continúa",
    ),
}


@pytest.mark.parametrize(("language", "dosing_time"), sorted(WORDS))
def test_step_lengths_and_positions_are_counted_in_the_doses_own_unit(
    patient_a, clinician_a, language, dosing_time
):
    mine, panel_position, length, carries_on = WORDS[(language, dosing_time)]
    make_plan(
        patient_a, clinician_a, steps=STEPS, start=date(2026, 11, 15), dosing_time=dosing_time
    )
    for user in (patient_a.user, clinician_a):
        user.language = language
        user.save(update_fields=["language"])

    with time_machine.travel(NOON, tick=False):
        my_plan = signed_in(patient_a.user).get(reverse("journal:plan")).content.decode()
        panel = (
            signed_in_reauthenticated(clinician_a)
            .get(reverse("clinic:plan", args=[patient_a.pk]))
            .content.decode()
        )
    table = visible_text(panel_steps_table(patient_a, clinician_a, NOON))

    assert mine in visible_text(my_plan.split('id="plan-now"', 1)[1].split("</section>", 1)[0])
    assert panel_position in visible_text(panel)
    assert length in table
    assert carries_on in table
