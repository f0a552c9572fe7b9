"""The prescribed dose and titration step for a plan and a night, and plan step validation.

Pure: plain frozen dataclasses in, plain values out, no database and no clock. Everything that
shows or checks "tonight's dose" (journal home, reminders, flags) asks :func:`prescribed_dose`
so that there is one copy of the step arithmetic.

A plan is a list of saved versions. A version governs the nights from its ``effective_night``
until the next version takes over, so saving a new version never rewrites what was prescribed
on earlier nights. Within a version, step ``i`` begins on ``start_date`` plus the lengths of
the steps before it; a hold masks nights without moving that calendar (to resume at a chosen
step after a hold, the clinician saves a new version with a new ``start_date``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cached_property
from itertools import pairwise

from patients.rules import nights
from patients.rules.nights import DOSING_TIMES, EVENING, MORNING
from patients.rules.wording import Phrase, decimal_text, gettext_noop

# The state of a plan on one night: the only place these are decided is current_step.
ACTIVE = "active"
ON_HOLD = "on_hold"
ENDED = "ended"
NOT_STARTED = "not_started"
NO_PLAN = "no_plan"

CAPSULE = "capsule"
LIQUID = "liquid"
OTHER = "other"
FORMULATIONS = (CAPSULE, LIQUID, OTHER)

MAX_STEPS = 52  # a year of weekly steps is already far slower than any LDN titration
MIN_STEP_DAYS = 1
MAX_STEP_DAYS = 365

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Step:
    """One titration step: a dose for a number of nights (``None`` = open-ended)."""

    dose_mg: Decimal
    days: int | None  # None = open-ended; only the last step may be open-ended

    def __post_init__(self) -> None:
        # A float dose would carry binary noise (0.1 + 0.2) into comparisons with what the
        # patient logged; refuse it at the door rather than round somewhere downstream.
        if not isinstance(self.dose_mg, Decimal):
            raise TypeError(f"dose_mg must be a Decimal, not {type(self.dose_mg).__name__}.")
        if self.days is not None and (
            isinstance(self.days, bool) or not isinstance(self.days, int)
        ):
            raise TypeError(f"days must be an int or None, not {type(self.days).__name__}.")


@dataclass(frozen=True)
class PlainVersion:
    """A plain snapshot of one saved version of a patient's titration plan (the database
    row is ``prescriptions.models.PlanVersion``; ``PlanVersion.as_plain()`` makes this).

    Only structural invariants are enforced here (they make positions computable); whether
    the doses and lengths are clinically acceptable is :func:`step_problems`' job, which
    gives the clinician a readable message before anything is saved.
    """

    number: int  # 1, 2, 3 ... increasing within a prescription
    effective_night: date  # first night this version governs
    start_date: date  # night on which steps[0] begins (may be after effective_night)
    steps: tuple[Step, ...]
    dosing_time: str = EVENING  # or "morning"
    hold_from: date | None = None  # nights hold_from..hold_until (inclusive) are on hold
    hold_until: date | None = None  # None with hold_from set = open-ended hold
    # An ending: the prescription has ended from effective_night on. Nights before it keep
    # the versions that governed them, so ending never changes how an earlier night is judged.
    ends: bool = False
    # Which of the patient's prescriptions this version belongs to (0 = the first): a new
    # prescription after an ended one governs from its own first night, the old one before.
    prescription_index: int = 0
    # The plan's steps (as the clinician chose it) before steps[0]: a restart at step 2
    # keeps steps 2, 3, ... and a hold or a switch carrying them on keeps their numbers.
    steps_before: int = 0
    # A restart after a hold (its steps are the held plan's from the step chosen on): what
    # a restart signed again chooses among is the plan before it (restart_choices).
    restarts: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.steps, tuple):
            # Keep the snapshot immutable (and hashable) even if a list was passed.
            object.__setattr__(self, "steps", tuple(self.steps))
        if not self.steps:
            raise ValueError("A plan version needs at least one step.")
        for index, step in enumerate(self.steps):
            is_last = index == len(self.steps) - 1
            if step.days is None and not is_last:
                raise ValueError(f"Step {index + 1} is open-ended but is not the last step.")
            if step.days is not None and step.days < MIN_STEP_DAYS:
                raise ValueError(f"Step {index + 1} has {step.days} days; it needs at least 1.")
        if self.dosing_time not in DOSING_TIMES:
            raise ValueError(f"Unknown dosing time {self.dosing_time!r}.")
        if self.hold_until is not None and self.hold_from is None:
            raise ValueError("hold_until needs hold_from.")

    def step_number(self, index: int) -> int:
        """The number a clinician and patient read for ``steps[index]`` (:func:`step_number`)."""
        return step_number(self.steps_before, index)

    @property
    def step_total(self) -> int:
        """How many steps the plan has, as :meth:`step_number` counts them."""
        return self.steps_before + len(self.steps)

    @cached_property
    def _schedule(self) -> tuple[tuple[date, date | None, Step], ...]:
        # step_schedule's answer, worked out once per version: a chart or a report asks it
        # for every night of a year (the value is immutable, so the answer cannot go stale).
        schedule: list[tuple[date, date | None, Step]] = []
        first = self.start_date
        for index, step in enumerate(self.steps):
            if step.days is None or index == len(self.steps) - 1:
                schedule.append((first, None, step))
                break
            last = first + timedelta(days=step.days - 1)
            schedule.append((first, last, step))
            first = last + timedelta(days=1)
        return tuple(schedule)


def step_number(steps_before: int, index: int) -> int:
    """THE number a clinician and patient read for a version's ``steps[index]`` ("Step 2 of
    3"), given its ``steps_before``: the step's place in the plan as the clinician chose it,
    not in the version's own steps. A restart at step 2 of 2 keeps one step (the steps
    before it are dropped), and every page said "Step 1" of it (found by exploratory QA)."""
    return steps_before + index + 1


@dataclass(frozen=True)
class PlanPosition:
    """Where a patient stands in their plan on one night."""

    status: str  # "active", "on_hold", "ended", "not_started" (before start_date), "no_plan"
    night: date
    dose_mg: Decimal | None  # None unless active
    step_index: int | None  # 0-based, into the steps of the version in effect
    step_count: int  # the steps of the version in effect
    day_in_step: int | None  # 1-based
    # First night of the next step (None for open-ended/last); with "not_started", of the
    # first step; with "ended", of a later prescription's steps (None when none is signed).
    next_step_night: date | None
    next_dose_mg: Decimal | None
    version_number: int | None
    dosing_time: str
    # The hold's own last night, as the version in effect has it. Until when the plan is on
    # hold is hold_last_night's answer (PlanView.held_until, NextChange.hold_until): a
    # restart is a later version, and a later version never changes an earlier position.
    hold_until: date | None
    volume_ml: Decimal | None = None  # a liquid's volume for dose_mg (None for solids)
    ended_on: date | None = None  # with status "ended": the first night without the plan
    # What every page shows as "Step x of y": the plan as the clinician chose it
    # (PlainVersion.step_number and step_total); step_index/step_count index the version.
    step_number: int | None = None
    step_total: int = 0


def version_in_effect(versions: Sequence[PlainVersion], night: date) -> PlainVersion | None:
    """The version governing ``night``: the highest number whose effective_night <= night
    (of the newest prescription that has one).

    Highest *number*, not latest effective_night: a correction saved later wins even if it
    is effective from an earlier night, while nights before a change keep the version that
    was in effect then.
    """
    # One pass, no list or key function: a year's chart and report ask this for every night.
    found = None
    for version in versions:
        if version.effective_night <= night and (
            found is None
            or (version.prescription_index, version.number)
            > (found.prescription_index, found.number)
        ):
            found = version
    return found


def _is_on_hold(version: PlainVersion, night: date) -> bool:
    if version.hold_from is None or night < version.hold_from:
        return False
    return version.hold_until is None or night <= version.hold_until


def hold_last_night(versions: Sequence[PlainVersion], night: date) -> date | None:
    """The last night of the hold running on ``night``: the night before the plan first
    asks something other than a hold, whichever version says so; None when nothing after
    it does (an open-ended hold with no restart signed). The one answer to "until when is
    the plan on hold", read by every surface (PlanView.held_until, NextChange.hold_until).

    Not the hold's own ``hold_until``: a signed restart is a new version with no hold, so the
    version in effect still said "open-ended" and My plan told the patient to wait for a
    restart that was already signed for a later night (found by exploratory testing). The
    state only changes on a version's first night or a hold's edge, so those are the nights
    looked at, as :func:`next_change` looks at them."""
    boundaries = sorted(
        {
            boundary
            for version in versions
            for boundary in (
                version.effective_night,
                version.hold_from,
                version.hold_until + timedelta(days=1) if version.hold_until else None,
            )
            if boundary is not None and boundary > night
        }
    )
    for boundary in boundaries:
        if status_on(versions, boundary) != ON_HOLD:
            return boundary - timedelta(days=1)
    return None


def current_step(
    versions: Sequence[PlainVersion],
    night: date,
    concentration_mg_per_ml: Decimal | None = None,
) -> PlanPosition:
    """The patient's position in their plan on ``night``: the one answer to "what state and
    dose does the plan have on this night", read by every surface through plans.PlanView.

    An ending wins over everything from its night on (the prescription is over). A hold wins
    over the rest (naltrexone must be stopped before opioid use, so no dose may be shown or
    reminded while on hold, even before the plan starts). After the last step of a plan
    whose last step has a length, that step's dose carries on: the app never stops a
    medication by itself; a clinician ends it by saving a new version or ending the
    prescription. ``day_in_step`` then keeps counting past the step's length.

    An ended position names the night a later prescription's steps begin, if one is signed
    (``next_step_night``): the one field a later version sets, never the state or dose.
    """
    version = version_in_effect(versions, night)
    status = _status(version, night)
    if status == NO_PLAN:
        return PlanPosition(
            status=NO_PLAN,
            night=night,
            dose_mg=None,
            step_index=None,
            step_count=0,
            day_in_step=None,
            next_step_night=None,
            next_dose_mg=None,
            version_number=None,
            dosing_time=EVENING,
            hold_until=None,
        )
    common = {
        "night": night,
        "step_count": len(version.steps),
        "step_total": plan_step_total(versions, version, night),
        "version_number": version.number,
        "dosing_time": version.dosing_time,
    }
    if status == ENDED:
        begins = _steps_begin_after_ending(versions, version, night)
        return PlanPosition(
            status=ENDED,
            dose_mg=None,
            step_index=None,
            day_in_step=None,
            next_step_night=begins[0] if begins else None,
            next_dose_mg=begins[1] if begins else None,
            hold_until=None,
            ended_on=version.effective_night,
            **common,
        )
    if status == ON_HOLD:
        return PlanPosition(
            status=ON_HOLD,
            dose_mg=None,
            step_index=None,
            day_in_step=None,
            next_step_night=None,
            next_dose_mg=None,
            hold_until=version.hold_until,
            **common,
        )
    if status == NOT_STARTED:
        # "Starts on <date> at <dose>": the next step is the first one.
        return PlanPosition(
            status=NOT_STARTED,
            dose_mg=None,
            step_index=None,
            day_in_step=None,
            next_step_night=version.start_date,
            next_dose_mg=version.steps[0].dose_mg,
            hold_until=None,
            **common,
        )

    schedule = step_schedule(version)
    index = _step_index(schedule, night)
    first, _last, step = schedule[index]
    has_next = index + 1 < len(schedule)
    return PlanPosition(
        status=ACTIVE,
        dose_mg=step.dose_mg,
        volume_ml=(
            dose_volume_ml(step.dose_mg, concentration_mg_per_ml)
            if concentration_mg_per_ml
            else None
        ),
        step_index=index,
        step_number=version.step_number(index),
        day_in_step=(night - first).days + 1,
        next_step_night=schedule[index + 1][0] if has_next else None,
        next_dose_mg=schedule[index + 1][2].dose_mg if has_next else None,
        hold_until=None,
        **common,
    )


def plan_step_total(versions: Sequence[PlainVersion], version: PlainVersion, night: date) -> int:
    """THE "y" of "Step x of y" on ``night`` (``version`` governs it): how many steps the plan
    has as signed now, the newest version of its prescription (PlainVersion.step_total), not
    the version in effect. A step added or removed from a later night left every surface
    saying "Step 3 of 3" beside a steps table listing step 4 (found by QA).

    Only when the newest version goes on with the plan ``night`` is on: it has the step
    numbered as ``night``'s and begins it on the same night (a change of the steps after it,
    or of its dose or length). A new list of steps from a later night (typed, a template, a
    moved start) numbers its steps afresh; until it begins, ``night``'s plan is the one
    followed ("Step 2 of 3", not "of 1" beside a one-step list from 20 Dec)."""
    newest = version
    for other in versions:
        if other.prescription_index == version.prescription_index and other.number > newest.number:
            newest = other
    if newest is version or night < version.start_date:
        return version.step_total
    schedule = step_schedule(version)
    here = _step_index(schedule, night)
    # The same step in the newest version: by its number in the plan (steps_before).
    index = version.step_number(here) - newest.steps_before - 1
    if 0 <= index < len(newest.steps) and step_schedule(newest)[index][0] == schedule[here][0]:
        return newest.step_total
    return version.step_total


def _steps_begin_after_ending(
    versions: Sequence[PlainVersion], ending: PlainVersion, night: date
) -> tuple[date, Decimal] | None:
    """The first night after ``night`` (ended under ``ending``) on which a later
    prescription's plan asks for a dose, and that dose; None when no later prescription is
    signed. Between an ended prescription and a new one whose steps begin later, the tonight
    card and My plan said nothing and the plan panel and list said "No plan" (found by QA):
    they now all read this from the position. A later prescription is never in effect yet
    here (it would govern ``night``); the state only changes on an edge (:func:`_edges`)."""
    if not any(v.prescription_index > ending.prescription_index for v in versions):
        return None
    for edge in sorted({edge for edge in _edges(versions) if edge > night}):
        dose = prescribed_dose(versions, edge)
        if dose is not None:
            return edge, dose
    return None


@dataclass(frozen=True)
class NextChange:
    """The first night after a given one on which the plan asks something else of the
    patient, and what it asks then."""

    night: date
    position: PlanPosition
    dosing_time_changes: bool  # the switch between evening and morning dosing
    hold_until: date | None = None  # a hold from then on: its last night (hold_last_night)
    # On hold before and after: only the dosing time changes (a switch signed to begin
    # inside a hold; holds back to back ask the same, so they are no change). Not a hold
    # beginning then: the pages said "on hold from 12 Dec" of a hold that began on 10 Dec,
    # beside the steps' "On hold 10-15 Dec", and never named the switch.
    still_on_hold: bool = False


def _key(position: PlanPosition) -> tuple:
    return (position.status, position.dose_mg, position.dosing_time)


def next_change(
    versions: Sequence[PlainVersion],
    night: date,
    concentration_mg_per_ml: Decimal | None = None,
) -> NextChange | None:
    """The next night whose state, dose or dosing time differs from ``night``'s: a step, a
    hold or its end, a switch between evening and morning dosing, an ending or a new
    version's first night, whichever comes first; None when nothing is scheduled. The one
    answer to "what is the next change?" (it read only the next step of the version in
    effect, so a scheduled hold or switch was shown as "no change planned")."""
    here = current_step(versions, night, concentration_mg_per_ml)
    candidates = {
        boundary
        for version in versions
        for boundary in (
            version.effective_night,
            version.start_date,
            version.hold_from,
            version.hold_until + timedelta(days=1) if version.hold_until else None,
        )
        if boundary is not None and boundary > night
    }
    if here.next_step_night is not None and here.next_step_night > night:
        candidates.add(here.next_step_night)
    while candidates:
        candidate = min(candidates)
        candidates.discard(candidate)
        position = current_step(versions, candidate, concentration_mg_per_ml)
        if _key(position) != _key(here):
            return NextChange(
                candidate,
                position,
                position.dosing_time != here.dosing_time,
                hold_last_night(versions, candidate) if position.status == ON_HOLD else None,
                position.status == ON_HOLD and here.status == ON_HOLD,
            )
        # The same as tonight (a new version that changes nothing yet): its own next step.
        if position.next_step_night is not None and position.next_step_night > candidate:
            candidates.add(position.next_step_night)
    return None


def _asks(position: PlanPosition) -> tuple:
    """What a night asks of the patient, as :func:`changes_nothing` compares it: the state,
    dose and dosing time, the first night of the step it falls in (not the step's number:
    the boundaries compared include every step's first night, so its last night is compared
    too), and the hold's last night or the ending's first."""
    step_began = (
        position.night - timedelta(days=position.day_in_step - 1)
        if position.day_in_step is not None
        else None
    )
    return (
        position.status,
        position.dose_mg,
        position.dosing_time,
        step_began,
        position.hold_until,
        position.ended_on,
    )


def _edges(versions: Sequence[PlainVersion]) -> Iterator[date]:
    """The nights on which what the plan asks may change: each version's first night and
    start, a hold's first night and the night after its last, each step's first night.
    Every night between two of them asks what the first of them asks."""
    for version in versions:
        yield version.effective_night
        yield version.start_date
        if version.hold_from is not None:
            yield version.hold_from
        if version.hold_until is not None:
            yield version.hold_until + timedelta(days=1)
        for first, _last, _step in step_schedule(version):
            yield first


def last_edge(versions: Sequence[PlainVersion]) -> date:
    """The last night on which what ``versions`` ask may change (_edges): every night after
    it asks what it asks, so a check of the nights from a change on is complete once it has
    judged this one (safety.increase_warnings)."""
    return max(_edges(versions))


def changes_nothing(versions: Sequence[PlainVersion], proposed: PlainVersion) -> bool:
    """Whether saving ``proposed`` as the newest version would leave every night from its
    effective night as ``versions`` already have it: the same state, dose and dosing time,
    each step on the same nights, the same hold and ending.

    Compared as the plan applies it, not as typed (1.5 and 1.50 mg are one dose). A signed
    "change" that changes nothing showed the patient a change and reset the next change,
    the suggestions and the attention list (found by exploratory testing). Both plans only
    change on a boundary (a version's first night, start, step or hold edge), so comparing
    those nights compares every night.

    An open-ended hold hides the steps on every night, but they are still what a restart
    after it begins from: under one, new steps or a new start date are a change."""
    if (
        proposed.hold_from is not None
        and proposed.hold_until is None
        and versions
        and (proposed.steps, proposed.start_date) != (versions[-1].steps, versions[-1].start_date)
    ):
        return False
    start = proposed.effective_night
    both = (*versions, proposed)
    boundaries = {start} | {edge for edge in _edges(both) if edge > start}
    return all(
        _asks(current_step(versions, night)) == _asks(current_step(both, night))
        for night in sorted(boundaries)
    )


def _step_index(schedule: Sequence[tuple[date, date | None, Step]], night: date) -> int:
    """Which step of an active version's schedule ``night`` falls in (the last step has no
    last night: it carries on)."""
    for candidate, (_first, last, _step) in enumerate(schedule):
        if last is None or night <= last:
            return candidate
    raise AssertionError("step_schedule ends with a step without a last night")


def _status(version: PlainVersion | None, night: date) -> str:
    """The plan's state on ``night`` under ``version`` (the one in effect): what
    :func:`current_step` and :func:`status_on` both answer from."""
    if version is None:
        return NO_PLAN
    if version.ends:
        # version_in_effect only returns the ending for nights from its effective night on.
        return ENDED
    if _is_on_hold(version, night):
        return ON_HOLD
    if night < version.start_date:
        return NOT_STARTED
    return ACTIVE


def status_on(versions: Sequence[PlainVersion], night: date) -> str:
    """``current_step(versions, night).status`` without building the position: a year of
    nights for adherence asks only this."""
    return _status(version_in_effect(versions, night), night)


def prescribed_dose(versions: Sequence[PlainVersion], night: date) -> Decimal | None:
    """The prescribed dose in mg on ``night``, or ``None`` unless the plan is active then:
    ``current_step(versions, night).dose_mg`` from the same helpers, without building the
    position (a chart reads a year of nights)."""
    version = version_in_effect(versions, night)
    if _status(version, night) != ACTIVE:
        return None
    schedule = version._schedule
    return schedule[_step_index(schedule, night)][2].dose_mg


def dosing_time_on(versions: Sequence[PlainVersion], night: date) -> str:
    """Evening or morning dosing on ``night``; evening (the usual LDN timing) with no plan.

    An ended plan keeps the dosing time it had, so the nights around its end (and what was
    logged on them) are read with the clock the patient was dosing by."""
    version = version_in_effect(versions, night)
    return version.dosing_time if version is not None else EVENING


def dosing_time_from(versions: Sequence[PlainVersion], night: date) -> str:
    """The dosing time a change signed from ``night`` takes: the plan's on that night
    (:func:`dosing_time_on`), or, before any version governs (a plan not begun), the one the
    plan begins on. A hold from tonight of a morning plan signed to begin on 10 Dec took the
    evening of no plan: its days before 10 Dec were evenings, and the save said a switch to
    mornings nobody signed was kept."""
    if version_in_effect(versions, night) is not None:
        return dosing_time_on(versions, night)
    later = [version.effective_night for version in versions if version.effective_night > night]
    return dosing_time_on(versions, min(later)) if later else EVENING


def counts_nights(dosing_time: str | None) -> bool:
    """Whether a step's length is said in nights: an evening doser's steps last nights; a
    morning doser's, or steps whose dosing time is not known (a template), days. The steps
    editor and the save's recheck of the steps (changes._check) both ask it."""
    return dosing_time == EVENING


def tonight(versions: Sequence[PlainVersion], tz, now: datetime) -> date:
    """The night a patient on this plan is in at ``now``: THE patient-level "tonight".

    Which night a moment belongs to depends on the dosing time, and the dosing time on the
    plan's night: the evening night decides which version's dosing time applies, except on
    the day a switch to morning dosing begins. From night N on mornings, N's calendar date
    is night N once the evening window of night N-1 has closed (03:00): the morning dose is
    due then, and the reminders say so. Before, the card held on to night N-1 until noon,
    while the morning's dose reminder was for N: a dose taken at 09:15 was filed under N-1
    and the reminder still asked for today's (found by exploratory testing)."""
    evening_night = nights.tonight(now, tz, EVENING)
    dosing_time = dosing_time_on(versions, evening_night)
    if dosing_time == EVENING:
        local = now.astimezone(nights.as_zone(tz))
        calendar_night = local.date()
        if (
            calendar_night != evening_night
            and local.time() >= nights.DOSING_WINDOW_END
            and dosing_time_on(versions, calendar_night) == MORNING
        ):
            return calendar_night
        return evening_night
    return nights.tonight(now, tz, dosing_time)


def night_window(versions: Sequence[PlainVersion], tz, night: date) -> tuple[datetime, datetime]:
    """The UTC instants ``[start, end)`` of ``night`` under the plan: THE window a time logged
    for the night must fall in, matching :func:`tonight`.

    Its dosing time's window (nights.night_window), except on the first evening night after
    a morning night: that evening's window starts where the morning night's ended (local
    midnight), not at noon. Between them lies a morning that belongs to neither dosing
    time's own window, and :func:`tonight` files a dose taken then under the first evening
    night; the dose form refused that time ("must be during this night"), so a "Taken now"
    at 09:00 on the switch day could not be corrected (found by QA). The other switch
    (evening to morning) makes the two windows overlap (midnight to noon); both accept a
    time there, and :func:`tonight` decides where a dose taken now goes."""
    dosing_time = dosing_time_on(versions, night)
    start, end = nights.night_window(night, tz, dosing_time)
    before = night - timedelta(days=1)
    if dosing_time == EVENING and dosing_time_on(versions, before) == MORNING:
        start = nights.night_window(before, tz, MORNING)[1]
    return start, end


def first_held_night(versions: Sequence[PlainVersion], night: date) -> date | None:
    """The first night from ``night`` on which the plan, as every version of it says, is on
    hold (``night`` itself while a hold runs); None when no hold is running or to come.

    The whole plan, not the newest version: once a restart is signed, the newest version
    has no hold, while the plan is still on hold until the restart (the clinician's plan
    panel offered "Hold" for a plan on hold tonight). The state changes only on a version's
    first night or a hold's first night, so those are the nights looked at."""
    boundaries = sorted(
        {night}
        | {
            boundary
            for version in versions
            for boundary in (version.effective_night, version.hold_from)
            if boundary is not None and boundary > night
        }
    )
    for boundary in boundaries:
        if status_on(versions, boundary) == ON_HOLD:
            return boundary
    return None


def hold_resumed(versions: Sequence[PlainVersion], night: date, restart: date) -> date | None:
    """The first night, from ``night`` on, of the hold a restart on ``restart`` resumes (or,
    on that hold's first night, cancels): the last hold to begin on or before ``restart``
    (``night`` itself while a hold runs then); None when no hold runs or is to come.

    Not the first hold to come: Resume read that one whichever night was chosen, so a
    restart after a later hold, or on its first night to cancel it, held every night from
    the first hold's first night (found by an audit)."""
    first = first_held_night(versions, night)
    while first is not None:
        # Hold by signed hold: of two back to back (10-12 and 13-15 Dec, one run of held
        # nights), a restart on the 14th resumes the second, not the first.
        last = _signed_hold_last_night(versions, first)
        if last is None:
            break
        later = first_held_night(versions, last + timedelta(days=1))
        if later is None or later > restart:
            break
        first = later
    return first


def resumed_hold(
    versions: Sequence[PlainVersion], night: date, restart: date
) -> tuple[date, date | None] | None:
    """The signed hold a restart on ``restart`` resumes (or, on its first night, cancels),
    from ``night`` on (:func:`hold_resumed`), as its first night and its last (None: until
    resumed, no restart signed); None when no hold runs or is to come. What the Resume page
    names: with two holds back to back it offered "Resume" and a night, and said nothing of
    which hold a restart ends."""
    first = hold_resumed(versions, night, restart)
    if first is None:
        return None
    return _signed_hold_first_night(versions, first), _signed_hold_last_night(versions, first)


def _signed_hold_first_night(versions: Sequence[PlainVersion], night: date) -> date:
    """The first night of the signed hold holding ``night`` (on hold): back from it while
    the plan was on hold, to the night its version holds from, or the first held night."""
    first = night
    while True:
        holder = version_in_effect(versions, first)
        before = first - timedelta(days=1)
        if (holder is not None and holder.hold_from == first) or status_on(
            versions, before
        ) != ON_HOLD:
            return first
        first = before


def hold_to_carry(versions: Sequence[PlainVersion], night: date) -> tuple[date, date | None] | None:
    """The hold running on ``night``, or the first one to come after it, as the whole plan
    says (a signed restart included): its first night and its last (hold_last_night; None
    while no restart is signed); None when no hold runs or is to come. What a change that
    governs from ``night`` keeps (changes: a new version wins over every older one from its
    first night, so a hold it does not carry is lifted).

    Not the newest version's own hold: once a restart is signed, the newest version is the
    restart, which has no hold, and "Change steps" or a switch of dosing time signed from
    tonight lifted the hold on every night before the restart.

    One signed hold, not the run of held nights: a hold signed to begin the night after
    another ends (20-22 and 23-25 Dec) is a hold of its own. Carried as one (20-25 Dec,
    under the first hold's words), new dates for the first hold then lifted the second, and
    during the second the card showed the first one's note."""
    first = first_held_night(versions, night)
    if first is None:
        return None
    return _signed_hold_first_night(versions, first), _signed_hold_last_night(versions, first)


def _signed_hold_last_night(versions: Sequence[PlainVersion], night: date) -> date | None:
    """The last night of the signed hold holding ``night`` (on hold): the night before
    another signed hold begins right after it (its version holds from that night: as
    changes._by_hold splits held nights), else the run's last night (hold_last_night)."""
    last = hold_last_night(versions, night)
    starts = sorted(
        {
            version.hold_from
            for version in versions
            if version.hold_from is not None
            and version.hold_from > night
            and (last is None or version.hold_from <= last)
        }
    )
    for start in starts:
        holder = version_in_effect(versions, start)
        if holder is not None and holder.hold_from == start:
            return start - timedelta(days=1)
    return last


@dataclass(frozen=True)
class Stretch:
    """A run of nights on which the plan asks one thing: one step's dose, or a hold."""

    first: date
    last: date | None  # None: it carries on (the last stretch), or a hold with no end
    status: str  # ACTIVE, ON_HOLD, NOT_STARTED or ENDED
    dose_mg: Decimal | None  # with ACTIVE only
    step_number: int | None  # PlanPosition.step_number: in the plan as chosen (ACTIVE only)
    version_number: int
    dosing_time: str
    # With ACTIVE: the step's length as signed (None: open-ended). A last stretch carries on
    # after it (the app never stops a dose by itself): "14 days, then continues".
    step_days: int | None = None
    # With ACTIVE: the night this step began at this dose (:func:`_asked_since` across a
    # switch of dosing time, which changes neither): what "night N" of the step counts from.
    # ``first`` is later when the list says each row's dosing time and a switch cut the step.
    counted_from: date | None = None

    def night_number(self, night: date) -> int:
        """Which night of its step at its dose ``night`` is (1 on ``counted_from``): "Step 3
        of 3, night 1" on the first night of a changed dose (the version's own step count
        said "night 93" beside "3 mg from 4 Dec"), and day 63, not 51, of a step begun on
        4 Oct with a switch to morning dosing on 16 Oct (found by QA)."""
        return (night - (self.counted_from or self.first)).days + 1

    @property
    def night_count(self) -> int | None:
        """How many nights the stretch runs (None: it carries on)."""
        return None if self.last is None else (self.last - self.first).days + 1


def dosing_times_differ(stretches: Sequence[Stretch]) -> bool:
    """Whether the steps of a :func:`plan_ahead` list are taken at more than one dosing time:
    then each step says when it is taken. A switch from evening to morning dosing at the same
    dose otherwise showed as two steps with one dose and nothing to tell them apart (My plan
    and the plan panel both ask this, so they show the dosing time on the same lists)."""
    return len({stretch.dosing_time for stretch in stretches if stretch.status == ACTIVE}) > 1


def plan_ahead(
    versions: Sequence[PlainVersion], night: date, *, dosing_times_said: bool = False
) -> tuple[Stretch, ...]:
    """The plan from ``night`` on as the patient will follow it, every version and hold
    taken into account: tonight's step or hold (from its own first night), each hold, each later
    step, in order. THE step list with dates: My plan and the clinician's plan panel both
    read it (PlanView.steps_ahead), so they cannot show different nights for one step.

    My plan listed the steps of one version (the one in effect, or after a running hold),
    so a hold or restart signed for a later night was ignored ("2 mg from 22 Nov to
    12 Dec" through a hold from 6 to 9 Dec), and under an open-ended hold it listed dated
    steps that no night will follow (found by QA). Under an open-ended hold nothing after
    it is dated: the restart, when signed, says when the steps begin. The state only
    changes on a version's first night, its start, a step's first night or a hold's edge,
    so those are the nights looked at, as :func:`next_change` looks at them.

    Each signed hold is a stretch of its own (:func:`_signed_hold_first_night`, as the
    Resume page and a change's carried hold read holds): two signed back to back (10-12 and
    13-15 Dec) showed as one "On hold 10-15 Dec" row, while the Resume page named "the hold
    from 13 Dec to 15 Dec" and the card the second hold's note.

    ``dosing_times_said``: every row says its dosing time (the lists do when
    :func:`dosing_times_differ`; the FHIR export always does), so tonight's row begins where
    its dosing time began, never at the step's own first night before a switch."""
    boundaries = {night} | {edge for edge in _edges(versions) if edge > night}
    stretches: list[Stretch] = []
    kept: tuple | None = None
    for boundary in sorted(boundaries):
        position = current_step(versions, boundary)
        if position.status == NO_PLAN:
            continue
        step_began = (
            boundary - timedelta(days=position.day_in_step - 1)
            if position.day_in_step is not None
            else None
        )
        hold_began = (
            _signed_hold_first_night(versions, boundary) if position.status == ON_HOLD else None
        )
        # One signed hold is one stretch whatever dosing time a switch signed inside it sets
        # (no dose is taken on it): the switch split "On hold 10-15 Dec" into 10-11 and 12-15
        # Dec from the nights before the switch, and showed one row from the nights after it.
        key = (
            (ON_HOLD, hold_began)
            if position.status == ON_HOLD
            else (position.status, position.dose_mg, position.dosing_time, step_began, None)
        )
        step_days = (
            version_in_effect(versions, boundary).steps[position.step_index].days
            if position.step_index is not None
            else None
        )
        if key == kept:
            # A later version asking the same may sign the step another length: the last
            # stretch carries on after the length its newest version gives.
            stretches[-1] = replace(stretches[-1], step_days=step_days)
            continue
        if stretches:
            stretches[-1] = replace(stretches[-1], last=boundary - timedelta(days=1))
        kept = key
        first = (
            (_asked_since(versions, boundary, step_began) if step_began else hold_began or boundary)
            if not stretches
            else boundary
        )
        stretches.append(
            Stretch(
                # Tonight's step or hold from its own first night; a later step from the
                # night it is taken up again (after a hold, the rest of a step is not all).
                first=first,
                last=None,
                status=position.status,
                dose_mg=position.dose_mg,
                step_number=position.step_number,
                version_number=position.version_number,
                # A hold's, as on its first night: its length is counted the same (nights or
                # days) whichever night the list is read from.
                dosing_time=(
                    current_step(versions, first).dosing_time
                    if position.status == ON_HOLD and first != boundary
                    else position.dosing_time
                ),
                step_days=step_days,
                counted_from=(
                    _asked_since(versions, boundary, step_began, dosing_time=False)
                    if step_began
                    else None
                ),
            )
        )
    if (
        stretches
        and stretches[0].counted_from
        and not dosing_times_said
        and not dosing_times_differ(stretches)
    ):
        # The list says no dosing time: tonight's row is the step at its dose, from the night
        # it began ("4.5 mg from 16 Oct", the night of a switch, read as the step's start).
        stretches[0] = replace(stretches[0], first=stretches[0].counted_from)
    return tuple(stretches)


def _asked_since(
    versions: Sequence[PlainVersion], night: date, step_began: date, *, dosing_time: bool = True
) -> date:
    """The first night, not before ``step_began`` (the first night of tonight's step as the
    version in effect schedules it), from which every night through ``night`` asked what
    ``night`` asks: the same state, dose and dosing time (the same state and dose with
    ``dosing_time`` False: the nights of the step at its dose, which a switch of dosing time
    does not cut).

    A change of tonight's dose keeps the step's first night in the new version, but the
    nights before the change kept their own dose: 4.5 mg from 3 Sep changed to 3 mg from
    4 Dec listed "3 mg, 3 Sep - onwards" beside 4.5 mg prescribed on 3 Dec (found by
    exploratory QA). The state only changes on an edge, so only edges are looked at."""

    def asks(on: date) -> tuple:
        said = (status_on(versions, on), prescribed_dose(versions, on))
        return (*said, dosing_time_on(versions, on)) if dosing_time else said

    tonight = asks(night)
    for edge in sorted((e for e in set(_edges(versions)) if step_began < e <= night), reverse=True):
        if asks(edge - timedelta(days=1)) != tonight:
            return edge
    return step_began


def held_run_first_night(versions: Sequence[PlainVersion], night: date) -> date:
    """The first night of the run of held nights that holds ``night`` (``night`` itself when
    the night before it is not held): holds signed back to back (10-12 and 13-15 Dec) are one
    run, from 10 Dec. The night before it is the last the patient was asked to take LDN
    before the holds (the Resume form's default dose: the night before the newest hold, 12
    Dec, was itself held). The state only changes on an edge, so only edges are looked at."""
    first = night
    for edge in sorted({edge for edge in _edges(versions) if edge < night}, reverse=True):
        if status_on(versions, edge) != ON_HOLD:
            break
        first = edge
    return first


@dataclass(frozen=True)
class RestartChoices:
    """What a restart after a hold chooses among: ``version``'s steps, numbered by its
    ``steps_before``, and ``night_before``, the night before the run of held nights (the
    last the patient was asked to take LDN before it: the default step is at its dose)."""

    version: PlainVersion
    night_before: date


def restart_choices(versions: Sequence[PlainVersion], night: date) -> RestartChoices | None:
    """THE steps a restart of the hold running on ``night``, or the first to come, chooses
    among (the Resume form offers them, changes.resume_change slices them); None when no
    hold runs or is to come.

    The held plan's: the newest version, not a restart, in effect on the night before the
    run of held nights or on one of its nights (a hold carries the plan's steps; a steps
    change signed during the hold carries the hold). Not the newest version's: once a
    restart at step 11 was signed, the newest version was that restart, with steps 11-15
    only, and moving the restart to step 9 was impossible (found by QA)."""
    first = first_held_night(versions, night)
    if first is None:
        return None
    run_first = held_run_first_night(versions, first)
    run_last = hold_last_night(versions, run_first)
    before = run_first - timedelta(days=1)
    # The version in effect only changes on a version's first night.
    governing = [version_in_effect(versions, before), version_in_effect(versions, run_first)]
    governing += [
        version_in_effect(versions, version.effective_night)
        for version in versions
        if run_first < version.effective_night
        and (run_last is None or version.effective_night <= run_last)
    ]
    plans = [version for version in governing if version is not None and not version.ends]
    held = [version for version in plans if not version.restarts] or plans
    newest = max(held, key=lambda version: (version.prescription_index, version.number))
    return RestartChoices(newest, before)


def signed_restart(
    versions: Sequence[PlainVersion], choices: RestartChoices, tonight: date
) -> tuple[date, int] | None:
    """The restart already signed for the hold ``choices`` speak of and not begun by
    ``tonight`` (the newest version, a restart starting after tonight and after the night
    before the held run): its night and its step as an index into ``choices.version``'s
    steps (numbered from that version's steps_before). None when there is none. Reopened,
    the Resume page opens on it: it opened on the default step, so a re-save changing only
    the reason moved a signed restart from step 10 to 9 (found by QA).

    The newest restart, with every version after it carrying it on (its start and steps):
    a switch of dosing time signed for a later night is signed again after a restart
    (changes._switches_kept), and the page opened on the default step again."""
    newest = max(
        (index for index, version in enumerate(versions) if version.restarts), default=None
    )
    if newest is None:
        return None
    latest = versions[newest]
    if any(
        (later.start_date, later.steps_before, later.steps)
        != (latest.start_date, latest.steps_before, latest.steps)
        or later.ends
        for later in versions[newest + 1 :]
    ):
        return None
    if latest.start_date <= max(tonight, choices.night_before):
        return None  # begun, or not the restart of this hold
    index = latest.steps_before - choices.version.steps_before
    if not 0 <= index < len(choices.version.steps):
        return None
    return latest.start_date, index


def restart_step_index(steps: Sequence[Step], dose_mg: Decimal | None) -> int:
    """The step a restart after a hold starts from by default: the one at ``dose_mg`` (the
    dose before the hold), else the highest dose below it, else the first. An index into
    ``steps`` (the newest version's, the ones the Resume page offers): the position the
    patient had before the hold is of the version then in effect, which may have had more
    steps, and matched no choice offered (found by QA)."""
    below = [
        (step.dose_mg, -index)
        for index, step in enumerate(steps)
        if dose_mg is not None and step.dose_mg <= dose_mg
    ]
    return -max(below)[1] if below else 0


def default_restart_step(
    choices: RestartChoices, dose_before: Decimal | None, after: PlanPosition | None
) -> int:
    """THE step the Resume form opens on: an index into ``choices.version``'s steps (the ones
    it offers). Never above what the plan already says: a restart signed as the form opens
    never raises the dose.

    ``after``: for a dated hold (its last night signed), the plan's position on the night
    after it (PlanView.on), what the plan page's "Next change" and the report's "restart
    at" say: the form opens on that step, so saving it changes no dose. A hold from 5 Dec
    until 8 Dec over steps changed that night to 3 mg then 4.5 mg said "restart at 3 mg",
    and the form opened on 4.5 mg, the dose of 4 Dec under the plan before (found by QA).

    ``after`` None (an open-ended hold) or not dosing: the lower of ``dose_before`` (the
    dose on the night before the held run) and the held plan's own dose on its first held
    night, the step at it else the nearest lower (restart_step_index): a restart never
    defaults to a step up, neither the one the hold began on nor a dose cut signed with it.
    """
    steps = choices.version.steps
    if after is not None and after.status == ACTIVE:
        index = (after.step_number or 0) - choices.version.steps_before - 1
        if 0 <= index < len(steps) and steps[index].dose_mg == after.dose_mg:
            return index
        return restart_step_index(steps, after.dose_mg)
    first_held = choices.night_before + timedelta(days=1)
    schedule = choices.version._schedule
    held = (
        schedule[_step_index(schedule, first_held)][2].dose_mg
        if first_held >= choices.version.start_date
        else None
    )
    doses = [dose for dose in (dose_before, held) if dose is not None]
    return restart_step_index(steps, min(doses) if doses else None)


def step_schedule(version: PlainVersion) -> list[tuple[date, date | None, Step]]:
    """The first and last night of each step. The last step's last night is ``None``: its
    dose carries on after its length (the app never stops a dose a clinician has not
    stopped), so every page and export that lists the steps says "onwards" for it, as the
    position (current_step) does. The plan page said "15 Nov - 28 Nov" for a step it marked
    as in effect on 2 Dec."""
    return list(version._schedule)


def step_runs(
    versions: Sequence[PlainVersion], version: PlainVersion
) -> tuple[tuple[tuple[int, str], ...], ...]:
    """For each step of ``version``, its nights as the plan doses them: runs of (count,
    dosing time) in order, () for an open-ended last step. A step that a switch of dosing
    time signed in its middle is two runs: 3 evening nights, then 4 morning days, as the
    plan panel's list (plan_ahead) cuts it, where "Current plan" said "for 7 days". A night
    no version of its prescription governs yet (a calendar begun earlier) is dosed at
    ``version``'s own time; each other night at the one in effect (night_runs)."""
    own = [v for v in versions if v.prescription_index == version.prescription_index]
    return tuple(
        night_runs(own, first, first + timedelta(days=step.days), version.dosing_time)
        if step.days
        else ()
        for first, _last, step in version._schedule
    )


def restart_runs(
    versions: Sequence[PlainVersion], version: PlainVersion, restart: date
) -> tuple[tuple[tuple[int, str], ...], ...]:
    """For each step of ``version`` (the held plan's: RestartChoices.version), its nights as
    the plan would dose them restarted at it on the night ``restart``: night_runs from that
    night, so a step a pending switch of dosing time cuts is 3 evening nights, then 4 morning
    days, as the plan panel's Length (stretch_runs) says it once the restart is signed. The
    Resume form's choices said "for 7 nights" (the restart night's dosing time only). ()
    for an open-ended step."""
    own = [v for v in versions if v.prescription_index == version.prescription_index]
    return tuple(
        night_runs(own, restart, restart + timedelta(days=step.days), version.dosing_time)
        if step.days
        else ()
        for step in version.steps
    )


def stretch_runs(versions: Sequence[PlainVersion], stretch: Stretch) -> tuple[tuple[int, str], ...]:
    """A dosing row of plan_ahead's list, its nights as the plan doses them (night_runs, as
    step_runs counts a step for "Current plan"): tonight's step begun before a switch of
    dosing time is one row from its first night, 3 evening nights then 4 morning days,
    which the plan panel's Length column said as "7 days". A last row that carries on
    counts the step's length as signed (``step_days``) from the night its step began. ()
    for a hold, a row not dosing, or an open-ended step."""
    if stretch.status != ACTIVE:
        return ()
    if stretch.last is not None:
        first, end = stretch.first, stretch.last + timedelta(days=1)
    elif stretch.step_days:
        first = stretch.counted_from or stretch.first
        end = first + timedelta(days=stretch.step_days)
    else:
        return ()
    governing = version_in_effect(versions, stretch.last or stretch.first)
    own = [
        v
        for v in versions
        if governing is None or v.prescription_index == governing.prescription_index
    ]
    return night_runs(own, first, end, stretch.dosing_time)


def stretch_run_dates(
    versions: Sequence[PlainVersion], stretch: Stretch
) -> tuple[tuple[date, date | None, str], ...]:
    """:func:`stretch_runs`' runs with their dates, as (first, last, dosing time): the nights
    the plan panel's Length counts ("3 nights, then 4 days"), dated for a list that says
    them by date (My plan: "from 8 Dec to 10 Dec in the evening, then from 11 Dec to 14 Dec
    in the morning"). A last row's last run carries on (``last`` None). Nights before the
    row's own first night (a step counted from before it) are left out. () as stretch_runs."""
    dated: list[tuple[date, date | None, str]] = [
        (first, first + timedelta(days=count - 1), time_of)
        for first, count, time_of in stretch_runs_ahead(versions, stretch)
    ]
    if dated and stretch.last is None:
        dated[-1] = (dated[-1][0], None, dated[-1][2])
    return tuple(dated)


def stretch_runs_ahead(
    versions: Sequence[PlainVersion], stretch: Stretch
) -> tuple[tuple[date, int, str], ...]:
    """:func:`stretch_runs`' runs from the row's own first night on, as (first night, count,
    dosing time): the nights of the step as signed that the row still has. A last row whose
    step was counted from before it (a switch of dosing time cut the step after a hold cut
    its start) has only the rest of its signed length: 3 mg for 14 nights counted from
    14 Dec, mornings from 17 Dec, leaves 11 days from 17 Dec. What the plan panel's Length
    counts (row_length) and My plan dates (stretch_run_dates), and the FHIR export says of
    a last row ("for 11 days, then continuing"; it said "for 14 days" from 17 Dec). ()
    as stretch_runs, or when the signed length ended before the row's first night."""
    start = stretch.first if stretch.last is not None else stretch.counted_from or stretch.first
    ahead: list[tuple[date, int, str]] = []
    for count, time_of in stretch_runs(versions, stretch):
        end = start + timedelta(days=count - 1)
        if end >= stretch.first:
            first = max(start, stretch.first)
            ahead.append((first, (end - first).days + 1, time_of))
        start = end + timedelta(days=1)
    return tuple(ahead)


def night_runs(
    versions: Sequence[PlainVersion], first: date, end: date, dosing_time: str
) -> tuple[tuple[int, str], ...]:
    """The nights from ``first`` to ``end`` (not included) as runs of (count, dosing time),
    in order: each night at the dosing time of the version in effect (``versions``: one
    prescription's), a night none governs yet at ``dosing_time``. THE count of a step's
    nights and days, which "Current plan" (step_runs) and the plan panel's steps table
    (stretch_runs) both say."""

    def time_on(night: date) -> str:
        governing = version_in_effect(versions, night)
        return governing.dosing_time if governing is not None else dosing_time

    # The dosing time only changes on a version's first night: those are the cuts.
    edges = sorted({v.effective_night for v in versions if first < v.effective_night < end})
    runs: list[tuple[int, str]] = []
    for start, stop in pairwise([first, *edges, end]):
        count, time_of = (stop - start).days, time_on(start)
        if runs and runs[-1][1] == time_of:
            runs[-1] = (runs[-1][0] + count, time_of)
        else:
            runs.append((count, time_of))
    return tuple(runs)


def dose_volume_ml(dose_mg: Decimal, concentration_mg_per_ml: Decimal) -> Decimal:
    """The volume of liquid that holds ``dose_mg``, to 0.01 mL (what a dosing syringe shows)."""
    if concentration_mg_per_ml <= 0:
        raise ValueError("The concentration must be more than 0 mg/mL.")
    return (dose_mg / concentration_mg_per_ml).quantize(_CENT, rounding=ROUND_HALF_UP)


def _figure(value: Decimal) -> Decimal:
    """A dose or volume in a message as every page writes it: 2.00 -> 2, 1.50 -> 1.5 (the
    capsule error said "2.00 mg" beside "(1.5, 3, 4.5 mg)")."""
    return Decimal(decimal_text(value))


def _format_amounts(values: Sequence[Decimal]) -> tuple[Decimal, ...]:
    return tuple(_figure(value) for value in sorted(values))


def _liquid_error(
    dose: Decimal, concentration: Decimal, min_volume: Decimal, step: int
) -> Phrase | None:
    # Exact test: the dose must be a whole number of the smallest measurable volume's worth
    # of drug. Multiplying (not dividing) keeps Decimal arithmetic exact.
    dose_per_unit = concentration * min_volume
    if dose % dose_per_unit == 0:
        return None
    units = dose / dose_per_unit
    lower = units.to_integral_value(rounding=ROUND_FLOOR) * dose_per_unit
    upper = units.to_integral_value(rounding=ROUND_CEILING) * dose_per_unit
    volume = dose_volume_ml(dose, concentration)
    return gettext_noop(
        "Step %(step)s: %(dose)s mg = %(volume)s mL, which cannot be measured: use multiples "
        "of %(unit)s mL (the nearest measurable doses are %(lower)s mg and %(upper)s mg).",
        step=step,
        dose=_figure(dose),
        volume=_figure(volume),
        unit=_figure(min_volume),
        lower=_figure(lower.quantize(_CENT)),
        upper=_figure(upper.quantize(_CENT)),
    )


# Where a problem of step_problems lies: the step's dose or its length (a step editor shows
# it beside that field), or None for the plan as a whole (too many steps, none at all).
DOSE, LENGTH = "dose_mg", "days"


@dataclass(frozen=True)
class StepProblem:
    """One of step_problems' problems and where it lies: ``index`` in ``steps`` (None: the
    plan as a whole) and ``field`` (DOSE or LENGTH; None with no index)."""

    index: int | None
    field: str | None
    phrase: Phrase


def step_problems(
    steps: Sequence[Step],
    dose_min: Decimal,
    dose_max: Decimal,
    formulation: str,
    strengths: Sequence[Decimal] = (),
    concentration_mg_per_ml: Decimal | None = None,
    min_volume_ml: Decimal = Decimal("0.05"),
    labels: Sequence[int] | None = None,
    counts_nights: bool = False,
) -> list[StepProblem]:
    """Human-readable problems with a plan's steps; an empty list means they can be saved.

    Each step is named by its number (1, 2, ...), or by ``labels`` (the row numbers of a form
    whose empty rows were left out: the clinician reads "Step 4" beside row 4).

    Each message (a wording.Phrase: English as a str, translated when shown) names the step
    and says what is allowed. ``dose_min``/``dose_max`` come from
    the one dose-range setting. Formulation rules: a capsule dose must be one of the
    ``strengths`` on hand; a liquid dose must be a whole number of ``min_volume_ml`` at the
    given concentration (a syringe cannot measure 1.03 mL); "other" has no extra rule.
    ``counts_nights``: a length is said in nights (an evening doser's steps, as the steps
    editor heads them), else in days.
    Arguments that are configuration rather than clinician input (an unknown formulation, a
    liquid without a concentration, an inverted range) raise ``ValueError``.
    """
    if dose_min > dose_max:
        raise ValueError(f"dose_min {dose_min} is above dose_max {dose_max}.")
    if formulation not in FORMULATIONS:
        raise ValueError(f"Unknown formulation {formulation!r}: use capsule, liquid or other.")
    if formulation == LIQUID:
        if concentration_mg_per_ml is None or concentration_mg_per_ml <= 0:
            raise ValueError("A liquid needs a concentration of more than 0 mg/mL.")
        if min_volume_ml <= 0:
            raise ValueError("min_volume_ml must be more than 0 mL.")

    if not steps:
        return [StepProblem(None, None, gettext_noop("A plan needs at least one step."))]
    errors: list[StepProblem] = []
    if len(steps) > MAX_STEPS:
        errors.append(
            StepProblem(
                None,
                None,
                gettext_noop(
                    "A plan can have at most %(most)s steps; this one has %(steps)s.",
                    most=MAX_STEPS,
                    steps=len(steps),
                ),
            )
        )
    last_index = len(steps) - 1
    for index, step in enumerate(steps):
        label = labels[index] if labels else index + 1
        dose_errors = _dose_errors(
            step.dose_mg,
            label,
            (dose_min, dose_max),
            formulation,
            strengths,
            concentration_mg_per_ml,
            min_volume_ml,
        )
        errors += [StepProblem(index, DOSE, phrase) for phrase in dose_errors]
        length_errors = _length_errors(
            step.days, label, is_last=index == last_index, counts_nights=counts_nights
        )
        errors += [StepProblem(index, LENGTH, phrase) for phrase in length_errors]
    return errors


def _dose_errors(
    dose: Decimal,
    label: int,
    dose_range: tuple[Decimal, Decimal],
    formulation: str,
    strengths: Sequence[Decimal],
    concentration_mg_per_ml: Decimal | None,
    min_volume_ml: Decimal,
) -> list[Phrase]:
    if not dose.is_finite():
        return [gettext_noop("Step %(step)s: the dose must be a number of mg.", step=label)]
    dose_min, dose_max = dose_range
    errors = []
    if not dose_min <= dose <= dose_max:
        errors.append(
            gettext_noop(
                "Step %(step)s: %(dose)s mg is outside the allowed range: use a dose from "
                "%(min)s to %(max)s mg.",
                step=label,
                dose=_figure(dose),
                min=_figure(dose_min),
                max=_figure(dose_max),
            )
        )
    if dose != dose.quantize(_CENT, rounding=ROUND_HALF_UP):
        errors.append(
            gettext_noop(
                "Step %(step)s: %(dose)s mg has more than two decimal places: give the dose to "
                "the nearest 0.01 mg.",
                step=label,
                dose=_figure(dose),
            )
        )
    if errors:
        # Formulation checks only make sense for a dose that is otherwise acceptable;
        # one problem, one message.
        return errors
    if formulation == CAPSULE and dose not in strengths:
        if not strengths:
            return [
                gettext_noop(
                    "Step %(step)s: %(dose)s mg is not an available capsule strength (none "
                    "listed).",
                    step=label,
                    dose=_figure(dose),
                )
            ]
        return [
            gettext_noop(
                "Step %(step)s: %(dose)s mg is not an available capsule strength "
                "(%(available)s mg).",
                step=label,
                dose=_figure(dose),
                available=_format_amounts(strengths),
            )
        ]
    if formulation == LIQUID:
        assert concentration_mg_per_ml is not None  # checked by step_problems
        message = _liquid_error(dose, concentration_mg_per_ml, min_volume_ml, label)
        return [message] if message else []
    return []


def _length_errors(
    days: int | None, label: int, *, is_last: bool, counts_nights: bool = False
) -> list[Phrase]:
    if days is None:
        if is_last:
            return []
        if counts_nights:
            return [
                gettext_noop(
                    "Step %(step)s: only the last step may be open-ended: give this step a "
                    "length of %(min)s to %(max)s nights.",
                    step=label,
                    min=MIN_STEP_DAYS,
                    max=MAX_STEP_DAYS,
                )
            ]
        return [
            gettext_noop(
                "Step %(step)s: only the last step may be open-ended: give this step a length "
                "of %(min)s to %(max)s days.",
                step=label,
                min=MIN_STEP_DAYS,
                max=MAX_STEP_DAYS,
            )
        ]
    if not MIN_STEP_DAYS <= days <= MAX_STEP_DAYS:
        if counts_nights:
            return [
                gettext_noop(
                    "Step %(step)s: %(nights)s nights is not a valid length: use %(min)s to "
                    "%(max)s nights.",
                    step=label,
                    nights=days,
                    min=MIN_STEP_DAYS,
                    max=MAX_STEP_DAYS,
                )
            ]
        return [
            gettext_noop(
                "Step %(step)s: %(days)s days is not a valid length: use %(min)s to %(max)s days.",
                step=label,
                days=days,
                min=MIN_STEP_DAYS,
                max=MAX_STEP_DAYS,
            )
        ]
    return []
