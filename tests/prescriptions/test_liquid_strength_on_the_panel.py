"""The plan panel names a liquid's strength as every dose is named: no trailing zeros, the
language's decimal comma ("Liquid 1,00 mg/mL" in German beside "3,25 mg")."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import Formulation
from tests.patients.journal_support import make_plan, visible_text
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("concentration", "language", "said"),
    [
        ("1.00", "en", "1 mg/mL"),
        ("1.00", "de", "1 mg/mL"),
        ("2.50", "de", "2,5 mg/mL"),
        ("2.50", "es", "2,5 mg/mL"),
        ("0.75", "en", "0.75 mg/mL"),
    ],
)
def test_a_liquids_strength_reads_as_a_dose_does(
    patient_a, clinician_a, concentration, language, said
):
    make_plan(
        patient_a,
        clinician_a,
        steps=(("1", None),),
        formulation=Formulation.LIQUID,
        concentration=Decimal(concentration),
    )
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    with time_machine.travel(NOW, tick=False):
        page = (
            signed_in_reauthenticated(clinician_a)
            .get(reverse("clinic:plan", args=[patient_a.pk]))
            .content.decode()
        )
    badge = visible_text(page.split('class="badge', 1)[1].split("</span>", 1)[0])
    assert badge.endswith(said)
