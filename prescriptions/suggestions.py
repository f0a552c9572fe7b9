"""Titration suggestions with their evidence: pure rules over plain night facts and the plan.

The app never changes a plan by itself. Each rule returns a :class:`Suggestion` that the
clinician sees labelled "Suggestion — your decision", with the nights and values behind it;
applying one only opens a pre-filled plan form that the clinician edits and signs.

Rules (DESIGN.md §1, issue 5):
(a) vivid dreams or nightmares with intensity >= 6 on >= 3 of the last 7 nights, those nights
    within 14 days after a step-up and a dose taken on each (a night without a dose says
    nothing about the dose) -> consider returning to the previous dose, while tonight's
    prescribed dose is still the stepped-up dose or more (below it, the clinician has acted
    on the step-up: a step back, a dose between the two, a restart lower);
(b) insomnia, or sleep quality <= 3, on >= 3 of the last 7 nights (evening dosing), a dose
    taken on each -> consider morning dosing; due again after each further 4 weeks of
    evening dosing, and for a new run of evening dosing (a dismissal covers the 4-week
    window of the run that tonight falls in: sleep_key);
(c) the current step's planned length is complete (its nights counted as the plan panel
    counts "night N": tonight_in_plan), or, for a step the plan moves on from after tonight
    whose dose was changed partway through it, its calendar is, with a week at tonight's
    dose; >= 80 % of its nights at that dose taken and no moderate or severe side effect
    during them -> ready for the next step (a dismissal covers that step: its dose, first
    night and planned length, step_key);
(d) 8 weeks at maintenance (the open-ended last step, at tonight's dose: its nights counted
    as the plan panel counts them) with pain improved < 30 % against the patient's first two
    weeks -> review whether LDN is helping; due again after each further 8 weeks (a
    dismissal covers one maintenance dose's 8 weeks: review_key; one stored under the key
    the review had before its count ran across a switch of dosing time still covers its
    own 8 weeks: Suggestion.former_keys).

Every rule reads tonight's step, dose and night of the step from one value
(:func:`tonight_in_plan`), and none is raised unless the plan is active tonight under the
open prescription (suggestions_for).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from patients.rules.wording import (
    DateWithYear,
    Phrase,
    decimal_text,
    gettext_noop,
    ngettext_lazy,
)
from prescriptions import titration

VIVID_DREAMS = "vivid_dreams"
MORNING_DOSING = "morning_dosing"
NEXT_STEP = "next_step"
REVIEW_BENEFIT = "review_benefit"
# Raised while an urgent report is open (suggestions_for): the ones that lower the dose or
# move it away from the night, answering a side effect; never one that raises the dose.
WHILE_PAUSED = frozenset({VIVID_DREAMS, MORNING_DOSING})
KINDS = (VIVID_DREAMS, MORNING_DOSING, NEXT_STEP, REVIEW_BENEFIT)
KIND_LABELS = {
    VIVID_DREAMS: gettext_noop("Return to the previous dose (vivid dreams)"),
    MORNING_DOSING: gettext_noop("Morning dosing (poor sleep)"),
    NEXT_STEP: gettext_noop("Ready for the next step"),
    REVIEW_BENEFIT: gettext_noop("Review whether LDN is helping"),
}

WINDOW_NIGHTS = 7
MIN_NIGHTS = 3
DREAM_INTENSITY = 6
AFTER_STEP_UP_DAYS = 14
POOR_SLEEP = 3
ADHERENCE = Decimal("0.80")
MAINTENANCE_DAYS = 56
SLEEP_WINDOW_DAYS = 28  # a dismissed "consider morning dosing" is due again after 4 weeks
BASELINE_DAYS = 14
MIN_PAIN_IMPROVEMENT = Decimal("0.30")
MODERATE = 2  # SideEffect.Severity: 1 mild, 2 moderate, 3 severe
# Nights at a dose changed partway through a step before its step can be judged complete
# when the plan moves on first (rule (c), _finished_step): a week.
AT_DOSE_NIGHTS = 7
INSOMNIA = "insomnia"


@dataclass(frozen=True)
class NightFacts:
    """What the journal holds about one night, as plain values."""

    night: date
    taken: bool | None = None  # None: no evening entry
    dose_mg: Decimal | None = None
    dreams: str = ""  # "", none, normal, vivid, nightmares
    dream_intensity: int | None = None
    sleep_quality: int | None = None  # 0 worst - 10 best
    side_effects: Mapping[str, int] = field(default_factory=dict)  # kind -> severity 1..3
    pain: int | None = None  # 0 none - 10 worst


@dataclass(frozen=True)
class Evidence:
    night: date
    values: tuple[tuple[str, str], ...]  # (label, value) pairs: wording.Phrase or plain text


@dataclass(frozen=True)
class Suggestion:
    kind: str
    key: str  # names the situation, so a dismissal covers this evidence only
    title: str  # title and detail: wording.Phrase (English as a str, translated when shown)
    detail: str
    evidence: tuple[Evidence, ...]
    # What "Apply" pre-fills: a dose to return to, a dosing time, a step to move to.
    proposed_dose_mg: Decimal | None = None
    proposed_step_index: int | None = None
    proposed_dosing_time: str | None = None
    # Keys an earlier release gave this same situation: a dismissal stored under one of them
    # still covers it (suggestions_for), so renaming a key never brings a dismissed
    # suggestion back.
    former_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tonight:
    """Tonight's place in the plan, as the plan panel says it: "Step 3 of 3, night 93" at
    4.5 mg. The step and the dose are titration.current_step's (the panel's ``position``),
    the night of the step is titration.plan_ahead's tonight stretch's (the panel's
    ``night_in_step``). Built once by :func:`tonight_in_plan` and read by every rule, so a
    suggestion cannot state another step, dose or night count than the panel beside it."""

    position: titration.PlanPosition
    stretch: titration.Stretch | None  # None unless the plan is active tonight

    @property
    def night(self) -> date:
        return self.position.night

    @property
    def dose_mg(self) -> Decimal | None:
        return self.position.dose_mg

    @property
    def active(self) -> bool:
        return self.position.status == titration.ACTIVE and self.stretch is not None

    @property
    def step_first_night(self) -> date:
        """Night 1 of tonight's step at its dose: a switch of dosing time does not cut it, a
        new dose or a restart (or the end of a hold inside the step) begins it again."""
        return self.stretch.counted_from or self.stretch.first

    @property
    def night_in_step(self) -> int:
        """The panel's "night N" (or "day N") of tonight's step."""
        return self.stretch.night_number(self.night)


def tonight_in_plan(versions: Sequence[titration.PlainVersion], night: date) -> Tonight:
    """THE position the rules judge on ``night`` (tonight): one answer for every rule."""
    position = titration.current_step(versions, night)
    if position.status != titration.ACTIVE:
        return Tonight(position, None)
    return Tonight(position, titration.plan_ahead(versions, night)[0])


_DREAMS = {"vivid": gettext_noop("Vivid"), "nightmares": gettext_noop("Nightmares")}


def _fmt(dose: Decimal | None) -> Phrase:
    if dose is None:
        return gettext_noop("—")
    # As every other surface writes a dose (4.5 mg, not 4.50 mg, beside the panel's "4.5 mg").
    return gettext_noop("%(dose)s mg", dose=Decimal(decimal_text(dose.quantize(Decimal("0.01")))))


_SEVERITY = (
    gettext_noop("—"),
    gettext_noop("mild"),
    gettext_noop("moderate"),
    gettext_noop("severe"),
)


def _by_night(nights: Sequence[NightFacts]) -> dict[date, NightFacts]:
    return {facts.night: facts for facts in nights}


def _last_nights(last_night: date, count: int) -> list[date]:
    return [last_night - timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def last_step_up(
    versions: Sequence[titration.PlainVersion], last_night: date, within_days: int
) -> tuple[date, Decimal, Decimal] | None:
    """The newest night within ``within_days`` up to ``last_night`` whose prescribed dose rose.

    Returns (night, previous dose, new dose). Compares each night with the one before it, so
    a rise by a new version counts the same as a planned step; nights on hold are skipped
    over (a restart after a hold at a higher dose than before it is a step-up too).
    """
    previous_dose = None
    found = None
    first = last_night - timedelta(days=within_days + WINDOW_NIGHTS)
    night = first
    while night <= last_night:
        dose = titration.prescribed_dose(versions, night)
        if dose is not None:
            if previous_dose is not None and dose > previous_dose:
                found = (night, previous_dose, dose)
            previous_dose = dose
        night += timedelta(days=1)
    if found is None or (last_night - found[0]).days >= within_days:
        return None
    return found


def vivid_dreams(
    versions, nights: Sequence[NightFacts], last_night: date, tonight: Tonight
) -> Suggestion | None:
    """(a), on ``tonight``: the plan's position tonight (:func:`tonight_in_plan`), active."""
    step_up = last_step_up(versions, last_night, AFTER_STEP_UP_DAYS)
    if step_up is None:
        return None
    step_night, previous_dose, new_dose = step_up
    if tonight.dose_mg < new_dose:
        # Tonight's dose is no longer the one stepped up to: the clinician has acted on the
        # step-up since (a step back, a restart after a hold at the previous dose or less,
        # or a dose between the two). "Consider returning to the previous dose (2.75 mg)"
        # beside 2.75 mg tonight asked for what had been done (exploratory QA), and beside a
        # dose between the two it spoke of a step-up that is no longer tonight's dose; the
        # dreams were had at the stepped-up dose and say nothing about the one signed since.
        return None
    facts = _by_night(nights)
    evidence = []
    for night in _last_nights(last_night, WINDOW_NIGHTS):
        row = facts.get(night)
        # Only a night with a dose taken speaks to the dose (DESIGN.md §1): dreams on a
        # skipped, unlogged or held night counted towards the three (and were listed).
        if (
            row is not None
            and row.taken
            and step_night <= night < step_night + timedelta(days=AFTER_STEP_UP_DAYS)
            and row.dreams in ("vivid", "nightmares")
            and row.dream_intensity is not None
            and row.dream_intensity >= DREAM_INTENSITY
        ):
            evidence.append(
                Evidence(
                    night,
                    (
                        (gettext_noop("Dreams"), _DREAMS.get(row.dreams, row.dreams)),
                        (gettext_noop("Intensity"), f"{row.dream_intensity}/10"),
                        (gettext_noop("Dose"), _fmt(row.dose_mg)),
                    ),
                )
            )
    if len(evidence) < MIN_NIGHTS:
        return None
    return Suggestion(
        kind=VIVID_DREAMS,
        key=f"step-up-{step_night.isoformat()}",
        title=gettext_noop(
            "Consider returning to the previous dose (%(dose)s)", dose=_fmt(previous_dose)
        ),
        detail=gettext_noop(
            "Vivid dreams or nightmares of intensity %(intensity)s or more on %(count)s of the "
            "last %(window)s nights, after the step up from %(previous)s to %(new)s on "
            "%(night)s.",
            intensity=DREAM_INTENSITY,
            count=len(evidence),
            window=WINDOW_NIGHTS,
            previous=_fmt(previous_dose),
            new=_fmt(new_dose),
            night=step_night,
        ),
        evidence=tuple(evidence),
        proposed_dose_mg=previous_dose,
    )


def morning_dosing(versions, nights: Sequence[NightFacts], last_night: date) -> Suggestion | None:
    tonight_night = last_night + timedelta(days=1)
    if titration.dosing_time_on(versions, tonight_night) != titration.EVENING:
        return None
    if versions and versions[-1].dosing_time != titration.EVENING:
        # A switch already signed for a night still to come: nothing left to suggest (the
        # suggestion and its Apply button stayed until that night; exploratory testing).
        return None
    facts = _by_night(nights)
    evidence = []
    for night in _last_nights(last_night, WINDOW_NIGHTS):
        row = facts.get(night)
        # Only a night with a dose taken says how the evening dose sleeps (as vivid_dreams):
        # poor sleep on a skipped, unlogged or held night counted towards the three.
        if row is None or not row.taken:
            continue
        values = []
        if INSOMNIA in row.side_effects:
            values.append((gettext_noop("Insomnia"), _SEVERITY[row.side_effects[INSOMNIA]]))
        if row.sleep_quality is not None and row.sleep_quality <= POOR_SLEEP:
            values.append((gettext_noop("Sleep quality"), f"{row.sleep_quality}/10"))
        if values:
            evidence.append(Evidence(night, tuple(values)))
    if len(evidence) < MIN_NIGHTS:
        return None
    return Suggestion(
        kind=MORNING_DOSING,
        # Judged on tonight's run of evening dosing, as the rule's first line asks of tonight.
        key=sleep_key(evening_since(versions, tonight_night), tonight_night),
        title=gettext_noop("Consider morning dosing"),
        detail=gettext_noop(
            "Insomnia or sleep quality of %(poor)s/10 or less on %(count)s of the last "
            "%(window)s nights while dosing in the evening.",
            poor=POOR_SLEEP,
            count=len(evidence),
            window=WINDOW_NIGHTS,
        ),
        evidence=tuple(evidence),
        proposed_dosing_time=titration.MORNING,
    )


def evening_since(versions: Sequence[titration.PlainVersion], night: date) -> date:
    """The first night of the run of evening dosing that holds ``night`` (an evening night):
    the night after the last one dosed in the morning, or the plan's first night. Only a
    version's first night can change the dosing time, so only those are looked at; a
    version that leaves evening dosing as it was (a new dose, a hold, a switch to morning
    withdrawn before its night) does not begin a new run."""
    first = min((version.effective_night for version in versions), default=night)
    edges = {v.effective_night for v in versions if first < v.effective_night <= night}
    for edge in sorted(edges, reverse=True):
        if titration.dosing_time_on(versions, edge - timedelta(days=1)) != titration.EVENING:
            return edge
    return first


def sleep_key(evening_first: date, tonight_night: date) -> str:
    """What a dismissed "consider morning dosing" covers: the run of evening dosing since
    ``evening_first`` and the four-week window of it that ``tonight_night`` falls in (the
    1st from its first night, the 2nd from 28 nights later...).

    It named the version in effect last night ("v3"), so any version signed brought a
    dismissed suggestion back at once, even one that left evening dosing as it was (a new
    dose, a switch to morning withdrawn before its night), and while no version was signed
    one dismissal closed it for good, however many more weeks of poor sleep followed. Poor
    sleep in a later window is new evidence, as is poor sleep in a new run of evening
    dosing (after the patient dosed in the morning). The windows are fixed to the run, not
    to the dismissal, as rule (d)'s eight weeks are: poor sleep raised late in a window can
    be raised again at the start of the next, with its own nights."""
    period = (tonight_night - evening_first).days // SLEEP_WINDOW_DAYS
    window = evening_first + timedelta(days=period * SLEEP_WINDOW_DAYS)
    return f"evening-from-{evening_first.isoformat()}-window-from-{window.isoformat()}"


def step_key(dose_mg: Decimal, first: date, days: int) -> str:
    """What a dismissed "ready for the next step" covers: the step being finished, as its
    text names it (its dose and planned length), from its first night.

    It named the version and the step's place in it ("v3-step2"), so any version signed
    brought a dismissed suggestion back at once, even one that left the step as it was (a
    switch of dosing time signed and withdrawn before its night). A step signed longer, at
    another dose or begun again (a restart after a hold) is another step, raised again when
    it is complete."""
    return f"step-{dose_mg.quantize(Decimal('0.01'))}mg-from-{first.isoformat()}-for-{days}"


def _finished_step(versions, tonight: Tonight):
    """(version, step) of the step next_step judges: in effect tonight, with a set length
    that tonight's night of the step (the panel's "night N") reaches or has passed; None
    otherwise (no active step, or an open-ended one). nights_needed reads the step's nights
    only then, as next_step does.

    The nights are counted as the panel counts them, from the night the step began at its
    dose (Tonight.step_first_night), not by the version's own step calendar
    (current_step's day_in_step): that counted from the old dose's first night after a dose
    changed mid-step, and counted the held nights of a dated hold inside the step (both as
    nights not taken), while the panel beside it said "night 1" from the change or the
    night after the hold. A step at another dose, or taken up again after a hold, has had
    its planned length when it has had it at that dose since then."""
    if not tonight.active:
        return None
    version = titration.version_in_effect(versions, tonight.night)
    index = tonight.position.step_index
    step = version.steps[index]
    if step.days is None:
        return None
    if tonight.night_in_step >= step.days:
        return version, step
    # A step the plan moves on from after tonight (its calendar's last night: the next step
    # begins tomorrow) whose dose was changed partway through it (or taken up again after a
    # hold inside it) never reaches its planned length at its dose, so it was never judged,
    # while the step up came anyway. It is complete by the plan; judged on the nights at
    # tonight's dose, when there have been a week of them before tonight: the first week at
    # a new dose is when its side effects show (DESIGN.md 1), and fewer nights say nothing
    # of how it is tolerated. The last step carries on, so it waits for its length at its
    # dose as before.
    plan_moves_on = (
        index + 1 < len(version.steps)
        and tonight.position.day_in_step is not None
        and tonight.position.day_in_step >= step.days
    )
    if plan_moves_on and tonight.night_in_step > AT_DOSE_NIGHTS:
        return version, step
    return None


def next_step(
    versions, nights: Sequence[NightFacts], last_night: date, tonight: Tonight
) -> Suggestion | None:
    # Judged on tonight's position: the step whose planned length ends tonight or has passed.
    finished = _finished_step(versions, tonight)
    if finished is None:
        return None
    version, step = finished
    position = tonight.position
    first_night = tonight.step_first_night
    facts = _by_night(nights)
    step_nights = [
        first_night + timedelta(days=n) for n in range((last_night - first_night).days + 1)
    ]
    if not step_nights:
        return None
    taken = [night for night in step_nights if facts.get(night) and facts[night].taken]
    share = Decimal(len(taken)) / Decimal(len(step_nights))
    if share < ADHERENCE:
        return None
    for night in step_nights:
        row = facts.get(night)
        if row and any(severity >= MODERATE for severity in row.side_effects.values()):
            return None
    has_next = position.step_index + 1 < len(version.steps)
    next_dose = version.steps[position.step_index + 1].dose_mg if has_next else None
    percent = (share * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    # A morning doser's nights are days, as their pages and the clinician's say: the dosing
    # time of the position judged, as the panel words its "Step x of y, day n".
    morning = position.dosing_time == titration.MORNING
    counts = {
        "step": position.step_number,
        "dose": _fmt(position.dose_mg),
        "taken": len(taken),
        "percent": percent,
    }
    return Suggestion(
        kind=NEXT_STEP,
        key=step_key(step.dose_mg, first_night, step.days),
        title=gettext_noop("Ready for the next step (%(dose)s)", dose=_fmt(next_dose))
        if has_next
        else gettext_noop("Ready for the next step (no further step planned)"),
        detail=ngettext_lazy(
            "Step %(step)s (%(dose)s for %(count)s day) is complete: %(taken)s of %(days)s "
            "days taken (%(percent)s %%) and no moderate or severe side effect on it.",
            "Step %(step)s (%(dose)s for %(count)s days) is complete: %(taken)s of %(days)s "
            "days taken (%(percent)s %%) and no moderate or severe side effect on it.",
            step.days,
            days=len(step_nights),
            **counts,
        )
        if morning
        else ngettext_lazy(
            # An evening doser's step lasts nights, as the panel counts it ("night 14"):
            # "1.5 mg for 14 days" beside "13 of 13 nights taken" mixed the two.
            "Step %(step)s (%(dose)s for %(count)s night) is complete: %(taken)s of %(nights)s "
            "nights taken (%(percent)s %%) and no moderate or severe side effect on it.",
            "Step %(step)s (%(dose)s for %(count)s nights) is complete: %(taken)s of %(nights)s "
            "nights taken (%(percent)s %%) and no moderate or severe side effect on it.",
            step.days,
            nights=len(step_nights),
            **counts,
        ),
        evidence=(
            Evidence(first_night, ((gettext_noop("Step started"), _fmt(position.dose_mg)),)),
            Evidence(
                last_night,
                (
                    (
                        gettext_noop("Days taken") if morning else gettext_noop("Nights taken"),
                        gettext_noop(
                            "%(taken)s of %(nights)s", taken=len(taken), nights=len(step_nights)
                        ),
                    ),
                ),
            ),
        ),
        proposed_dose_mg=next_dose,
        proposed_step_index=position.step_index + 1 if has_next else position.step_index,
    )


def _mean(values: Sequence[int]) -> Decimal:
    return Decimal(sum(values)) / Decimal(len(values))


def review_key(dose_mg: Decimal, first: date, nights_at_maintenance: int) -> str:
    """What a dismissed review covers: this maintenance dose, asked since ``first``, in its
    current eight weeks (the 1st from 56 nights through last night, the 2nd from 112...).

    It named the version in effect last night ("v3-maintenance"), so any version signed
    brought a dismissed review back at once, even one that left maintenance as it was (a
    switch of dosing time signed and withdrawn before its night), and a dismissal under an
    unchanged version closed the review for good, however many more weeks without relief
    followed. A new dose or a new first night (a restart after a hold: the count begins
    again there, as the panel's; not a switch of dosing time, which the count runs across)
    or eight more weeks raise it again.
    """
    period = nights_at_maintenance // MAINTENANCE_DAYS
    dose = dose_mg.quantize(Decimal("0.01"))
    return f"maintenance-{dose}mg-from-{first.isoformat()}-review-{period}"


def _dosing_time_run_from(versions, tonight: Tonight) -> date:
    """The first night, within tonight's step at its dose, of tonight's run at its dosing
    time: what the review counted from before a switch of dosing time stopped cutting the
    count (titration._asked_since with the dosing time). Only a version's first night can
    change the dosing time, so only those are looked at."""
    since = tonight.step_first_night
    for edge in sorted({v.effective_night for v in versions}, reverse=True):
        if (
            since < edge <= tonight.night
            and titration.dosing_time_on(versions, edge - timedelta(days=1))
            != tonight.position.dosing_time
        ):
            return edge
    return since


def review_benefit(
    versions, nights: Sequence[NightFacts], last_night: date, first_night: date, tonight: Tonight
) -> Suggestion | None:
    """(d): ``first_night`` is the first night of the patient's treatment (the baseline).

    The nights at maintenance are counted as the plan panel counts tonight's "night N"
    (titration.plan_ahead's tonight stretch, from the first night tonight's dose was asked):
    the version's own step counter said "92 days at maintenance" beside the panel's "Step 3
    of 3, night 93", and after a dose changed mid-step it still counted from the old dose's
    first night (found by exploratory QA). Judged on tonight's position (``tonight``, as
    next_step is); the pain read is through last night."""
    tonight_night = tonight.night
    position = tonight.position
    if not tonight.active or position.step_index != position.step_count - 1:
        return None
    if titration.version_in_effect(versions, tonight_night).steps[-1].days is not None:
        return None
    stretch = tonight.stretch
    night_number = tonight.night_in_step
    # The first night of the dose, as night_number counts (a switch of dosing time does not
    # cut it: "since 16 Oct, day 63" of a dose begun on 4 Oct).
    since = tonight.step_first_night
    # Eight weeks of nights at this dose through last night, the last one judged.
    if night_number - 1 < MAINTENANCE_DAYS:
        return None
    facts = _by_night(nights)
    baseline = [
        facts[n]
        for n in (first_night + timedelta(days=d) for d in range(BASELINE_DAYS))
        if n in facts and facts[n].pain is not None
    ]
    recent = [
        facts[n]
        for n in _last_nights(last_night, BASELINE_DAYS)
        if n in facts and facts[n].pain is not None
    ]
    if len(baseline) < MIN_NIGHTS or len(recent) < MIN_NIGHTS:
        return None
    before = _mean([row.pain for row in baseline])
    after = _mean([row.pain for row in recent])
    if before == 0:
        return None
    improvement = (before - after) / before
    if improvement >= MIN_PAIN_IMPROVEMENT:
        return None
    percent = (improvement * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    at_maintenance = {
        "dose": _fmt(position.dose_mg),
        "since": DateWithYear.of(since),
        "night": night_number,
        "tonight": tonight_night,
    }
    # The panel's number for the panel's night, named by its date (the panel heads it
    # "Tonight" or, the next morning, "Last night"): nights for an evening doser, days for a
    # morning doser (the stretch's dosing time, the panel's).
    facts_said = {
        "lead": gettext_noop(
            "At maintenance (%(dose)s) since %(since)s, night %(night)s on %(tonight)s",
            **at_maintenance,
        )
        if titration.counts_nights(stretch.dosing_time)
        else gettext_noop(
            "At maintenance (%(dose)s) since %(since)s, day %(night)s on %(tonight)s",
            **at_maintenance,
        ),
        "before": before.quantize(Decimal("0.1")),
        "after": after.quantize(Decimal("0.1")),
        "target": int(MIN_PAIN_IMPROVEMENT * 100),
    }
    # Worse pain is said as worse: "-19 % better" read as a small gain.
    if percent > 0:
        detail = gettext_noop(
            "%(lead)s; average pain %(before)s/10 in the first "
            "two weeks and %(after)s/10 in the last two: %(percent)s %% better, less than "
            "%(target)s %%.",
            percent=percent,
            **facts_said,
        )
    elif percent < 0:
        detail = gettext_noop(
            "%(lead)s; average pain %(before)s/10 in the first "
            "two weeks and %(after)s/10 in the last two: %(percent)s %% worse (the aim is "
            "%(target)s %% better).",
            percent=-percent,
            **facts_said,
        )
    else:
        detail = gettext_noop(
            "%(lead)s; average pain %(before)s/10 in the first "
            "two weeks and %(after)s/10 in the last two: no better (the aim is %(target)s %% "
            "better).",
            **facts_said,
        )
    # Until the count ran across a switch of dosing time, the review named the maintenance
    # from the switch's first night ("since 30 Sep, day 66", its eight weeks counted from
    # there), so a review dismissed after a switch was stored under that key; it still
    # covers the eight weeks it was dismissed for (the key is worked out from tonight's plan,
    # so no stored dismissal is rewritten).
    run_from = _dosing_time_run_from(versions, tonight)
    former = (
        (review_key(position.dose_mg, run_from, (tonight_night - run_from).days),)
        if run_from != since
        else ()
    )
    return Suggestion(
        kind=REVIEW_BENEFIT,
        key=review_key(position.dose_mg, since, night_number - 1),
        former_keys=former,
        title=gettext_noop("Review whether LDN is helping"),
        detail=detail,
        evidence=tuple(
            Evidence(
                row.night,
                ((gettext_noop("Pain"), f"{row.pain}/10"), (gettext_noop("Period"), label)),
            )
            for label, rows in (
                (gettext_noop("First two weeks"), baseline),
                (gettext_noop("Last two weeks"), recent),
            )
            for row in rows
        ),
    )


def suggestions_for(
    versions: Sequence[titration.PlainVersion],
    nights: Sequence[NightFacts],
    last_night: date,
    first_night: date | None = None,
    dismissed: frozenset[tuple[str, str]] = frozenset(),
    paused: bool = False,
) -> list[Suggestion]:
    """All suggestions that fire on the nights up to ``last_night``, minus dismissed ones.

    ``last_night`` is the newest night whose morning report can exist (last night);
    ``dismissed`` holds (kind, key) pairs the care team has dismissed (or acted on), under a
    suggestion's key or one of its former_keys; ``paused``: an urgent
    report is open (patients.rules.pause), the patient waiting for the care team's answer.

    None unless the plan asks a dose tonight. On hold: the clinician has stopped the doses,
    and a dose suggestion with its Apply button read as advice to dose through the hold
    (found in review: the dream and sleep rules spoke through a hold, the step and review
    rules did not); the evidence is judged again from the first night the plan is active.
    Ended (no dose tonight or on any later night), or not begun (a new prescription signed
    after an ended one, its steps to begin on a later night): "Consider returning to the
    previous dose" and "Consider morning dosing" still spoke of the ended prescription's
    nights beside the new one, each with an Apply button. While the
    patient is paused, only the suggestions that answer a side effect (WHILE_PAUSED): the
    clinician answering a report of a bad reaction weighs exactly those, and a step up or a
    review of the maintenance dose waits until the report is answered.

    And none unless tonight's version is of the open prescription (the newest, with no
    ending signed; plans.PlanView.open_prescription): a suggestion changes that
    prescription's plan. Ended from tomorrow with a new prescription signed to begin then,
    "Consider returning to the previous dose (2.75 mg)" spoke of the old prescription's
    evidence, and Apply put 2.75 mg into the new plan as a later step, raising its first
    dose (found by QA); with an ending signed and no new prescription the plan ends, and a
    change to its dose is moot.
    """
    if not versions:
        return []
    # Tonight as the plan panel reads it (titration.current_step and plan_ahead), once for
    # every rule: tonight_in_plan.
    night = last_night + timedelta(days=1)
    tonight = tonight_in_plan(versions, night)
    if not tonight.active:
        return []
    newest = versions[-1]
    in_effect = titration.version_in_effect(versions, night)
    if newest.ends or in_effect.prescription_index != newest.prescription_index:
        return []
    found = [
        vivid_dreams(versions, nights, last_night, tonight),
        morning_dosing(versions, nights, last_night),
        next_step(versions, nights, last_night, tonight),
    ]
    if first_night is not None:
        found.append(review_benefit(versions, nights, last_night, first_night, tonight))
    return [
        s
        for s in found
        if s is not None
        and not any((s.kind, key) in dismissed for key in (s.key, *s.former_keys))
        and (not paused or s.kind in WHILE_PAUSED)
    ]


def nights_needed(
    versions: Sequence[titration.PlainVersion], last_night: date, first_night: date | None
) -> list[tuple[date, date]]:
    """The night ranges (inclusive) the rules read, so callers fetch no more than that: the
    last nights the windows read, the nights of a step next_step judges (an open-ended
    maintenance step is never judged, so a year at maintenance is not read), and the
    baseline."""
    start = last_night - timedelta(days=max(BASELINE_DAYS, WINDOW_NIGHTS) - 1)
    tonight = tonight_in_plan(versions, last_night + timedelta(days=1))
    if _finished_step(versions, tonight) is not None:
        start = min(start, tonight.step_first_night)
    ranges = [(start, last_night)]
    if first_night is not None:
        ranges.append((first_night, first_night + timedelta(days=BASELINE_DAYS - 1)))
    return ranges
