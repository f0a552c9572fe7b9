"""What the patient's pages say of a night the plan holds, said for that night: the entry
page read "Your plan was paused." of tonight too (and of last night before noon, when a dose
would still be that night's), as if the hold were over; the dose page read "is paused" of a
past night whose hold has ended since; My plan said "Until the night of ..." to a morning
doser, whose hold ends on a day. Found by a wording audit."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import NOW, TONIGHT, make_plan, sign_hold, visible_text

pytestmark = pytest.mark.django_db

ONE_DAY = timedelta(days=1)
IS = {
    "en": "Your plan is paused by your clinician: no dose is prescribed.",
    "de": "Ihr Plan ist von Ihrer behandelnden Person pausiert: Es ist keine Dosis verordnet.",
    "es": (
        "Su plan está en pausa por indicación de su profesional sanitario: no hay ninguna "
        "dosis prescrita."
    ),
}
WAS_NIGHT = {
    "en": "Your plan was paused by your clinician that night: no dose was prescribed.",
    "de": (
        "In dieser Nacht war Ihr Plan von Ihrer behandelnden Person pausiert: Es war keine "
        "Dosis verordnet."
    ),
    "es": (
        "Esa noche su plan estaba en pausa por indicación de su profesional sanitario: no "
        "había ninguna dosis prescrita."
    ),
}
WAS_DAY = "Your plan was paused by your clinician that day: no dose was prescribed."


def _page(client, patient, url, at, language="en"):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_page_of_tonight_on_hold_says_the_plan_is_paused_not_was(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, TONIGHT, signed=NOW - timedelta(hours=2))
    page = _page(patient_client, patient_a, reverse("journal:night", args=[TONIGHT]), NOW, language)
    assert IS[language] in page
    assert "was paused" not in page


def test_last_nights_page_before_noon_says_the_plan_is_paused_while_a_dose_would_be_its_own(
    patient_client, patient_a, clinician_a
):
    make_plan(patient_a, clinician_a)
    sign_hold(patient_a, clinician_a, TONIGHT, signed=NOW - timedelta(hours=2))
    after_midnight = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # still the night of the 25th
    page = _page(
        patient_client, patient_a, reverse("journal:night", args=[TONIGHT]), after_midnight
    )
    assert "Last night, Wednesday 25 November" in page
    assert IS["en"] in page
    assert "was paused" not in page


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_past_held_night_says_the_plan_was_paused_that_night_once_the_hold_is_over(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a)
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 11, 20),
        date(2026, 11, 22),
        signed=datetime(2026, 11, 19, 20, 0, tzinfo=UTC),
    )
    held = date(2026, 11, 21)
    for url in (reverse("journal:night", args=[held]), reverse("journal:evening", args=[held])):
        page = _page(patient_client, patient_a, url, NOW, language)
        assert WAS_NIGHT[language] in page, url
        assert IS[language] not in page, url


def test_a_morning_dosers_past_held_day_says_that_day(patient_client, patient_a, clinician_a):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    sign_hold(
        patient_a,
        clinician_a,
        date(2026, 11, 20),
        date(2026, 11, 22),
        signed=datetime(2026, 11, 19, 6, 0, tzinfo=UTC),
    )
    page = _page(
        patient_client, patient_a, reverse("journal:night", args=[date(2026, 11, 21)]), NOW
    )
    assert WAS_DAY in page
    assert "that night" not in page


@pytest.mark.parametrize(
    ("dosing_time", "signed", "words"),
    [
        (
            "evening",
            NOW - timedelta(hours=2),
            "Up to and including the night of Wednesday 2 December.",
        ),
        (
            "morning",
            datetime(2026, 11, 25, 6, 0, tzinfo=UTC),
            "Up to and including Wednesday 2 December.",
        ),
    ],
)
def test_my_plan_says_the_holds_last_night_is_included_and_a_morning_dosers_is_a_day(
    patient_client, patient_a, clinician_a, dosing_time, signed, words
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    sign_hold(patient_a, clinician_a, TONIGHT, date(2026, 12, 2), signed=signed)
    page = _page(patient_client, patient_a, reverse("journal:plan"), NOW)
    assert words in page
    assert "Until the night of" not in page
