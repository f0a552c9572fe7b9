"""The switch-dosing-time page with a switch already signed (found by QA): a patient dosing
in the morning with a switch to evening signed for a later night was offered "Switch to
morning dosing" (the newest version's dosing time), the page's "Current plan" said
"evening dosing" for the version not yet in effect, and the form defaulted to morning: no
change tonight. Now the panel offers "Change the switch to evening dosing", the summary says
what is in effect tonight and what is signed (PlanView.dosing_time_on,
next_dosing_time_switch), and the form defaults to bringing the switch forward."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from prescriptions import plans
from tests.patients.journal_support import make_plan, switch_dosing_time
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DEC_10 = date(2026, 12, 10)


def _setup(patient, clinician):
    make_plan(patient, clinician, steps=(("1.5", 60), ("3", None)), dosing_time="morning")
    switch_dosing_time(
        patient, clinician, "evening", DEC_10, signed=datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    )
    return signed_in_reauthenticated(clinician)


def _get(client, name, patient):
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse(name, args=[patient.pk])).content.decode()


def _checked(html, name):
    tags = re.findall(rf'<input[^>]*name="{name}"[^>]*>', html)
    return [re.search(r'value="([^"]*)"', tag).group(1) for tag in tags if "checked" in tag]


def test_the_panel_offers_to_change_the_signed_switch(patient_a, clinician_a):
    html = _get(_setup(patient_a, clinician_a), "clinic:plan", patient_a)
    assert "Change the switch to evening dosing" in html
    assert "Switch to morning dosing" not in html


def test_the_page_says_what_is_in_effect_and_what_is_signed(patient_a, clinician_a):
    html = _get(_setup(patient_a, clinician_a), "clinic:plan_dosing_time", patient_a)
    assert "morning dosing now, evening dosing signed from 10 Dec 2026" in html


def test_the_default_brings_the_switch_forward_and_signs(patient_a, clinician_a):
    client = _setup(patient_a, clinician_a)
    html = _get(client, "clinic:plan_dosing_time", patient_a)
    assert _checked(html, "dosing_time") == ["evening"]
    night = date.fromisoformat(re.search(r'name="effective_night"[^>]*value="([^"]+)"', html)[1])
    assert night < DEC_10
    view = plans.load(patient_a)
    assert view.dosing_time_on(night) == "morning"  # the default changes that night
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("clinic:plan_dosing_time", args=[patient_a.pk]),
            {
                "based_on": str(view.latest.number),
                "dosing_time": "evening",
                "effective_night": str(night),
                "reason": "Sooner",
            },
        )
    assert response.status_code == 302
    view = plans.load(patient_a)
    assert view.dosing_time_on(night) == "evening"
    assert view.dosing_time_on(date(2026, 12, 2)) == "morning"


@pytest.mark.parametrize("language", ["de", "es"])
def test_the_new_words_read_in_german_and_spanish(language):
    with translation.override(language):
        for message in (
            "Change the switch to morning dosing",
            "Change the switch to evening dosing",
            "morning dosing now, evening dosing signed from %(night)s",
            "evening dosing now, morning dosing signed from %(night)s",
        ):
            assert translation.gettext(message) != message
