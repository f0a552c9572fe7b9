"""What quiet hours do to a patient's reminders, as the reminder-settings page says it: each
warning read from the sweep's own slots (schedule.slots_for_night), with and without quiet
hours, on a typical night and on the nights the patient's clocks change."""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.utils.translation import gettext

from ldn_journal.local_dates import local_date
from patients.models import ReminderDelivery
from patients.notifications.due import morning_last_call_after, morning_window_end
from patients.rules.nights import EVENING, MORNING, as_zone, clock_change_days
from patients.rules.schedule import (
    Prefs,
    dose_reminder_time,
    in_quiet_hours,
    slots_for_night,
)
from patients.wording import mid_sentence

Kind = ReminderDelivery.Kind


def _morning_quiet_warning(
    kinds,
    lost: bool,
    swallowed: bool,
    checkin: bool,
    reminder: time,
    start: time,
    end: time,
    saved: bool,
    window_end: time,
) -> str:
    """What quiet hours do to a morning doser's reminders. The morning check-in comes at the
    morning time too (schedule.slots_for_night: with the next day's dose reminder), so quiet
    hours hold it back with the dose reminder, and drop it when they last past the noon the
    check-in closes at; the warning named the dose reminder alone (found in review). The dose
    reminder is dropped when they last until the morning dosing window ends (``window_end``,
    when the card stops offering "Taken now"); the warning said "the whole day"."""
    checkin_lost = checkin and Kind.MORNING not in kinds
    if lost:
        ends = {"end": f"{window_end:%H:%M}"}
        if checkin_lost:
            if saved:
                return (
                    gettext(
                        "Saved, but your quiet hours run from your morning time to the end of "
                        "your morning dosing window (%(end)s): no dose reminder and no morning "
                        "check-in reminder can reach you. Shorten the quiet hours to get them."
                    )
                    % ends
                )
            return (
                gettext(
                    "Your quiet hours run from your morning time to the end of your morning "
                    "dosing window (%(end)s): no dose reminder and no morning check-in "
                    "reminder can reach you. Shorten the quiet hours to get them."
                )
                % ends
            )
        if saved:
            return (
                gettext(
                    "Saved, but your quiet hours run from your morning time to the end of your "
                    "morning dosing window (%(end)s): no dose reminder can reach you. Shorten "
                    "the quiet hours to get one."
                )
                % ends
            )
        return (
            gettext(
                "Your quiet hours run from your morning time to the end of your morning dosing "
                "window (%(end)s): no dose reminder can reach you. Shorten the quiet hours to "
                "get one."
            )
            % ends
        )
    if not swallowed:
        return ""
    times = {"reminder": f"{reminder:%H:%M}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    if checkin_lost:
        return (
            gettext(
                "Your dose reminder and morning check-in at %(reminder)s are inside your quiet "
                "hours (%(start)s to %(end)s): the dose reminder waits until %(end)s, and no "
                "morning check-in reminder can reach you (the check-in closes at noon). Move "
                "your morning time or the quiet hours if you want them earlier."
            )
            % times
        )
    if checkin:
        return (
            gettext(
                "Your dose reminder and morning check-in at %(reminder)s are inside your quiet "
                "hours (%(start)s to %(end)s), so they wait until %(end)s. Move your morning "
                "time or the quiet hours if you want them earlier."
            )
            % times
        )
    return (
        gettext(
            "Your dose reminder at %(reminder)s is inside your quiet hours (%(start)s to "
            "%(end)s), so it waits until %(end)s. Move your morning time or the quiet hours "
            "if you want it earlier."
        )
        % times
    )


# The night the settings page reads a patient's reminders on: any night away from a
# daylight-saving change (the settings are wall times; the sweep applies them night by night).
TYPICAL_NIGHT = date(2026, 1, 15)


def _quiet_prefs(data) -> Prefs | None:
    """``data`` (reminder settings by field name) as the sweep's Prefs, read on
    TYPICAL_NIGHT in UTC (wall times in, wall times out); None without quiet hours."""
    if data.get("quiet_start") is None:
        return None
    return Prefs(
        tz="UTC",
        reminder_time=data["reminder_time"],
        last_call=data.get("last_call", False),
        last_call_time=data["last_call_time"],
        morning_checkin=data.get("morning_checkin", False),
        morning_time=data["morning_time"],
        quiet_start=data["quiet_start"],
        quiet_end=data["quiet_end"],
        # The sweep's (due.morning_last_call_after, from the setting), not Prefs' default.
        morning_last_call_after=morning_last_call_after(),
        morning_window_end=morning_window_end(),
    )


class Fate(NamedTuple):
    """One reminder of a night: the moment the patient's settings ask for it (no quiet
    hours), and the moment the sweep sends it with quiet hours (None: they drop it)."""

    asked: datetime
    held: datetime | None


def reminder_fates(prefs: Prefs, night: date, dosing_time: str) -> dict[str, Fate]:
    """{kind: Fate} of each reminder ``night`` has without quiet hours, in the sweep's order,
    read from the sweep's slots (schedule.slots_for_night) with and without them: the one
    place the warnings learn what quiet hours do to a reminder."""
    plain = replace(prefs, quiet_start=None, quiet_end=None)
    held = {slot.kind: slot.due_at for slot in slots_for_night(prefs, night, dosing_time)}
    return {
        slot.kind: Fate(slot.due_at, held.get(slot.kind))
        for slot in slots_for_night(plain, night, dosing_time)
    }


def _sent_kinds(prefs: Prefs, dosing_time: str) -> set[str]:
    """The kinds the sweep still sends on a typical night with quiet hours."""
    fates = reminder_fates(prefs, TYPICAL_NIGHT, dosing_time)
    return {kind for kind, fate in fates.items() if fate.held is not None}


def _dose_reminder_lost(prefs: Prefs, dosing_time: str) -> bool:
    """Whether quiet hours leave no dose reminder of ``dosing_time`` at all (they cover the
    whole evening window, or a morning dose's window from the morning time): read from the
    sweep's slots (reminder_fates). The one test behind the "whole window" warnings and
    "Saved, but"."""
    kinds = _sent_kinds(prefs, dosing_time)
    if dosing_time == MORNING:
        return Kind.EVENING not in kinds
    return not kinds & {Kind.EVENING, Kind.LAST_CALL}


def _evening_quiet_warning(prefs: Prefs, lost: bool, saved: bool) -> str:
    """What quiet hours do to an evening doser's dose reminder and last call. The time it
    waits until is the sweep's (its Fate, reminder_fates), as the last call's is: read from
    the quiet hours' end, the page said the 21:00 reminder waits until 03:30 under quiet
    hours 20:00 to 03:30 when the sweep drops it, the dosing window closing at 03:00 (found
    in review)."""
    if lost:
        if not saved:
            return gettext(
                "Your quiet hours cover the whole evening window: no evening reminder "
                "can reach you. Shorten the quiet hours to get one."
            )
        return gettext(
            "Saved, but your quiet hours cover the whole evening window: no evening "
            "reminder can reach you. Shorten the quiet hours to get one."
        )
    fate = reminder_fates(prefs, TYPICAL_NIGHT, EVENING)[Kind.EVENING]
    if fate.held == fate.asked:
        return ""
    zone = as_zone(prefs.tz)
    times = {
        "reminder": f"{fate.asked.astimezone(zone):%H:%M}",
        "start": f"{prefs.quiet_start:%H:%M}",
        "end": f"{prefs.quiet_end:%H:%M}",
    }
    if fate.held is None:
        return (
            gettext(
                "Your evening reminder at %(reminder)s is inside your quiet hours (%(start)s "
                "to %(end)s): it cannot reach you (the dosing window closes at 03:00). Move "
                "the reminder or the quiet hours if you want it."
            )
            % times
        )
    times["end"] = f"{fate.held.astimezone(zone):%H:%M}"
    return (
        gettext(
            "Your evening reminder at %(reminder)s is inside your quiet hours (%(start)s "
            "to %(end)s), so it waits until %(end)s. Move the reminder or the quiet hours "
            "if you want it earlier."
        )
        % times
    )


def _last_call_warning(prefs: Prefs) -> str:
    """What quiet hours do to an evening doser's last call on a typical night (its Fate,
    reminder_fates, as every warning here reads it): held back until
    they end, or dropped when that is past the dosing window. Berlin, quiet 22:00 to 02:30:
    the 23:30 last call waited until 02:30 every night and the page said so only of the
    night the clocks change (found in QA)."""
    times = _last_call_times(prefs, EVENING)
    if times is None:
        return ""
    if "until" not in times:
        return (
            gettext(
                "Your last call at %(time)s is inside your quiet hours (%(start)s to "
                "%(end)s): it cannot reach you (the dosing window closes at 03:00). Move the "
                "last call or the quiet hours if you want it."
            )
            % times
        )
    times["end"] = times["until"]
    return (
        gettext(
            "Your last call at %(time)s is inside your quiet hours (%(start)s to %(end)s), "
            "so it waits until %(end)s. Move the last call or the quiet hours if you want it "
            "earlier."
        )
        % times
    )


def _last_call_times(prefs: Prefs, dosing_time: str) -> dict | None:
    """The last call's wall times on a typical night of ``dosing_time`` when quiet hours
    hold or drop it (its Fate, reminder_fates): asked (``time``), the quiet hours (``start``,
    ``end``) and, when held, the moment it is sent (``until``); None when it is off or
    untouched. Read by the evening and the morning warning alike."""
    if not prefs.last_call:
        return None
    fate = reminder_fates(prefs, TYPICAL_NIGHT, dosing_time).get(Kind.LAST_CALL)
    if fate is None or fate.held == fate.asked:
        return None
    zone = as_zone(prefs.tz)
    times = {
        "time": f"{fate.asked.astimezone(zone):%H:%M}",
        "start": f"{prefs.quiet_start:%H:%M}",
        "end": f"{prefs.quiet_end:%H:%M}",
    }
    if fate.held is not None:
        times["until"] = f"{fate.held.astimezone(zone):%H:%M}"
    return times


def _morning_last_call_warning(prefs: Prefs) -> str:
    """What quiet hours do to a morning doser's last call (sent a set time after the dose
    reminder: schedule.slots_for_night) on a typical day, as _last_call_warning says of an
    evening doser's: held back until they end, or dropped when that is past the end of the
    morning dosing window (schedule.Prefs.morning_window_end; it said midnight, when the
    reminders expired then). An evening doser was warned about theirs; a morning doser's was
    held or dropped unsaid (found in review)."""
    times = _last_call_times(prefs, MORNING)
    if times is None:
        return ""
    if "until" not in times:
        return gettext(
            "Your last call at %(time)s is inside your quiet hours (%(start)s to "
            "%(end)s): it cannot reach you (your morning dosing window ends at "
            "%(window)s). Move your morning time or the quiet hours if you want it."
        ) % {**times, "window": f"{prefs.morning_window_end:%H:%M}"}
    return (
        gettext(
            "Your last call at %(time)s is inside your quiet hours (%(start)s to %(end)s), "
            "so it waits until %(until)s. Move your morning time or the quiet hours if you "
            "want it earlier."
        )
        % times
    )


def _held_together_warning(prefs: Prefs) -> str:
    """Both the evening reminder and the last call held back by quiet hours to one moment,
    said once, read from their Fates (reminder_fates); "" otherwise. Quiet 20:00 to 02:30
    held the 21:00 reminder and the 23:30 last call to 02:30, and the page said "... waits
    until 02:30" twice (found in QA)."""
    if not prefs.last_call:
        return ""
    fates = reminder_fates(prefs, TYPICAL_NIGHT, EVENING)
    kinds = (Kind.EVENING, Kind.LAST_CALL)
    if not all(
        kind in fates and fates[kind].held not in (None, fates[kind].asked) for kind in kinds
    ):
        return ""
    evening, last_call = fates[Kind.EVENING], fates[Kind.LAST_CALL]
    if evening.held != last_call.held:
        return ""
    zone = as_zone(prefs.tz)
    return gettext(
        "Your evening reminder at %(reminder)s and your last call at %(time)s are inside "
        "your quiet hours (%(start)s to %(end)s), so they both wait until %(until)s. Move "
        "them or the quiet hours if you want them earlier."
    ) % {
        "reminder": f"{evening.asked.astimezone(zone):%H:%M}",
        "time": f"{last_call.asked.astimezone(zone):%H:%M}",
        "start": f"{prefs.quiet_start:%H:%M}",
        "end": f"{prefs.quiet_end:%H:%M}",
        "until": f"{evening.held.astimezone(zone):%H:%M}",
    }


def _morning_after_fates(prefs: Prefs) -> dict[str, Fate]:
    """An evening doser's reminders the morning after a typical night, by kind (the morning
    check-in when asked for, and the missed-dose follow-up, sent at the morning time when
    nothing was logged), as the sweep schedules them (reminder_fates)."""
    fates = reminder_fates(prefs, TYPICAL_NIGHT, EVENING)
    return {kind: fate for kind, fate in fates.items() if kind in (Kind.MORNING, Kind.MISSED)}


def _morning_after_warnings(prefs: Prefs) -> list[str]:
    """What quiet hours do to an evening doser's reminders the morning after the night: the
    check-in and the missed-dose follow-up, held back until they end or dropped when they
    last past the noon both close at. Only the dose reminder was warned about, then the
    check-in but not the follow-up (sent also with the check-in off; found in review); a
    morning doser's come with their dose reminder and are said with it."""
    fates = _morning_after_fates(prefs)
    # Each kind the quiet hours change: None when dropped, else the moment they hold it to.
    changed = {kind: fate.held for kind, fate in fates.items() if fate.held != fate.asked}
    if not changed:
        return []
    zone = as_zone(prefs.tz)
    times = {
        "reminder": f"{next(iter(fates.values())).asked.astimezone(zone):%H:%M}",
        "start": f"{prefs.quiet_start:%H:%M}",
        "end": f"{prefs.quiet_end:%H:%M}",
    }
    held = set(changed.values())
    if len(changed) == 2 and len(held) == 1:  # both the same way: said once
        if None in held:
            text = gettext(
                "Your morning check-in reminder at %(reminder)s, or the reminder to log last "
                "night's dose when nothing was logged, is inside your quiet hours (%(start)s "
                "to %(end)s): neither can reach you (both are sent only until noon). Move "
                "your morning check-in time or the quiet hours if you want them."
            )
        else:
            text = gettext(
                "Your morning check-in reminder at %(reminder)s, or the reminder to log last "
                "night's dose when nothing was logged, is inside your quiet hours (%(start)s "
                "to %(end)s), so it waits until %(end)s. Move your morning check-in time or "
                "the quiet hours if you want it earlier."
            )
        return [text % times]
    return [_morning_after_text(kind, changed[kind] is None) % times for kind in changed]


def _morning_after_text(kind: str, dropped: bool) -> str:
    """The warning about one of an evening doser's morning-after reminders on its own."""
    if kind == Kind.MORNING and dropped:
        return gettext(
            "Your morning check-in reminder at %(reminder)s is inside your quiet hours "
            "(%(start)s to %(end)s): no morning check-in reminder can reach you (the "
            "check-in closes at noon). Move your morning check-in time or the quiet "
            "hours if you want one."
        )
    if kind == Kind.MORNING:
        return gettext(
            "Your morning check-in reminder at %(reminder)s is inside your quiet hours "
            "(%(start)s to %(end)s), so it waits until %(end)s. Move your morning check-in "
            "time or the quiet hours if you want it earlier."
        )
    if dropped:
        return gettext(
            "Your reminder to log last night's dose, sent at %(reminder)s when nothing was "
            "logged, is inside your quiet hours (%(start)s to %(end)s): it cannot reach you "
            "(it is sent only until noon). Move your morning check-in time or the quiet hours "
            "if you want it."
        )
    return gettext(
        "Your reminder to log last night's dose, sent at %(reminder)s when nothing was "
        "logged, is inside your quiet hours (%(start)s to %(end)s), so it waits until "
        "%(end)s. Move your morning check-in time or the quiet hours if you want it earlier."
    )


# How far ahead the page looks for the patient's clock changes (a year: both of them).
CLOCK_CHANGE_LOOKAHEAD_DAYS = 366


def _wall_fates(prefs: Prefs, night: date, dosing_time: str) -> dict:
    """{kind: (asked, held)} of ``night``'s reminders as wall times (reminder_fates; held is
    None when quiet hours drop it)."""
    zone = as_zone(prefs.tz)
    return {
        kind: (
            fate.asked.astimezone(zone).time(),
            None if fate.held is None else fate.held.astimezone(zone).time(),
        )
        for kind, fate in reminder_fates(prefs, night, dosing_time).items()
    }


def _reminder_named(kind: str, dosing_time: str) -> str:
    """A reminder of ``kind`` named in a sentence ("your evening reminder")."""
    if kind == Kind.EVENING and dosing_time == MORNING:
        return gettext("your dose reminder")
    if kind == Kind.EVENING:
        return gettext("your evening reminder")
    if kind == Kind.LAST_CALL:
        return gettext("your last call")
    if kind == Kind.MORNING:
        return gettext("your morning check-in reminder")
    return gettext("your reminder to log a missed dose")


def _clock_change_night(night: date, day: date, dosing_time: str, what: str) -> str:
    """The clock-change line for ``night`` (a dose night whose reminders the change on
    ``day`` moves or drops), named by that night: the evening reminder the skipped hour
    drops is Saturday night's, held from 21:00 until 02:30 early on Sunday; the line said
    "On Sunday" and a patient read it as Sunday evening's (found in QA)."""
    names = {
        "night": local_date(night, "long_day"),
        "day": local_date(day, "long_day"),
        "what": what,
    }
    if dosing_time == MORNING and night < day:
        # A morning doser's night is a day: its follow-up comes the morning after.
        return (
            gettext("For your dose of %(night)s (the clocks change early on %(day)s): %(what)s.")
            % names
        )
    if dosing_time == MORNING:
        return gettext("On %(day)s, when the clocks change: %(what)s.") % names
    if night < day:
        return (
            gettext("On the night of %(night)s (the clocks change early on %(day)s): %(what)s.")
            % names
        )
    return gettext("On the night of %(night)s, when the clocks change: %(what)s.") % names


def _clock_change_warnings(
    prefs: Prefs, tz: str, first: date, last: date, dosing_time_on: Callable[[date], str]
):
    """What quiet hours do on the nights from ``first`` to ``last`` that ``tz``'s clocks
    change in (the night before a change early in the morning, and the night of the day it
    changes) where it is not what the other warnings say of every night (read on
    TYPICAL_NIGHT): on a spring-forward night, quiet hours ending at 02:30, a time the
    clocks skip, end at 03:00, when the dosing window closes, so the sweep drops the evening
    reminder the page said waits until 02:30. Asked of the sweep's own slots on those
    nights, nothing re-derived; each night whose reminders change is said with its own date
    (_clock_change_night), judged under the dosing time it has (``dosing_time_on``, the
    plan's): the last evening night before a switch to mornings that starts on a
    clock-change day was looked at by neither side of the switch, and its dropped reminders
    went unsaid."""
    usual = {}  # by dosing time: the typical night's reminders
    here = replace(prefs, tz=tz)
    warnings = []
    days = max((last - first).days + 1, 0)
    # A change early on the day after ``last`` moves ``last``'s own night's reminders.
    for day in clock_change_days(tz, first, min(days + 1, CLOCK_CHANGE_LOOKAHEAD_DAYS + 1)):
        for night in (day - timedelta(days=1), day):
            if not first <= night <= last:
                continue  # a night already past (its day is tonight's), or not this range's
            dosing_time = dosing_time_on(night)
            if dosing_time not in usual:
                usual[dosing_time] = _wall_fates(prefs, TYPICAL_NIGHT, dosing_time)
            differ = {}
            for kind, (asked, held) in _wall_fates(here, night, dosing_time).items():
                if kind not in usual[dosing_time]:
                    continue
                usual_asked, usual_held = usual[dosing_time][kind]
                quiet_hours_act = usual_held != usual_asked or held != asked
                if quiet_hours_act and held != usual_held:
                    differ[kind] = held
            if not differ:
                continue
            clauses = [
                gettext("%(what)s is not sent") % {"what": _reminder_named(kind, dosing_time)}
                if at is None
                else gettext("%(what)s comes at %(time)s")
                % {"what": _reminder_named(kind, dosing_time), "time": f"{at:%H:%M}"}
                for kind, at in differ.items()
            ]
            warnings.append(_clock_change_night(night, day, dosing_time, "; ".join(clauses)))
    return warnings


def _until_switch(warning: str, switch, dosing_time: str, saved: bool) -> str:
    """``warning`` (what quiet hours do under tonight's dosing time, ``dosing_time``) said
    until the last night before a signed switch (the one _after_switch words): "your last
    call cannot reach you" was said as if for good, beside "From <day>, when your plan
    changes ..." (found in review). ``saved``: the page right after the save that left no
    dose reminder ("Saved, but until ...")."""
    day = local_date(switch.night - timedelta(days=1), "long_day")
    if dosing_time == MORNING and saved:
        text = gettext("Saved, but until %(day)s, while your plan has morning dosing: %(warning)s")
    elif dosing_time == MORNING:
        text = gettext("Until %(day)s, while your plan has morning dosing: %(warning)s")
    elif saved:
        text = gettext(
            "Saved, but until the night of %(day)s, while your plan has evening dosing: %(warning)s"
        )
    else:
        text = gettext(
            "Until the night of %(day)s, while your plan has evening dosing: %(warning)s"
        )
    return text % {"day": day, "warning": mid_sentence(warning)}


def _after_switch(warning: str, switch) -> str:
    """``warning`` (what quiet hours do under the dosing time a signed switch brings) said
    from the switch's first night on."""
    day = local_date(switch.night, "long_day")
    if switch.position.dosing_time == MORNING:
        text = gettext("From %(day)s, when your plan changes to morning dosing: %(warning)s")
    else:
        text = gettext("From %(day)s, when your plan changes to evening dosing: %(warning)s")
    # "...: your dose reminder" in English and Spanish (German keeps its noun capitalised).
    return text % {"day": day, "warning": mid_sentence(warning)}


def settings_of(patient) -> dict:
    """A patient's reminder settings (as they are on the instance) by field name."""
    return {
        "reminder_time": patient.reminder_time,
        "last_call": patient.last_call,
        "last_call_time": patient.last_call_time,
        "morning_checkin": patient.morning_checkin,
        "morning_time": patient.morning_time,
        "quiet_start": patient.quiet_start,
        "quiet_end": patient.quiet_end,
    }


def quiet_warnings(data, dosing_time: str = EVENING, saved: bool = False) -> list[str]:
    """What quiet hours do to the dose reminder of ``dosing_time`` (the plan's: a
    morning doser was warned about the evening reminders the page says they do not
    get, and not about the morning one quiet hours delay; found in review), and to an
    evening doser's morning check-in and missed-dose follow-up: each its own warning.
    ``data``: reminder settings by field name (settings_of). ``saved``: said on the page
    right after the save that left no dose reminder ("Saved, but ..."); otherwise the
    warning says how things stand."""
    prefs = _quiet_prefs(data)
    if prefs is None:
        return []
    start, end = prefs.quiet_start, prefs.quiet_end
    kinds = _sent_kinds(prefs, dosing_time)
    lost = _dose_reminder_lost(prefs, dosing_time)
    # A stale time (a morning time after the window, an evening one after 03:00) is read as
    # the sweep reads it.
    reminder = dose_reminder_time(prefs, dosing_time, prefs.morning_window_end)
    swallowed = in_quiet_hours(reminder, start, end)
    if dosing_time == MORNING:
        warnings = [
            _morning_quiet_warning(
                kinds,
                lost,
                swallowed,
                prefs.morning_checkin,
                reminder,
                start,
                end,
                saved,
                prefs.morning_window_end,
            )
        ]
        if not lost:  # else the whole dosing window is said to be covered
            warnings.append(_morning_last_call_warning(prefs))
    else:
        together = "" if lost else _held_together_warning(prefs)
        if together:
            warnings = [together]
        else:
            warnings = [_evening_quiet_warning(prefs, lost, saved)]
            if not lost:  # else the whole evening window is said to be covered
                warnings.append(_last_call_warning(prefs))
        warnings += _morning_after_warnings(prefs)
    return [warning for warning in warnings if warning]


def dose_reminder_lost(data, dosing_time: str = EVENING) -> bool:
    """Whether the reminder settings ``data`` (settings_of) leave no dose reminder of
    ``dosing_time``: the settings view asks before and after a save, so "Saved, but" is
    said only by the save that did it."""
    prefs = _quiet_prefs(data)
    return prefs is not None and _dose_reminder_lost(prefs, dosing_time)


def warnings_for(
    data,
    tz: str,
    dosing_time: str = EVENING,
    switch=None,
    *,
    saved=False,
    tonight=None,
    dosing_time_on: Callable[[date], str] | None = None,
) -> list[str]:
    """The warnings for settings already saved (``data``, settings_of; ``tz``, the
    patient's zone), shown whenever the page is opened, each its own item (run together,
    two or three read as one paragraph of some 90 words on a phone): how things stand
    ("Your quiet hours cover ..."), as long as they do.
    ``saved``: this is the page right after the save that left no dose reminder, which
    says "Saved, but ..." instead of the confirmation; it said so on every opening of
    the page, after saves that changed nothing and with no save at all.
    ``switch``: the plan's next switch between evening and morning dosing
    (PlanView.next_dosing_time_switch), whose dosing time quiet hours are also checked
    against: a signed switch to mornings with quiet hours over the morning time went
    unwarned until the day it began (found in review).
    ``tonight``: the patient's night; the clock changes of the year from it are looked
    at in their zone (none without it), each night under the dosing time it has:
    ``dosing_time_on`` (the plan's, PlanView.dosing_time_on); without it, ``dosing_time``
    until the switch and the switch's from it."""
    prefs = _quiet_prefs(data)
    if dosing_time_on is None:

        def dosing_time_on(night: date) -> str:
            if switch is not None and night >= switch.night:
                return switch.position.dosing_time
            return dosing_time

    end = until = None
    if tonight is not None:
        end = until = tonight + timedelta(days=CLOCK_CHANGE_LOOKAHEAD_DAYS - 1)
        if switch is not None:
            until = switch.night - timedelta(days=1)
    if switch is None:
        warnings = quiet_warnings(data, dosing_time, saved=saved)
    else:
        # Said as standing until the switch; "Saved, but" (only ever the first warning, the
        # one saying no dose reminder is left) leads its sentence.
        saved = saved and dose_reminder_lost(data, dosing_time)
        warnings = [
            _until_switch(warning, switch, dosing_time, saved=saved and not n)
            for n, warning in enumerate(quiet_warnings(data, dosing_time))
        ]
    if prefs is not None and tonight is not None:
        warnings += _clock_change_warnings(prefs, tz, tonight, until, dosing_time_on)
    if switch is not None:
        after = switch.position.dosing_time
        warnings += [_after_switch(warning, switch) for warning in quiet_warnings(data, after)]
        if tonight is not None and prefs is not None:
            # A clock-change line names its own night: not said "From <the switch's
            # day>, when your plan changes ...: on the night of ..." (two dates, two
            # colons; found by QA).
            warnings += _clock_change_warnings(prefs, tz, switch.night, end, dosing_time_on)
    return warnings
