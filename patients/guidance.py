"""What a patient in trouble is shown: the emergency number for their country (else their
time zone's) and the clinic's line as a tap-to-call link. No query: the patient is loaded.

Below the journal and the urgent pages alike, so both show the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from patients.models import Patient
from patients.rules import emergency as emergency_rules


@dataclass(frozen=True)
class Guidance:
    emergency_number: str
    clinic_contact: str
    clinic_phone: str = ""

    @property
    def numbers(self) -> list[str]:
        """Each number on its own, for tel: links ("112 / 911" -> ["112", "911"])."""
        return [n.strip() for n in self.emergency_number.split("/") if n.strip()]

    @property
    def clinic_tel(self) -> str:
        """The clinic's line as a tel: URI target (digits and a leading +)."""
        phone = self.clinic_phone.strip()
        digits = "".join(c for c in phone if c.isdigit())
        return ("+" + digits if phone.startswith("+") else digits) if digits else ""


def emergency_number(country: str, zone: str = "") -> str:
    """The emergency number for a patient's country (else their time zone's country), from
    the LDN_EMERGENCY_NUMBERS table; 112 in the EU; else LDN_EMERGENCY_NUMBER."""
    return emergency_rules.emergency_number(
        country, zone, settings.LDN_EMERGENCY_NUMBERS, settings.LDN_EMERGENCY_NUMBER
    )


def country_choices() -> list[tuple[str, str]]:
    """(code, name) for every country with a known emergency number, named in the page's
    language and sorted as a reader of it looks one up (Deutschland under D, Österreich
    under O)."""
    return emergency_rules.country_choices(settings.LDN_EMERGENCY_NUMBERS, name=gettext)


def guidance_for(patient: Patient | None) -> Guidance:
    """What the guidance page shows; needs no query (the patient is already loaded)."""
    return Guidance(
        emergency_number=emergency_number(
            patient.country if patient is not None else "",
            patient.time_zone if patient is not None else "",
        ),
        clinic_contact=settings.LDN_CLINIC_CONTACT,
        clinic_phone=settings.LDN_CLINIC_PHONE,
    )
