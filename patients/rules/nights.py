"""Which night a moment belongs to, in the patient's own time zone.

Pure functions: no database, no clock. "Now" is always passed in, so the reminder sweep, the
journal and the flags agree on the night and can be tested at any instant, DST days included.

A *night* is named by the calendar date of the evening it starts on. For evening dosing the
boundary is local noon: a dose logged at 01:30 on Tuesday belongs to Monday's night. For
morning dosing the night is simply the local calendar date.

Wall times that do not exist or occur twice (daylight-saving changes) are resolved by one
rule everywhere in this module: a wall time means *the first instant at which the patient's
clock shows that time or later*. So

- an ambiguous time (clocks go back) is its first occurrence, the same as ``fold=0``;
- a time skipped by clocks going forward is the instant the clocks jump, e.g. 02:30 on the
  US spring-forward day is 03:00 EDT (07:00 UTC).

Note that this is *not* what ``zoneinfo`` gives for a skipped time: with ``fold=0`` it applies
the offset from before the jump, which moves 02:30 forward by the gap length to 03:30 EDT.
That would make a reminder set for 02:30 fire after one set for 03:15 on that night, and it
would let a night's window start in the middle of the morning after a skipped day (Samoa
skipped 30 December 2011). The "first instant at or after" rule keeps the mapping from wall
time to instant monotonic and keeps :func:`night_window` and :func:`night_of` consistent.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EVENING = "evening"
MORNING = "morning"
DOSING_TIMES = (EVENING, MORNING)

# For evening dosing a night runs from local noon to the next local noon: a dose taken in the
# small hours is still "last night's" dose, and nobody takes an evening dose in the morning.
EVENING_NIGHT_STARTS = time(12, 0)
MORNING_NIGHT_STARTS = time(0, 0)
# The usual LDN evening dosing window (DESIGN.md §1), in the patient's wall-clock time; it
# wraps midnight. After its end a dose can no longer honestly be logged as "taken now".
DOSING_WINDOW_START = time(21, 0)
DOSING_WINDOW_END = time(3, 0)
# A morning dose taken after this local time is no longer "taken now": the patient says when
# they took it. The clinic may change it (LDN_MORNING_DOSING_WINDOW_END); callers pass it in.
MORNING_DOSING_WINDOW_END = time(14, 0)

_ONE_DAY = timedelta(days=1)
_ONE_SECOND = timedelta(seconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The nights a page may be asked for (a night in a URL, the month of the clinician's calendar):
# from 1900 to the end of 9998, so the night before and after each, and its window, are dates
# too. Outside them a night's page is a 404 and the calendar shows this month.
FIRST_NAMEABLE = date(1900, 1, 1)
LAST_NAMEABLE = date(9998, 12, 31)


def nameable(night: date) -> bool:
    """Whether a page may show ``night`` (FIRST_NAMEABLE to LAST_NAMEABLE)."""
    return FIRST_NAMEABLE <= night <= LAST_NAMEABLE


# How a patient names a night as of their calendar day (relative_night).
TONIGHT, LAST_NIGHT, TODAY, YESTERDAY = "tonight", "last_night", "today", "yesterday"


def relative_night(night: date, local_today: date, dosing_time: str) -> str | None:
    """How the patient says which night ``night`` is on ``local_today`` (their calendar day):
    "tonight" or "last night" for evening dosing, "today" or "yesterday" for morning dosing,
    None for any other night. THE one reading: the home card's label and each night's page
    title say the same word for the same night (at 02:00 the card said "last night" and the
    dose page "tonight" for one night)."""
    _check_dosing_time(dosing_time)
    days = (local_today - night).days
    if dosing_time == MORNING:
        return {0: TODAY, 1: YESTERDAY}.get(days)
    return {0: TONIGHT, 1: LAST_NIGHT}.get(days)


_MONTH = re.compile(r"[0-9]{4}-[0-9]{1,2}")
_NIGHT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def night_named(text: str | None) -> date | None:
    """The night "YYYY-MM-DD" names when a page may show it (nameable), else None: a
    night's address (the patient's and the clinician's night pages) has this one spelling.
    date.fromisoformat alone also read "20260328" and "2026-W13-6" as a night."""
    if not _NIGHT.fullmatch(text or ""):  # ASCII digits only, as month_named
        return None
    try:
        night = date.fromisoformat(text)
    except ValueError:
        return None
    return night if nameable(night) else None


def month_named(text: str | None) -> date | None:
    """The first day of the month "YYYY-MM" names, or None when the text names no month
    ("2026-13", "abc", a year of twenty digits). Each page then keeps it within its own
    range (the journal's first month, never after this month)."""
    if not _MONTH.fullmatch(text or ""):  # ASCII digits only: int() reads any script's
        return None
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (ValueError, OverflowError):
        return None


def as_zone(tz: ZoneInfo | str) -> ZoneInfo:
    """Return ``tz`` as a ``ZoneInfo``, accepting an IANA name such as ``"Europe/London"``.

    Profiles store the zone as its name; callers may pass either. An unknown name is a
    ``ValueError`` (not ``ZoneInfoNotFoundError``, which is a ``KeyError``) so that forms and
    commands can report it like any other bad value.
    """
    if isinstance(tz, ZoneInfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"Unknown time zone {tz!r}: use an IANA time zone name such as "
                f"'Europe/London' or 'America/New_York'."
            ) from exc
    raise TypeError(f"tz must be a ZoneInfo or an IANA time zone name, not {type(tz).__name__}.")


def zone_or(key: str | None, fallback: ZoneInfo | str) -> ZoneInfo:
    """The zone ``key`` names (the one a row was made in, stored with it), else ``fallback``
    (the patient's): for a row stored before its zone was, or naming a zone this machine does
    not know. A past night is read in its own zone, so a move never shifts it."""
    if key:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return as_zone(fallback)


def _check_dosing_time(dosing_time: str) -> None:
    if dosing_time not in DOSING_TIMES:
        raise ValueError(f"Unknown dosing time {dosing_time!r}: use 'evening' or 'morning'.")


def _check_aware(moment: datetime) -> None:
    # A naive datetime has no single meaning across zones; guessing would silently misfile
    # a dose under the wrong night.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{moment!r} is a naive datetime: pass a timezone-aware moment (UTC is fine)."
        )


def _night_starts(dosing_time: str) -> time:
    return EVENING_NIGHT_STARTS if dosing_time == EVENING else MORNING_NIGHT_STARTS


def _wall(instant: datetime, zone: tzinfo) -> datetime:
    """The naive wall-clock reading in ``zone`` at ``instant``."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _first_instant_at_or_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first UTC instant at which a clock in ``zone`` reads ``wall`` or later.

    For a wall time that exists this is its first occurrence (``fold=0``). For a wall time in
    a gap, ``fold=0`` and ``fold=1`` give two instants that bracket the jump (zoneinfo applies
    the offset from before, respectively after, the transition), and the jump itself is
    found by bisection over whole seconds: tz transitions always fall on whole UTC seconds.
    """
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if _wall(first, zone) == wall:
        return first
    # In a gap: the clock reads less than `wall` at `before` and more than it at `first`.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    low = (before - _EPOCH) // _ONE_SECOND  # clock < wall here
    high = -((_EPOCH - first) // _ONE_SECOND)  # ceil: clock >= wall here
    while high - low > 1:
        middle = (low + high) // 2
        if _wall(_EPOCH + middle * _ONE_SECOND, zone) >= wall:
            high = middle
        else:
            low = middle
    return _EPOCH + high * _ONE_SECOND


def night_of(moment: datetime, tz: ZoneInfo | str, dosing_time: str) -> date:
    """The night that ``moment`` belongs to for a patient in ``tz``.

    Evening dosing: before local noon belongs to the previous calendar date's night, noon and
    after to that date. Morning dosing: the local calendar date.
    """
    _check_aware(moment)
    _check_dosing_time(dosing_time)
    local = moment.astimezone(as_zone(tz))
    if dosing_time == EVENING and local.time() < EVENING_NIGHT_STARTS:
        return local.date() - _ONE_DAY
    return local.date()


def tonight(now: datetime, tz: ZoneInfo | str, dosing_time: str) -> date:
    """The night the patient is in at ``now``: the night a dose logged now is filed under."""
    return night_of(now, tz, dosing_time)


def checkin_night(now: datetime, tz: ZoneInfo | str) -> date | None:
    """The night whose morning check-in (sleep, dreams, symptoms) is asked for at ``now``:
    from the end of the evening dosing window (DOSING_WINDOW_END, 03:00) to local noon, the
    previous calendar date's night; None from noon on and before 03:00.

    Before 03:00 the night is not over: an evening doser can still take that night's dose
    (the home card offers "Taken now" for it), and nobody has slept it yet. The card asked
    "This morning: how did you sleep?" just under "Logged: 3 mg at 00:44" (found by
    exploratory QA). The check-in reminders come at a morning time, from 03:00 on, too.

    The same for both dosing times, so it takes none: the sleep that ends this morning
    follows yesterday's dose, whether it was taken last evening (evening dosing: the night
    of yesterday's date) or yesterday morning (morning dosing: yesterday's date), also on
    the days a switch between them begins. It is the evening reading of :func:`night_of`
    before noon, which is why the home card read it that way; the morning check-in reminder
    (schedule.slots_for_night) is due and useful within the same morning."""
    _check_aware(now)
    local = now.astimezone(as_zone(tz))
    if not DOSING_WINDOW_END <= local.time() < EVENING_NIGHT_STARTS:
        return None
    return local.date() - _ONE_DAY


def checkin_open(night: date, now: datetime, tz: ZoneInfo | str) -> bool:
    """Whether ``night``'s morning check-in (how the patient slept after its dose) can be
    filled in at ``now``: from the local midnight that ends the night's calendar date, the
    morning after the dose, for both dosing times (as checkin_night reads it). Before, the
    check-in for tonight was offered and saved in the evening, before the sleep it asks
    about: "last night's" sleep typed then went under tonight (found by QA)."""
    _check_aware(now)
    return night < now.astimezone(as_zone(tz)).date()


def last_night_of_record(tonight: date, *newest: date | None) -> date:
    """The last night a range of the patient's record may reach (a report, an export, their
    defaults): tonight, or the newest night of record when that is later: ``newest`` are the
    newest night logged and, where the range shows urgent reports, the newest report's night
    (None: none). A night logged or reported in a zone further east is one night or more
    after tonight in the zone the patient has since moved west to, for up to a day
    (Kiritimati to Pago Pago); it is on record, so no range that asks for it leaves it out,
    and nothing after all of them is ever in one. The visit report and the exports followed
    the newest night logged only, and left out a report made on a later night."""
    return max([tonight, *(night for night in newest if night is not None)])


def night_window(night: date, tz: ZoneInfo | str, dosing_time: str) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` that belong to ``night``.

    Evening: local noon on ``night`` to local noon the next day; morning: local midnight to
    the next midnight. The bounds are computed on local wall times and then converted, so a
    window is 23 or 25 hours long (23.5 or 24.5 on Lord Howe Island) across a DST change,
    and consecutive windows always meet: the end of one night is the start of the next.
    A boundary that falls in a DST gap (e.g. midnight in zones that jump 00:00 -> 01:00)
    is the instant of the jump.
    """
    _check_dosing_time(dosing_time)
    zone = as_zone(tz)
    starts = _night_starts(dosing_time)
    start = _first_instant_at_or_after(datetime.combine(night, starts), zone)
    end = _first_instant_at_or_after(datetime.combine(night + _ONE_DAY, starts), zone)
    return start, end


def moment_on_night(
    night: date, local_time: time, tz: ZoneInfo | str, dosing_time: str
) -> datetime:
    """The UTC instant at which the patient's clock shows ``local_time`` during ``night``.

    Evening dosing: times before noon are on the next calendar day (01:30 on Monday's night
    is Tuesday 01:30); morning dosing: the night's own date. Used by the reminder scheduler
    ("evening reminder at 21:00 on night N"), so DST is resolved exactly, by the module rule:

    - clocks going back (the time occurs twice): the first occurrence;
    - clocks going forward (the time is skipped): the instant of the jump, so 02:30 on the US
      spring-forward day is 03:00 EDT. Every reminder whose time was skipped fires as soon
      as the clock has passed it, and a later wall time never maps to an earlier instant.
    """
    if local_time.tzinfo is not None:
        raise ValueError("local_time must be a naive wall-clock time; pass the zone as tz.")
    _check_dosing_time(dosing_time)
    zone = as_zone(tz)
    day = night
    if dosing_time == EVENING and local_time < EVENING_NIGHT_STARTS:
        day = night + _ONE_DAY
    return _first_instant_at_or_after(datetime.combine(day, local_time), zone)


def dosing_window_end(
    night: date,
    tz: ZoneInfo | str,
    dosing_time: str,
    morning_end: time = MORNING_DOSING_WINDOW_END,
) -> datetime:
    """The UTC instant after which a dose for ``night`` is no longer "taken now".

    Evening dosing: the end of the usual window (03:00 after the evening). Morning dosing:
    ``morning_end`` on the night's own date (14:00 local by default), so a morning dose
    logged in the evening asks "when did you take it?" instead of storing the time now.
    """
    if dosing_time == EVENING:
        return moment_on_night(night, DOSING_WINDOW_END, tz, EVENING)
    _check_dosing_time(dosing_time)
    return moment_on_night(night, morning_end, tz, MORNING)


def is_in_dosing_window(
    moment: datetime,
    tz: ZoneInfo | str,
    start: time = DOSING_WINDOW_START,
    end: time = DOSING_WINDOW_END,
) -> bool:
    """Whether the patient's wall clock at ``moment`` is within ``[start, end]``.

    Both bounds are inclusive. When ``start`` is after ``end`` the window wraps midnight
    (the default 21:00-03:00 is the usual LDN window); otherwise it is a plain daytime
    range, which is what a morning-dosing window would be.
    """
    _check_aware(moment)
    wall = moment.astimezone(as_zone(tz)).time()
    if start <= end:
        return start <= wall <= end
    return wall >= start or wall <= end


# Etc/GMT+12 and its kind: POSIX writes the sign inverted, so Etc/GMT+12 is twelve hours
# *behind* UTC. Read as written, its name told a patient the opposite of their clock.
_POSIX_OFFSET_ZONE = re.compile(r"^(?:Etc/)?GMT([+-])(\d{1,2})$")


def zone_label(key: str) -> str:
    """A zone as people name it: "Europe/London" -> "London", "America/New_York" -> "New York",
    and a fixed-offset zone by its real offset from UTC: "Etc/GMT+12" -> "UTC−12"."""
    offset = utc_offset_label(key)
    if offset:
        return offset
    return key.rsplit("/", 1)[-1].replace("_", " ")


def utc_offset_label(key: str) -> str:
    """The real UTC offset of a POSIX fixed-offset zone ("Etc/GMT+12" -> "UTC−12",
    "Etc/GMT-14" -> "UTC+14", "Etc/GMT+0" -> "UTC"), or "" for any other zone."""
    found = _POSIX_OFFSET_ZONE.match(key)
    if found is None:
        return ""
    sign, hours = found.groups()
    if int(hours) == 0:
        return "UTC"
    return f"UTC{'−' if sign == '+' else '+'}{int(hours)}"


def zone_choice_label(key: str) -> str:
    """A zone's name in a list to choose from: its key, with the real UTC offset beside a
    fixed-offset zone whose name says the opposite ("Etc/GMT+12 (UTC−12)")."""
    offset = utc_offset_label(key)
    return f"{key} ({offset})" if offset else key


def clock_change_days(tz: ZoneInfo | str, first: date, days: int) -> tuple[date, ...]:
    """The local dates from ``first`` on (``days`` of them) on which ``tz``'s clocks change
    (daylight saving begins or ends): the nights on which the wall times a patient set can
    map to other instants, or to none (a time the clocks skip). Read from each year's
    changes, found once per zone and year (the settings page asks for a year ahead on every
    opening: a walk of 366 days each time)."""
    zone = as_zone(tz)
    if days <= 0:
        return ()
    last = first + timedelta(days=days - 1)
    if zone.key is None:  # a zone read from a file has no name to cache it by
        return _walk_clock_changes(zone, first, days)
    return tuple(
        day
        for year in range(first.year, last.year + 1)
        for day in clock_changes_in_year(zone.key, year)
        if first <= day <= last
    )


@lru_cache(maxsize=512)
def clock_changes_in_year(zone_key: str, year: int) -> tuple[date, ...]:
    """The local dates of ``year`` on which the clocks of the zone named ``zone_key`` change
    (clock_change_days): a pure function of its arguments, so found once and kept."""
    first = date(year, 1, 1)
    # 31 December 9999 has no next day to compare with: that year stops a day short.
    end = date(year + 1, 1, 1) if year < date.max.year else date.max
    return _walk_clock_changes(as_zone(zone_key), first, (end - first).days)


def _walk_clock_changes(zone: ZoneInfo, first: date, days: int) -> tuple[date, ...]:
    """clock_change_days by walking the dates one by one: each date whose midnight and next
    midnight have different offsets."""
    changes = []
    offset = datetime.combine(first, MORNING_NIGHT_STARTS, zone).utcoffset()
    for n in range(days):
        day = first + timedelta(days=n)
        following = datetime.combine(day + _ONE_DAY, MORNING_NIGHT_STARTS, zone).utcoffset()
        if following != offset:
            changes.append(day)
        offset = following
    return tuple(changes)
