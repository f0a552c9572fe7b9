"""A clinician's plan page as the clinician reads it (the plan-change tests')."""

import time_machine
from django.urls import reverse

from tests.patients.journal_support import visible_text
from tests.security.reauth import signed_in_reauthenticated


def clinic_text(clinician, name, patient, now, language="en", data=None):
    """The visible text of ``clinician``'s page ``name`` for ``patient`` at ``now`` in
    ``language`` (posted ``data``, redirects followed), signed in and reauthenticated."""
    clinician.language = language
    clinician.save()
    client = signed_in_reauthenticated(clinician)
    with time_machine.travel(now, tick=False):
        url = reverse(name, args=[patient.pk])
        response = client.post(url, data, follow=True) if data else client.get(url)
    assert response.status_code == 200
    return visible_text(response.content.decode())
