"""A clinician's URL that names a patient and one of their records answers 404 when the record
is another patient's, even one the clinician may see (DESIGN 4: any other request for an
object answers 404). The access matrix fills every id with patient A's, so it cannot see a
record id paired with another patient's id: with the record's own patient check dropped, a
clinician read another team's entry history and undid another team's flag review through
their own patient's URL (found by a break-check of the 404 rule).
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import FlagReview, NightlyEntry, SymptomScale
from tests.factories import PatientFactory
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import signed_in

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NIGHT = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def records_of(patient, clinician):
    make_prescription(patient, clinician, date(2026, 11, 1))
    return {
        "entry": NightlyEntry.objects.create(
            patient=patient,
            night=NIGHT,
            status="taken",
            dose_mg=Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            taken_at=datetime(2026, 11, 20, 22, 0, tzinfo=UTC),
        ),
        "review": FlagReview.objects.create(
            patient=patient, reviewed_through=NIGHT, reviewed_by=clinician
        ),
        "version": patient.prescriptions.get().versions.get(),
        "scale": SymptomScale.objects.create(patient=patient, name="Brain fog"),
        "stopped_scale": SymptomScale.objects.create(patient=patient, name="Itch", active=False),
    }


PAGES = {
    "clinic:entry_history": ("get", "entry"),
    "clinic:undo_review": ("post", "review"),
    "clinic:plan_version": ("get", "version"),
    "clinic:stop_scale": ("post", "scale"),
    "clinic:ask_scale_again": ("post", "stopped_scale"),
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("whose", ["another of their own patients", "another team's patient"])
def test_a_record_of_another_patient_under_a_patients_url_is_not_found(
    page, whose, clinician_a, clinician_b, patient_a, patient_b
):
    method, kind = PAGES[page]
    if whose == "another team's patient":
        viewer, url_patient, owner, owners_clinician = (
            clinician_b,
            patient_b,
            patient_a,
            clinician_a,
        )
    else:
        other_of_theirs = PatientFactory(clinicians=[clinician_a])
        viewer, url_patient, owner = clinician_a, patient_a, other_of_theirs
        owners_clinician = clinician_a
    record = records_of(owner, owners_clinician)[kind]
    records_of(url_patient, viewer)
    client = signed_in(viewer)

    response = getattr(client, method)(reverse(page, args=[url_patient.pk, record.pk]))

    assert response.status_code == 404
    if kind == "review":
        record.refresh_from_db()
        assert record.undone_at is None
    if kind in ("scale", "stopped_scale"):
        was = record.active
        record.refresh_from_db()
        assert record.active == was
    # The same record under its own patient's URL is there for whoever may see it.
    if whose == "another of their own patients":
        own = getattr(client, method)(reverse(page, args=[owner.pk, record.pk]))
        assert own.status_code != 404
