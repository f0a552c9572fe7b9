"""The patient's journal: logging a night's dose, skipping it, the morning check-in, undo.

Views call these functions with plain values and "now" as an argument. The unique
(patient, night) constraint decides concurrent submits: an insert that loses the race turns
into the edit path. The Submission row makes a repeated submission id return the first result.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ldn_journal.accounts.models import Role, User
from ldn_journal.compiled_queries import CompiledQuery
from ldn_journal.local_dates import local_date
from patients import wording
from patients.models import (
    NOT_READ,
    NightlyEntry,
    Patient,
    SideEffect,
    Submission,
    SymptomScore,
    own_profile_read_with,
)
from patients.pause import urgent_state
from patients.rules import doses, nights, schedule
from patients.rules.nights import zone_label
from prescriptions import plans, titration

UNDO_MINUTES = 10
CLOCK_SKEW = timedelta(minutes=2)

TAKEN_NOW = "taken_now"
EVENING = "evening"
SKIP = "skip"
MORNING = "morning"
UNDO = "undo"

EVENING_FIELDS = (
    "status",
    "dose_mg",
    "prescribed_mg",
    "taken_at",
    "bedtime",
    "skip_reason",
    "skip_reason_text",
    "evening_logged_at",
    "evening_first_logged_at",
)
MORNING_FIELDS = (
    "sleep_quality",
    "dreams",
    "dream_intensity",
    "pain",
    "fatigue",
    "mood",
    "notes",
    "morning_logged_at",
)


class JournalError(Exception):
    """A request the journal refuses; the message is shown to the patient as is."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class SubmissionReused(JournalError):
    pass


class CheckinNotOpen(JournalError):
    """A morning check-in for a night whose morning has not come (nights.checkin_open)."""


def checkin_not_open_message(night: date, *, refused_save: bool = True) -> str:
    """Why ``night``'s check-in is not open yet; ``refused_save``: a save was refused (the
    check-in page opened early says only when it opens)."""
    message = (
        _(
            "The morning check-in for %(night)s opens the morning after it, once you have "
            "slept. Nothing was saved."
        )
        if refused_save
        else _(
            "The morning check-in for %(night)s opens the morning after it, once you have slept."
        )
    )
    return message % {"night": local_date(night, "long_day")}


class NightClosed(JournalError):
    pass


class NothingPrescribed(JournalError):
    pass


# The wait card's link to log a dose already taken, in the card title's word for the night:
# the next morning an evening doser's card reads "Last night", and "tonight's dose" read as
# the coming evening's.
_ALREADY_TOOK = {
    nights.TONIGHT: gettext_lazy("I already took tonight's dose"),
    nights.LAST_NIGHT: gettext_lazy("I already took last night's dose"),
    nights.TODAY: gettext_lazy("I already took today's dose"),
    nights.YESTERDAY: gettext_lazy("I already took yesterday's dose"),
}


def already_took_label(plan, night: date, local_now: datetime) -> str:
    """The wait card's "I already took ... dose" for ``night`` at ``local_now`` (in the
    patient's zone), worded as the card's title (nights.relative_night)."""
    dosing_time = plan.dosing_time_on(night)
    word = nights.relative_night(night, local_now.date(), dosing_time)
    if word is None:
        word = nights.TODAY if dosing_time == nights.MORNING else nights.TONIGHT
    return str(_ALREADY_TOOK[word])


class WaitForClinician(JournalError):
    """An urgent report is open: no one-tap dose until a clinician answers (DESIGN §4)."""


class PastDosingWindow(JournalError):
    """Too late for "taken now": the patient must say when they took it."""


class DoseTooSoon(JournalError):
    """ "Taken now" minutes after a dose logged for another night (doses.dose_too_soon)."""


class UndoRefused(JournalError):
    """Undo refused (can_undo): ``edited`` when the log was edited since it was first made,
    otherwise its UNDO_MINUTES are over. Nothing was changed; the view names the night."""

    def __init__(self, message, *, edited: bool):
        super().__init__(message)
        self.edited = edited


class NewerLogKept(JournalError):
    """An entry kept on the phone that is older than the night's log of the same part."""


def keep_newer_log(logged: datetime | None, acted_at: datetime | None, moment: datetime) -> None:
    """Refuse a replay acted at ``moment`` when the part of the night it writes was logged
    later (``logged``: online, or from another device): sent last, it would otherwise
    replace the newer log with the older one. Online edits (no ``acted_at``) still replace."""
    if acted_at is not None and logged is not None and moment < logged:
        raise NewerLogKept(
            _(
                "This night was logged again later, online or on another device, and that "
                "newer log was kept. Check the night and change it there if needed."
            )
        )


class OtherLogKept(JournalError):
    """A Taken now kept on the phone for a night that already holds another log."""


def keep_other_log(entry: NightlyEntry, dose_mg: Decimal | None) -> None:
    """Refuse a Taken now kept on the phone (``dose_mg``: the night's prescribed dose) when
    ``entry``'s evening already says something else (a skip, another dose), logged online or
    from another device: a one tap never replaces a log, and the phone must not drop it as
    sent (it answered "already logged", and the tap was lost without a word). The message
    says what the night holds; the phone keeps the tap beside it until dismissed.

    The same dose already logged by another submission is not stored twice, and not
    dropped as sent either: two taps for one night may be two doses (taken on two devices,
    or the phone's tap forgotten), so the patient is told when the night's dose was logged
    and what to do if they took a second one. (The same submission sent again never gets
    here: it is answered as the first send was.)"""
    if entry.is_taken and entry.dose_mg == dose_mg:
        raise OtherLogKept(
            _(
                "This night was already logged, online or on another device: %(log)s. That "
                "log was kept and this tap was not saved again. If you took a second dose, "
                "tell your clinician."
            )
            % {"log": evening_log_said(entry)}
        )
    raise OtherLogKept(
        _(
            "This night was already logged, online or on another device: %(log)s. That log "
            "was kept and this tap was not saved. Check the night and change it there if needed."
        )
        % {"log": evening_log_said(entry)}
    )


def evening_log_said(entry: NightlyEntry) -> str:
    """What a night's evening log says, in a few words: "skipped (I forgot)", "3 mg taken
    at Wed 25 Nov, 22:51" (the time in the zone it was logged in, as the night page shows)."""
    if entry.is_taken:
        return _("%(dose)s mg taken at %(time)s") % {
            "dose": wording.amount(entry.dose_mg),
            "time": _shown(entry, "taken_at", entry.taken_at),
        }
    reason = entry.get_skip_reason_display()
    if not reason:
        return _("skipped")
    return _("skipped (%(reason)s)") % {"reason": wording.mid_sentence(str(reason))}


# The nights and times of a patient's doses taken in (since, moment]: compiled once per
# process (Taken now reads it on every tap).
_TAKEN_BETWEEN = CompiledQuery(
    lambda patient_id, since, moment: NightlyEntry.objects.filter(
        patient_id=patient_id,
        status=NightlyEntry.Status.TAKEN,
        taken_at__gt=since,
        taken_at__lte=moment,
    ).values_list("night", "taken_at"),
    -7_000_102,
    datetime(2001, 1, 1, tzinfo=UTC),
    datetime(2001, 1, 2, tzinfo=UTC),
)


def doses_taken_lately(patient: Patient, moment: datetime) -> list[tuple[date, datetime]]:
    """The patient's doses (night, time taken) of the LDN_MIN_HOURS_BETWEEN_DOSES hours up
    to ``moment`` (1 query)."""
    hours = settings.LDN_MIN_HOURS_BETWEEN_DOSES
    return _TAKEN_BETWEEN.values(patient.pk, moment - timedelta(hours=hours), moment)


def recent_dose(
    taken: list[tuple[date, datetime]], night: date, moment: datetime
) -> tuple[date, datetime] | None:
    """doses.dose_too_soon over ``taken`` (doses_taken_lately)."""
    return doses.dose_too_soon(taken, night, moment, settings.LDN_MIN_HOURS_BETWEEN_DOSES)


def too_soon_message(recent: tuple[date, datetime], moment: datetime) -> str:
    """What the card says, and the refusal: the dose already logged and where to log another."""
    other, taken_at = recent
    return (
        _("You logged a dose %(ago)s ago, for the night of %(night)s. LDN is taken once a day.")
        % {"ago": timesince(taken_at, moment), "night": local_date(other, "long_day")}
        + " "
        + _("If you did take another dose, log it with “%(action)s”: your clinician will see it.")
        % {"action": _("Different dose or time")}
    )


# --- The patient's plan ------------------------------------------------------------------


def signed_in_patient(user_id) -> User:
    """A stand-in for a signed-in patient's account, for compiling the access gate's query
    for patients once per process (the gate itself builds it, from the user's role)."""
    return User(pk=user_id, role=Role.PATIENT, is_active=True)


def is_signed_in_patient(user) -> bool:
    """Whether the patient-branch queries compiled from `signed_in_patient` are this user's."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.PATIENT)


def _own_profile(user_id):
    return Patient.objects.visible_to(signed_in_patient(user_id))


# A signed-in patient's own profile through the access gate (every patient page reads it):
# the gate's query for a patient, compiled once per process.
_OWN_PROFILE = CompiledQuery(_own_profile, -7_000_006)


def own_profile(user) -> Patient | None:
    """The signed-in patient's own profile through the access gate, or None (no profile, or
    not a signed-in patient): no query when the request's user was read with it
    (ldn_journal.accounts.backends), one otherwise."""
    patient = own_profile_read_with(user)
    if patient is not NOT_READ:
        return patient
    # A patient sees one profile at most (one-to-one): no ordering, no join to re-read
    # the user the request has already loaded.
    if is_signed_in_patient(user):
        found = _OWN_PROFILE.instances(user.pk)
        if len(found) > 1:
            raise Patient.MultipleObjectsReturned
        if not found:
            return None
        patient = found[0]
        patient.user = user
        return patient
    return None  # anyone else has no profile of their own (the gate lets staff see others')


def patient_and_plan(user) -> tuple[Patient, plans.PlanView] | None:
    """The signed-in patient (own_profile) and their plan: one query when the request's user
    was read with their profile, two otherwise."""
    patient = own_profile(user)
    if patient is None:
        return None
    return patient, plans.load(patient)


def is_editable(night: date, tonight: date) -> bool:
    """Nights from tonight back to LDN_RETRO_DAYS ago may be logged or edited by the patient."""
    return 0 <= (tonight - night).days <= settings.LDN_RETRO_DAYS


def check_editable(night: date, tonight: date) -> None:
    if night > tonight:
        raise NightClosed(_("That night has not started yet."))
    if not is_editable(night, tonight):
        raise NightClosed(
            _(
                "Nights more than %(days)s days ago can no longer be changed. "
                "If something is wrong, tell your clinician."
            )
            % {"days": settings.LDN_RETRO_DAYS}
        )


def dosing_window_end(plan: plans.PlanView, tz, night: date) -> datetime:
    """The instant from which "taken now" would misstate the time of the night's dose."""
    return nights.dosing_window_end(
        night, tz, plan.dosing_time_on(night), settings.LDN_MORNING_DOSING_WINDOW_END
    )


def past_dosing_window(plan: plans.PlanView, tz, night: date, now: datetime) -> bool:
    """Whether "taken now" would misstate the time of the night's dose."""
    return now >= dosing_window_end(plan, tz, night)


def usual_time(plan: plans.PlanView, patient: Patient, night: date) -> datetime:
    """The patient's usual dose time on the night (their dose reminder's time, morning or
    evening, as the sweep reads it: schedule.dose_reminder_time): the quick answer to "when
    did you take it?"."""
    dosing_time = plan.dosing_time_on(night)
    reminder = schedule.dose_reminder_time(
        patient, dosing_time, settings.LDN_MORNING_DOSING_WINDOW_END
    )
    return nights.moment_on_night(night, reminder, patient.tz, dosing_time)


def offline_moment(acted_at: datetime | None, now: datetime) -> datetime | None:
    """When a patient acted on the phone without a connection, as the server will record it.

    A phone clock a little ahead cannot put a dose in the server's future; a moment older
    than any night that can still be saved is refused here, before any night is computed
    from it (0001-01-01 overflowed computing its night: a 500).
    """
    if acted_at is None:
        return None
    if acted_at < now - timedelta(days=settings.LDN_RETRO_DAYS + 2):
        raise NightClosed(
            _(
                "Logged on this phone more than %(days)s days ago, so it can no longer be "
                "saved. Tell your clinician what you took."
            )
            % {"days": settings.LDN_RETRO_DAYS}
        )
    return min(acted_at, now)


def check_offline_night(night: date, tonight: date, acted_at: datetime, tz) -> None:
    """A night logged offline is accepted within the same retro window as any other."""
    try:
        check_editable(night, tonight)
    except NightClosed as error:
        when = formats.date_format(timezone.localtime(acted_at, tz), "D j M H:i")
        raise NightClosed(
            _(
                "Logged on this phone on %(when)s, but that night is more than %(days)s days "
                "ago and can no longer be saved. Tell your clinician what you took."
            )
            % {"when": when, "days": settings.LDN_RETRO_DAYS}
        ) from error


def _check_night(patient, plan: plans.PlanView, night: date, now: datetime, acted_at) -> datetime:
    """Refuse a night the patient may not change; return when the patient acted."""
    moment = offline_moment(acted_at, now)
    if moment is None:
        check_editable(night, plan.tonight(patient.tz, now))
        return now
    check_offline_night(night, plan.tonight(patient.tz, now), moment, patient.tz)
    if moment < plan.window(night, patient.tz)[0]:
        # Kept on the phone before the night began: a dose or a morning of that night
        # cannot have been logged then (it was stored as logged four days early).
        raise NightClosed(
            _(
                "This entry kept on the phone has a time before its night began. Enter it "
                "again on the card."
            )
        )
    return moment


def can_undo(entry: NightlyEntry | None, now: datetime) -> bool:
    """Whether Undo takes back ``entry``'s evening log at ``now``: the one rule that the home
    card (whether it offers Undo) and the undo itself (whether it is done) read.

    Undo is for a log just made by mistake (a one-tap Taken now, a first dose or skip): it
    clears the evening part. So it holds only while that part is as first logged and for
    UNDO_MINUTES after it. An edit (a changed dose, an added bedtime) ends it: the night may
    have been logged days before, and clearing it lost that log (found by QA: an older
    night's dose edited, then undone, was wiped). A log is changed back with Edit instead.
    """
    if entry is None or not entry.status:
        return False
    first = entry.evening_first_logged_at
    return (
        first is not None
        and entry.evening_logged_at == first
        and now - first <= timedelta(minutes=UNDO_MINUTES)
    )


def undo_edited(entry: NightlyEntry) -> bool:
    """Why can_undo refused ``entry``: its evening log was edited (or logged before Undo
    knew first logs), rather than its window having passed."""
    return bool(entry.status) and (
        entry.evening_first_logged_at is None
        or entry.evening_logged_at != entry.evening_first_logged_at
    )


def _logged_first(entry: NightlyEntry, logged_at: datetime) -> None:
    """Mark a first log of the evening part (it was empty): Undo may take it back."""
    if not entry.status:
        entry.evening_first_logged_at = logged_at


# --- Writing with submission ids ---------------------------------------------------------------


@dataclass(frozen=True)
class Saved:
    entry: NightlyEntry
    created: bool = False  # a new row for the night
    replayed: bool = False  # this submission id was seen before: the first result stands
    changed: bool = True  # False when the night already held what was asked (Taken now twice)


def _replayed(patient: Patient, submission_id, night: date, kind: str) -> NightlyEntry | None:
    submission = Submission.objects.filter(pk=submission_id).select_related("entry").first()
    if submission is None:
        return None
    if submission.patient_id != patient.pk or submission.entry.night != night:
        raise SubmissionReused(
            _("This form was already used for another night. Open the night again and re-enter it.")
        )
    if submission.kind != kind:
        raise SubmissionReused(
            _("This form was already used for something else. Please try again.")
        )
    return submission.entry


# The night's entry, locked for the edit (a second Taken now and every edit read it).
_NIGHT_LOCKED = CompiledQuery(
    lambda patient_id, night: NightlyEntry.objects.select_for_update().filter(
        patient_id=patient_id, night=night
    ),
    -7_000_103,
    date(2001, 1, 3),
)


def _claim(submission_id, patient, entry, kind, now) -> bool:
    """Store the submission id for ``entry``; False when the id is stored already (one
    statement: INSERT ... ON CONFLICT DO NOTHING RETURNING, which tells the two apart, where
    bulk_create(ignore_conflicts=True) does not)."""
    meta = Submission._meta
    connection = connections[router.db_for_write(Submission)]
    values = {"id": submission_id, "patient": patient.pk, "entry": entry.pk, "kind": kind}
    values["created_at"] = now
    fields = [meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    params = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    table, key = connection.ops.quote_name(meta.db_table), connection.ops.quote_name(meta.pk.column)
    # Only quoted identifiers and placeholders are interpolated; values are parameters.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(params))}) "  # noqa: S608
            f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}",
            params,
        )
        return cursor.fetchone() is not None


def _write(patient, night, now, submission_id, kind, fill, update, *, exists=False) -> Saved:
    """Insert the night's entry, or, when the night already has one, edit it.

    ``fill(entry)`` sets the fields on a new entry; ``update(entry)`` edits an existing one
    and returns whether it changed anything. The happy path is one transaction with three
    inserts (entry, its history row, the submission); nothing is read first, so the unique
    constraints decide races. ``exists``: the caller has just read the night's entry, so
    the insert is not tried (were the entry gone meanwhile, it is).
    """
    if not exists:
        entry = NightlyEntry(patient=patient, night=night, created_at=now, updated_at=now)
        fill(entry)
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
                Submission.objects.create(
                    id=submission_id, patient=patient, entry=entry, kind=kind, created_at=now
                )
            return Saved(entry, created=True)
        except IntegrityError:
            pass  # the night has an entry already, or this submission id was used before

    with transaction.atomic():
        found = _NIGHT_LOCKED.instances(patient.pk, night)
        if found:
            entry = found[0]
            # The submission id claimed before the edit: a replay (the same form posted
            # again, or the same id committed by a concurrent request meanwhile, whose
            # insert this one waits for) gives the first result and changes nothing.
            if not _claim(submission_id, patient, entry, kind, now):
                earlier = _replayed(patient, submission_id, night, kind)
                return Saved(earlier or entry, replayed=True, changed=False)
            changed = update(entry)
            if changed:
                entry.updated_at = now
                entry.save()
            return Saved(entry, changed=changed)
        earlier = _replayed(patient, submission_id, night, kind)
        if earlier is not None:
            return Saved(earlier, replayed=True, changed=False)
        if not exists:
            raise NightlyEntry.DoesNotExist(
                "The night's entry was not found after its insert failed."
            )
    # Undone since the caller read it: insert after all.
    return _write(patient, night, now, submission_id, kind, fill, update)


def _set_taken(entry, dose_mg, prescribed_mg, taken_at, bedtime, now):
    _logged_first(entry, now)
    entry.status = NightlyEntry.Status.TAKEN
    entry.dose_mg = dose_mg
    entry.prescribed_mg = prescribed_mg
    entry.taken_at = taken_at
    if bedtime is not None:
        entry.bedtime = bedtime
    entry.skip_reason = ""
    entry.skip_reason_text = ""
    entry.evening_logged_at = now


def log_taken_now(
    patient: Patient,
    now: datetime,
    submission_id,
    plan: plans.PlanView | None = None,
    *,
    acted_at: datetime | None = None,
    night: date | None = None,
):
    """One tap: tonight's prescribed dose, taken now. Refused while nothing is prescribed,
    past the night's dosing window (the time would be false: the patient says when), and
    while an urgent report is open (the home card shows the wait card instead of the button;
    a tab opened before the report, or a tap queued offline after it, still posts here).

    ``acted_at`` is when the patient tapped on a phone without a connection: the dose is
    logged at that moment and marked as logged offline. ``night`` is the night the card
    was for (its form names it): the tap is judged against that night, so one kept on the
    phone and sent after its window is refused, not filed under the next night (a tap the
    service worker kept named no night and became that night's dose). Without it (a form
    drawn before forms named one) the night is the moment's.
    """
    plan = plan or plans.load(patient)
    if night is None:
        moment = offline_moment(acted_at, now) or now
        night = plan.tonight(patient.tz, moment)
        if acted_at is not None:
            check_offline_night(night, plan.tonight(patient.tz, now), moment, patient.tz)
    else:
        moment = _check_night(patient, plan, night, now, acted_at)
    morning = plan.dosing_time_on(night) == nights.MORNING
    if urgent_state(patient.pk, moment).paused(moment):
        # It says how to log a dose already taken: the clinician needs to see that one.
        # The action is the wait card's link, worded as the card words it.
        raise WaitForClinician(
            _("Do not take your next dose until your clinician has answered.")
            + " "
            + _("If you already took it, log it with “%(action)s”.")
            % {"action": already_took_label(plan, night, timezone.localtime(moment, patient.tz))}
        )
    dose = plan.on(night).dose_mg
    if dose is None:
        raise NothingPrescribed(
            _("No dose is prescribed today, so there is nothing to log with one tap.")
            if morning
            else _("No dose is prescribed tonight, so there is nothing to log with one tap.")
        )
    if past_dosing_window(plan, patient.tz, night, moment):
        raise PastDosingWindow(
            _(
                "It is past today's dosing window, so the time now would be wrong. "
                "Say when you took it."
            )
            if morning
            else _(
                "It is past the night's dosing window, so the time now would be wrong. "
                "Say when you took it."
            )
        )
    taken = doses_taken_lately(patient, moment)
    if (recent := recent_dose(taken, night, moment)) is not None:
        raise DoseTooSoon(too_soon_message(recent, moment))

    def fill(entry):
        _set_taken(entry, dose, dose, moment, None, moment)
        entry.time_zone = patient.zone_name
        entry.logged_offline = acted_at is not None

    def update(entry):
        if entry.status:  # already logged (a double tap from another form): keep the first
            if acted_at is not None:
                keep_other_log(entry, dose)
            return False
        fill(entry)
        return True

    # The night's own dose among those just read: a second tap. The night has an entry,
    # so an insert could only fail on its unique key: go straight to the entry.
    exists = any(other == night for other, _at in taken)
    return _write(patient, night, now, submission_id, TAKEN_NOW, fill, update, exists=exists)


def save_evening(
    patient: Patient,
    night: date,
    now: datetime,
    submission_id,
    *,
    dose_mg: Decimal,
    taken_at: datetime,
    bedtime: datetime | None = None,
    plan: plans.PlanView | None = None,
    acted_at: datetime | None = None,
    time_zone: str | None = None,
):
    """A dose (possibly not the prescribed one) at a given time, for tonight or a recent night.

    ``time_zone`` is the zone the times were entered in (the patient's, unless the form
    edited a night logged in another zone); ``acted_at`` as for :func:`log_taken_now`.
    """
    plan = plan or plans.load(patient)
    logged_at = _check_night(patient, plan, night, now, acted_at)
    prescribed = plan.on(night).dose_mg

    def fill(entry):
        _set_taken(entry, dose_mg, prescribed, taken_at, bedtime, logged_at)
        entry.time_zone = time_zone or patient.zone_name
        entry.logged_offline = acted_at is not None

    def update(entry):
        keep_newer_log(entry.evening_logged_at, acted_at, logged_at)
        fill(entry)
        return True

    return _write(patient, night, now, submission_id, EVENING, fill, update)


def skip_night(
    patient: Patient,
    night: date,
    now: datetime,
    submission_id,
    *,
    reason: str,
    reason_text: str = "",
    plan: plans.PlanView | None = None,
    acted_at: datetime | None = None,
):
    plan = plan or plans.load(patient)
    logged_at = _check_night(patient, plan, night, now, acted_at)
    prescribed = plan.on(night).dose_mg

    def fill(entry):
        _logged_first(entry, logged_at)
        entry.status = NightlyEntry.Status.SKIPPED
        entry.dose_mg = None
        entry.prescribed_mg = prescribed
        entry.taken_at = None
        entry.skip_reason = reason
        entry.skip_reason_text = reason_text if reason == NightlyEntry.SkipReason.OTHER else ""
        entry.evening_logged_at = logged_at
        entry.time_zone = entry.time_zone or patient.zone_name
        entry.logged_offline = acted_at is not None

    def update(entry):
        keep_newer_log(entry.evening_logged_at, acted_at, logged_at)
        fill(entry)
        return True

    return _write(patient, night, now, submission_id, SKIP, fill, update)


@dataclass(frozen=True)
class Morning:
    """The morning check-in's answers; None / "" means not answered."""

    sleep_quality: int | None = None
    dreams: str = ""
    dream_intensity: int | None = None
    pain: int | None = None
    fatigue: int | None = None
    mood: int | None = None
    notes: str = ""
    side_effects: dict = field(default_factory=dict)  # kind -> (severity, other_text)
    extra_scores: dict = field(default_factory=dict)  # SymptomScale id -> value


def save_morning(
    patient: Patient,
    night: date,
    now: datetime,
    submission_id,
    morning: Morning,
    plan: plans.PlanView | None = None,
    acted_at: datetime | None = None,
):
    """How the night went. Side effects and extra scales are replaced as a whole."""
    plan = plan or plans.load(patient)
    logged_at = _check_night(patient, plan, night, now, acted_at)
    if not nights.checkin_open(night, now, patient.tz):
        raise CheckinNotOpen(checkin_not_open_message(night))

    def fill(entry):
        for name in MORNING_FIELDS[:-1]:
            setattr(entry, name, getattr(morning, name))
        entry.morning_logged_at = logged_at
        entry.time_zone = entry.time_zone or patient.zone_name
        entry.logged_offline = entry.logged_offline or acted_at is not None

    def update(entry):
        keep_newer_log(entry.morning_logged_at, acted_at, logged_at)
        fill(entry)
        return True

    with transaction.atomic():
        saved = _write(patient, night, now, submission_id, MORNING, fill, update)
        if saved.replayed:
            return saved
        entry = saved.entry
        if not saved.created:
            SideEffect.objects.filter(entry=entry).delete()
            # Only the scales the check-in asks, or that this answer scores: a scale the
            # clinician stopped asking is no longer in the form, and re-saving a night it
            # scored deleted that answer from the charts and exports.
            SymptomScore.objects.filter(entry=entry).filter(
                Q(scale__active=True) | Q(scale_id__in=list(morning.extra_scores))
            ).delete()
        SideEffect.objects.bulk_create(
            SideEffect(entry=entry, kind=kind, severity=severity, other_text=text)
            for kind, (severity, text) in morning.side_effects.items()
        )
        SymptomScore.objects.bulk_create(
            SymptomScore(entry=entry, scale_id=scale_id, value=value)
            for scale_id, value in morning.extra_scores.items()
        )
    return saved


def undo_taken(entry: NightlyEntry, now: datetime, submission_id) -> Saved:
    """Take back a log just made (can_undo: a first log, within UNDO_MINUTES), by clearing
    the night's evening part; the row (and its history) stays. Refused: UndoRefused.

    The row is kept, with the evening part cleared, so a replay of the original submission
    still finds it and cannot log the dose a second time (deleting it would cascade to its
    submissions). With no morning logged either it is no entry: every surface reads
    NightlyEntry.objects.logged() (models.LOGGED) and passes it by.
    """
    with transaction.atomic():
        earlier = _replayed(entry.patient, submission_id, entry.night, UNDO)
        if earlier is not None:
            return Saved(earlier, replayed=True, changed=False)
        entry = NightlyEntry.objects.select_for_update().get(pk=entry.pk)
        if not can_undo(entry, now):
            edited = undo_edited(entry)
            raise UndoRefused(
                _(
                    "Nothing was undone: Undo takes back only a log just made, not a change "
                    "to it. Use Edit to change it again."
                )
                if edited
                else _(
                    "Undo is possible for %(minutes)s minutes after logging. "
                    "Use Edit to change this night instead."
                )
                % {"minutes": UNDO_MINUTES},
                edited=edited,
            )
        for name in EVENING_FIELDS:
            setattr(entry, name, None if name in ("dose_mg", "prescribed_mg") else "")
        entry.taken_at = entry.bedtime = entry.evening_logged_at = None
        entry.evening_first_logged_at = None
        entry.updated_at = now
        # The history keeps the undo (a record never vanishes), named as one: the patient's
        # change list (change_history) reads the log it took back as never made.
        entry._change_reason = UNDO
        entry.save()
        del entry._change_reason  # a later save of this instance is no undo
        Submission.objects.create(
            id=submission_id, patient_id=entry.patient_id, entry=entry, kind=UNDO, created_at=now
        )
    return Saved(entry)


# --- Reading -------------------------------------------------------------------------------


def held_nights(plan: plans.PlanView, nights_shown) -> frozenset[date]:
    """The nights among ``nights_shown`` on which the plan is on hold, as the plan says
    (PlanView.status_on: titration's answer, the one the clinician's night page and the
    dose-on-hold flag read): the patient's pages mark a dose taken on one of them."""
    return frozenset(night for night in nights_shown if plan.status_on(night) == titration.ON_HOLD)


# Bookkeeping times: the change itself says when it was made.
HISTORY_QUIET_FIELDS = [
    "updated_at",
    "created_at",
    "evening_logged_at",
    "evening_first_logged_at",
    "morning_logged_at",
]
# What the patient reads for each changed field (the model's names are for developers).
FIELD_LABELS = {
    "status": gettext_lazy("status"),
    "dose_mg": gettext_lazy("dose"),
    "prescribed_mg": gettext_lazy("prescribed dose"),
    "taken_at": gettext_lazy("time taken"),
    "bedtime": gettext_lazy("bedtime"),
    "skip_reason": gettext_lazy("reason for skipping"),
    "skip_reason_text": gettext_lazy("reason in your words"),
    "sleep_quality": gettext_lazy("sleep quality"),
    "dreams": gettext_lazy("dreams"),
    "dream_intensity": gettext_lazy("dream intensity"),
    "pain": gettext_lazy("pain"),
    "fatigue": gettext_lazy("fatigue"),
    "mood": gettext_lazy("mood"),
    "notes": gettext_lazy("notes"),
}


def _shown(entry, name, value) -> str:
    """A stored value as the patient reads it: local times, plain doses, choice labels."""
    if value in (None, ""):
        return "—"
    if isinstance(value, datetime):
        # In the zone the night was logged in, as the entry's own times: moving zones never
        # moves a past dose (it was the patient's current zone). Named when it is not theirs.
        shown = local_date(timezone.localtime(value, entry.logged_tz), "day_time")
        if entry.time_zone and entry.time_zone != entry.patient.zone_name:
            return f"{shown} {zone_label(entry.time_zone)}"
        return shown
    if isinstance(value, Decimal):
        return f"{wording.amount(value)} mg"
    choices = dict(NightlyEntry._meta.get_field(name).flatchoices)
    return str(choices.get(value, value))


def _without_undone_logs(records):
    """``records`` (newest first) without each undo and the log it took back: after an undo
    the night is as if never logged (undo_taken), so a new log is a first log, not an edit
    "Dose: 3 mg → —" (found by exploratory QA). An undo takes back only a first log of an
    empty evening part (can_undo), so the records it drops are those since the evening part
    was last empty. The clinician's entry history keeps them all, the undo named as one."""
    kept = []
    for record in reversed(records):
        if record.history_change_reason == UNDO:
            while kept and kept[-1].status:
                kept.pop()
            continue
        kept.append(record)
    return kept[::-1]


def change_history(entry: NightlyEntry):
    """The entry's earlier versions, newest first, each with what changed and who changed it.

    A save that changed nothing the patient reads (the same dose and time saved again: only
    the time it was logged moved) is not a change: it showed as a second "First logged." and
    marked the night "edited" (found by exploratory QA). The clinician's entry history lists
    every save, as the audit trail it is."""
    records = _without_undone_logs(
        list(entry.history.select_related("history_user").order_by("-history_date"))
    )
    changes = []
    for newer, older in itertools.pairwise(records):
        delta = newer.diff_against(older, excluded_fields=HISTORY_QUIET_FIELDS)
        if not delta.changes:
            continue
        changes.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "fields": [
                    {
                        "name": FIELD_LABELS.get(
                            change.field, NightlyEntry._meta.get_field(change.field).verbose_name
                        ),
                        "old": _shown(entry, change.field, change.old),
                        "new": _shown(entry, change.field, change.new),
                    }
                    for change in delta.changes
                ],
            }
        )
    if records:
        first = records[-1]
        changes.append({"when": first.history_date, "who": first.history_user, "fields": []})
    return changes
