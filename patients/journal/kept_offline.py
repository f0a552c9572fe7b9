"""The version of what the phone keeps for offline use that follows the patient's settings:
the offline page and the urgent guidance (static/js/sw.js keeps them once, and fetches them
again only when this version differs from the one their kept copy was fetched under).

They change with the account signed in (the page's head names its marks, which the outbox
list reads), the page's language, the dosing time now ("Today's card" / "Back to today" for a
morning doser) and the emergency number and clinic line the guidance shows (the patient's
country or time zone, the clinic's settings). Nothing is read that the tab bar does not read
anyway (request_plan.dosing_time_now keeps the patient and plan on the request).
"""

from __future__ import annotations

import hashlib

from django.utils.translation import get_language

from patients.guidance import guidance_for
from patients.journal import offline
from prescriptions import request_plan

# The header the offline page and the guidance carry their version in: kept with the copy
# (the service worker compares it with the version of the page the patient has open).
HEADER = "X-LDN-Kept-Version"


def version(request) -> str:
    """A short token that changes when the kept offline page or guidance would read otherwise."""
    dosing_time = request_plan.dosing_time_now(request)
    guidance = guidance_for(request_plan.kept_patient(request))
    facts = (
        # Whose they are: their head names the account's marks, which the outbox list reads
        # (a form kept for another account on a shared phone is not listed as this one's).
        " ".join(offline.owner_marks(request.user)),
        get_language() or "",
        dosing_time,
        str(guidance.emergency_number),
        str(guidance.clinic_contact),
        str(guidance.clinic_phone),
    )
    return hashlib.sha256("\x1f".join(facts).encode()).hexdigest()[:16]


def mark(request, response):
    """The response with the version it was rendered under, for the phone to keep with it."""
    response[HEADER] = version(request)
    return response
