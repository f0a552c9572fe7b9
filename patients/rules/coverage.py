"""Which clinic day a moment falls on, and whether a coverage holds then: pure functions.

A coverage runs for whole days in the clinic's zone, its first and last day both included,
until it is ended early. The access gate, the alerts and the admin's lists ask here.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

CURRENT, UPCOMING, PAST = "current", "upcoming", "past"


def clinic_day(moment: datetime, zone: str) -> date:
    """The calendar date in the clinic's zone at `moment` (an aware datetime)."""
    return moment.astimezone(ZoneInfo(zone)).date()


def phase(
    first_day: date, last_day: date, ended_at: datetime | None, moment: datetime, zone: str
) -> str:
    """CURRENT, UPCOMING or PAST at `moment`. Ended early counts as past from then on."""
    if ended_at is not None and ended_at <= moment:
        return PAST
    today = clinic_day(moment, zone)
    if today < first_day:
        return UPCOMING
    if today > last_day:
        return PAST
    return CURRENT


def date_problems(
    first_day: date, last_day: date, today: date, *, max_days: int, max_lead_days: int
) -> list[str]:
    """Why these dates make no coverage (codes, in order), or [] when they are sane: the last
    day before the first, a range that ended before today, a first day more than
    `max_lead_days` after today, or one longer than `max_days`."""
    problems = []
    if last_day < first_day:
        problems.append("last_before_first")
    elif last_day < today:
        problems.append("in_the_past")
    else:
        # Without a limit on the start, a coverage could be set to begin in year 9999 (a
        # mistyped year is the likely cause): an access grant nobody will review for years.
        if (first_day - today).days > max_lead_days:
            problems.append("too_far_ahead")
        if (last_day - first_day).days + 1 > max_days:
            problems.append("too_long")
    return problems
