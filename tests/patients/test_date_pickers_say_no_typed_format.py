"""A date picker's field says no typed format: "As YYYY-MM-DD, for example 2026-03-01." sat
under the visit report's and the export's <input type="date">, whose browser picker shows
the date in its own format (01/03/2026), so the help contradicted what the clinician saw.
A date typed in the address bar (or in a browser without the picker, where the field is a
plain text box) is still refused with a message that names the format allowed."""

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-12-03T15:00:00Z", tick=False):
        yield


TYPED_FORMAT = re.compile(r"YYYY|JJJJ|AAAA")
DATE_INPUT = re.compile(r'<input type="date"[^>]*>')


@pytest.fixture
def patient(patient_a, clinician_a):
    make_plan(patient_a, clinician_a, start=date(2026, 11, 1))
    return patient_a


def _page(client, clinician, language, name, patient, **query):
    clinician.language = language
    clinician.save(update_fields=["language"])
    response = client.get(reverse(f"clinic:{name}", args=[patient.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def _described_by(page, tag):
    """The text of the elements an input's aria-describedby names."""
    ids = re.search(r'aria-describedby="([^"]*)"', tag)
    texts = []
    for element_id in ids.group(1).split() if ids else ():
        found = re.search(rf'id="{re.escape(element_id)}"[^>]*>([^<]*)<', page)
        texts.append(found.group(1) if found else "")
    return texts


@pytest.mark.parametrize("language", ["en", "de", "es"])
@pytest.mark.parametrize("name", ["report", "patient"])
def test_a_date_pickers_help_names_no_typed_format(
    clinician_client, clinician_a, patient, language, name
):
    page = _page(clinician_client, clinician_a, language, name, patient)
    inputs = DATE_INPUT.findall(page)
    assert len(inputs) >= 2  # the range's start and end
    for tag in inputs:
        for text in _described_by(page, tag):
            assert not TYPED_FORMAT.search(text), (tag, text)
    assert not TYPED_FORMAT.search(page)


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Enter the start date as YYYY-MM-DD."),
        ("de", "Geben Sie das Startdatum im Format JJJJ-MM-TT ein."),
        ("es", "Introduzca la fecha de inicio en formato AAAA-MM-DD."),
    ],
)
def test_a_typed_date_that_is_no_date_is_refused_naming_the_format(
    clinician_client, clinician_a, patient, language, message
):
    page = _page(clinician_client, clinician_a, language, "report", patient, start="2026-11-31")
    assert message in page
