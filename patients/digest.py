"""What a clinician's daily digest lists: new flags on their patients.

The flag rules belong to the dashboard (patients/flags.py). The digest reaches them
through FLAG_SOURCE, a dotted path to a function
``(clinician, since: datetime, until: datetime) -> list[tuple[Patient, list[str]]]``
giving each of the clinician's patients with the labels of flags raised in [since, until).
Until that function exists the digest finds nothing, so no digest is sent.
"""

import logging

from django.utils.module_loading import import_string

log = logging.getLogger(__name__)

FLAG_SOURCE = "patients.flags.new_flags_for_clinician"


def _source():
    try:
        return import_string(FLAG_SOURCE)
    except ImportError:
        return None


def new_flags_for(clinician, since, until):
    """[(patient, [flag label, ...]), ...] with only the patients that have new flags."""
    source = _source()
    if source is None:
        return []
    return [(patient, list(flags)) for patient, flags in source(clinician, since, until) if flags]
