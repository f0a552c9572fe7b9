"""A hold's reason kind reads in each reader's language; the clinician's words stay as typed."""

import importlib
from datetime import date

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions.models import PlanVersion
from tests.prescriptions.factories import make_prescription

START = date(2026, 3, 1)
TONIGHT = date(2026, 3, 10)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]

split_reason = importlib.import_module(
    "prescriptions.migrations.0007_plan_version_reason_kind"
).split_reason


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


@pytest.fixture
def held(clinician_client, patient_a, clinician_a):
    """A German clinician puts the plan on hold for opioid pain relief, in their words."""
    make_prescription(patient_a, clinician_a, START)
    response = clinician_client.post(
        reverse("clinic:plan_hold", args=[patient_a.pk]),
        {
            "based_on": "1",
            "hold_reason": "opioid_pain_relief",
            "hold_from": str(TONIGHT),
            "hold_until": "",
            "reason": "Zahn-OP",
            "patient_note": "",
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.status_code == 302
    return PlanVersion.objects.get(number=2)


def test_the_reason_kind_is_stored_apart_from_the_words_typed(held):
    assert (held.reason_kind, held.reason) == ("opioid_pain_relief", "Zahn-OP")


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        ("de", "Schmerzbehandlung mit Opioiden: Zahn-OP"),
        ("es", "Analgesia con opioides: Zahn-OP"),
        ("en", "Opioid pain relief: Zahn-OP"),
    ],
)
@pytest.mark.parametrize("page", ["plan", "plan_version", "report"])
def test_every_page_that_shows_the_reason_shows_its_kind_in_the_readers_language(
    clinician_client, patient_a, held, language, shown, page
):
    args = [patient_a.pk, held.pk] if page == "plan_version" else [patient_a.pk]
    response = clinician_client.get(
        reverse(f"clinic:{page}", args=args), HTTP_ACCEPT_LANGUAGE=language
    )
    text = response.content.decode()
    assert shown in text
    if language != "en":
        assert "Opioid pain relief" not in text


def test_a_version_without_a_kind_shows_its_reason_as_signed():
    version = PlanVersion(reason="Vivid dreams since the step up")
    with translation.override("de"):
        assert version.shown_reason == "Vivid dreams since the step up"


def test_a_hold_made_when_acknowledging_an_urgent_report_reads_in_the_readers_language():
    version = PlanVersion(reason="#12", reason_kind=PlanVersion.ReasonKind.URGENT_REPORT)
    with translation.override("es"):
        assert version.shown_reason == "En pausa al confirmar un aviso urgente: #12"


@pytest.mark.parametrize(
    ("stored", "split"),
    [
        ("Planned surgery: Knee surgery on Friday", ("planned_surgery", "Knee surgery on Friday")),
        ("Opioid pain relief: Zahn-OP", ("opioid_pain_relief", "Zahn-OP")),
        ("Side effects: nausea", ("side_effects", "nausea")),
        ("Other: travel", ("other", "travel")),
        ("Put on hold when acknowledging urgent report #12.", ("urgent_report", "#12")),
        ("Opioid pain relief after dental surgery", None),  # no exact prefix: left as it is
        ("Planned surgery:", None),  # nothing after the prefix: left as it is
        ("Knee surgery", None),
    ],
)
def test_old_hold_reasons_are_split_only_on_an_exact_english_prefix(stored, split):
    assert split_reason(stored) == split
