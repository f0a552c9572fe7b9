"""The date fields of the report's and the exports' ranges take what their message asks for,
YYYY-MM-DD (what a browser's date input sends), and nothing else: they also took the
language's formats (01/12/2026, 1.12.2026), unpadded parts and a year in Arabic-Indic digits
while the message said YYYY-MM-DD. A refused date stays in its field, with the message."""

from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.models import AccessLog
from patients.clinic.forms import DateRangeForm, PatientIdentifiersForm, ReviewForm
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.security.reauth import mark_reauthenticated

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)
NOT_ISO = [
    "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661",  # Arabic-Indic digits
    "\u0662\u0660\u0662\u0666-03-01",  # an Arabic-Indic year (Python's %Y took it)
    "2026-03-1\u0665",
    "01/03/2026",  # dd/mm/yyyy (English and Spanish formats)
    "03/01/2026",
    "1.3.2026",  # the German format
    "01.03.2026",
    "2026-3-1",  # unpadded
    "20260301",
    "2026/03/01",
    "\uff11\uff12\uff13\uff14-\uff10\uff13-\uff10\uff11",  # full-width digits
]
MESSAGES = {
    "en-gb": "Enter the start date as YYYY-MM-DD.",
    "de": "Geben Sie das Startdatum im Format JJJJ-MM-TT ein.",
    "es": "Introduzca la fecha de inicio en formato AAAA-MM-DD.",
}


def range_form(start):
    return DateRangeForm(
        {"start": start, "end": "2026-03-30"},
        default_start=date(2026, 1, 1),
        default_end=TONIGHT,
    )


@pytest.mark.parametrize("language", sorted(MESSAGES))
@pytest.mark.parametrize("typed", NOT_ISO)
def test_a_range_date_not_typed_as_yyyy_mm_dd_is_refused_saying_so(language, typed):
    with translation.override(language):
        form = range_form(typed)
        assert not form.is_valid()
        assert form.errors["start"] == [MESSAGES[language]]


@pytest.mark.parametrize("language", sorted(MESSAGES))
@pytest.mark.parametrize("typed", ["2026-03-01", " 2026-03-01 "])
def test_a_range_date_as_a_browsers_date_input_sends_it_is_taken(language, typed):
    with translation.override(language):
        form = range_form(typed)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["start"] == date(2026, 3, 1)


@pytest.mark.parametrize("typed", ["01/03/2026", "\u0662\u0660\u0662\u0666-03-01", "2026-3-1"])
def test_the_review_night_and_the_date_of_birth_take_only_yyyy_mm_dd(typed):
    review = ReviewForm({"reviewed_through": typed}, today=TONIGHT, first=date(2026, 1, 1))
    assert review.errors["reviewed_through"] == ["Enter the night as YYYY-MM-DD."]
    born = PatientIdentifiersForm({"date_of_birth": typed}, today=TONIGHT)
    assert born.errors["date_of_birth"] == ["Enter the date of birth as YYYY-MM-DD."]


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


@time_machine.travel(NOW, tick=False)
def test_the_patients_export_refuses_a_dd_mm_yyyy_date_and_keeps_it_in_the_field(journal):
    client = Client()
    client.force_login(journal.user)
    mark_reauthenticated(client, journal.user)
    url = reverse("journal:export_format", args=["csv"])
    response = client.get(url, {"start": "01/03/2026", "end": "2026-03-30"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Enter the start date as YYYY-MM-DD." in page
    assert 'name="start" value="01/03/2026"' in page
    assert 'name="end" value="2026-03-30"' in page
    assert not AccessLog.objects.filter(action="export.csv").exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("fmt", ["csv", "fhir"])
def test_the_clinicians_export_refuses_an_arabic_indic_year_and_keeps_it_on_the_picker(
    clinician_client, journal, fmt
):
    url = reverse("clinic:export", args=[journal.pk, fmt])
    response = clinician_client.get(url, {"start": "\u0662\u0660\u0662\u0666-03-01"}, follow=True)
    assert not response.streaming
    page = response.content.decode()
    assert "Enter the start date as YYYY-MM-DD." in page
    assert 'value="\u0662\u0660\u0662\u0666-03-01"' in page
    assert not AccessLog.objects.filter(action=f"export.{fmt}").exists()


@time_machine.travel(NOW, tick=False)
def test_the_visit_report_refuses_a_german_date_and_keeps_it_in_the_field(
    clinician_client, journal
):
    response = clinician_client.get(
        reverse("clinic:report", args=[journal.pk]), {"start": "1.3.2026", "end": "2026-03-30"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the start date as YYYY-MM-DD." in page
    assert 'value="1.3.2026"' in page
    assert 'value="2026-03-30"' in page
