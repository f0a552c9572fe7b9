"""Covering clinicians: an admin sets one clinician to cover a colleague for whole days in
the clinic's zone, or ends it early; each change is audited with its before and after.

While a coverage holds, the access gate (`Patient.objects.visible_to`) lets the covering
clinician see the colleague's patients, `care_team.clinicians_to_alert` sends them the
patients' alerts, and the access log records their reads as "covering". The dates are judged
by patients.rules.coverage; this module is the only one that writes Coverage rows.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import Role, User
from ldn_journal.local_dates import local_date
from patients.models import CareTeamMembership, Coverage
from patients.rules import coverage as rules


class CoverageError(Exception):
    """A coverage this module refuses; `problems` maps a form field ("" for the whole form)
    to the messages that say why."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in problems.values() for m in messages))
        self.problems = problems


def today(now: datetime) -> date:
    return rules.clinic_day(now, settings.LDN_CLINIC_TIME_ZONE)


def phase_of(coverage: Coverage, now: datetime) -> str:
    return rules.phase(
        coverage.first_day,
        coverage.last_day,
        coverage.ended_at,
        now,
        settings.LDN_CLINIC_TIME_ZONE,
    )


def _clinician_problem(user: User) -> str:
    if user.role != Role.CLINICIAN:
        return _("%(name)s is not a clinician: only clinicians can cover or be covered.") % {
            "name": user.name
        }
    if not user.is_active:
        return _("%(name)s is deactivated. Choose an active clinician.") % {"name": user.name}
    return ""


def problems(
    covering: User | None,
    covered: User | None,
    first_day: date | None,
    last_day: date | None,
    now: datetime,
) -> dict[str, list[str]]:
    """Every reason these values make no coverage, by form field; {} when they are sane."""
    found: dict[str, list[str]] = {}
    for field, user in (("covering", covering), ("covered", covered)):
        if user is not None and (message := _clinician_problem(user)):
            found.setdefault(field, []).append(message)
    if covering is not None and covered is not None and covering.pk == covered.pk:
        found.setdefault("covered", []).append(
            _("A clinician cannot cover themselves. Choose two different clinicians.")
        )
    if first_day is not None and last_day is not None:
        max_days = settings.LDN_COVERAGE_MAX_DAYS
        max_lead_days = settings.LDN_COVERAGE_MAX_LEAD_DAYS
        latest_first = today(now) + timedelta(days=max_lead_days)
        messages = {
            "last_before_first": ("last_day", _("The last day is before the first day.")),
            "in_the_past": (
                "last_day",
                _("These days are over: the last day must be today or later."),
            ),
            "too_far_ahead": (
                "first_day",
                _(
                    "A coverage can start at most %(days)s days from today: the first day "
                    "must be %(latest)s or earlier."
                )
                % {"days": max_lead_days, "latest": local_date(latest_first, "date")},
            ),
            "too_long": (
                "last_day",
                _("A coverage can last at most %(days)s days.") % {"days": max_days},
            ),
        }
        for code in rules.date_problems(
            first_day, last_day, today(now), max_days=max_days, max_lead_days=max_lead_days
        ):
            field, message = messages[code]
            found.setdefault(field, []).append(message)
    overlap = (
        _overlap_problem(covering, covered, first_day, last_day, now)
        if covering is not None and covered is not None and not found
        else ""
    )
    if overlap:
        found.setdefault("", []).append(overlap)
    return found


def _overlap_problem(covering: User, covered: User, first_day, last_day, now) -> str:
    """A coverage of the same two clinicians (either way round) that has not ended and
    shares a day with these: ending one of two overlapping coverages left the access open
    through the other, and two clinicians covering each other were each both away and
    covering (found by an exploratory pass)."""
    if first_day is None or last_day is None:
        return ""
    pair = Coverage.objects.filter(first_day__lte=last_day, last_day__gte=first_day).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=now)
    )
    same = pair.filter(covering=covering, covered=covered).order_by("first_day").first()
    if same is not None:
        return _(
            "%(covering)s already covers %(covered)s from %(first)s to %(last)s. Change the "
            "dates so they do not overlap, or end that coverage first."
        ) % {
            "covering": covering.name,
            "covered": covered.name,
            "first": local_date(same.first_day, "date"),
            "last": local_date(same.last_day, "date"),
        }
    mutual = pair.filter(covering=covered, covered=covering).order_by("first_day").first()
    if mutual is not None:
        return _(
            "%(covered)s covers %(covering)s from %(first)s to %(last)s: two clinicians "
            "cannot cover each other on the same days."
        ) % {
            "covering": covering.name,
            "covered": covered.name,
            "first": local_date(mutual.first_day, "date"),
            "last": local_date(mutual.last_day, "date"),
        }
    return ""


def _state(coverage: Coverage) -> dict:
    """The audited shape of a coverage: ids, dates and codes only."""
    return {
        "covering": coverage.covering_id,
        "covered": coverage.covered_id,
        "first_day": coverage.first_day.isoformat(),
        "last_day": coverage.last_day.isoformat(),
        "ended_at": coverage.ended_at.isoformat() if coverage.ended_at else None,
    }


def create(
    *,
    covering: User,
    covered: User,
    first_day: date,
    last_day: date,
    reason: str,
    admin: User,
    request,
    now: datetime,
) -> Coverage:
    """Save a coverage and its audit row together; raises CoverageError (nothing stored)."""
    found = problems(covering, covered, first_day, last_day, now)
    if found:
        raise CoverageError(found)
    with transaction.atomic():
        coverage = Coverage.objects.create(
            covering=covering,
            covered=covered,
            first_day=first_day,
            last_day=last_day,
            reason=reason.strip(),
            created_by=admin,
            created_at=now,
        )
        record_access(
            request,
            "coverage.create",
            obj=coverage,
            actor=admin,
            detail={"before": None, "after": _state(coverage)},
        )
    return coverage


def end_early(coverage: Coverage, *, admin: User, request, now: datetime) -> bool:
    """End a current or upcoming coverage now. False when it had already ended (another tab,
    a double tap, or its last day is over): the conditional UPDATE decides, once."""
    if phase_of(coverage, now) == rules.PAST:
        return False
    before = _state(coverage)
    with transaction.atomic():
        updated = Coverage.objects.filter(pk=coverage.pk, ended_at__isnull=True).update(
            ended_at=now, ended_by=admin
        )
        if not updated:
            return False
        coverage.ended_at, coverage.ended_by = now, admin
        record_access(
            request,
            "coverage.end",
            obj=coverage,
            actor=admin,
            detail={"before": before, "after": _state(coverage)},
        )
    return True


def listing(now: datetime) -> dict[str, list[Coverage]]:
    """Every coverage, in one query, by phase: current and upcoming soonest first, past
    (ended or over) most recent first."""
    grouped: dict[str, list[Coverage]] = {rules.CURRENT: [], rules.UPCOMING: [], rules.PAST: []}
    rows = Coverage.objects.select_related("covering", "covered", "created_by", "ended_by")
    for coverage in rows.order_by("first_day", "pk"):
        coverage.phase = phase_of(coverage, now)
        # Ended before its first day: it never covered anyone ("ended early" said it had).
        coverage.cancelled = (
            coverage.ended_at is not None and today(coverage.ended_at) < coverage.first_day
        )
        grouped[coverage.phase].append(coverage)
    grouped[rules.PAST].reverse()
    return grouped


def ended_behind(
    covering: User, moments: list[datetime], now: datetime, patient_id: int
) -> list[Coverage]:
    """The coverages `covering` gave for a clinician on the care team of the patient with
    `patient_id` that held at one of `moments` (when an alert about them reached `covering`)
    and are over at `now`, soonest first, each with `ended_on` (its last day, or the day it
    was ended early): why a link in that alert no longer opens anything for them. Coverages
    of other colleagues the same days are not why (the page named them, and sent the follow
    up to them: found in review)."""
    if not moments:
        return []
    days = [today(moment) for moment in moments]
    team = CareTeamMembership.objects.filter(patient_id=patient_id).values("clinician_id")
    rows = Coverage.objects.filter(
        covering=covering, covered__in=team, first_day__lte=max(days), last_day__gte=min(days)
    ).select_related("covered")
    zone = settings.LDN_CLINIC_TIME_ZONE
    ended = []
    for coverage in rows.order_by("first_day", "pk"):
        held = any(
            rules.phase(coverage.first_day, coverage.last_day, coverage.ended_at, moment, zone)
            == rules.CURRENT
            for moment in moments
        )
        if held and phase_of(coverage, now) == rules.PAST:
            coverage.ended_on = (
                min(today(coverage.ended_at), coverage.last_day)
                if coverage.ended_at
                else coverage.last_day
            )
            ended.append(coverage)
    return ended
