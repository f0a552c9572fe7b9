"""Two clinicians saving a new plan template of one name at once: the form's uniqueness
check passes for both (neither name is saved yet), and the second save hit the database's
unique constraint as an IntegrityError, a 500 (found by exploratory QA). The second now
gets the form back with the name's message, and nothing more is stored."""

import pytest
from django.urls import reverse

from prescriptions.forms import TemplateForm
from prescriptions.models import PlanTemplate
from tests.prescriptions.factories import steps_data

pytestmark = pytest.mark.django_db

DATA = {"name": "Gentle", "description": "", "liquid_only": "", **steps_data([("1.5", "")])}


def test_a_template_name_saved_by_another_clinician_meanwhile_is_refused_with_the_form(
    clinician_client, monkeypatch
):
    # The other clinician's save lands between this form's check and its save.
    def check_then_race(form, *args, **kwargs):
        PlanTemplate.objects.create(name="Gentle", steps=[{"dose_mg": "3.00", "days": None}])

    monkeypatch.setattr(TemplateForm, "validate_unique", check_then_race)
    response = clinician_client.post(reverse("clinic:template_new"), DATA)
    assert response.status_code == 200
    assert "A plan template with this name already exists: choose another name." in (
        response.content.decode().replace("&#x27;", "'")
    )
    assert list(PlanTemplate.objects.filter(name="Gentle").values_list("steps", flat=True)) == [
        [{"dose_mg": "3.00", "days": None}]
    ]
