"""Flags: derived signals on one patient that a clinician should look at, with their evidence.

Pure: plain night records, plain plan versions (prescriptions.titration.PlainVersion) and
"today" (the patient's current night) in, a list of :class:`Flag` out. No database and no
clock, so every rule is tested as a table. All thresholds live in the block below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from patients.rules import scales as scale_defs
from patients.rules.nights import (
    EVENING,
    MORNING,
    as_zone,
    is_in_dosing_window,
    last_night_of_record,
)
from patients.rules.wording import Label, Phrase, decimal_text, gettext_noop, ngettext_lazy
from prescriptions import titration

# --- Thresholds: the one place to tune the rules ---------------------------------------------
MISSED_NIGHTS_IN_A_ROW = 2  # prescribed nights in a row without a taken dose
QUIET_DAYS = 7  # no entry of any kind for this many nights
QUIET_EVIDENCE_NIGHTS = 28  # a long silence's evidence: its last four weeks
RECENT_EVENT_NIGHTS = 14  # side effects, deviations, timing and hold doses look back this far
WORSENING_RECENT_NIGHTS = 7  # "last 7 nights' mean" ...
WORSENING_BASELINE_NIGHTS = 28  # ... against "the previous 28 nights' mean"
WORSENING_MIN_POINTS = Decimal("2")  # worse by at least 2 points on the 0-10 scale, or
WORSENING_MIN_PERCENT = Decimal("30")  # at least 30 % worse than the baseline mean
WORSENING_MIN_RECENT_SCORES = 3  # fewer scores than this are too few to compare
WORSENING_MIN_BASELINE_SCORES = 7
SEVERE_SIDE_EFFECT = 3  # SideEffect.Severity.SEVERE
SEVERITY_WORDS = {1: gettext_noop("mild"), 2: gettext_noop("moderate"), 3: gettext_noop("severe")}

# How far back the flags need nights: the dashboard prefetches exactly this much.
LOOKBACK_NIGHTS = max(
    WORSENING_RECENT_NIGHTS + WORSENING_BASELINE_NIGHTS, RECENT_EVENT_NIGHTS, QUIET_DAYS
)

# --- Kinds and severities ---------------------------------------------------------------------
URGENT = "urgent"
MISSED = "missed"
SIDE_EFFECT = "side_effect"
WORSENING = "worsening"
DEVIATION = "deviation"
OUT_OF_WINDOW = "out_of_window"
DOSE_ON_HOLD = "dose_on_hold"
QUIET = "quiet"


# Labels are phrases too: pages translate them when shown ({% translate flag.label %}).
KIND_LABELS = {
    URGENT: gettext_noop("Urgent report"),
    DOSE_ON_HOLD: gettext_noop("Dose while on hold"),
    SIDE_EFFECT: gettext_noop("Side effect"),
    WORSENING: gettext_noop("Worsening"),
    MISSED: gettext_noop("Missed nights"),
    DEVIATION: gettext_noop("Dose deviation"),
    QUIET: gettext_noop("Gone quiet"),
    OUT_OF_WINDOW: gettext_noop("Out of window"),
}
KINDS = tuple(KIND_LABELS)
# A morning doser's nights are days: the labels that count them say so.
MORNING_KIND_LABELS = {MISSED: gettext_noop("Missed days")}

LOW, MEDIUM, HIGH, TOP = 1, 2, 3, 4
SEVERITY_LABELS = {
    TOP: gettext_noop("Urgent"),
    HIGH: gettext_noop("High"),
    MEDIUM: gettext_noop("Medium"),
    LOW: gettext_noop("Low"),
}
# The stylesheet's badge vocabulary; the text label always goes with the colour.
SEVERITY_BADGES = {
    TOP: "badge-urgent",
    HIGH: "badge-severe",
    MEDIUM: "badge-moderate",
    LOW: "badge-mild",
}
SEVERITY_ICONS = {TOP: "‼", HIGH: "▲", MEDIUM: "●", LOW: "○"}


@dataclass(frozen=True)
class SideEffectRecord:
    kind: str
    severity: int  # 1 mild, 2 moderate, 3 severe
    label: str = ""


@dataclass(frozen=True)
class NightRecord:
    """What a patient logged for one night, as plain values."""

    night: date
    status: str = ""  # "taken", "skipped" or "" (no evening part yet)
    dose_mg: Decimal | None = None
    taken_at: datetime | None = None  # aware
    scores: Mapping[str, int | None] = field(default_factory=dict)  # scale key -> 0..10
    side_effects: tuple[SideEffectRecord, ...] = ()
    skip_reason: str = ""  # the reason's label, for a skipped night
    dreams: str = ""  # "none", "normal", "vivid", "nightmares" or "" (not answered)
    # The zone the night was logged in: its times are judged there, so moving zones never
    # turns a past dose into an out-of-window one.
    time_zone: str = ""


@dataclass(frozen=True)
class UrgentRecord:
    night: date
    severity: str  # "moderate" or "severe" (the worst of the open reports)
    reported_at: datetime | None = None
    count: int = 1  # open reports; the record stands for all of them, dated by the oldest
    report_id: int | None = None  # the oldest open report


@dataclass(frozen=True)
class Evidence:
    """One night behind a flag and what on it raised the flag (plain text)."""

    night: date
    values: str  # a wording.Phrase: its English text, translated when shown
    logged: bool = True  # False: nothing was logged that night (nothing to open)


@dataclass(frozen=True)
class Flag:
    kind: str
    severity: int
    first_night: date
    evidence: tuple[date, ...]  # the nights that raise it, oldest first
    explanation: str  # one line, a wording.Phrase (English as a str; translated when shown)
    key: str = ""  # distinguishes two flags of one kind (the scale, the side effect)
    details: tuple[Evidence, ...] = ()  # per night the values that raised it, oldest first
    report_id: int | None = None  # an urgent flag: the open report to open (the oldest)
    # The patient's dosing time on the night the flag was judged (evaluate): a morning
    # doser's flag counts days ("8 days in a row"), in its label and on the pages around it.
    dosing_time: str = EVENING

    @property
    def last_night(self) -> date:
        """The newest night that raises the flag: a review through this night covers it."""
        return self.evidence[-1] if self.evidence else self.first_night

    @property
    def label(self) -> str:
        if self.dosing_time == MORNING:
            return MORNING_KIND_LABELS.get(self.kind, KIND_LABELS[self.kind])
        return KIND_LABELS[self.kind]

    @property
    def severity_label(self) -> str:
        return SEVERITY_LABELS[self.severity]

    @property
    def badge(self) -> str:
        return SEVERITY_BADGES[self.severity]

    @property
    def icon(self) -> str:
        return SEVERITY_ICONS[self.severity]

    def is_about(self, start: date, end: date) -> bool:
        """Whether a night that raises the flag lies in ``start``..``end``: a report of a
        range lists these, not the flags open now about later nights."""
        return any(start <= night <= end for night in self.evidence or (self.first_night,))

    def is_reviewed(self, reviewed_through: date | None) -> bool:
        # An urgent report is closed by acknowledging it, never by a flag review.
        if self.kind == URGENT or reviewed_through is None:
            return False
        return self.last_night <= reviewed_through


def _mg(value: Decimal | None) -> Phrase:
    if value is None:
        return gettext_noop("—")
    return gettext_noop("%(dose)s mg", dose=Decimal(decimal_text(value)))


def _effect_name(kind: str, label: str) -> Label | str:
    """A listed side effect is named by its catalog label (translated when shown); "other"
    carries the patient's own words, kept as written."""
    if label:
        return label
    return Label(kind.replace("_", " ").capitalize(), lower=True)


# --- Rules ------------------------------------------------------------------------------------


def missed_nights(by_night, versions, today, dosing_time=EVENING) -> list[Flag]:
    """Runs of at least MISSED_NIGHTS_IN_A_ROW prescribed nights without a taken dose.

    Tonight is still open, so it never counts. Nights on hold, before the plan starts or
    without a plan are not prescribed: they neither count nor break a run. ``dosing_time``
    (the patient's, on ``today``) words it: a morning doser misses days.
    """
    flags, run = [], []

    def close():
        if len(run) >= MISSED_NIGHTS_IN_A_ROW:
            skipped = sum(1 for n in run if by_night.get(n) and by_night[n].status == "skipped")
            unlogged = len(run) - skipped
            if skipped and unlogged:
                parts = gettext_noop(
                    "%(skipped)s skipped, %(unlogged)s not logged",
                    skipped=skipped,
                    unlogged=unlogged,
                )
            elif skipped:
                parts = gettext_noop("%(skipped)s skipped", skipped=skipped)
            else:
                parts = gettext_noop("%(unlogged)s not logged", unlogged=unlogged)
            details = []
            for n in run:
                record = by_night.get(n)
                if record is not None and record.status == "skipped":
                    values = (
                        gettext_noop(
                            "skipped (%(reason)s)",
                            reason=Label(record.skip_reason, lower=True),
                        )
                        if record.skip_reason
                        else gettext_noop("skipped")
                    )
                    details.append(Evidence(n, values))
                elif record is not None:
                    # The dose of that night, at the time it was due then.
                    values = (
                        gettext_noop("entry without the morning dose")
                        if titration.dosing_time_on(versions, n) == MORNING
                        else gettext_noop("entry without the evening dose")
                    )
                    details.append(Evidence(n, values))
                else:
                    details.append(Evidence(n, gettext_noop("nothing logged"), logged=False))
            if dosing_time == MORNING:
                explanation = ngettext_lazy(
                    "%(count)s day in a row without a taken dose (%(parts)s), "
                    "%(first)s to %(last)s.",
                    "%(count)s days in a row without a taken dose (%(parts)s), "
                    "%(first)s to %(last)s.",
                    len(run),
                    parts=parts,
                    first=run[0],
                    last=run[-1],
                )
            else:
                explanation = ngettext_lazy(
                    "%(count)s night in a row without a taken dose (%(parts)s), "
                    "%(first)s to %(last)s.",
                    "%(count)s nights in a row without a taken dose (%(parts)s), "
                    "%(first)s to %(last)s.",
                    len(run),
                    parts=parts,
                    first=run[0],
                    last=run[-1],
                )
            flags.append(
                Flag(
                    MISSED,
                    MEDIUM,
                    run[0],
                    tuple(run),
                    explanation,
                    details=tuple(details),
                    dosing_time=dosing_time,
                )
            )

    for offset in range(LOOKBACK_NIGHTS, 0, -1):
        night = today - timedelta(days=offset)
        if titration.current_step(versions, night).status != titration.ACTIVE:
            continue
        record = by_night.get(night)
        if record is not None and record.status == "taken":
            close()
            run = []
        else:
            run.append(night)
    close()
    # Only the latest run matters to the clinician now; older ones are history.
    return flags[-1:]


def _severe_explanation(name, severe: Sequence[date], is_new: bool, dosing_time: str) -> Phrase:
    """ "Severe headache on 2 nights, last 20 Nov." (days for a morning doser)."""
    values = {"effect": name, "last": severe[-1]}
    if dosing_time == MORNING and is_new:
        return ngettext_lazy(
            "Severe %(effect)s on %(count)s day, last %(last)s (new: never reported before).",
            "Severe %(effect)s on %(count)s days, last %(last)s (new: never reported before).",
            len(severe),
            **values,
        )
    if dosing_time == MORNING:
        return ngettext_lazy(
            "Severe %(effect)s on %(count)s day, last %(last)s.",
            "Severe %(effect)s on %(count)s days, last %(last)s.",
            len(severe),
            **values,
        )
    if is_new:
        return ngettext_lazy(
            "Severe %(effect)s on %(count)s night, last %(last)s (new: never reported before).",
            "Severe %(effect)s on %(count)s nights, last %(last)s (new: never reported before).",
            len(severe),
            **values,
        )
    return ngettext_lazy(
        "Severe %(effect)s on %(count)s night, last %(last)s.",
        "Severe %(effect)s on %(count)s nights, last %(last)s.",
        len(severe),
        **values,
    )


def side_effects(
    records, today, first_reported: Mapping[str, date], dosing_time=EVENING
) -> list[Flag]:
    """Per side effect: severe at any time lately, or reported for the first time ever
    (counted in days for a morning doser)."""
    since = today - timedelta(days=RECENT_EVENT_NIGHTS)
    seen: dict[str, list[tuple[date, SideEffectRecord]]] = {}
    for record in records:
        if record.night < since:
            continue
        for effect in record.side_effects:
            seen.setdefault(effect.kind, []).append((record.night, effect))
    flags = []
    for kind, hits in sorted(seen.items()):
        hits.sort(key=lambda hit: hit[0])
        name = _effect_name(kind, hits[-1][1].label)
        severe = [night for night, effect in hits if effect.severity >= SEVERE_SIDE_EFFECT]
        first_ever = first_reported.get(kind, hits[0][0])
        is_new = first_ever >= since
        severity_of = {night: SEVERITY_WORDS.get(effect.severity) for night, effect in hits}
        if severe:
            explanation = _severe_explanation(name, severe, is_new, dosing_time)
            flags.append(
                Flag(
                    SIDE_EFFECT,
                    HIGH,
                    severe[0],
                    tuple(severe),
                    explanation,
                    key=kind,
                    details=tuple(
                        Evidence(n, gettext_noop("%(effect)s: severe", effect=name)) for n in severe
                    ),
                    dosing_time=dosing_time,
                )
            )
        elif is_new:
            flags.append(
                Flag(
                    SIDE_EFFECT,
                    MEDIUM,
                    first_ever,
                    (first_ever,),
                    gettext_noop(
                        "New side effect: %(effect)s, first reported %(first)s.",
                        effect=name,
                        first=first_ever,
                    ),
                    key=kind,
                    details=(
                        Evidence(
                            first_ever,
                            gettext_noop(
                                "%(effect)s: %(severity)s",
                                effect=name,
                                severity=severity_of.get(first_ever) or gettext_noop("reported"),
                            ),
                        ),
                    ),
                    dosing_time=dosing_time,
                )
            )
    return flags


def _mean(values: Sequence[int]) -> Decimal:
    return Decimal(sum(values)) / Decimal(len(values))


def _worsening_explanation(values: dict, percent: Decimal | None, dosing_time: str) -> Phrase:
    """ "Pain worse: last 7 nights' mean ..." (days for a morning doser), with the percentage
    when the baseline allows one."""
    if percent is not None:
        values = {**values, "percent": percent.quantize(Decimal("1"))}
    if dosing_time == MORNING and percent is not None:
        return gettext_noop(
            "%(scale)s worse: last %(recent)s days' mean %(after)s vs %(before)s over the "
            "%(baseline)s days before (%(points)s points, %(percent)s %% worse).",
            **values,
        )
    if dosing_time == MORNING:
        return gettext_noop(
            "%(scale)s worse: last %(recent)s days' mean %(after)s vs %(before)s over the "
            "%(baseline)s days before (%(points)s points).",
            **values,
        )
    if percent is not None:
        return gettext_noop(
            "%(scale)s worse: last %(recent)s nights' mean %(after)s vs %(before)s over the "
            "%(baseline)s nights before (%(points)s points, %(percent)s %% worse).",
            **values,
        )
    return gettext_noop(
        "%(scale)s worse: last %(recent)s nights' mean %(after)s vs %(before)s over the "
        "%(baseline)s nights before (%(points)s points).",
        **values,
    )


def worsening(
    records, today, scales: Iterable[scale_defs.Scale], dosing_time=EVENING
) -> list[Flag]:
    """Mean of the last 7 nights against the mean of the 28 before, per scale, by direction.

    Worse by WORSENING_MIN_POINTS points or by WORSENING_MIN_PERCENT of the baseline mean
    (the percentage needs a non-zero baseline: from 0 only the points rule applies). A
    morning doser's explanation counts days.
    """
    recent_from = today - timedelta(days=WORSENING_RECENT_NIGHTS - 1)
    baseline_from = recent_from - timedelta(days=WORSENING_BASELINE_NIGHTS)
    flags = []
    for scale in scales:
        recent, baseline = [], []
        for record in records:
            value = record.scores.get(scale.key)
            if value is None:
                continue
            if recent_from <= record.night <= today:
                recent.append((record.night, value))
            elif baseline_from <= record.night < recent_from:
                baseline.append(value)
        if len(recent) < WORSENING_MIN_RECENT_SCORES:
            continue
        if len(baseline) < WORSENING_MIN_BASELINE_SCORES:
            continue
        before = _mean(baseline)
        after = _mean([value for _, value in recent])
        worse = Decimal(str(scale.worse_by(before, after)))
        if worse <= 0:
            continue
        # Against the room left on the bad side for "higher is better" scales it would be
        # a different number; the rule is "30 % worse than the baseline mean".
        percent = worse / before * 100 if before else None
        if worse < WORSENING_MIN_POINTS and (percent is None or percent < WORSENING_MIN_PERCENT):
            continue
        recent.sort()
        nights = tuple(night for night, _ in recent)
        one = Decimal("0.1")
        values = {
            "scale": Label(scale.label),
            "recent": WORSENING_RECENT_NIGHTS,
            "after": after.quantize(one),
            "before": before.quantize(one),
            "baseline": WORSENING_BASELINE_NIGHTS,
            "points": worse.quantize(one),
        }
        explanation = _worsening_explanation(values, percent, dosing_time)
        flags.append(
            Flag(
                WORSENING,
                MEDIUM,
                nights[0],
                nights,
                explanation,
                key=scale.key,
                details=tuple(
                    Evidence(
                        night,
                        gettext_noop("%(scale)s %(value)s", scale=Label(scale.label), value=value),
                    )
                    for night, value in recent
                ),
                dosing_time=dosing_time,
            )
        )
    return flags


def _taken_lately(records, today):
    since = today - timedelta(days=RECENT_EVENT_NIGHTS)
    return [r for r in records if r.status == "taken" and since <= r.night <= today]


def dose_deviation(records, versions, today, dosing_time=EVENING) -> list[Flag]:
    """Nights on which the dose taken differs from the plan's prescribed dose (days for a
    morning doser)."""
    off = []
    for record in _taken_lately(records, today):
        prescribed = titration.prescribed_dose(versions, record.night)
        if prescribed is not None and record.dose_mg is not None and record.dose_mg != prescribed:
            off.append((record, prescribed))
    if not off:
        return []
    last, prescribed = off[-1]
    nights = tuple(record.night for record, _ in off)
    values = {"last": last.night, "taken": _mg(last.dose_mg), "prescribed": _mg(prescribed)}
    if dosing_time == MORNING:
        explanation = ngettext_lazy(
            "Dose differed from the plan on %(count)s day; last %(last)s: %(taken)s "
            "taken, %(prescribed)s prescribed.",
            "Dose differed from the plan on %(count)s days; last %(last)s: %(taken)s "
            "taken, %(prescribed)s prescribed.",
            len(nights),
            **values,
        )
    else:
        explanation = ngettext_lazy(
            "Dose differed from the plan on %(count)s night; last %(last)s: %(taken)s "
            "taken, %(prescribed)s prescribed.",
            "Dose differed from the plan on %(count)s nights; last %(last)s: %(taken)s "
            "taken, %(prescribed)s prescribed.",
            len(nights),
            **values,
        )
    return [
        Flag(
            DEVIATION,
            MEDIUM,
            nights[0],
            nights,
            explanation,
            details=tuple(
                Evidence(
                    record.night,
                    gettext_noop(
                        "%(taken)s taken, %(prescribed)s prescribed",
                        taken=_mg(record.dose_mg),
                        prescribed=_mg(plan),
                    ),
                )
                for record, plan in off
            ),
            dosing_time=dosing_time,
        )
    ]


def out_of_window(records, versions, today, tz: ZoneInfo | str) -> list[Flag]:
    """Evening doses taken outside the 21:00–03:00 local window."""
    late = [
        record
        for record in _taken_lately(records, today)
        if record.taken_at is not None
        and titration.dosing_time_on(versions, record.night) == EVENING
        and not is_in_dosing_window(record.taken_at, record.time_zone or tz)
    ]
    if not late:
        return []
    nights = tuple(record.night for record in late)
    last = late[-1].taken_at.astimezone(as_zone(late[-1].time_zone or tz))
    return [
        Flag(
            OUT_OF_WINDOW,
            LOW,
            nights[0],
            nights,
            # The night and the moment apart: a dose at 05:10 on 26 Nov is the night of 25
            # Nov's ("last 25 Nov at 05:10" read as the 25th at 05:10; found by QA).
            ngettext_lazy(
                "Evening dose outside 21:00–03:00 on %(count)s night; last on the night of "
                "%(last)s, taken %(taken)s at %(time)s.",
                "Evening dose outside 21:00–03:00 on %(count)s nights; last on the night of "
                "%(last)s, taken %(taken)s at %(time)s.",
                len(nights),
                last=late[-1].night,
                taken=last.date(),
                time=last.time(),
            ),
            details=tuple(_taken_at(record, record.time_zone or tz) for record in late),
        )
    ]


def _taken_at(record: NightRecord, tz) -> Evidence:
    local = record.taken_at.astimezone(as_zone(tz))
    return Evidence(
        record.night,
        gettext_noop("taken at %(time)s %(zone)s", time=local.time(), zone=f"{local:%Z}"),
    )


def dose_on_hold(records, versions, today, dosing_time=EVENING) -> list[Flag]:
    """A dose logged on a night the plan was on hold (naltrexone blocks opioid analgesia);
    days for a morning doser."""
    held = [
        record
        for record in _taken_lately(records, today)
        if titration.current_step(versions, record.night).status == titration.ON_HOLD
    ]
    nights = tuple(record.night for record in held)
    if not nights:
        return []
    if dosing_time == MORNING:
        explanation = ngettext_lazy(
            "Dose logged while the plan was on hold on %(count)s day, last %(last)s.",
            "Dose logged while the plan was on hold on %(count)s days, last %(last)s.",
            len(nights),
            last=nights[-1],
        )
    else:
        explanation = ngettext_lazy(
            "Dose logged while the plan was on hold on %(count)s night, last %(last)s.",
            "Dose logged while the plan was on hold on %(count)s nights, last %(last)s.",
            len(nights),
            last=nights[-1],
        )
    return [
        Flag(
            DOSE_ON_HOLD,
            HIGH,
            nights[0],
            nights,
            explanation,
            details=tuple(
                Evidence(
                    record.night,
                    gettext_noop("%(taken)s taken while on hold", taken=_mg(record.dose_mg)),
                )
                for record in held
            ),
            dosing_time=dosing_time,
        )
    ]


def gone_quiet(
    last_entry: date | None, today: date, joined: date | None, dosing_time=EVENING
) -> list[Flag]:
    """No entry of any kind for QUIET_DAYS nights (counted from joining if never logged;
    said in days for a morning doser).

    The flag is raised by the night the silence reached QUIET_DAYS, so a review of it holds
    until the patient logs again and falls silent again.
    """
    since = last_entry if last_entry is not None else joined
    morning = dosing_time == MORNING
    # A morning doser's today is open: its dose may not be due yet (it is not a missed day
    # either). It was counted as silent: "No entry for 9 days" beside "8 days in a row
    # without a taken dose" (found by QA).
    through = today - timedelta(days=1) if morning else today
    if since is None or (through - since).days < QUIET_DAYS:
        return []
    raised = since + timedelta(days=QUIET_DAYS)
    silent = (through - since).days
    span = {"silent_from": since + timedelta(days=1), "silent_to": through}
    # The evidence is each silent night, so its count is the flag's (it was the last entry
    # alone: "No entry for 9 days" over "Evidence: 1 day"); for a long silence the last
    # QUIET_EVIDENCE_NIGHTS of them (the explanation gives the whole span): a patient silent
    # for a year carried 365 rows in the flag, on every read of their page and in the
    # stored attention row.
    details = tuple(
        Evidence(since + timedelta(days=n), gettext_noop("nothing logged"), logged=False)
        for n in range(max(1, silent - QUIET_EVIDENCE_NIGHTS + 1), silent + 1)
    )
    if last_entry is not None and morning:
        explanation = gettext_noop(
            "No entry for %(silent)s days (last entry %(last)s; silent %(silent_from)s to "
            "%(silent_to)s).",
            silent=silent,
            last=last_entry,
            **span,
        )
    elif last_entry is not None:
        explanation = gettext_noop(
            "No entry for %(silent)s nights (last entry %(last)s; silent %(silent_from)s to "
            "%(silent_to)s).",
            silent=silent,
            last=last_entry,
            **span,
        )
    elif morning:
        explanation = gettext_noop(
            "No entry for %(silent)s days (nothing logged since joining on %(joined)s; "
            "silent %(silent_from)s to %(silent_to)s).",
            silent=silent,
            joined=since,
            **span,
        )
    else:
        explanation = gettext_noop(
            "No entry for %(silent)s nights (nothing logged since joining on %(joined)s; "
            "silent %(silent_from)s to %(silent_to)s).",
            silent=silent,
            joined=since,
            **span,
        )
    return [
        Flag(
            QUIET,
            MEDIUM,
            raised,
            (raised,),
            explanation,
            details=details,
            dosing_time=dosing_time,
        )
    ]


_URGENT_SEVERITY = {"moderate": gettext_noop("moderate"), "severe": gettext_noop("severe")}


def _urgent_explanation(report: UrgentRecord, dosing_time: str) -> Phrase:
    """An evening doser's report is dated by its night ("from the night of 2 Dec" for one
    made on the 3rd before noon: "from 2 Dec" read as the day it was made; found by QA); a
    morning doser's night is the day it was made."""
    values = {
        "severity": _URGENT_SEVERITY.get(report.severity, report.severity),
        "oldest": report.night,
    }
    if dosing_time == MORNING:
        return ngettext_lazy(
            "Open urgent report (%(severity)s) from %(oldest)s: open the report to "
            "acknowledge it. The patient is asked to wait (no one-tap dose, no dose "
            "reminders) until it is answered.",
            "%(count)s open urgent reports (worst: %(severity)s), the oldest from "
            "%(oldest)s: open the report to acknowledge it. The patient is asked to "
            "wait (no one-tap dose, no dose reminders) until it is answered.",
            report.count,
            **values,
        )
    return ngettext_lazy(
        "Open urgent report (%(severity)s) from the night of %(oldest)s: open the report to "
        "acknowledge it. The patient is asked to wait (no one-tap dose, no dose "
        "reminders) until it is answered.",
        "%(count)s open urgent reports (worst: %(severity)s), the oldest from the night of "
        "%(oldest)s: open the report to acknowledge it. The patient is asked to "
        "wait (no one-tap dose, no dose reminders) until it is answered.",
        report.count,
        **values,
    )


def urgent_reports(reports: Iterable[UrgentRecord], dosing_time: str = EVENING) -> list[Flag]:
    flags = []
    for report in sorted(reports, key=lambda r: r.night):
        flags.append(
            Flag(
                URGENT,
                TOP,
                report.night,
                (report.night,),
                _urgent_explanation(report, dosing_time),
                report_id=report.report_id,
                dosing_time=dosing_time,
            )
        )
    return flags


def evaluate(
    nights: Iterable[NightRecord],
    versions: Sequence[titration.PlainVersion],
    today: date,
    *,
    tz: ZoneInfo | str,
    scales: Iterable[scale_defs.Scale] = (),
    first_reported: Mapping[str, date] | None = None,
    last_entry: date | None = None,
    joined: date | None = None,
    urgent: Iterable[UrgentRecord] = (),
    account_open: bool = True,
    account_closed: bool = False,
) -> list[Flag]:
    """Every flag on one patient on ``today`` (their current night), most severe first.

    ``account_open`` is False for a closed or deactivated account: nothing can be logged
    any more, so its silence (missed nights, gone quiet) is not news. ``account_closed``:
    the patient closed their account and the record is kept read-only; nobody is to act
    on it any more (a review is refused), so it raises no flag at all.

    ``nights`` needs at least the last LOOKBACK_NIGHTS nights. ``first_reported`` maps each
    side-effect kind to the first night it was ever reported (from the whole history; derived
    from ``nights`` when not given); ``last_entry`` likewise. ``scales`` are the 0–10 scales
    to watch for worsening (defaults to pain, fatigue, mood and sleep quality).
    """
    if account_closed:
        return []
    # Every night logged, a night logged ahead of tonight too (in a zone further east,
    # before a move west): the flags about what was logged judge it on the last night of
    # record, as the patient page, calendars and exports show it. They stopped at tonight,
    # so a move west made a flag about a past dose vanish (found by exploratory testing).
    # What was not logged (missed nights, gone quiet) is judged on tonight.
    records = sorted(nights, key=lambda r: r.night)
    through = last_night_of_record(today, records[-1].night if records else None)
    by_night = {record.night: record for record in records}
    if first_reported is None:
        first_reported = {}
        for record in records:
            for effect in record.side_effects:
                first_reported.setdefault(effect.kind, record.night)
    if last_entry is None and records:
        last_entry = records[-1].night
    watched = tuple(scales) or (*scale_defs.SYMPTOMS, scale_defs.SLEEP)
    # The flags count nights in the patient's word for them now, as their pages do
    # (PlanView.dosing_time_at: the plan's dosing time on tonight): a morning doser's are days.
    dosing_time = titration.dosing_time_on(versions, today)
    flags = [
        *urgent_reports(urgent, dosing_time),
        *dose_on_hold(records, versions, through, dosing_time),
        *side_effects(records, through, first_reported, dosing_time),
        *worsening(records, through, watched, dosing_time),
        *(missed_nights(by_night, versions, today, dosing_time) if account_open else []),
        *dose_deviation(records, versions, through, dosing_time),
        # While on hold nothing is expected (and no reminder is sent): silence is not news.
        *(
            gone_quiet(last_entry, today, joined, dosing_time)
            if account_open and titration.current_step(versions, today).status != titration.ON_HOLD
            else []
        ),
        *out_of_window(records, versions, through, tz),
    ]
    flags.sort(key=lambda f: (-f.severity, KINDS.index(f.kind), f.first_night))
    return flags


def unreviewed(flags: Iterable[Flag], reviewed_through: date | None) -> list[Flag]:
    return [flag for flag in flags if not flag.is_reviewed(reviewed_through)]


NEVER_LOGGED = 9999  # nights silent of a patient who has logged nothing yet: last in a tie


def nights_silent(last_entry: date | None, today: date) -> int:
    """Nights since the last entry, counted to the patient's tonight, never below 0.

    A patient who logs tonight and then moves west (London to Los Angeles before noon there)
    has a tonight one night behind that entry until noon in the new zone: silent 0 then, not
    -1 (which the stored rows refuse: the clinician's list answered 500 for those hours)."""
    if last_entry is None:
        return NEVER_LOGGED
    return max(0, (today - last_entry).days)


def attention_key(flags: Sequence[Flag], reviewed_through: date | None, nights_silent: int):
    """Sort key for the patient list: unreviewed flags by severity, then nights silent."""
    open_flags = unreviewed(flags, reviewed_through)
    severities = sorted((flag.severity for flag in open_flags), reverse=True)
    return (
        tuple(-s for s in severities[:3]) + (0,) * (3 - min(3, len(severities))),
        -nights_silent,
    )
