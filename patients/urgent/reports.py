"""Urgent reaction reports: record a patient's report, alert the care team now, acknowledge,
and escalate when nobody answers.

Alerts go through the reminders machinery: one ReminderDelivery claimed per (report,
recipient, channel) by its unique key, enqueued after commit, sent and retried by the
delivery worker. "now" is always an argument; nothing here reads the clock.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.closed_records import read_only_message
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import Role, User, is_closed
from ldn_journal.compiled_queries import CompiledQuery
from ldn_journal.local_dates import zoned_text
from patients import care_team as teams
from patients.models import (
    ClinicianPreferences,
    NightlyEntry,
    Patient,
    ReminderDelivery,
    UrgentReport,
)
from patients.notifications import undelivered
from patients.notifications.channels.email import EmailMessageParts
from patients.notifications.claims import ClaimRow, claim_many
from patients.notifications.outbox import Rendered, Renderer, enqueue_on_commit, register_renderer
from patients.notifications.reach import push_reachable
from patients.rules import nights
from patients.rules import pause as pause_rules
from patients.rules.schedule import Prefs, after_quiet_hours
from patients.signals import attention_changed
from prescriptions import changes, plans, titration
from prescriptions.models import PlanVersion

log = logging.getLogger(__name__)

Kind = ReminderDelivery.Kind
Decision = UrgentReport.Decision
Routing = UrgentReport.Routing
Channel = ReminderDelivery.Channel
Status = ReminderDelivery.Status

TEXT_MAX = UrgentReport._meta.get_field("text").max_length
NOTE_MAX = UrgentReport._meta.get_field("ack_note").max_length
NIGHTS_BESIDE_REPORT = 14

SINCE_CHOICES = [
    ("within_hour", _("Within the last hour")),
    ("few_hours", _("A few hours")),
    ("since_dose", _("Since my last dose")),
    ("day_or_more", _("A day or more")),
]
SINCE_LABELS = dict(SINCE_CHOICES)


class UrgentError(Exception):
    """A request this module refuses; ``str(error)`` is the message for the person."""


class AlreadyAcknowledged(UrgentError):
    pass


# --- Reporting ----------------------------------------------------------------------------------


def report_zone(report: UrgentReport, tz):
    """The zone a report is read in: the one it was made in (UrgentReport.time_zone), else
    ``tz``, the patient's (a report made before its zone was stored)."""
    return nights.zone_or(getattr(report, "time_zone", ""), tz)


def report_night(report: UrgentReport, tz, plan: plans.PlanView) -> date:
    """The night a report belongs to, in the zone it was made in (report_zone; ``tz``, the
    patient's, for an older report that names none), under the dosing time the plan had when
    it was made (PlanView.night_of): a morning doser's report at 09:48 belongs to that
    calendar date, the night of the dose they logged that morning; an evening doser's report
    before noon to the night before. It used the evening boundary for everyone, so a morning
    doser's report page started its 14 nights the day before, without the morning's dose the
    acknowledgement form beside it said was logged (found by exploratory testing); and it
    used the patient's zone of the day, so a report made in Tokyo at 22:00 moved to the night
    before once the patient was in Los Angeles.

    Every surface places a report through here: anything with ``created_at`` and
    ``time_zone`` (the dashboard passes the oldest open report's annotated columns)."""
    return plan.night_of(report.created_at, report_zone(report, tz))


def made_on_a_night_after(tonight: date) -> datetime:
    """The earliest instant a report on a night after ``tonight`` (in the zone it was made in)
    can have been made: a later night begins no earlier than midnight of the next day in the
    zone furthest east (UTC+14), 10:00 UTC on ``tonight``'s date, so midnight UTC is safe.
    The reports a range's last night has to look at (newest_night)."""
    return datetime.combine(tonight, datetime.min.time(), UTC)


def newest_night(reports: Iterable[UrgentReport], tz, plan: plans.PlanView) -> date | None:
    """The latest night (report_night) of ``reports``, None without any: what
    nights.last_night_of_record takes for the urgent reports a range shows."""
    return max((report_night(report, tz, plan) for report in reports), default=None)


def report_reaction(
    patient: Patient,
    *,
    symptoms: Iterable[str],
    since: str,
    severity: str,
    text: str,
    submission_id: uuid.UUID,
    now: datetime,
) -> tuple[UrgentReport, bool]:
    """Save a report and claim its alerts in one transaction; (report, created).

    The same submission id posted again (a flaky connection, a reload) returns the first
    report and claims nothing more: the unique id_submission decides, not a Python check.
    A symptom named twice is stored once, in the order first named (it was stored twice, and
    listed twice to the care team).
    """
    symptoms = list(dict.fromkeys(symptoms))
    with transaction.atomic():
        team = care_team(patient.pk, now)
        routing = routed_to(_reaching_someone(team, now, with_admins=False), team, now)
        try:
            with transaction.atomic():
                report = UrgentReport.objects.create(
                    id_submission=submission_id,
                    patient=patient,
                    symptoms=symptoms,
                    since=since,
                    severity=severity,
                    text=text.strip(),
                    created_at=now,
                    routed_to=routing,
                    time_zone=patient.zone_name,
                )
        except IntegrityError:
            report = UrgentReport.objects.filter(
                id_submission=submission_id, patient=patient
            ).first()
            if report is None:  # an id that belongs to someone else: never reveal it
                raise
            return report, False
        hold_back_dose_reminders(patient.pk)
        alert_care_team(report.pk, now)
    return report, True


def hold_back_dose_reminders(patient_id: int) -> int:
    """Dose reminders already claimed but not yet sent are not sent while the report is open
    (the sweep claims no new ones: patients.rules.pause)."""
    return ReminderDelivery.objects.filter(
        patient_id=patient_id,
        report__isnull=True,
        status=Status.PENDING,
        kind__in=pause_rules.PAUSED_REMINDER_KINDS,
    ).update(status=Status.SKIPPED, last_error="Paused: an urgent report is open.")


def _due_at(prefs: ClinicianPreferences | None, now: datetime) -> datetime:
    """When an alert to this person is due: now, unless they are a clinician in quiet hours
    who did not let urgent alerts wake them (then: the end of their quiet hours)."""
    if prefs is None or prefs.urgent_ignores_quiet_hours:
        return now
    return after_quiet_hours(
        now, Prefs(tz=prefs.time_zone, quiet_start=prefs.quiet_start, quiet_end=prefs.quiet_end)
    )


def alert_key(kind: str, report_id: int, recipient_id: int, channel: str) -> str:
    return f"u:{kind}:{report_id}:{recipient_id}:{channel}"


def _prefs_of(users: Iterable[User]) -> dict[int, ClinicianPreferences]:
    ids = [user.pk for user in users]
    return {p.user_id: p for p in ClinicianPreferences.objects.filter(user_id__in=ids)}


def _awake(users: list[User], now: datetime) -> list[User]:
    """Those of ``users`` an alert reaches now (not held back by their quiet hours)."""
    prefs = _prefs_of(users)
    return [user for user in users if _due_at(prefs.get(user.pk), now) <= now]


@dataclass(frozen=True)
class Recipients:
    """Who an alert goes to, and whether it wakes those in quiet hours: when nobody else
    can be reached now, it does (an urgent report always reaches a person at once)."""

    users: list[User]
    wake: bool = False


def _reaching_someone(clinicians: list[User], now: datetime, *, with_admins: bool) -> Recipients:
    """``clinicians``, with the admins on duty when asked or when none of the clinicians can
    be reached now (all in quiet hours that urgent alerts may not break, or none at all);
    and if still nobody can be reached now, waking the clinicians: DESIGN's "it always
    reaches a person who can open it" (a report made while the whole team slept reached
    nobody until morning, and the patient read that the care team was alerted)."""
    users = clinicians
    if with_admins or not _awake(clinicians, now):
        users = sorted({*clinicians, *on_duty()}, key=lambda user: user.pk)
    return Recipients(users, wake=bool(users) and not _awake(users, now))


def _claim_alerts(
    report: UrgentReport, kind: str, recipients: Recipients | list[User], now
) -> list[int]:
    """Claim (report, recipient, channel) alerts that are due now and enqueue them after
    commit. Someone in quiet hours is not claimed yet (the sweep claims them when it ends),
    unless the recipients must wake them (Recipients.wake)."""
    if not isinstance(recipients, Recipients):
        recipients = Recipients(list(recipients))
    users = recipients.users
    ids = [user.pk for user in users]
    with_push = push_reachable(ids)  # none without a VAPID key: a push that could only fail
    prefs = _prefs_of(users)
    rows = []
    for user in users:
        if not recipients.wake and _due_at(prefs.get(user.pk), now) > now:
            continue
        channels = [Channel.EMAIL] + ([Channel.PUSH] if user.pk in with_push else [])
        rows.extend(
            ClaimRow(
                key=alert_key(kind, report.pk, user.pk, channel),
                recipient_id=user.pk,
                kind=kind,
                channel=channel,
                due_at=now,
                patient_id=report.patient_id,
                report_id=report.pk,
            )
            for channel in channels
        )
    claimed = claim_many(rows, now)
    if claimed:
        enqueue_on_commit(claimed)
    return claimed


def care_team(patient_id: int, now: datetime) -> list[User]:
    """The clinicians alerted about this patient: the care team and whoever covers one of
    them today (patients.care_team.clinicians_to_alert, the one list every alert reads)."""
    return teams.clinicians_to_alert(patient_id, now)


def on_duty() -> list[User]:
    """The clinic's team on duty: its active admins, who route a report nobody else can take."""
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk"))


def first_responders(patient_id: int, now: datetime) -> Recipients:
    """Who is alerted at once: the active care team (and their coverers); the admins too when
    none of them can be reached now (none at all, or all in quiet hours that urgent alerts
    may not break: they are alerted when their quiet hours end)."""
    return _reaching_someone(care_team(patient_id, now), now, with_admins=False)


def routed_to(recipients: Recipients, team: list[User], now: datetime) -> str:
    """What the patient is told: their care team was alerted now, or the clinic's team on
    duty (templates/patients/urgent/_who_was_alerted.html)."""
    if team and (recipients.wake or _awake(team, now)):
        return Routing.CARE_TEAM
    return Routing.ON_DUTY


def alert_care_team(report_id: int, now: datetime) -> list[int]:
    """Claim one alert per (report, recipient, channel): e-mail always, Web Push when the
    recipient has a device. The recipients are the care team's active clinicians, or the
    admins at once when there are none. Returns the ids this call claimed (none the second
    time).

    Enqueued after commit; with the broker down they stay pending and the reminder sweep
    re-enqueues them (patients.notifications.sweep.stale_deliveries)."""
    report = UrgentReport.objects.get(pk=report_id)
    recipients = first_responders(report.patient_id, now)
    if not recipients.users:
        log.error("Urgent report %s reaches nobody: no active clinician or admin", report_id)
    return _claim_alerts(report, Kind.URGENT, recipients, now)


# --- Routing a report nobody on a care team can take ---------------------------------------


def assign_clinician(
    report: UrgentReport, clinician: User, *, by: User, now: datetime, request=None
) -> list[int]:
    """Put `clinician` on the report's patient's care team (audited) and alert them at once
    about every open report of that patient. Returns the claimed delivery ids.

    Raises care_team.CareTeamError (a clear message) for an admin, a patient or a
    deactivated account."""
    with transaction.atomic():
        teams.add_clinician(
            report.patient, clinician, by=by, request=request, reason=f"urgent report {report.pk}"
        )
        claimed = []
        for open_report in UrgentReport.objects.open().filter(patient_id=report.patient_id):
            claimed += _claim_alerts(open_report, Kind.URGENT, [clinician], now)
    return claimed


# --- Messages (no health details: the details are behind login) -------------------------------


def alert_url(delivery: ReminderDelivery) -> str:
    if delivery.recipient.is_admin:  # admins see no clinical pages: they route the report
        return settings.SITE_URL + reverse("manage:urgent_report", args=[delivery.report_id])
    # Through the alert's own link, which opens the report while the clinician may see it
    # and says why not once they may not (a coverage that ended), instead of a bare 404.
    return settings.SITE_URL + reverse("clinic:urgent_alert", args=[delivery.report_id])


def alerted_at(user: User, report_id: int) -> list[datetime]:
    """When alerts about this report were claimed for `user` (none: the link is not theirs)."""
    return list(
        ReminderDelivery.objects.filter(recipient=user, report_id=report_id)
        .order_by("claimed_at")
        .values_list("claimed_at", flat=True)
    )


def patient_of(report_id: int) -> int | None:
    """The id of the patient a report is about (none for a report that is gone)."""
    return UrgentReport.objects.filter(pk=report_id).values_list("patient_id", flat=True).first()


class UrgentAlertRenderer(Renderer):
    """Urgent and escalation alerts: "an urgent report from a patient on your team" and a
    link behind login; never a name, a symptom or a dose."""

    def skip_reason(self, delivery, now):
        if not delivery.recipient.is_active:
            return "Account deactivated."
        report = UrgentReport.objects.filter(pk=delivery.report_id).first()
        if report is None:
            return "Report gone."
        if report.acknowledged_at is not None:
            return "Acknowledged before it was sent."
        # Claimed while they could open the report, sent after they no longer can (their
        # coverage ended, or they left the care team, while the worker was slow or down):
        # an alert they cannot act on (found by exploratory testing). The care team's own
        # alerts go out as claimed.
        if not UrgentReport.objects.visible_to(delivery.recipient, now).filter(pk=report.pk):
            return "The recipient can no longer open the report."
        return ""

    def render(self, delivery, now):  # noqa: ARG002 - the Renderer interface
        # In the recipient's language: each clinician (or admin) reads their own.
        with speaking_to(delivery.recipient):
            return self._render(delivery)

    def _render(self, delivery):

        context = {
            "url": alert_url(delivery),
            "escalation": delivery.kind == Kind.ESCALATION,
            "minutes": settings.LDN_URGENT_ESCALATE_MINUTES,
            "recipient": delivery.recipient,
        }
        subject = " ".join(
            render_to_string("patients/urgent/email/alert_subject.txt", context).split()
        )
        email = EmailMessageParts(
            subject=subject,
            text=render_to_string("patients/urgent/email/alert_body.txt", context),
            html=render_to_string("patients/urgent/email/alert_body.html", context),
        )
        push = {
            "title": subject,
            "body": gettext("Open LDN Journal to see it (sign-in needed)."),
            "url": context["url"].removeprefix(settings.SITE_URL),
            "tag": f"ldn-urgent-{delivery.report_id}",
            "requireInteraction": True,
        }
        return Rendered(email=email, push=push)


for _kind in (Kind.URGENT, Kind.ESCALATION):
    register_renderer(_kind, UrgentAlertRenderer())


def report_failed_alerts(now: datetime) -> list[int]:
    """Tell the admins, once, about urgent alerts that keep failing (every channel they
    have; the alerts themselves go on being retried): patients.notifications.undelivered."""
    return undelivered.tell_admins(now)


# --- Acknowledging ---------------------------------------------------------------------------


def _record_history(report: UrgentReport, user, reason: str, now: datetime) -> None:
    """A conditional UPDATE skips simple_history's signals: write the history row by hand."""
    report.refresh_from_db()
    UrgentReport.history.bulk_history_create(
        [report], update=True, default_user=user, default_change_reason=reason, default_date=now
    )


def acknowledge(
    report: UrgentReport,
    clinician: User,
    note: str,
    now: datetime,
    *,
    hold: bool = False,
    decision: str | None = None,
) -> UrgentReport:
    """Mark the report seen with the clinician's decision and a note for the patient:
    "continue as planned" (the pause ends) or "hold the plan" (a signed hold from the next
    undosed night, saved in the same transaction through prescriptions.changes).

    Two clinicians acknowledging at once: the conditional UPDATE lets exactly one win; the
    other gets AlreadyAcknowledged. A hold that cannot be saved undoes the acknowledgement.
    """
    decision = decision or (Decision.HOLD if hold else Decision.CONTINUE)
    if decision not in Decision.values:
        raise UrgentError("Choose “continue as planned” or “hold the plan”.")
    if decision == Decision.HOLD and is_closed(report.patient.user):
        # A closed account's record is kept read-only (accounts.closed_records): a hold
        # signed on acknowledging it was a new plan version all the same.
        raise UrgentError(read_only_message())
    note = note.strip()
    with transaction.atomic():
        won = UrgentReport.objects.filter(pk=report.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=clinician, ack_note=note, ack_decision=decision
        )
        if not won:
            report.refresh_from_db()
            who = report.acknowledged_by.name if report.acknowledged_by else gettext("someone")
            # In the report's zone, labelled, as the report page beside it shows every time
            # (it said the time in UTC, which no page of the clinic shows).
            raise AlreadyAcknowledged(
                gettext("%(who)s already acknowledged this report on %(when)s.")
                % {
                    "who": who,
                    "when": zoned_text(
                        report.acknowledged_at, report_zone(report, report.patient.tz), "day_time"
                    ),
                }
            )
        _record_history(report, clinician, "acknowledged", now)
        # The UPDATE above sends no post_save: say so to the clinician list's rows.
        attention_changed.send(sender=UrgentReport, patient_id=report.patient_id)
        if decision == Decision.HOLD:
            hold_plan(report, clinician, note, now)
        # Alerts still waiting (quiet hours) are no longer needed.
        ReminderDelivery.objects.filter(report=report, status=Status.PENDING).update(
            status=Status.SKIPPED, last_error="Acknowledged before it was sent."
        )
        # The pause may have ended: let the next sweep look at this patient's reminders
        # again (a paused sweep scheduled its next look past the reminders it held back).
        Patient.objects.filter(pk=report.patient_id).update(next_reminder_at=None)
    return report


# The hold a plan is on tonight: its own first night and its last (None: no restart signed),
# both read from the plan (PlanView.hold_as_signed, begun).
StandingHold = plans.SignedHold


def standing_hold(plan: plans.PlanView, tonight: date) -> StandingHold | None:
    """The hold the plan is on ``tonight`` (PlanView.hold_as_signed, begun: the one answer
    to "is the plan on hold"), or None. What "continue as planned" keeps: the clinician's
    form said "the patient doses as planned" and the patient read "continue as planned"
    above "Paused by your clinician" for a hold older than the report (exploratory QA). A
    hold signed to start later is :func:`hold_ahead`'s."""
    hold = plan.hold_as_signed(tonight)
    return hold if hold is not None and hold.begun else None


def hold_ahead(plan: plans.PlanView, tonight: date) -> StandingHold | None:
    """The hold signed to start after ``tonight`` when none runs tonight (PlanView.
    hold_as_signed, not begun), or None: "continue as planned" keeps it too, and the
    clinician's form and the patient's answer say so."""
    hold = plan.hold_as_signed(tonight)
    return hold if hold is not None and not hold.begun else None


def hold_stands(plan: plans.PlanView, hold_from: date) -> bool:
    """Whether the plan, as every version of it says, is on hold from ``hold_from`` (the night
    "hold the plan" holds from: :func:`hold_starts`) until resumed (no restart signed:
    PlanView.held_until): then "hold the plan" signs nothing new (:func:`hold_plan`), and
    the clinician's form says the hold already signed stands. It said "a new plan version
    signed by you puts the plan on hold from ..." of an open-ended hold already signed to
    start that night (tonight's dose logged, the hold signed from tomorrow), though
    answering saved nothing."""
    return plan.status_on(hold_from) == titration.ON_HOLD and plan.held_until(hold_from) is None


def hold_starts(patient: Patient, plan: plans.PlanView, now: datetime) -> tuple[date, bool]:
    """The night "hold the plan", decided at ``now``, holds from, and whether a dose from
    tonight on is logged: changes.first_changeable_night from the patient's tonight, so
    tonight itself while its dose is not logged (also after midnight, before an evening
    doser's noon), else the night after the newest logged. What :func:`hold_plan` stores
    and the clinician's form names (it said "from the next night" at 20:00 of a night whose
    dose was not logged, and the hold was stored from that night)."""
    return changes.first_changeable_night(patient, plan.tonight(patient.tz, now))


def hold_plan(report: UrgentReport, clinician: User, note: str, now: datetime):
    """Put the patient's plan on hold from tonight, open-ended: a new signed PlanVersion.
    When tonight's dose is already logged it stands, and the hold starts tomorrow night.

    Returns the new version, or None when the plan, as every version of it says, is already
    on hold from that night until resumed (no restart signed: PlanView.held_until). A hold
    that is only signed for later (a holiday hold in three weeks) or that ends on a dated
    night is not the open-ended hold the clinician decided: the plan stayed active until
    the dated hold began, or restarted when it ended (it asked only whether the newest
    version had a hold running or to come)."""

    patient = report.patient
    plan = plans.load(patient)
    prescription = plan.open_prescription
    if prescription is None:
        raise UrgentError(
            gettext(
                "This patient has no plan to put on hold: acknowledge without the hold, and "
                "tell the patient in your note to stop taking LDN."
            )
        )
    latest = plan.latest
    hold_from, _logged = hold_starts(patient, plan, now)
    if hold_stands(plan, hold_from):
        return None
    if not note:
        # Stored for the patient to read: in their language, not the clinician's.
        with speaking_to(patient.user):
            note = gettext("Do not take LDN until your clinician tells you to restart.")
    change = changes.hold_change(
        latest,
        hold_from=hold_from,
        hold_until=None,
        # The kind reads in each reader's language; the stored words are only the number.
        reason=f"#{report.pk}",
        reason_kind=PlanVersion.ReasonKind.URGENT_REPORT,
        patient_note=note,
        # Tonight's dosing time, not a later switch's (the hold was refused under one).
        versions=plan.versions,
    )
    try:
        return changes.save_version(
            prescription_id=prescription.pk,
            author=clinician,
            based_on=latest.number,
            change=change,
            now=now,
        )
    except changes.PlanChangeError as error:
        raise UrgentError(str(error)) from error


# --- Escalation ----------------------------------------------------------------------------


def escalate_after() -> timedelta:
    return timedelta(minutes=settings.LDN_URGENT_ESCALATE_MINUTES)


def escalation_recipients(report: UrgentReport, now: datetime) -> Recipients:
    """Everyone on the care team (and their coverers), again, and the clinic's admins
    (LDN_URGENT_ESCALATE_TO_ADMINS, or when no clinician can be reached now).

    Each can open what the alert links to: clinicians the report, admins its routing page
    (patients.urgent.admin_views), where they assign a clinician who can act."""
    return _reaching_someone(
        care_team(report.patient_id, now),
        now,
        with_admins=settings.LDN_URGENT_ESCALATE_TO_ADMINS,
    )


def due_for_escalation(now: datetime):
    """The open reports not yet escalated that were made LDN_URGENT_ESCALATE_MINUTES or more
    before `now`, oldest first: what escalate_due escalates and `send_reminders --dry-run`
    lists."""
    return (
        UrgentReport.objects.open()
        .filter(escalated_at__isnull=True, created_at__lte=now - escalate_after())
        .order_by("created_at")
    )


def escalate_due(now: datetime, claimed: list[int] | None = None) -> list[int]:
    """Escalate every report still unacknowledged LDN_URGENT_ESCALATE_MINUTES after it was
    made, once: the conditional UPDATE on escalated_at lets one sweep win. Returns the
    escalated report ids (and adds the alerts it claimed to ``claimed``). Called by the
    reminder sweep every minute."""
    due = list(due_for_escalation(now).values_list("pk", flat=True))
    escalated = []
    for pk in due:
        with transaction.atomic():
            won = UrgentReport.objects.filter(
                pk=pk, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not won:
                continue
            report = UrgentReport.objects.get(pk=pk)
            _record_history(report, None, "escalated", now)
            recipients = escalation_recipients(report, now)
            alerts = _claim_alerts(report, Kind.ESCALATION, recipients, now)
            record_access(
                None,
                "urgent.escalate",
                patient=report.patient,
                obj=report,
                detail={"recipients": [u.pk for u in recipients.users], "deliveries": alerts},
            )
        escalated.append(pk)
        if claimed is not None:
            claimed += alerts
    if escalated:
        log.warning("Escalated unacknowledged urgent reports %s", escalated)
    return escalated


def sweep(now: datetime) -> dict:
    """The urgent part of the every-minute reminder sweep: escalate what is due, claim the
    alerts of open reports that quiet hours (or a clinician who joined the team since) held
    back, and tell the admins about alerts that failed. Alerts the queue lost are
    re-enqueued by the reminder sweep's own stale-delivery pass. ``claimed`` is every alert
    claimed here, the escalations' too (each is also enqueued after its commit)."""
    claimed = []
    escalated = escalate_due(now, claimed)
    for report in UrgentReport.objects.open().order_by("created_at"):
        with transaction.atomic():
            claimed += _claim_alerts(
                report, Kind.URGENT, first_responders(report.patient_id, now), now
            )
            if report.escalated_at is not None:
                claimed += _claim_alerts(
                    report, Kind.ESCALATION, escalation_recipients(report, now), now
                )
    return {"escalated": escalated, "claimed": claimed, "failed": report_failed_alerts(now)}


# --- Reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NightRow:
    night: date
    entry: NightlyEntry | None


def nights_before(
    report: UrgentReport, plan: plans.PlanView, days: int = NIGHTS_BESIDE_REPORT
) -> list[NightRow]:
    """The report's night (report_night: in the zone it was made in, under ``plan``, the
    patient's) and the nights before it, newest first, with their entries."""
    last = report_night(report, report.patient.tz, plan)
    first = last - timedelta(days=days - 1)
    entries = {
        e.night: e
        for e in NightlyEntry.objects.logged()
        .filter(patient_id=report.patient_id, night__gte=first, night__lte=last)
        .prefetch_related("side_effects")
    }
    return [
        NightRow(night, entries.get(night))
        for night in (last - timedelta(days=i) for i in range(days))
    ]


def symptom_labels(report: UrgentReport) -> list[str]:
    labels = dict(UrgentReport.Symptom.choices)
    return [labels.get(value, value) for value in report.symptoms]


def since_label(report: UrgentReport) -> str:
    return SINCE_LABELS.get(report.since, report.since)


# The visit report's query, compiled to SQL once per process (ldn_journal.compiled_queries).
_BETWEEN = CompiledQuery(
    lambda patient_id, since, before: (
        UrgentReport.objects.filter(
            patient=patient_id, created_at__gte=since, created_at__lt=before
        )
        .select_related("acknowledged_by")
        .order_by("created_at")
    ),
    -7_000_006,
    datetime(1001, 1, 1, tzinfo=UTC),
    datetime(1001, 1, 3, tzinfo=UTC),
)


def reports_between(
    patient: Patient, start: date, end: date, plan: plans.PlanView
) -> list[UrgentReport]:
    """The patient's reports whose night (report_night: in the zone each was made in, under
    ``plan``, the patient's) lies in [start, end], oldest first (one query). The instants
    asked for reach a day either side, wide enough for any zone's night."""
    rows = _BETWEEN.instances(
        patient.pk,
        datetime.combine(start - timedelta(days=1), datetime.min.time(), UTC),
        datetime.combine(end + timedelta(days=2), datetime.min.time(), UTC),
    )
    tz = patient.tz
    reports = [r for r in rows if start <= report_night(r, tz, plan) <= end]
    for report in reports:
        report.symptom_labels = symptom_labels(report)
    return reports
