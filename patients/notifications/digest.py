"""What a clinician's daily digest counts: patients on their team with new flags.

The flags are the dashboard's own (patients/clinic/dashboard.py builds them for all of a
clinician's patients in a constant number of queries; patients/rules/flags.py keeps the rules
pure). A flag is new for the digest when it is still unreviewed and the newest night that
raises it falls in the digest's window: from the night of the previous digest up to, not
including, the night of this one, so each night's evidence is counted by exactly one digest.
The email itself carries no health data: a count and a link behind the login.
"""

from datetime import date, datetime, timedelta

from django.db.models import Q

from patients.clinic.dashboard import patient_rows
from patients.models import ClinicianPreferences, ReminderDelivery
from patients.notifications.claims import claim
from patients.rules.nights import MORNING, as_zone, moment_on_night

Kind = ReminderDelivery.Kind
Channel = ReminderDelivery.Channel


def new_flags_for_clinician(clinician, since: datetime, until: datetime):
    """[(patient, [flag label, ...]), ...] for each patient on `clinician`'s team with flags
    whose newest evidence night is in [night of `since`, night of `until`)."""
    found = []
    for row in patient_rows(clinician, until):
        # Each patient's nights by their own plan's dosing time (a morning doser's
        # yesterday is a whole night by this morning's digest: the evening reading left it
        # to tomorrow's).
        tz = row.patient.tz
        first, last = row.plan.night_of(since, tz), row.plan.night_of(until, tz)
        labels = [flag.label for flag in row.open_flags if first <= flag.last_night < last]
        if labels:
            found.append((row.patient, labels))
    return found


def new_flags_for(clinician, since, until):
    """[(patient, [flag label, ...]), ...] with only the patients that have new flags."""
    return new_flags_for_clinician(clinician, since, until)


def digest_slot(prefs: ClinicianPreferences, now: datetime) -> tuple[datetime, datetime]:
    """(due, next due) of the clinician's daily digest around `now`, in their zone."""
    zone = as_zone(prefs.time_zone)
    today = now.astimezone(zone).date()
    due = moment_on_night(today, prefs.digest_time, zone, MORNING)
    if due > now:
        return moment_on_night(today - timedelta(days=1), prefs.digest_time, zone, MORNING), due
    return due, moment_on_night(today + timedelta(days=1), prefs.digest_time, zone, MORNING)


def digest_key(user_id: int, day: date) -> str:
    return f"d:{user_id}:{day.isoformat()}:email"


DIGEST_USEFUL_FOR = timedelta(hours=12)


def claim_digests(now: datetime) -> list[int]:
    """Claim today's digest for each clinician whose digest time has come, when they have
    new flags since the previous one. Selected by the indexed next_digest_at."""
    rows = ClinicianPreferences.objects.filter(
        Q(next_digest_at__lte=now) | Q(next_digest_at__isnull=True),
        digest_enabled=True,
        user__is_active=True,
    ).select_related("user")
    claimed = []
    for prefs in rows:
        due, next_due = digest_slot(prefs, now)
        if now < due + DIGEST_USEFUL_FOR and new_flags_for(
            prefs.user, due - timedelta(days=1), due
        ):
            zone = as_zone(prefs.time_zone)
            delivery_id = claim(
                digest_key(prefs.user_id, due.astimezone(zone).date()),
                prefs.user_id,
                Kind.DIGEST,
                Channel.EMAIL,
                due_at=due,
                now=now,
                expires_at=due + DIGEST_USEFUL_FOR,
                night=due.astimezone(zone).date(),
            )
            if delivery_id:
                claimed.append(delivery_id)
        ClinicianPreferences.objects.filter(pk=prefs.pk).update(next_digest_at=next_due)
    return claimed
