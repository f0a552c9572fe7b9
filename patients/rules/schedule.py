"""When a patient's reminders are due: the slots a night has, quiet hours, and whether a
reminder still makes sense for what the plan says and what the patient logged.

Pure: plain values in, plain values out; no database, no settings, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple, Protocol, TypeVar

from patients.rules import pause as pause_rules
from patients.rules.nights import (
    DOSING_WINDOW_END,
    EVENING,
    EVENING_NIGHT_STARTS,
    MORNING,
    MORNING_DOSING_WINDOW_END,
    as_zone,
    dosing_window_end,
    moment_on_night,
    night_of,
    night_window,
)
from prescriptions import titration

# Reminder kinds and channels (the values ReminderDelivery stores).
EVENING_DOSE = "evening"
LAST_CALL = "last_call"
MORNING_CHECKIN = "morning"
MISSED_DOSE = "missed"
EMAIL = "email"
PUSH = "push"


def reminder_channels(email: bool, push: bool, has_push_device: bool) -> tuple[str, ...]:
    """The channels a patient's reminders go by: email when ticked, push when ticked and a
    device of theirs has subscribed. The sweep claims by it; the pages warn when it is empty
    (patients.notifications.reach)."""
    return (EMAIL,) * bool(email) + (PUSH,) * bool(push and has_push_device)


# An evening reminder stays useful until the end of the dosing window, and at least this long
# after it fired (a reminder set for 02:30 on a spring-forward night fires at 03:00).
MIN_USEFUL = timedelta(hours=1)
# Even with nothing scheduled, look at every patient this often: a missed signal (a bulk
# update, a hold that ends by date) can never silence reminders for longer than this.
RECHECK_AT_LEAST_EVERY = timedelta(hours=6)
# A reminder moved off a time the dosing window no longer allows (a morning time after the
# clinic's morning window, an evening time stored after 03:00), and any last call, comes at
# least this long before the dosing window ends: time to take the dose and log it with one
# tap. Evening and morning dosing alike.
DOSE_REMINDER_MARGIN = timedelta(minutes=30)


def last_dose_reminder_at(dosing_end: datetime) -> datetime:
    """The latest moment a dose reminder or a last call may come, for a dosing window ending
    at ``dosing_end``: DOSE_REMINDER_MARGIN before it (real time, also on a DST night)."""
    return dosing_end - DOSE_REMINDER_MARGIN


def last_dose_reminder_time(window_end: time) -> time:
    """The latest wall time a dose reminder or a last call may come, for a dosing window
    ending at ``window_end`` (03:00 in the evening: 02:30; the clinic's morning end: 10:00
    gives 09:30): THE rule the settings form accepts times by (morning_time_refusal, the
    evening times' refusal, their help) and the sweep reads stored times by
    (morning_reminder_time, evening_reminder_time; evening_last_call and morning_last_call
    on instants, through last_dose_reminder_at). The form took times up to a minute before
    the end (09:59, 02:59): a minute to take the dose with one tap. Never before midnight
    (the clinic's end is 01:00 or later: settings)."""
    day = datetime(2000, 1, 2)
    return max(last_dose_reminder_at(datetime.combine(day.date(), window_end)), day).time()


@dataclass(frozen=True)
class Prefs:
    """A patient's reminder settings as plain values."""

    tz: str
    reminder_time: time = time(21, 0)
    last_call: bool = True
    last_call_time: time = time(23, 30)
    morning_checkin: bool = True
    morning_time: time = time(9, 0)
    quiet_start: time | None = None
    quiet_end: time | None = None
    channels: tuple[str, ...] = (EMAIL,)
    # Morning dosing's last call comes this long after the dose reminder (None: none).
    morning_last_call_after: timedelta | None = timedelta(hours=2)
    # The end of a morning dose's window (the clinic's LDN_MORNING_DOSING_WINDOW_END): the
    # morning dose reminders are useful until then, as "Taken now" is (nights.dosing_window_end).
    morning_window_end: time = MORNING_DOSING_WINDOW_END


@dataclass(frozen=True)
class NightState:
    """What the plan says and what the patient logged for one night."""

    night: date
    plan_status: str = titration.ACTIVE
    dosing_time: str = EVENING
    dose_mg: Decimal | None = None
    evening_logged: bool = False
    morning_logged: bool = False
    # An urgent report is open (patients.rules.pause): the patient waits for their clinician.
    paused: bool = False


@dataclass(frozen=True)
class Slot:
    """One reminder a night may have: due at `due_at` (after quiet hours), useful until
    `expires_at`."""

    night: date
    kind: str
    due_at: datetime
    expires_at: datetime


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """Whether a wall time falls in [start, end), a range that may wrap midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def after_quiet_hours(moment: datetime, prefs: Prefs) -> datetime:
    """`moment`, or the end of the patient's quiet hours if it falls inside them."""
    zone = as_zone(prefs.tz)
    local = moment.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), prefs.quiet_start, prefs.quiet_end):
        return moment
    day = local.date() if local.time().replace(tzinfo=None) < prefs.quiet_end else None
    if day is None:
        day = local.date() + timedelta(days=1)
    # Morning dosing maps a wall time to its own calendar date: exactly "that day at end".
    return moment_on_night(day, prefs.quiet_end, zone, MORNING)


def dose_reminder_time(prefs, dosing_time: str, morning_window_end: time) -> time:
    """The patient's usual time for the dose (their dose reminder's time, as the sweep reads
    it): the morning time for morning dosing (morning_reminder_time, against the clinic's
    ``morning_window_end``), the evening reminder time otherwise (evening_reminder_time).
    ``prefs``: a Prefs or a Patient (both carry reminder_time and morning_time). The
    journal's "At my usual time" reads it too: it offered a morning doser the evening time,
    which was still in the future, and after the reminders began reading a stale stored time
    inside the dosing window (02:30 for 03:30) it still offered the stored one."""
    if dosing_time == MORNING:
        return morning_reminder_time(prefs.morning_time, morning_window_end)
    return evening_reminder_time(prefs.reminder_time)


def morning_reminder_time(morning_time: time, window_end: time) -> time:
    """The wall time a morning doser's morning reminders come at (the dose reminder, and the
    next morning's follow-up and check-in with it): their morning time, or, when that is
    later than last_dose_reminder_time (DOSE_REMINDER_MARGIN before the end of the clinic's
    morning dosing window), that time. The settings page refuses such a time, but one
    stored before the clinic moved the end earlier (11:30 under a 12:00 end, now 10:00), or
    before the form kept the margin (09:45 under a 10:00 end), stays: the first's dose
    reminder expired before it was due, and no reminder came, unsaid; the second left a
    quarter of an hour. The settings page names the time used
    (PatientSettingsForm.stale_morning_time)."""
    return min(morning_time, last_dose_reminder_time(window_end))


def morning_last_call(dose_due: datetime, after: timedelta, dosing_end: datetime):
    """When a morning doser's last call comes, for a dose reminder due at ``dose_due``:
    ``after`` it, but never later than DOSE_REMINDER_MARGIN before the dosing window ends
    (``dosing_end``); None when that leaves it less than ``after`` (at most the margin)
    after the dose reminder, a second nudge at once or before the first. One that fell after
    an early window end (the clinic's 10:00, dose reminder 08:30, last call 10:30) was
    dropped unsaid, and one in the window's last minutes left no time to take it with one
    tap; the settings page says which (PatientSettingsForm.morning_reminders)."""
    due = min(dose_due + after, last_dose_reminder_at(dosing_end))
    if due - dose_due < min(after, DOSE_REMINDER_MARGIN):
        return None
    return due


def evening_reminder_time(reminder_time: time) -> time:
    """The wall time an evening doser's evening reminder comes at: their reminder time, or,
    when that is later than last_dose_reminder_time (02:30, DOSE_REMINDER_MARGIN before
    the evening dosing window ends at 03:00) and before the night starts (noon), 02:30.
    The settings page takes evening times from 12:00 to 02:30 only (this rule), but one
    stored before that stays: 03:30 came after "Taken now" had ended, 11:00 the next late
    morning (after the missed-dose follow-up), 02:59 (taken from 12:00 to 02:59 before)
    a minute before the end. The settings page names the time used
    (PatientSettingsForm.stale_evening_times)."""
    last = last_dose_reminder_time(DOSING_WINDOW_END)
    if last < reminder_time < EVENING_NIGHT_STARTS:
        return last
    return reminder_time


def evening_morning_time(morning_time: time) -> time:
    """The wall time an evening doser's morning reminders come at (the morning check-in and
    the missed-dose follow-up): their morning time, or, when that is outside the morning
    (03:00 to 11:59: the form's range, ReminderSettingsForm.morning_time_refusal),
    DOSE_REMINDER_MARGIN before the check-in closes at noon (11:30). A morning time stored
    before the form's rule (12:30) stays, and was read on the evening's side of the night:
    the check-in and "did you take it?" came that afternoon, before the dose (one before
    03:00 came inside the dosing window). The settings page names the time used
    (PatientSettingsForm.stale_checkin_time)."""
    if DOSING_WINDOW_END <= morning_time < EVENING_NIGHT_STARTS:
        return morning_time
    noon = datetime.combine(date(2000, 1, 2), EVENING_NIGHT_STARTS)
    return (noon - DOSE_REMINDER_MARGIN).time()


def evening_last_call(reminder_due: datetime, last_call_due: datetime, dosing_end: datetime):
    """When an evening doser's last call comes, for their evening reminder due at
    ``reminder_due`` and their last call time falling at ``last_call_due``: then, when that
    is after the reminder and no later than last_dose_reminder_at (DOSE_REMINDER_MARGIN
    before the dosing window ends at ``dosing_end``); when it is later, at that latest
    moment instead, as a morning doser's (morning_last_call); None when that leaves it less
    than the margin after the reminder (a second nudge at once, or before the first). A
    last call time stored before the form took 12:00 to 02:30 only (03:30) was sent at
    03:30 saying "There is still time before the dosing window ends"; 03:00, and a time the
    clocks skip on a spring-forward night (New York's 02:30), fell on the window's very
    end, and 02:59 a minute before it."""
    if last_call_due <= reminder_due:
        return None
    latest = last_dose_reminder_at(dosing_end)
    if last_call_due <= latest:
        return last_call_due
    if latest - reminder_due < DOSE_REMINDER_MARGIN:
        return None
    return latest


@lru_cache(maxsize=8192)
def slots_for_night(prefs: Prefs, night: date, dosing_time: str) -> tuple[Slot, ...]:
    """Every reminder `night` can have, with quiet hours applied; ones that quiet hours push
    past their usefulness are left out."""
    zone = as_zone(prefs.tz)
    _start, window_end = night_window(night, zone, dosing_time)
    raw: list[tuple[str, datetime, datetime]] = []
    if dosing_time == MORNING:
        # Morning dosing: the dose reminder at the patient's morning time, a last call a
        # little later that day, both useful until the morning dosing window ends (then the
        # card no longer offers "Taken now" but asks when it was taken: "Time for today's
        # dose" at 20:00 contradicted it), and the follow-up at the next day's morning time
        # when nothing was logged (useful while that day lasts: the day can still be logged).
        dosing_end = dosing_window_end(night, zone, MORNING, prefs.morning_window_end)
        morning = dose_reminder_time(prefs, MORNING, prefs.morning_window_end)
        due = moment_on_night(night, morning, zone, MORNING)
        raw.append((EVENING_DOSE, due, dosing_end))
        if prefs.last_call and prefs.morning_last_call_after:
            last_call = morning_last_call(due, prefs.morning_last_call_after, dosing_end)
            if last_call is not None:
                raw.append((LAST_CALL, last_call, dosing_end))
        next_day = night + timedelta(days=1)
        follow_up = moment_on_night(next_day, morning, zone, MORNING)
        raw.append((MISSED_DOSE, follow_up, night_window(next_day, zone, MORNING)[1]))
        if prefs.morning_checkin:
            # The sleep after a morning dose ends the next morning: its check-in comes then
            # (with that day's dose reminder), until noon, when the home card's check-in
            # gives way (nights.checkin_night). It was never sent to a morning doser.
            checkin_ends = moment_on_night(next_day, EVENING_NIGHT_STARTS, zone, MORNING)
            raw.append((MORNING_CHECKIN, follow_up, checkin_ends))
    else:
        dosing_end = moment_on_night(night, DOSING_WINDOW_END, zone, EVENING)
        reminder = dose_reminder_time(prefs, EVENING, prefs.morning_window_end)
        evening = moment_on_night(night, reminder, zone, EVENING)
        # "Tap to log last night's dose" stays true after the window (the card asks when it
        # was taken): the evening reminder keeps an hour when DST or quiet hours delay it.
        raw.append((EVENING_DOSE, evening, max(dosing_end, evening + MIN_USEFUL)))
        if prefs.last_call:
            asked = moment_on_night(night, prefs.last_call_time, zone, EVENING)
            last_call = evening_last_call(evening, asked, dosing_end)
            if last_call is not None:
                # A last call says "There is still time": never once the window has ended,
                # also when quiet hours hold it (it was sent at 03:30, useful for an hour).
                raw.append((LAST_CALL, last_call, dosing_end))
        morning = moment_on_night(night, evening_morning_time(prefs.morning_time), zone, EVENING)
        if prefs.morning_checkin:
            raw.append((MORNING_CHECKIN, morning, window_end))
        raw.append((MISSED_DOSE, morning, window_end))
    slots = []
    for kind, due, expires in raw:
        due = after_quiet_hours(due, prefs)
        if due < expires:
            slots.append(Slot(night=night, kind=kind, due_at=due, expires_at=expires))
    # Cached: at scale most patients share their settings, and a night's slots never change.
    return tuple(slots)


def is_wanted(kind: str, state: NightState) -> bool:
    """Whether a reminder of `kind` still makes sense for a night in `state`."""
    if state.plan_status != titration.ACTIVE:
        return False  # on hold (stop before opioids), not started, or no plan: nothing to take
    if state.paused and pause_rules.silences(kind):
        return False  # waiting for the clinician's answer to an urgent report
    if kind in (EVENING_DOSE, LAST_CALL, MISSED_DOSE):
        return not state.evening_logged
    if kind == MORNING_CHECKIN:
        return state.evening_logged and not state.morning_logged
    return False


class _Timed(Protocol):
    due_at: datetime
    expires_at: datetime


_T = TypeVar("_T", bound=_Timed)


def newest_due(reminders: Iterable[_T], now: datetime) -> _T | None:
    """Of one night's reminders, the one to send at `now`: the latest of those due by now
    and still useful, the first of equals (in slots_for_night's order). One nudge, not two
    at once: a late sweep that finds the evening reminder and the last call both due sends
    only the newer (plan_patient), and a reminder sent late, after a newer one of its night
    became due, is skipped (the reminder renderer's skip_reason)."""
    return max(
        (r for r in reminders if r.due_at <= now < r.expires_at),
        key=lambda r: r.due_at,
        default=None,
    )


def reminder_key(patient_id: int, night: date, kind: str, channel: str) -> str:
    return f"r:{patient_id}:{night.isoformat()}:{kind}:{channel}"


class DueReminder(NamedTuple):
    # NamedTuples, not frozen dataclasses, for what the sweep makes per patient: a frozen
    # dataclass's __init__ costs several times more, and a 100k sweep makes 100k of each.
    patient_id: int
    recipient_id: int
    night: date
    kind: str
    channel: str
    due_at: datetime
    expires_at: datetime
    tz: str
    email: str = ""
    key: str = ""  # reminder_key(patient_id, night, kind, channel), made once by plan_patient

    @property
    def local_due(self) -> datetime:
        return self.due_at.astimezone(as_zone(self.tz))


@lru_cache(maxsize=1024)
def nights_around(now: datetime, tz: str) -> tuple[date, ...]:
    """Last night (its morning messages), tonight, and tomorrow night (to schedule ahead).

    Read as an evening doser's nights on purpose, for every dosing time: these three hold
    each night with a slot due or still useful at ``now``, and each due within
    RECHECK_AT_LEAST_EVERY. An evening night's slots run from its evening to the next noon;
    a morning night D's from its morning to the end of D+1 (the next morning's follow-up
    and check-in). Before noon on D this gives D-2, D-1 and D (a morning doser's yesterday
    and today); from noon D-1, D and D+1. A morning doser's D+1 is then more than twelve
    hours away: the next look finds it. Reading it by each plan would tie this cache and
    the sweep's one claimed-keys query to each patient's dosing time for nothing
    (tests/patients/test_morning_doser.py checks the cover, hour by hour)."""
    tonight = night_of(now, tz, EVENING)
    return (tonight - timedelta(days=1), tonight, tonight + timedelta(days=1))


@dataclass
class PatientReminders:
    """The outcome of looking at one patient at `now`."""

    due: list[DueReminder] = field(default_factory=list)
    missed: list[DueReminder] = field(default_factory=list)  # expired before any sweep saw them
    next_at: datetime | None = None


def wanted_slots(prefs: Prefs, states: tuple[tuple[date, NightState], ...]) -> Iterator[Slot]:
    """Every reminder `states`' nights have that still makes sense (is_wanted), with quiet
    hours applied: THE rule for "a reminder is due", read by the sweep (_wanted_slots) and
    by the settings page's "Next reminder" (next_reminder)."""
    for night, state in states:
        for slot in slots_for_night(prefs, night, state.dosing_time):
            if is_wanted(slot.kind, state):
                yield slot


def next_reminder(
    prefs: Prefs, states: tuple[tuple[date, NightState], ...], now: datetime
) -> Slot | None:
    """The next reminder the sweep will send after `now`, or None (nothing wanted on these
    nights, or no channel to send it by): the earliest wanted slot still to come, as the
    sweep's next look (plan_patient's next_at) finds it."""
    if not prefs.channels:
        return None
    return min(
        (slot for slot in wanted_slots(prefs, states) if slot.due_at > now),
        key=lambda slot: slot.due_at,
        default=None,
    )


# Why no reminder is to come (no_reminder_reason), in the order a patient can act on it.
NO_CHANNEL, WAITING, NOT_DOSING = "no_channel", "waiting", "not_dosing"
UNKNOWN_ZONE = "unknown_zone"  # the sweep skips a zone this server does not know (due.py)


def no_reminder_reason(prefs: Prefs, states: tuple[tuple[date, NightState], ...]) -> str:
    """Why next_reminder found none on these nights, as is_wanted and the channels decide
    it: no channel to send by; an open urgent report silences the dose reminders; no night
    with the plan active (on hold, ended, not started, no plan); else "" (every night's
    reminders are logged or past)."""
    if not prefs.channels:
        return NO_CHANNEL
    if any(state.paused and state.plan_status == titration.ACTIVE for _night, state in states):
        return WAITING
    if all(state.plan_status != titration.ACTIVE for _night, state in states):
        return NOT_DOSING
    return ""


@lru_cache(maxsize=4096)
def _wanted_slots(
    prefs: Prefs,
    states: tuple[tuple[date, NightState], ...],
    now: datetime,
    checked_since: datetime | None,
) -> tuple[tuple[Slot, ...], datetime]:
    """The slots of `states`' nights that are due (or were missed) at `now`, and when to
    look next: everything of plan_patient that does not depend on who the patient is.
    Patients with the same settings, plan state and schedule (at scale, most of a minute's
    due patients) share one computation."""
    slots = []
    next_at = now + RECHECK_AT_LEAST_EVERY
    for slot in wanted_slots(prefs, states):
        future = slot.due_at > now
        if future and slot.due_at >= next_at:
            continue
        if (
            not future
            and now >= slot.expires_at
            and (checked_since is None or slot.due_at < checked_since)
        ):
            continue  # long gone, and already looked at when it was due
        if future:
            # Not due yet, so not claimed by any sweep that ran at the real time (one run
            # ahead with --at only makes this look come early and find it claimed).
            next_at = slot.due_at
            continue
        slots.append(slot)
    return tuple(slots), next_at


def plan_patient(
    *,
    patient_id: int,
    recipient_id: int,
    email: str,
    prefs: Prefs,
    states: dict[date, NightState],
    claimed: set[str],
    now: datetime,
    checked_since: datetime | None,
) -> PatientReminders:
    """Pure: the reminders due now for one patient, and when to look at them next.

    `states` maps each night of `nights_around(now)` to its NightState; `claimed` holds the
    keys already claimed; `checked_since` is the moment the patient was last scheduled to be
    looked at (their previous `next_reminder_at`), so a late sweep can record what it missed.
    """
    result = PatientReminders()
    slots, next_at = _wanted_slots(prefs, tuple(sorted(states.items())), now, checked_since)
    for slot in slots:
        for channel in prefs.channels:
            key = reminder_key(patient_id, slot.night, slot.kind, channel)
            if key in claimed:
                continue
            due = DueReminder(
                patient_id=patient_id,
                recipient_id=recipient_id,
                night=slot.night,
                kind=slot.kind,
                channel=channel,
                due_at=slot.due_at,
                expires_at=slot.expires_at,
                tz=prefs.tz,
                email=email,
                key=key,
            )
            if now < slot.expires_at:
                result.due.append(due)
            else:
                result.missed.append(due)
    result.next_at = next_at
    if len(result.due) > 1:
        # A late sweep that finds the evening reminder and the last call both due sends only
        # the newer one (newest_due); the older is recorded as expired.
        groups: dict[tuple, list[DueReminder]] = {}
        for due in result.due:
            groups.setdefault((due.night, due.channel), []).append(due)
        keep = {id(newest_due(group, now)) for group in groups.values()}
        result.missed += [due for due in result.due if id(due) not in keep]
        result.due = [due for due in result.due if id(due) in keep]
    return result
