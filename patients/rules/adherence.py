"""Adherence over the last 7 or 30 nights and the current streak, from plain night records.

Pure: the journal history and the clinician dashboard pass plain records in and get plain
numbers out, so both show the same figures. Only nights on which a dose was prescribed count:
a night on hold or before the plan starts neither helps nor hurts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

TAKEN = "taken"
SKIPPED = "skipped"


@dataclass(frozen=True)
class AdherenceNight:
    night: date
    status: str  # "taken", "skipped" or "" (nothing logged)
    prescribed: bool  # the plan prescribed a dose that night (active, not on hold)


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
    counts too), each made when first asked for: THE reading of "a prescribed night"
    (``active_on``: the plan is active that night, plans.PlanView.status_on), for the
    journal's history and every clinician surface. :func:`adherence` and :func:`streak` read
    it as it is, so the history's streak, which looks back a year, makes the records of the
    nights up to its first break and not 366 (each asks the plan for the night's state)."""

    def __init__(
        self, statuses: Mapping[date, str], active_on: Callable[[date], bool], first, last
    ):
        self._statuses, self._active_on = statuses, active_on
        self.first, self.last = first, last
        self._made: dict[date, AdherenceNight] = {}

    def __getitem__(self, night: date) -> AdherenceNight:
        made = self._made.get(night)
        if made is None:
            if not self.first <= night <= self.last:
                raise KeyError(night)
            made = self._made[night] = AdherenceNight(
                night, self._statuses.get(night, ""), self._active_on(night)
            )
        return made

    def __iter__(self):
        night = self.first
        while night <= self.last:
            yield night
            night += timedelta(days=1)

    def __len__(self) -> int:
        return max((self.last - self.first).days + 1, 0)


def nights_between(
    statuses: Mapping[date, str], active_on: Callable[[date], bool], first: date, last: date
) -> list[AdherenceNight]:
    """:class:`NightsBetween`'s records as a list, oldest first."""
    return list(NightsBetween(statuses, active_on, first, last).values())


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
