"""Adherence over the last 7 or 30 nights, the current streak and each night's calendar mark,
from plain night records.

Pure: the journal history and the clinician dashboard build their records with
:func:`night_records` and get plain numbers and marks out, so both show the same figures and
the same calendar. Only nights on which a dose was prescribed count: a night on hold, before
the plan starts or after it ended neither helps nor hurts, and is never marked as missed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from prescriptions import titration

TAKEN = "taken"
SKIPPED = "skipped"
# A night's calendar mark (night_mark), besides TAKEN and SKIPPED.
FUTURE = "future"  # after tonight, nothing logged
OPEN = "open"  # tonight, prescribed, nothing logged yet
MISSING = "missing"  # before tonight, prescribed, nothing logged: the only "?"
HELD = "held"  # the plan held the dose, nothing logged
NO_DOSE = "no_dose"  # no dose prescribed (before joining or the plan, after it ended): no mark


@dataclass(frozen=True)
class AdherenceNight:
    night: date
    status: str  # "taken", "skipped" or "" (nothing logged)
    prescribed: bool  # the plan prescribed a dose that night (active, not on hold)
    held: bool = False  # the plan was on hold that night


class PlanStates(Protocol):
    """What :func:`night_records` asks of a plan (prescriptions.plans.PlanView)."""

    def status_on(self, night: date) -> str: ...


@dataclass(frozen=True)
class Adherence:
    days: int
    taken: int
    prescribed: int

    @property
    def percent(self) -> int | None:
        """Whole percent, or None when no night in the period was prescribed."""
        if not self.prescribed:
            return None
        return round(self.taken * 100 / self.prescribed)


class NightsBetween(Mapping):
    """The records of every night ``first``..``last`` by night (a night with nothing logged
    counts too), each made when first asked for, from ``status_on``: the plan's state on a
    night (titration's ACTIVE, ON_HOLD, ENDED...). :func:`adherence` and :func:`streak` read
    it as it is, so the history's streak, which looks back a year, makes the records of the
    nights up to its first break and not 366 (each asks the plan for the night's state)."""

    def __init__(self, statuses: Mapping[date, str], status_on: Callable[[date], str], first, last):
        self._statuses, self._status_on = statuses, status_on
        self.first, self.last = first, last
        self._made: dict[date, AdherenceNight] = {}

    def __getitem__(self, night: date) -> AdherenceNight:
        made = self._made.get(night)
        if made is None:
            if not self.first <= night <= self.last:
                raise KeyError(night)
            state = self._status_on(night)
            made = self._made[night] = AdherenceNight(
                night,
                self._statuses.get(night, ""),
                prescribed=state == titration.ACTIVE,
                held=state == titration.ON_HOLD,
            )
        return made

    def __iter__(self):
        night = self.first
        while night <= self.last:
            yield night
            night += timedelta(days=1)

    def __len__(self) -> int:
        return max((self.last - self.first).days + 1, 0)


def night_records(
    plan: PlanStates, statuses: Mapping[date, str], first: date, last: date
) -> NightsBetween:
    """THE reading of "a prescribed night" (the plan is active that night, as
    PlanView.status_on says; on hold, not begun, ended or no plan: not prescribed): one
    record per night ``first``..``last``, with what was logged (``statuses``: "taken",
    "skipped"; a night missing from it had nothing logged). The patient's history and every
    clinician surface (dashboard row, patient page, visit report) count their adherence and
    streak from it and mark their calendars by it (:func:`night_mark`)."""
    return NightsBetween(statuses, plan.status_on, first, last)


def night_mark(record: AdherenceNight, tonight: date) -> str:
    """Which mark a night's calendar cell shows, on the patient's and the clinician's
    calendar alike: what was logged (TAKEN, SKIPPED: even on a held night or one ahead of
    tonight), else FUTURE after tonight, HELD on hold, NO_DOSE when nothing was prescribed
    (no mark: a night without a prescription is no missed dose, and adherence does not count
    it), OPEN tonight, MISSING ("?") before it: exactly the nights :func:`adherence` counts
    as prescribed and not taken."""
    if record.status in (TAKEN, SKIPPED):
        return record.status
    if record.night > tonight:
        return FUTURE
    if record.held:
        return HELD
    if not record.prescribed:
        return NO_DOSE
    return OPEN if record.night == tonight else MISSING


def _by_night(records: Iterable[AdherenceNight] | NightsBetween) -> Mapping[date, AdherenceNight]:
    if isinstance(records, NightsBetween):
        return records
    return {record.night: record for record in records}


def _counts(record: AdherenceNight | None, tonight: date) -> bool:
    """Whether a night enters the denominator.

    Tonight is still open: it counts only once something has been logged for it, so an
    evening view of the page does not show tonight as a missed dose. So does a night after
    tonight (logged further east before a move west: nights.last_night_of_record).
    """
    if record is None or not record.prescribed:
        return False
    return record.night < tonight or bool(record.status)


def adherence(
    records: Iterable[AdherenceNight], tonight: date, days: int, *, through: date | None = None
) -> Adherence:
    """Nights taken / nights prescribed over the ``days`` nights ending with ``through``
    (the last night of record; tonight by default)."""
    by_night = _by_night(records)
    last = through or tonight
    taken = prescribed = 0
    for offset in range(days):
        record = by_night.get(last - timedelta(days=offset))
        if not _counts(record, tonight):
            continue
        prescribed += 1
        taken += record.status == TAKEN
    return Adherence(days=days, taken=taken, prescribed=prescribed)


def streak(
    records: Iterable[AdherenceNight],
    tonight: date,
    limit: int = 3660,
    *,
    through: date | None = None,
) -> int:
    """Prescribed nights taken in a row, ending tonight (or last night if tonight is open),
    or ending ``through``, the last night of record, when a night after tonight was logged.

    Unprescribed nights (a hold, no plan) are stepped over without breaking the streak;
    the first prescribed night that was skipped or not logged ends it. An open night
    (tonight, or after it and not logged) neither counts nor breaks it.
    """
    by_night = _by_night(records)
    last = through or tonight
    count = 0
    for offset in range(limit):
        night = last - timedelta(days=offset)
        record = by_night.get(night)
        if record is None:
            if night >= tonight:
                continue
            break
        if not _counts(record, tonight):
            continue
        if record.status != TAKEN:
            break
        count += 1
    return count
