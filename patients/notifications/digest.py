"""What a clinician's daily digest counts: patients on their team with new flags.

The flags are the dashboard's own (patients/dashboard.py builds them for all of a
clinician's patients in a constant number of queries; patients/flags.py keeps the rules
pure). A flag is new for the digest when it is still unreviewed and the newest night that
raises it falls in the digest's window: from the night of the previous digest up to, not
including, the night of this one, so each night's evidence is counted by exactly one digest.
The email itself carries no health data: a count and a link behind the login.
"""

from datetime import datetime

from patients.rules.nights import EVENING, night_of


def new_flags_for_clinician(clinician, since: datetime, until: datetime):
    """[(patient, [flag label, ...]), ...] for each patient on `clinician`'s team with flags
    whose newest evidence night is in [night of `since`, night of `until`)."""
    from patients.clinic.dashboard import patient_rows

    found = []
    for row in patient_rows(clinician, until):
        tz = row.patient.tz
        first, last = night_of(since, tz, EVENING), night_of(until, tz, EVENING)
        labels = [flag.label for flag in row.open_flags if first <= flag.last_night < last]
        if labels:
            found.append((row.patient, labels))
    return found


def new_flags_for(clinician, since, until):
    """[(patient, [flag label, ...]), ...] with only the patients that have new flags."""
    return new_flags_for_clinician(clinician, since, until)
