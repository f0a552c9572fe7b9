"""Demo plans: every patient gets a history, re-seeding changes nothing, each suggestion fires."""

import pytest
from django.utils import timezone

from ldn_journal import demo as people
from patients.models import NightlyEntry, SideEffect
from prescriptions import suggestions as rules
from prescriptions import titration
from prescriptions.demo import journal_hints, seed_plans
from prescriptions.models import PlanVersion, Prescription
from prescriptions.panel import current_suggestions, plan_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    users, patients = people.seed_people()
    seed_plans(users, patients)
    return users, patients


def test_every_demo_patient_gets_a_prescription_with_a_plan_history(demo):
    _, patients = demo
    assert Prescription.objects.count() == len(patients)
    kinds = set(PlanVersion.objects.values_list("kind", flat=True))
    assert {"created", "hold", "resume", "dosing_time"} <= kinds
    assert Prescription.objects.filter(formulation="liquid").count() == 1


def test_seeding_plans_twice_changes_nothing(demo):
    before = PlanVersion.objects.count()
    seed_plans(*demo)
    assert PlanVersion.objects.count() == before


def test_a_demo_patient_is_on_hold_tonight(demo):
    _, patients = demo
    assert plan_state(patients["patient8@example.com"])["position"].status == "on_hold"


def _seed_hinted_nights(patient, email, tonight_night, state):
    for night, values in journal_hints(email, tonight_night).items():
        values = dict(values)
        effects = values.pop("side_effects", {})
        dose = rules_dose(state, night)
        values.setdefault("status", "taken" if dose else "")
        entry = NightlyEntry.objects.create(
            patient=patient, night=night, dose_mg=dose if values["status"] else None, **values
        )
        for kind, severity in effects.items():
            SideEffect.objects.create(entry=entry, kind=kind, severity=severity)


def rules_dose(state, night):
    return titration.prescribed_dose(state["plain_versions"], night)


@pytest.mark.parametrize(
    ("email", "kind"),
    [
        ("patient2@example.com", rules.VIVID_DREAMS),
        ("patient6@example.com", rules.MORNING_DOSING),
        ("patient7@example.com", rules.NEXT_STEP),
        ("patient@example.com", rules.REVIEW_BENEFIT),
    ],
)
def test_the_journal_hints_make_each_suggestion_fire_for_its_demo_patient(demo, email, kind):
    _, patients = demo
    patient = patients[email]
    state = plan_state(patient, timezone.now())
    _seed_hinted_nights(patient, email, state["tonight"], state)
    found = current_suggestions(patient, state)
    assert kind in [suggestion.kind for suggestion in found]
