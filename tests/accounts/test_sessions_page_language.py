"""The signed-in devices page (allauth's session list) in the patient's language.

Django's own sessions app translates its name "Sessions" as "Sessions" in German, and being
listed before allauth it won: a German patient's page was titled "Sessions"."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "heading"), [("de", "Sitzungen"), ("es", "Sesiones")])
def test_the_signed_in_devices_page_is_headed_in_the_patients_language(
    patient_client, patient_a, language, heading
):
    patient_a.user.language = language
    patient_a.user.save()
    page = patient_client.get(reverse("usersessions_list")).content.decode()
    h1 = re.search(r'<h1 class="page-title">\s*(.*?)\s*</h1>', page, re.S)
    title = re.search(r"<title>\s*(.*?)\s*·", page, re.S)
    assert h1 is not None
    assert title is not None
    assert (h1.group(1), title.group(1)) == (heading, heading)
