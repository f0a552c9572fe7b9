"""Times are stored in UTC and shown in the viewer's time zone."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from ldn_journal.accounts.time_zones import SESSION_KEY
from patients.models import ClinicianPreferences, NightlyEntry
from tests.factories import PatientFactory


@pytest.fixture
def new_york_patient(clinician_a):
    return PatientFactory(time_zone="America/New_York", clinicians=[clinician_a])


@time_machine.travel(datetime(2026, 3, 12, 15, 0, tzinfo=UTC), tick=False)
def test_a_patient_sees_their_dose_time_in_their_own_zone(client, new_york_patient):
    entry = NightlyEntry.objects.create(
        patient=new_york_patient,
        night=date(2026, 3, 11),
        status="taken",
        dose_mg=Decimal("1.5"),
        taken_at=datetime(2026, 3, 12, 2, 30, tzinfo=UTC),  # 22:30 in New York (EDT)
    )
    client.force_login(new_york_patient.user)
    page = client.get(f"/journal/entry/{entry.pk}/").content.decode()
    assert "22:30" in page
    assert "02:30" not in page


def test_a_clinician_sees_times_in_their_preferred_zone(client, clinician_a):
    ClinicianPreferences.objects.create(user=clinician_a, time_zone="Asia/Kolkata")
    client.force_login(clinician_a)

    assert client.session[SESSION_KEY] == "Asia/Kolkata"


def test_changing_the_zone_in_settings_changes_what_the_patient_sees(client, new_york_patient):
    client.force_login(new_york_patient.user)

    assert client.session[SESSION_KEY] == "America/New_York"
    form = client.get("/journal/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update({"time_zone": "Europe/London", "display_name": "NY Patient"})
    data = {k: (v.strftime("%H:%M") if hasattr(v, "strftime") else v) for k, v in data.items()}
    response = client.post("/journal/settings/", data)
    assert response.status_code == 302, response.context["form"].errors
    assert client.session[SESSION_KEY] == "Europe/London"
