"""What the step-number tests of the "Change steps" page share: the nights they sign on, the
page read and posted as a browser would, and the patient page's text."""

import re
from datetime import UTC, date, datetime

import time_machine
from django.urls import reverse

from tests.patients.journal_support import visible_text
from tests.security.reauth import signed_in_reauthenticated

DEC_4 = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)  # the night of 4 Dec, in London
DEC_6 = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)
DEC_5 = date(2026, 12, 5)


def _form_inputs(page):
    """What the browser posts from the page's plan form, as it was rendered (hidden fields
    included); the buttons are left to the caller."""
    form = page[page.index('<form method="post" class="form"') :]
    form = form[: form.index("</form>")]
    data = {}
    for tag in re.findall(r"<input\b[^>]*>", form):
        name = re.search(r'\bname="([^"]*)"', tag)
        kind = re.search(r'\btype="([^"]*)"', tag)
        if name is None or (kind and kind.group(1) in ("submit", "checkbox")):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        data[name.group(1)] = value.group(1) if value else ""
    textareas = re.findall(r'<textarea\b[^>]*name="([^"]*)"[^>]*>(.*?)</textarea>', form, re.S)
    for name, value in textareas:
        data[name] = value.strip()
    return data


def _open(clinician, url, now):
    with time_machine.travel(now, tick=False):
        response = signed_in_reauthenticated(clinician).get(url)
    assert response.status_code == 200
    return response


def _post(clinician, url, data, now):
    with time_machine.travel(now, tick=False):
        return signed_in_reauthenticated(clinician).post(url, data)


def _sign(clinician, url, data, now):
    """Signs the form as posted; the new version's plan."""
    response = _post(clinician, url, {**data, "reason": "Review"}, now)
    assert response.status_code == 302, visible_text(response.content.decode())[:3000]


def _patient_page(patient, clinician, now):
    url = reverse("clinic:patient", args=[patient.pk])
    return visible_text(_open(clinician, url, now).content.decode())


def _change_url(patient):
    return reverse("clinic:plan_change", args=[patient.pk])
