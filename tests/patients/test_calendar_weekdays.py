"""The adherence calendar on the clinician's patient page names the weekdays in the reader's
language, Monday first, with the full name for assistive technology."""

import re

import pytest
import time_machine
from django.urls import reverse

pytestmark = pytest.mark.django_db

HEADERS = {
    "en": [("Monday", "Mo"), ("Tuesday", "Tu"), ("Wednesday", "We"), ("Sunday", "Su")],
    "de": [("Montag", "Mo"), ("Dienstag", "Di"), ("Mittwoch", "Mi"), ("Sonntag", "So")],
    "es": [("Lunes", "Lu"), ("Martes", "Ma"), ("Miércoles", "Mi"), ("Domingo", "Do")],
}


def weekday_headers(html):
    thead = re.search(r'<table class="calendar">\s*<thead>(.*?)</thead>', html, re.S).group(1)
    return re.findall(r'<th scope="col"><abbr title="([^"]+)">([^<]+)</abbr></th>', thead)


@pytest.mark.parametrize("language", HEADERS)
@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_the_patient_pages_calendar_names_the_weekdays_in_the_readers_language(
    clinician_client, clinician_a, patient_a, language
):
    clinician_a.language = language
    clinician_a.save(update_fields=["language"])
    html = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text
    headers = weekday_headers(html)
    assert len(headers) == 7
    for expected in HEADERS[language]:
        assert expected in headers
    assert headers[0] == HEADERS[language][0]
    assert headers[-1] == HEADERS[language][-1]
