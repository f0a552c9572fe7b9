"""The printable visit report: what happened between two visits, on one page.

Pure over plain records: the view loads the patient page data once and passes it here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from patients.clinic.dashboard import (
    hold_ending,  # the chart's hold marker says the same end
    logged_by_night,
)
from patients.rules import adherence as adherence_rules
from patients.rules import scales as scale_defs
from patients.rules.scales import gettext_noop
from patients.urgent.reports import (
    reports_between,  # urgent reaction reports (patients.urgent.reports)
)
from prescriptions import titration

EDGE_NIGHTS = 14  # "at start" and "at end" are the means of the first and last 14 nights


@dataclass(frozen=True)
class SymptomChange:
    label: str
    start_mean: Decimal | None
    end_mean: Decimal | None
    change_percent: Decimal | None
    better: str  # "better", "worse", "unchanged" or "" when not comparable


def _mean(values):
    return (Decimal(sum(values)) / len(values)).quantize(Decimal("0.1")) if values else None


def symptom_changes(records, start: date, end: date, scales) -> list[SymptomChange]:
    """Per scale: the mean of the first and of the last EDGE_NIGHTS nights that have scores.

    Counted from the first and last scored night inside the range, so a range that begins
    before the patient started logging still compares like with like.
    """
    edge = timedelta(days=EDGE_NIGHTS - 1)
    out = []
    for scale in scales:
        scored = [
            (r.night, r.scores[scale.key])
            for r in records
            if start <= r.night <= end and r.scores.get(scale.key) is not None
        ]
        first = [v for night, v in scored if scored and night <= scored[0][0] + edge]
        last = [v for night, v in scored if scored and night >= scored[-1][0] - edge]
        if scored and scored[-1][0] - scored[0][0] < edge * 2:
            first = last = []  # fewer than 2 × 14 nights: the two ends would overlap
        before, after = _mean(first), _mean(last)
        percent, verdict = None, ""
        if before is not None and after is not None:
            if before:
                percent = ((after - before) / before * 100).quantize(Decimal("1"))
            worse = scale.worse_by(float(before), float(after))
            verdict = "worse" if worse > 0 else "better" if worse < 0 else "unchanged"
        out.append(SymptomChange(scale.label, before, after, percent, verdict))
    return out


def counted_in(versions, start: date, end: date) -> str:
    """How the report counts the range: "nights" when every date in it was of evening
    dosing, "days" when every one was of morning dosing, "both" across a switch. The dosing
    time of each night is the plan's then (titration.dosing_time_on), not today's: a range
    before a switch to mornings was said in days, one across it all in one of the two."""
    found = set()
    night = start
    while night <= end and len(found) < 2:
        found.add(titration.dosing_time_on(versions, night))
        night += timedelta(days=1)
    if len(found) > 1:
        return "both"
    return "days" if found == {titration.MORNING} else "nights"


class PlanRow(NamedTuple):
    """One row of the report's plan table."""

    version: object  # the signed PlanVersion
    replaced_by: object  # the version that replaced it before it took effect, or None
    ends: str  # how the hold it begins ends (dashboard.hold_ending), or ""
    upcoming: bool  # it takes effect after tonight (PlanView.upcoming)


def _plan_rows(page, changes, superseded) -> list[PlanRow]:
    """The range's plan changes (``changes``, the version it opens with first), the versions
    replaced before they took effect that it should show (``superseded``), and every version
    signed for a night after tonight, whatever the range: the table stopped at the version
    in force tonight, even with the range asked to end later (a range ends at the last night
    of record), while the plan page listed the resume, switch and hold signed for the days
    ahead (found by exploratory QA). In the plan page's order (``history``), each marked
    upcoming as the plan page marks it (PlanView.upcoming)."""
    plan = page.plan
    upcoming = plan.upcoming(page.today)
    replaced = plan.replaced_before_effect()
    listed = {row.pk for row in changes} | {row.pk for row, _ in superseded}
    ahead = [row for row in plan.signed_after(page.today) if row.pk not in listed]
    order = {row.pk: index for index, row in enumerate(plan.history)}
    # A hold's row says how it ends, as the chart's marker for it does (the table said "Put
    # on hold" beside a marker saying "until 12 Dec 2026, restart at 1.5 mg"); a version
    # replaced before it took effect held nothing.
    rows = (
        [(row, None) for row in changes]
        + list(superseded)
        + [(row, replaced.get(row.pk)) for row in ahead]
    )
    return sorted(
        (
            PlanRow(row, by, "" if by else hold_ending(plan, row), row.pk in upcoming)
            for row, by in rows
        ),
        key=lambda item: order.get(item.version.pk, -1),
    )


def _by_prescription(plan, rows: list[PlanRow]) -> list[dict]:
    """``rows`` in runs of one prescription each (the history is in prescription order),
    each with its prescription and first night, as the plan page's earlier prescriptions
    are named (panel.earlier_prescriptions: the first version's night)."""
    first_nights: dict[int, date] = {}
    for row in plan.history:
        first_nights.setdefault(row.prescription_id, row.effective_night)
    groups: list[dict] = []
    for row in rows:
        prescription_id = row.version.prescription_id
        if not groups or groups[-1]["prescription"].pk != prescription_id:
            groups.append(
                {
                    "prescription": row.version.prescription,
                    "first_night": first_nights.get(prescription_id),
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(row)
    return groups


def visit_report(page, start: date, end: date, changes, *, scales=None) -> dict:
    """Everything the report template shows for ``page`` (a dashboard.PatientPage).

    ``changes``: the plan's changes in the range (PlanView.changes_between), the same list
    the report's chart marks; the table opens with the version in effect before the range
    (shown muted, for context: it has no marker, its night being outside the chart)."""
    records = page.between(start, end)

    # The one reading of a prescribed night, as the patient page and the history count it.
    nightly = adherence_rules.night_records(page.plan, logged_by_night(records), start, end)
    days = (end - start).days + 1
    dreams = Counter(record.dreams for record in records)
    effects = Counter()
    for record in records:
        for effect in record.side_effects:
            effects[(effect.kind, effect.severity)] += 1
    before = page.plan.change_before(start)
    changes = [*([before] if before else []), *changes]
    plan_rows = _plan_rows(page, changes, page.plan.superseded_between(start, end, page.patient.tz))
    watched = scales or [*scale_defs.SYMPTOMS, scale_defs.SLEEP]
    return {
        "start": start,
        "end": end,
        "days": days,
        "counted_in": counted_in(page.plan.versions, start, end),
        # Nights after tonight are open unless logged (the range may end on a night logged
        # ahead of tonight: tonight, still open, counted as missed in it); a past night not
        # logged is missed, the range's last one too.
        "adherence": adherence_rules.adherence(nightly, page.today, days, through=end),
        "taken": sum(1 for r in records if r.status == "taken"),
        "skipped": sum(1 for r in records if r.status == "skipped"),
        "changes": changes,
        # PlanRow each, in the plan page's order (signing order, prescription by prescription)
        "plan_rows": plan_rows,
        # The same rows by prescription, each group named as the plan page names it, when
        # the patient has had more than one (two "v1 Plan created" rows read alike).
        "plan_groups": _by_prescription(page.plan, plan_rows),
        "by_prescription": len({row.prescription_id for row in page.plan.history}) > 1,
        # As the plan panel's "Next change" (PlanView.next_change from tonight): none for a
        # closed account's record (read-only, it ends on its closure night).
        "next_change": None if page.closed else page.plan.next_change(page.today),
        "symptoms": symptom_changes(records, start, end, watched),
        "dreams": [(label, dreams.get(key, 0)) for key, label in DREAM_LABELS],
        # By label (the template translates it), not by the stored code; a kind outside
        # the choices shows as itself.
        "side_effects": sorted(
            (
                (SIDE_EFFECT_LABELS.get(kind, kind), severity, count)
                for (kind, severity), count in effects.items()
            ),
            key=lambda item: (-item[2], item[0]),
        ),
        # The flags about nights in the range; one open now about later nights only (a
        # report of 1 Nov listed "Missed days … 26 Nov to 3 Dec") is left out: it is not
        # about the range, and the patient page lists it.
        "flags": [
            (flag, flag.is_reviewed(page.reviewed_through))
            for flag in page.flags
            if flag.is_about(start, end)
        ],
        "edge_nights": EDGE_NIGHTS,
        "urgent_reports": _urgent_reports(page.patient, start, end, page.plan),
    }


# English here (the module stays free of Django); the template translates each label.
DREAM_LABELS = (
    ("vivid", gettext_noop("Vivid dreams")),
    ("nightmares", gettext_noop("Nightmares")),
    ("normal", gettext_noop("Normal")),
)
# SideEffect.Kind's labels (the same msgids).
SIDE_EFFECT_LABELS = {
    "insomnia": gettext_noop("Insomnia"),
    "headache": gettext_noop("Headache"),
    "nausea": gettext_noop("Nausea"),
    "anxiety": gettext_noop("Anxiety"),
    "other": gettext_noop("Other"),
}


def _urgent_reports(patient, start: date, end: date, plan):

    return reports_between(patient, start, end, plan)
