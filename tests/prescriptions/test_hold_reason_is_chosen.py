"""The Hold form chooses no reason beforehand: "Planned surgery" was pre-selected, so a hold
signed for an opioid start or a reaction was recorded as "Planned surgery: ..." (QA)."""

import re
from datetime import date
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from prescriptions.forms import HoldForm
from prescriptions.models import PlanVersion
from tests.prescriptions.factories import make_prescription

START = date(2026, 3, 1)
TONIGHT = date(2026, 3, 10)
MISSING = {
    "en": "Choose why the plan is held: planned surgery, opioid pain relief, side effects or "
    "other.",
    "de": "Wählen Sie, warum der Plan pausiert wird: Geplante Operation, Schmerzbehandlung mit "
    "Opioiden, Nebenwirkungen oder Andere.",
    "es": "Elija por qué se pone el plan en pausa: cirugía programada, analgesia con opioides, "
    "efectos secundarios u otro.",
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


@pytest.fixture
def on_plan(patient_a, clinician_a):
    make_prescription(patient_a, clinician_a, START)
    return patient_a


def _url(patient):
    return reverse("clinic:plan_hold", args=[patient.pk])


def _typed(**changes):
    data = {
        "based_on": "1",
        "hold_from": "2026-03-11",
        "hold_until": "2026-03-20",
        "reason": "Starts tramadol after the fracture",
        "patient_note": "Stop LDN until we call you.",
    }
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def _radios(page):
    return re.findall(r'<input type="radio" name="hold_reason"[^>]*>', page)


def test_the_hold_form_opens_with_no_reason_chosen(clinician_client, on_plan):
    page = clinician_client.get(_url(on_plan)).content.decode()
    radios = _radios(page)
    assert len(radios) == len(HoldForm.REASONS)
    assert not [radio for radio in radios if "checked" in radio]


def test_every_reason_is_marked_required_for_the_browser_too(clinician_client, on_plan):
    page = clinician_client.get(_url(on_plan)).content.decode()
    assert all(" required" in radio for radio in _radios(page))


def test_the_reasons_are_a_group_named_by_its_legend(clinician_client, on_plan):
    page = clinician_client.get(_url(on_plan)).content.decode()
    group = re.search(r"<fieldset[^>]*>\s*<legend>([^<]*)</legend>(.*?)</fieldset>", page, re.S)
    assert group.group(1) == "Why hold"
    assert len(_radios(group.group(2))) == len(HoldForm.REASONS)


@pytest.mark.parametrize("language", sorted(MISSING))
def test_a_hold_signed_without_a_reason_is_refused_saying_what_to_choose(
    clinician_client, on_plan, language
):
    response = clinician_client.post(_url(on_plan), _typed(), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert MISSING[language] in unescape(response.content.decode())
    assert PlanVersion.objects.count() == 1


@pytest.mark.parametrize("posted", ["", "urgent_report", "surgery"])
def test_a_reason_the_form_does_not_offer_is_refused_the_same_way(
    clinician_client, on_plan, posted
):
    # The urgent report's kind is the acknowledgement's own, never the clinician's choice.
    response = clinician_client.post(_url(on_plan), _typed(hold_reason=posted))
    assert MISSING["en"] in unescape(response.content.decode())
    assert PlanVersion.objects.count() == 1


def test_a_refused_hold_keeps_everything_else_typed(clinician_client, on_plan):
    page = unescape(clinician_client.post(_url(on_plan), _typed()).content.decode())
    assert 'value="2026-03-11"' in page
    assert 'value="2026-03-20"' in page
    assert "Starts tramadol after the fracture</textarea>" in page
    assert "Stop LDN until we call you.</textarea>" in page
    assert not [radio for radio in _radios(page) if "checked" in radio]


@pytest.mark.parametrize("kind", [value for value, _label in HoldForm.REASONS])
def test_the_reason_chosen_is_the_one_stored(clinician_client, on_plan, kind):
    response = clinician_client.post(_url(on_plan), _typed(hold_reason=kind))
    assert response.status_code == 302
    version = PlanVersion.objects.get(number=2)
    assert (version.kind, version.reason_kind) == (PlanVersion.Kind.HOLD, kind)


def test_a_chosen_reason_stays_chosen_when_another_field_is_refused(clinician_client, on_plan):
    data = _typed(hold_reason="opioid_pain_relief", reason="")
    page = clinician_client.post(_url(on_plan), data).content.decode()
    checked = [radio for radio in _radios(page) if "checked" in radio]
    assert len(checked) == 1
    assert 'value="opioid_pain_relief"' in checked[0]
    assert PlanVersion.objects.count() == 1
