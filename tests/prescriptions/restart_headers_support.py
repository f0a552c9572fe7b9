"""The patient page, the plan panel and My plan as read at a moment, as visible text (the
step-number tests')."""

import time_machine
from django.urls import reverse

from tests.patients.journal_support import visible_text
from tests.security.reauth import signed_in, signed_in_reauthenticated


def _headers(patient, clinician, now):
    with time_machine.travel(now, tick=False):
        page = signed_in_reauthenticated(clinician).get(
            reverse("clinic:patient", args=[patient.pk])
        )
        panel = signed_in_reauthenticated(clinician).get(reverse("clinic:plan", args=[patient.pk]))
        mine = signed_in(patient.user).get(reverse("journal:plan"))
    return [visible_text(r.content.decode()) for r in (page, panel, mine)]
