"""The urgent-report pause: while a patient's report of a bad reaction is open (not yet
acknowledged), they are asked to wait before their next dose and get no dose reminders.

Pure: the moments of the open reports and "now" in, a Pause (or None) out. Every surface
(tonight card, reminders, flags, dashboard, My plan) asks this one function.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def pause_at(open_reports: Iterable[datetime], now: datetime) -> Pause | None:
    """The pause in force at `now`, or None.

    A report made after `now` does not pause an earlier moment (a dry run of the sweep for
    a past minute judges it as that minute saw it)."""
    moments = sorted(moment for moment in open_reports if moment <= now)
    if not moments:
        return None
    return Pause(since=moments[0], latest=moments[-1], reports=len(moments))


def is_paused(open_reports: Iterable[datetime], now: datetime) -> bool:
    return pause_at(open_reports, now) is not None


def silences(kind: str) -> bool:
    """Whether a reminder of `kind` is held back while a pause is in force."""
    return kind in PAUSED_REMINDER_KINDS
