"""Symptoms by dose level: "is 4.5 mg better than 3 mg for this patient?".

Pure: plain night records in, plain summaries out. Nights are grouped by the dose the patient
actually took (what the body got, not what the plan said). For each dose taken on at least
MIN_NIGHTS nights: the nights, the median and the spread (interquartile range) of each
0-10 scale, and the share of nights with vivid dreams or nightmares, against the patient's
own baseline: the nights logged before their first dose (when there are at least
MIN_NIGHTS of them), else the first dose level they took. A median at least
IMPROVEMENT_PERCENT better than the baseline median is marked, the usual threshold for a
clinically meaningful change in pain studies. Fewer than SMALL_SAMPLE_NIGHTS nights at a
level is said plainly ("only 9 nights at 4.5 mg").
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from patients.rules import scales as scale_defs
from patients.rules.nights import EVENING, MORNING
from patients.rules.wording import Phrase, decimal_text, gettext_noop, ngettext_lazy

MIN_NIGHTS = 7  # a level with fewer nights is listed but not summarised
SMALL_SAMPLE_NIGHTS = 14  # below this, the level carries a small-sample warning
IMPROVEMENT_PERCENT = Decimal("30")
VIVID = ("vivid", "nightmares")
WATCHED = (scale_defs.PAIN, scale_defs.FATIGUE, scale_defs.MOOD, scale_defs.SLEEP)

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Night:
    """What the panel needs of one night. Any record with these attributes will do
    (patients.rules.flags.NightRecord has them: the clinician's pages pass theirs as they
    are); they are only read."""

    night: date
    status: str  # "taken", "skipped" or ""
    dose_mg: Decimal | None
    scores: dict  # scale key -> 0..10 or None
    dreams: str = ""  # "none", "normal", "vivid", "nightmares" or "" (not answered)


@dataclass(frozen=True)
class Spread:
    count: int
    median: Decimal
    q1: Decimal
    q3: Decimal


@dataclass(frozen=True)
class ScaleSummary:
    scale: scale_defs.Scale
    spread: Spread | None  # None: no scores at this level
    change_percent: Decimal | None  # better (+) or worse (-) than the baseline median
    improved: bool  # at least IMPROVEMENT_PERCENT better than the baseline


@dataclass(frozen=True)
class Level:
    label: str  # "1.5 mg" or "Before LDN" (wording.Phrase: translated when shown)
    dose_mg: Decimal | None  # None for the pre-LDN baseline
    nights: int
    first_night: date
    last_night: date
    scales: tuple[ScaleSummary, ...]
    vivid_percent: Decimal | None  # share of nights with dreams answered that were vivid
    dream_nights: int
    is_baseline: bool = False
    caution: str = ""  # small-sample wording, empty when there are enough nights


@dataclass(frozen=True)
class DoseResponse:
    baseline: Level | None
    levels: tuple[Level, ...]  # by dose, lowest first; the baseline level included if a dose
    too_few: tuple[tuple[Decimal, int], ...]  # (dose, nights) taken on < MIN_NIGHTS nights

    @property
    def has_comparison(self) -> bool:
        return self.baseline is not None and any(not lv.is_baseline for lv in self.levels)


def dose_label(dose: Decimal) -> Phrase:
    return gettext_noop("%(dose)s mg", dose=Decimal(decimal_text(dose)))


def _round(value) -> Decimal:
    return Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_UP)


def spread(values: Sequence[int]) -> Spread | None:
    """Median and quartiles (inclusive method: they stay within the observed values)."""
    if not values:
        return None
    ordered = sorted(values)
    if len(ordered) == 1:
        q1 = q3 = ordered[0]
    else:
        q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    return Spread(len(ordered), _round(statistics.median(ordered)), _round(q1), _round(q3))


def change_percent(scale: scale_defs.Scale, baseline: Decimal, value: Decimal) -> Decimal | None:
    """How much better ``value`` is than ``baseline`` in percent of the baseline (+ = better).

    None from a baseline of 0: no percentage of nothing (the points still show in the table).
    """
    if baseline == 0:
        return None
    better = -Decimal(str(scale.worse_by(float(baseline), float(value))))
    return (better / baseline * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Group:
    """One group of nights as the summary reads it: plain values, grouped here (``groups``)
    or by the database (patients.clinic.dose_levels, the same grouping in SQL)."""

    dose_mg: Decimal | None  # None: the nights logged before the first dose (the baseline)
    nights: int
    first_night: date
    last_night: date
    scores: dict  # scale key -> the night's scores that are not None, in any order
    dream_nights: int  # nights with dreams answered
    vivid_nights: int  # of those, vivid dreams or nightmares


def groups(nights: Iterable[Night], scales: Sequence[scale_defs.Scale] = WATCHED) -> list[Group]:
    """The groups the summary reads: one per dose taken (a taken night with a dose), in the
    order of the first night each was taken, then the nights before the first dose with any
    score (a scale not summarised counts too), when there are any."""
    ordered = sorted(nights, key=lambda n: n.night)
    by_dose: dict[Decimal, list[Night]] = {}
    for night in ordered:
        if night.status == "taken" and night.dose_mg is not None:
            by_dose.setdefault(night.dose_mg, []).append(night)
    if not by_dose:
        return []
    first_dose_night = min(rows[0].night for rows in by_dose.values())
    before = [
        n
        for n in ordered
        if n.night < first_dose_night and any(v is not None for v in n.scores.values())
    ]
    found = [_group(dose, rows, scales) for dose, rows in by_dose.items()]
    if before:
        found.append(_group(None, before, scales))
    return found


def _group(dose, nights: Sequence[Night], scales) -> Group:
    answered = [n.dreams for n in nights if n.dreams]
    return Group(
        dose_mg=dose,
        nights=len(nights),
        first_night=min(n.night for n in nights),
        last_night=max(n.night for n in nights),
        scores={
            scale.key: [v for n in nights if (v := n.scores.get(scale.key)) is not None]
            for scale in scales
        },
        dream_nights=len(answered),
        vivid_nights=sum(1 for dreams in answered if dreams in VIVID),
    )


def _level(
    label,
    group: Group,
    scales,
    baseline: Level | None,
    is_baseline,
    dosing_time: str = EVENING,
):
    dose = group.dose_mg
    summaries = []
    for scale in scales:
        summary = spread(group.scores.get(scale.key, ()))
        percent = None
        base = None
        if baseline is not None and not is_baseline:
            base = next((s.spread for s in baseline.scales if s.scale.key == scale.key), None)
        if summary is not None and base is not None:
            percent = change_percent(scale, base.median, summary.median)
        summaries.append(
            ScaleSummary(
                scale,
                summary,
                percent,
                percent is not None and percent >= IMPROVEMENT_PERCENT,
            )
        )
    count = group.nights
    caution = ""
    morning = dosing_time == MORNING
    if count < SMALL_SAMPLE_NIGHTS and dose is not None and morning:
        caution = ngettext_lazy(
            "only %(count)s day at %(level)s: read with care",
            "only %(count)s days at %(level)s: read with care",
            count,
            level=label,
        )
    elif count < SMALL_SAMPLE_NIGHTS and dose is not None:
        caution = ngettext_lazy(
            "only %(count)s night at %(level)s: read with care",
            "only %(count)s nights at %(level)s: read with care",
            count,
            level=label,
        )
    elif count < SMALL_SAMPLE_NIGHTS and morning:
        caution = ngettext_lazy(
            "only %(count)s day before LDN: read with care",
            "only %(count)s days before LDN: read with care",
            count,
        )
    elif count < SMALL_SAMPLE_NIGHTS:
        caution = ngettext_lazy(
            "only %(count)s night before LDN: read with care",
            "only %(count)s nights before LDN: read with care",
            count,
        )
    answered = group.dream_nights
    return Level(
        label=label,
        dose_mg=dose,
        nights=count,
        first_night=group.first_night,
        last_night=group.last_night,
        scales=tuple(summaries),
        vivid_percent=(
            (Decimal(group.vivid_nights) / answered * 100).quantize(Decimal("1"))
            if answered
            else None
        ),
        dream_nights=answered,
        is_baseline=is_baseline,
        caution=caution,
    )


def by_dose_level(
    nights: Iterable[Night],
    *,
    scales: Sequence[scale_defs.Scale] = WATCHED,
    min_nights: int = MIN_NIGHTS,
    dosing_time: str = EVENING,
) -> DoseResponse:
    """Each dose taken on at least ``min_nights`` nights, against the patient's baseline.
    ``dosing_time``: the patient's; a morning doser's small-sample cautions count days."""
    return summarise(
        groups(nights, scales), scales=scales, min_nights=min_nights, dosing_time=dosing_time
    )


def summarise(
    found: Iterable[Group],
    *,
    scales: Sequence[scale_defs.Scale] = WATCHED,
    min_nights: int = MIN_NIGHTS,
    dosing_time: str = EVENING,
) -> DoseResponse:
    """by_dose_level from the groups of ``groups`` (or the database's same groups), in any
    order: their scores must hold ``scales``."""
    by_dose: dict[Decimal, Group] = {}
    before = None
    for group in found:
        if group.dose_mg is None:
            before = group
        else:
            by_dose[group.dose_mg] = group
    if not by_dose:
        return DoseResponse(None, (), ())
    # The dose taken on the first night taken (min keeps the first of equals: ``groups``
    # lists the doses in the order they were first taken; a patient has one row a night).
    first_dose = min(by_dose.values(), key=lambda g: g.first_night).dose_mg
    baseline = None
    if before is not None and before.nights >= min_nights:
        baseline = _level(gettext_noop("Before LDN"), before, scales, None, True, dosing_time)
    if baseline is None and by_dose[first_dose].nights >= min_nights:
        baseline = _level(
            dose_label(first_dose), by_dose[first_dose], scales, None, True, dosing_time
        )
    levels = []
    for dose in sorted(by_dose):
        group = by_dose[dose]
        if group.nights < min_nights:
            continue
        if baseline is not None and baseline.dose_mg == dose:
            levels.append(baseline)
            continue
        levels.append(_level(dose_label(dose), group, scales, baseline, False, dosing_time))
    too_few = tuple(
        (dose, group.nights) for dose, group in sorted(by_dose.items()) if group.nights < min_nights
    )
    return DoseResponse(baseline, tuple(levels), too_few)
