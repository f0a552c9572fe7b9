"""The time-zone field takes a city: "London" was refused as "not a known time zone" though
the help text says "Start typing a city, for example London". A city names the zone whose
last part it is (Europe/London), ignoring case, spaces and "_", when exactly one zone has it;
with none or several the refusal says what is allowed, with examples, and nothing is stored."""

import pytest
from django.urls import reverse

from patients.models import ClinicianPreferences, zones_named

pytestmark = pytest.mark.django_db

URL = reverse("journal:settings")
VALID = {
    "display_name": "Patient A",
    "time_zone": "Europe/London",
    "reminder_time": "21:00",
    "last_call": "on",
    "last_call_time": "23:30",
    "morning_checkin": "on",
    "morning_time": "09:00",
    "remind_by_email": "on",
}


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("London", "Europe/London"),
        ("london", "Europe/London"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("  Los   Angeles ", "America/Los_Angeles"),
        ("port au prince", "America/Port-au-Prince"),
        ("europe/berlin", "Europe/Berlin"),
        ("Asia/Kolkata", "Asia/Kolkata"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
    ],
)
def test_a_patient_types_a_city_and_its_zone_is_stored(patient_client, patient_a, typed, zone):
    patient_a.time_zone = "Asia/Tokyo"
    patient_a.save()
    response = patient_client.post(URL, {**VALID, "time_zone": typed})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.time_zone == zone


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "Atlantis",
            "“Atlantis” is not a known time zone or city. Type a city, such as London or "
            "New York, or choose a zone from the list, such as Europe/London or "
            "America/New_York.",
        ),
        (
            "Buenos Aires",
            "Several time zones are called “Buenos Aires”: America/Argentina/Buenos_Aires, "
            "America/Buenos_Aires. Choose one of them from the list.",
        ),
        ("Europe", "“Europe” is not a known time zone or city."),
        ("GMT 5", "“GMT 5” is not a known time zone or city."),
    ],
)
def test_no_zone_or_several_is_refused_saying_what_is_allowed(
    patient_client, patient_a, typed, message
):
    response = patient_client.post(URL, {**VALID, "time_zone": typed, "reminder_time": "20:00"})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&quot;", '"')
    patient_a.refresh_from_db()
    assert patient_a.time_zone == "Europe/London"
    assert patient_a.reminder_time.strftime("%H:%M") == "21:00"


def test_a_clinician_types_a_city_for_their_digest(clinician_client, clinician_a):
    response = clinician_client.post(
        reverse("clinic:digest_settings"),
        {"digest_enabled": "on", "digest_time": "06:45", "time_zone": "new york"},
    )
    assert response.status_code == 302
    assert ClinicianPreferences.objects.get(user=clinician_a).time_zone == "America/New_York"


def test_a_name_with_digits_matches_only_as_a_whole_zone():
    """Etc/GMT-5 is UTC+5: a typed "GMT-5" read as its city would store the opposite sign."""
    assert zones_named("Etc/GMT-5") == ("Etc/GMT-5",)
    assert zones_named("GMT-5") == ()
