"""Urgent reports: the patient's "I'm having a bad reaction" form and guidance, and the
clinician's report page with its acknowledgement.

Thin: the access gate (visible_to + get_object_or_404), a form, a function of
patients.urgent.reports, render. The guidance renders in the POST response itself (no redirect, no
extra request on a flaky connection) and also when saving failed.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.contrib import messages
from django.db import DatabaseError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import Role, closed_at, closed_at_of, remember_closed_at
from ldn_journal.accounts.roles import role_required
from ldn_journal.local_dates import local_date
from patients import coverage
from patients.guidance import guidance_for
from patients.journal import kept_offline
from patients.models import ClinicianPreferences, Patient, UrgentReport
from patients.urgent import reports as urgent
from patients.urgent.forms import AcknowledgeForm, UrgentReportForm
from prescriptions import plans, request_plan, titration

log = logging.getLogger(__name__)


def _zone_reset(view):
    """The time zone a view activates for display is dropped when the request ends."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return wrapper


# --- The patient's side --------------------------------------------------------------------


def _own_patient(request):
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("user"))


def _kept_plan(request, patient):
    """The patient's plan, kept for the tab bar (request_plan: no second read)."""
    plan = plans.load(patient)
    request_plan.keep(request, patient, plan)
    return plan


def _morning_dosing(plan, patient, now=None) -> bool:
    """Whether the patient doses in the morning now: the pages' "Back to today" (not
    "tonight")."""
    return plan.dosing_time_at(patient.tz, now or timezone.now()) == titration.MORNING


def _earlier_reports(patient):
    return UrgentReport.objects.filter(patient=patient).select_related("acknowledged_by")[:10]


@role_required(Role.PATIENT)
@_zone_reset
def report_reaction(request):
    patient = _own_patient(request)
    guidance = guidance_for(patient)
    timezone.activate(patient.tz)
    if request.method == "POST":
        form = UrgentReportForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report, created = urgent.report_reaction(
                    patient,
                    symptoms=data["symptoms"],
                    since=data["since"],
                    severity=data["severity"],
                    text=data["text"],
                    submission_id=data["submission_id"],
                    now=timezone.now(),
                )
            except DatabaseError:
                # The guidance matters more than the report: show it, and say to call.
                log.exception("Urgent report for patient %s could not be saved", patient.pk)
                report = None
            else:
                if created:
                    record_access(
                        request,
                        "urgent.report",
                        patient=patient,
                        obj=report,
                        detail={"alerts": report.deliveries.count()},
                    )
            return render(
                request,
                "patients/urgent/guidance.html",
                {
                    "patient": patient,
                    "guidance": guidance,
                    "report": report,
                    "morning_dosing": _morning_dosing(_kept_plan(request, patient), patient),
                },
            )
    else:
        form = UrgentReportForm()
    return render(
        request,
        "patients/urgent/report_form.html",
        {
            "form": form,
            "guidance": guidance,
            "patient": patient,
            "reports": _earlier_reports(patient),
            "morning_dosing": _morning_dosing(_kept_plan(request, patient), patient),
        },
    )


@role_required(Role.PATIENT)
def offline_guidance(request):
    """The guidance alone (no health details): what the service worker keeps on the phone
    and shows when a report page cannot be reached or a report cannot be sent offline."""
    patient = _own_patient(request)
    response = render(
        request,
        "patients/urgent/offline_guidance.html",
        {
            "guidance": guidance_for(patient),
            "morning_dosing": _morning_dosing(_kept_plan(request, patient), patient),
        },
    )
    # The phone keeps this copy under its version, and fetches it again when that changes.
    return kept_offline.mark(request, response)


def _running_when_answered(report, plan, hold) -> bool:
    """Whether ``hold`` (PlanView.hold_as_signed from tonight, begun) had begun by the night
    the report was answered: "continue" kept it ("Continue with your plan as it stands"),
    where a hold begun since is "Your plan has been put on hold since"."""
    if hold is None or not hold.begun or report.acknowledged_at is None:
        return False
    return hold.first <= plan.night_of(report.acknowledged_at, report.patient.tz)


def _hold_over(report, plan, tonight) -> bool:
    """Whether a "hold" answer's hold has ended by ``tonight`` (PlanView.hold_over_since, from
    the night it was answered, placed as _running_when_answered places it)."""
    if report.ack_decision != UrgentReport.Decision.HOLD or report.acknowledged_at is None:
        return False
    answered_on = plan.night_of(report.acknowledged_at, report.patient.tz)
    return plan.hold_over_since(answered_on, tonight)


@role_required(Role.PATIENT)
@_zone_reset
def patient_report(request, pk):
    report = get_object_or_404(
        UrgentReport.objects.visible_to(request.user).select_related(
            "patient__user", "acknowledged_by"
        ),
        pk=pk,
    )
    timezone.activate(report.patient.tz)
    patient = report.patient
    plan = _kept_plan(request, patient)
    now = timezone.now()
    tonight = plan.tonight(patient.tz, now)
    hold = plan.hold_as_signed(tonight)
    return render(
        request,
        "patients/urgent/patient_report.html",
        {
            "report": report,
            "guidance": guidance_for(patient),
            "morning_dosing": _morning_dosing(plan, patient, now),
            # What the answer means now is the plan's, not the decision's: "Your plan is on
            # hold" stayed on the page after the plan was restarted, and "You can take your
            # doses as planned" after it was put on hold later, or with a hold signed to
            # start later. One value, the home card's answer's (answer_hold) and the
            # clinician's form's: the hold running tonight or signed to start later.
            "answer_hold": hold,
            # "Continue as planned" under a hold that was running already when it was said:
            # the plan as it stands is that hold (it said "Continue as planned. Your plan has
            # been put on hold since: …" of a hold older than the report). A hold begun after
            # the answer is still "put on hold since".
            "hold_kept": _running_when_answered(report, plan, hold),
            # "Hold the plan" whose hold has ended: "Your plan is on hold" stayed, of a hold
            # signed for later nights (the next one, which My plan lists).
            "hold_over": _hold_over(report, plan, tonight),
            "symptoms": urgent.symptom_labels(report),
            "since": urgent.since_label(report),
        },
    )


# --- The clinician's side --------------------------------------------------------------------


def _clinician_zone(user):
    zone = (
        ClinicianPreferences.objects.filter(user=user).values_list("time_zone", flat=True).first()
    )
    timezone.activate(zone or Patient._meta.get_field("time_zone").get_default())


def _team_report(request, pk):
    report = get_object_or_404(
        UrgentReport.objects.visible_to(request.user)
        .select_related("patient__user", "acknowledged_by")
        # The patient's closure with the report: the page and its form follow it.
        .annotate(patient_closed_at=closed_at_of("patient__user_id")),
        pk=pk,
    )
    remember_closed_at(report.patient.user, report.patient_closed_at)
    return report


def account_closed_on(patient):
    """The date the patient's account was closed on in their zone (the badge's date, as the
    patient page's: dashboard.closed_on, which this layer may not import); None while open."""
    when = closed_at(patient.user)
    return None if when is None else timezone.localtime(when, patient.tz).date()


@role_required(Role.CLINICIAN)
@_zone_reset
def clinic_reports(request):
    _clinician_zone(request.user)
    reports = (
        UrgentReport.objects.visible_to(request.user)
        .select_related("patient__user", "acknowledged_by")
        # Each name's closure with its report: a closed account is named "Closed account"
        # (User.name) without a query per row.
        .annotate(
            patient_closed_at=closed_at_of("patient__user_id"),
            acknowledger_closed_at=closed_at_of("acknowledged_by_id"),
        )
    )
    open_reports = list(reports.open().order_by("created_at"))
    recent = list(reports.filter(acknowledged_at__isnull=False)[:20])
    for report in open_reports + recent:
        remember_closed_at(report.patient.user, report.patient_closed_at)
        if report.acknowledged_by is not None:
            remember_closed_at(report.acknowledged_by, report.acknowledger_closed_at)
    record_access(request, "urgent.list", detail={"reports": [r.pk for r in open_reports + recent]})
    return render(
        request,
        "patients/urgent/clinic_list.html",
        {"open_reports": open_reports, "recent": recent},
    )


def _report_page(request, report, form, status=200):
    patient = report.patient
    plan = plans.load(patient)
    closed_on = account_closed_on(patient)
    if report.acknowledged_at is None and closed_on is not None:
        form.for_a_closed_account()
    elif report.acknowledged_at is None:
        now = timezone.now()
        tonight = plan.tonight(patient.tz, now)
        # The night a hold decided now starts, as hold_plan stores it (one function).
        hold_from, logged = urgent.hold_starts(patient, plan, now)
        form.say_when_the_hold_starts(
            hold_from,
            logged,
            tonight=tonight,
            dosing_time=plan.dosing_time_on(tonight),
            local_today=timezone.localdate(now, patient.tz),
        )
        # Running tonight or signed to start later: "continue as planned" keeps it; and
        # "hold" signs nothing when it already holds from that night on (as hold_plan).
        hold = plan.hold_as_signed(tonight)
        if hold is not None:
            form.say_the_plan_is_on_hold(hold, stands=urgent.hold_stands(plan, hold_from))
    nights = urgent.nights_before(report, plan)
    return render(
        request,
        "patients/urgent/clinic_report.html",
        {
            "report": report,
            "patient": report.patient,
            "form": form,
            # The badge (includes/account_state_badge.html); a closed record offers no change.
            "closed_on": closed_on,
            "symptoms": urgent.symptom_labels(report),
            "since": urgent.since_label(report),
            "nights": nights,
            # The report's night names the nights beside it: a morning doser's are days.
            "dosing_time": plan.dosing_time_on(nights[0].night),
            # Every time on the page is in the zone the report was made in (its night's).
            "report_zone": urgent.report_zone(report, report.patient.tz).key,
            "other_open": list(
                UrgentReport.objects.open()
                .filter(patient_id=report.patient_id)
                .exclude(pk=report.pk)
                .only("pk", "created_at", "time_zone")
            ),
            "deliveries": report.deliveries.select_related("recipient").order_by("claimed_at"),
        },
        status=status,
    )


@role_required(Role.CLINICIAN)
@_zone_reset
def clinic_report(request, pk):
    report = _team_report(request, pk)
    _clinician_zone(request.user)
    record_access(request, "urgent.read", patient=report.patient, obj=report)
    return _report_page(request, report, AcknowledgeForm())


@role_required(Role.CLINICIAN)
@_zone_reset
def alert_link(request, pk):
    """Where an alert's link lands: the report while the clinician may see it; once they may
    not (the coverage that brought the alert has ended), a page that says so and whom to
    contact, with nothing of the patient's. Someone never alerted about it gets 404."""
    if UrgentReport.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("clinic:urgent_report", pk=pk)
    now = timezone.now()
    moments = urgent.alerted_at(request.user, pk)
    if not moments:
        raise Http404
    _clinician_zone(request.user)
    return render(
        request,
        "patients/urgent/alert_closed.html",
        {"coverages": coverage.ended_behind(request.user, moments, now, urgent.patient_of(pk))},
    )


@require_POST
@role_required(Role.CLINICIAN)
@_zone_reset
def acknowledge(request, pk):
    report = _team_report(request, pk)
    _clinician_zone(request.user)
    form = AcknowledgeForm(request.POST)
    if closed_at(report.patient.user) is not None:
        form.for_a_closed_account()  # its note's own "required" message
    if not form.is_valid():
        return _report_page(request, report, form, status=400)
    try:
        urgent.acknowledge(
            report,
            request.user,
            form.cleaned_data["note"],
            timezone.now(),
            decision=form.cleaned_data["decision"],
        )
    except urgent.AlreadyAcknowledged as error:
        messages.info(request, str(error))
        return redirect("clinic:urgent_report", pk=report.pk)
    except urgent.UrgentError as error:
        report.refresh_from_db()  # nothing was saved: show the report as it is
        form.add_error(None, str(error))
        return _report_page(request, report, form, status=400)
    hold = form.cleaned_data["decision"] == UrgentReport.Decision.HOLD
    patient = report.patient
    plan = plans.load(patient)
    # "May continue as planned" of a plan on hold already: the plan as signed is the hold;
    # of a hold signed to start later, the patient doses until it begins.
    tonight = plan.tonight(patient.tz, timezone.now())
    held = not hold and urgent.standing_hold(plan, tonight)
    ahead = not hold and urgent.hold_ahead(plan, tonight)
    record_access(
        request,
        "urgent.acknowledge",
        patient=report.patient,
        obj=report,
        detail={"hold": hold, "decision": form.cleaned_data["decision"]},
    )
    if closed_at(patient.user) is not None:
        messages.success(
            request,
            _(
                "Acknowledged: the report's alerts and escalation have stopped. The account is "
                "closed: nothing was signed, and the patient does not see your note."
            ),
        )
        return redirect("clinic:urgent_report", pk=report.pk)
    messages.success(
        request,
        _("Acknowledged: the patient now sees your note and that their plan is on hold.")
        if hold
        else _(
            "Acknowledged: the patient now sees your note and that their plan stays on hold "
            "as signed."
        )
        if held
        else _(
            "Acknowledged: the patient now sees your note and may continue as planned, with "
            "the hold signed from %(first)s."
        )
        % {"first": local_date(ahead.first, "day")}
        if ahead
        else _("Acknowledged: the patient now sees your note and may continue as planned."),
    )
    return redirect("clinic:urgent_report", pk=report.pk)
