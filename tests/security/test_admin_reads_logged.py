"""An admin reading a patient in Django's admin is in the access log (DESIGN 4: every read of
a patient's data by a clinician or admin is recorded). The patient's change page shows their
conditions and care team, its history page their changes; neither wrote a row (found by an
adversarial pass: the generated read-logging test covers the clinicians' pages only)."""

import pytest

from ldn_journal.accounts.models import AccessLog
from patients.clinic.access_log import AUDIT_ACTION_LABELS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("suffix", "action"),
    [("change/", "admin.patient_view"), ("history/", "admin.patient_history")],
)
def test_an_admin_reading_a_patient_in_the_django_admin_is_logged(
    admin_client_, admin_user, patient_a, suffix, action
):
    patient_a.conditions = "Fibromyalgia"
    patient_a.save()
    response = admin_client_.get(f"/admin/patients/patient/{patient_a.pk}/{suffix}")
    assert response.status_code == 200
    rows = AccessLog.objects.filter(action=action)
    assert [(r.actor_id, r.patient_id) for r in rows] == [(admin_user.pk, patient_a.pk)]
    assert action in AUDIT_ACTION_LABELS


def test_the_admins_patient_list_and_a_missing_patient_log_no_read(admin_client_, patient_a):
    assert admin_client_.get("/admin/patients/patient/").status_code == 200
    admin_client_.get("/admin/patients/patient/999999/change/")
    assert not AccessLog.objects.filter(action__startswith="admin.").exists()
