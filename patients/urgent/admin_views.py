"""The admins' side of urgent reports: routing a report that no clinician can take.

Admins see no health details here: the patient's name, when, how severe, who was alerted and
who is on the care team, and a one-step "assign a clinician" that alerts them at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import (
    Role,
    User,
    closed_at_of,
    remember_closed_at,
    with_closed_at,
)
from ldn_journal.accounts.roles import role_required
from ldn_journal.ids import posted_id
from patients import care_team
from patients.models import CareTeamMembership, UrgentReport
from patients.urgent import reports as urgent
from patients.urgent.views import account_closed_on


def _takers():
    return list(care_team.active_clinicians())


@role_required(Role.ADMIN)
def unassigned(request):
    # Each patient's closure with their report: a closed account is named "Closed account"
    # (User.name) without a query per report.
    reports = list(
        care_team.unassigned_open(request.user).annotate(
            patient_closed_at=closed_at_of("patient__user_id")
        )
    )
    for found in reports:
        remember_closed_at(found.patient.user, found.patient_closed_at)
    record_access(request, "urgent.unassigned_list", detail={"reports": [r.pk for r in reports]})
    return render(
        request,
        "patients/urgent/manage_unassigned.html",
        {"reports": reports, "takers": _takers()},
    )


def _routing_page(request, report, error="", status=200):
    # Each name read with its closure: a closed clinician reads "Closed account" (User.name)
    # without a query per name (found in review: one query per closed clinician).
    team = list(
        with_closed_at(
            User.objects.filter(memberships__patient=report.patient, role=Role.CLINICIAN)
        ).order_by("display_name")
    )
    deliveries = list(
        report.deliveries.select_related("recipient")
        .annotate(recipient_closed_at=closed_at_of("recipient_id"))
        .order_by("claimed_at")
    )
    for delivery in deliveries:
        remember_closed_at(delivery.recipient, delivery.recipient_closed_at)
    return render(
        request,
        "patients/urgent/manage_report.html",
        {
            "report": report,
            "team": team,
            "takers": _takers(),
            "error": error,
            "deliveries": deliveries,
            # The patient's account badge (includes/account_state_badge.html), as the clinic's.
            "closed_on": account_closed_on(report.patient),
        },
        status=status,
    )


def _report(request, pk):
    found = get_object_or_404(
        UrgentReport.objects.visible_to(request.user)
        .select_related("patient__user", "acknowledged_by")
        # The patient's and the acknowledger's closures with the report (User.name, badge).
        .annotate(
            patient_closed_at=closed_at_of("patient__user_id"),
            acknowledger_closed_at=closed_at_of("acknowledged_by_id"),
        ),
        pk=pk,
    )
    remember_closed_at(found.patient.user, found.patient_closed_at)
    if found.acknowledged_by is not None:
        remember_closed_at(found.acknowledged_by, found.acknowledger_closed_at)
    return found


@role_required(Role.ADMIN)
def report(request, pk):
    found = _report(request, pk)
    record_access(request, "urgent.admin_read", patient=found.patient, obj=found)
    return _routing_page(request, found)


@require_POST
@role_required(Role.ADMIN)
def assign(request, pk):
    found = _report(request, pk)
    raw = request.POST.get("clinician", "")
    clinician = User.objects.filter(pk=posted_id(raw)).first()
    if clinician is None:
        return _routing_page(
            request, found, gettext("Choose a clinician from the list to assign."), status=400
        )
    was_on_team = CareTeamMembership.objects.filter(
        patient=found.patient, clinician=clinician
    ).exists()
    try:
        claimed = urgent.assign_clinician(
            found, clinician, by=request.user, now=timezone.now(), request=request
        )
    except care_team.CareTeamError as error:
        return _routing_page(request, found, str(error), status=400)
    names = {"clinician": clinician.name, "patient": found.patient.name}
    if claimed:
        messages.success(
            request,
            ngettext(
                "%(clinician)s is now on %(patient)s's care team and was alerted (%(count)s "
                "alert).",
                "%(clinician)s is now on %(patient)s's care team and was alerted (%(count)s "
                "alerts).",
                len(claimed),
            )
            % {**names, "count": len(claimed)},
        )
    elif was_on_team:
        # It said "is now on ... and was alerted (0 alerts)": nothing had changed.
        messages.info(
            request,
            gettext(
                "%(clinician)s was already on %(patient)s's care team: nothing changed, and no "
                "new alert was sent."
            )
            % names,
        )
    else:
        messages.success(
            request,
            gettext("%(clinician)s is now on %(patient)s's care team; no alert was sent now.")
            % names,
        )
    if request.POST.get("next") == "list":
        return redirect("manage:urgent_unassigned")
    return redirect("manage:urgent_report", pk=found.pk)
