"""The patient's "Who viewed my data" says every action in words, in the patient's language.

The page fell back to the raw English code for actions missing from ACTION_LABELS
(plan.version.read, urgent.read, prescription.create, ...), also in German and Spanish."""

import ast
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.models import AccessLog
from patients.clinic.access_log import ACTION_LABELS, patient_label

ROOT = Path(__file__).resolve().parents[2]
# The action codes written with an f-string, and what they stand for.
FORMATTED = {
    "care_team.{decision}": {"care_team.accept", "care_team.decline"},
    "export.{fmt}": {"export.csv", "export.fhir"},
}


def _codes(node):
    """The action codes an argument expression can take."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body) | _codes(node.orelse)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(
            part.value if isinstance(part, ast.Constant) else "{" + ast.unparse(part.value) + "}"
            for part in node.values
        )
        assert pattern in FORMATTED, f"an action code this test cannot expand: {pattern}"
        return FORMATTED[pattern]
    raise AssertionError(f"an action code this test cannot read: {ast.unparse(node)}")


def recorded_actions():
    """{action code: whether some call names a patient} for every record_access call."""
    found = {}
    for folder in ("ldn_journal", "patients", "prescriptions"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not (
                    isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record_access"
                ):
                    continue
                action = node.args[1] if len(node.args) > 1 else None
                action = action or next(k.value for k in node.keywords if k.arg == "action")
                names_patient = any(
                    k.arg == "patient"
                    and not (isinstance(k.value, ast.Constant) and k.value.value is None)
                    for k in node.keywords
                )
                for code in _codes(action):
                    found[code] = found.get(code, False) or names_patient
    return found


ACTIONS = recorded_actions()


def test_the_scan_finds_what_the_code_records():
    for code in ("urgent.read", "plan.version.read", "prescription.create", "account_deactivated"):
        assert ACTIONS[code] is True
    assert ACTIONS["login"] is False


def test_every_action_recorded_about_a_patient_has_a_label_for_the_patient():
    about_a_patient = {code for code, names_patient in ACTIONS.items() if names_patient}
    assert about_a_patient - set(ACTION_LABELS) == set()


@pytest.mark.parametrize("language", ["de", "es"])
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_recorded_action_is_said_in_words_in_german_and_spanish(action, language):
    with translation.override("en"):
        english = str(patient_label(action))
    with translation.override(language):
        translated = str(patient_label(action))
    assert english != action
    assert translated != english, f"{action}: not translated into {language}"


@pytest.mark.django_db
def test_the_patients_page_says_an_earlier_plan_version_in_german(
    patient_client, patient_a, clinician_a
):
    for action in ("plan.version.read", "urgent.read", "prescription.create"):
        AccessLog.objects.create(
            action=action, actor=clinician_a, actor_role=clinician_a.role, patient=patient_a
        )
    page = patient_client.get(reverse("journal:access_log"), HTTP_ACCEPT_LANGUAGE="de").text
    for action in ("plan.version.read", "urgent.read", "prescription.create"):
        with translation.override("de"):
            assert str(ACTION_LABELS[action]) in page
        assert action not in page
        assert action.replace(".", " ").capitalize() not in page
