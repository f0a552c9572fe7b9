"""The urgent-report pause: while a patient's report of a bad reaction is open (not yet
acknowledged), they are asked to wait before their next dose and get no dose reminders.

Pure: the moments of the open reports and "now" in, a Pause (or None) out. Every surface
(tonight card, reminders, flags, dashboard, My plan) asks this one function.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

# The reminders a pause silences: the ones that ask for a dose. The morning check-in still
# goes out (how the night went matters more than ever after a bad reaction).
PAUSED_REMINDER_KINDS = frozenset({"evening", "last_call", "missed"})


@dataclass(frozen=True)
class Pause:
    since: datetime  # the oldest open report: the pause began then
    latest: datetime  # the newest open report: what the wait card dates itself by
    reports: int  # how many reports are open; one pause however many
    # The zone the newest open report was made in ("" = not known: the patient's), so the
    # wait card writes ``latest`` as every other surface writes the report's time (in the
    # zone it was made in, labelled), not in the zone the patient has moved to since.
    time_zone: str = ""


def pause_at(
    open_reports: Iterable[datetime], now: datetime, zones: Sequence[str] = ()
) -> Pause | None:
    """The pause in force at `now`, or None. ``zones``, when given, are the zones the
    reports were made in, in the same order as ``open_reports``.

    A report made after `now` does not pause an earlier moment (a dry run of the sweep for
    a past minute judges it as that minute saw it)."""
    moments = list(open_reports)
    # Without zones (or with fewer), a report's zone is unknown: "" (read as the patient's).
    zones = (*zones[: len(moments)], *("",) * (len(moments) - len(zones)))
    made = sorted(
        (moment, zone) for moment, zone in zip(moments, zones, strict=True) if moment <= now
    )
    if not made:
        return None
    latest, zone = made[-1]
    return Pause(since=made[0][0], latest=latest, reports=len(made), time_zone=zone)


def is_paused(open_reports: Iterable[datetime], now: datetime) -> bool:
    return pause_at(open_reports, now) is not None


def silences(kind: str) -> bool:
    """Whether a reminder of `kind` is held back while a pause is in force."""
    return kind in PAUSED_REMINDER_KINDS
