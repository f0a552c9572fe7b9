"""The admins' side of urgent reports: routing a report that no clinician can take.

Admins see no health details here: the patient's name, when, how severe, who was alerted and
who is on the care team, and a one-step "assign a clinician" that alerts them at once.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import Role, User
from ldn_journal.accounts.roles import role_required
from patients import care_team
from patients.models import UrgentReport
from patients.urgent import reports as urgent


def _takers():
    return list(care_team.active_clinicians())


@role_required(Role.ADMIN)
def unassigned(request):
    reports = list(care_team.unassigned_open(request.user))
    record_access(request, "urgent.unassigned_list", detail={"reports": [r.pk for r in reports]})
    return render(
        request,
        "patients/urgent/manage_unassigned.html",
        {"reports": reports, "takers": _takers()},
    )


def _routing_page(request, report, error="", status=200):
    team = list(
        User.objects.filter(memberships__patient=report.patient, role=Role.CLINICIAN).order_by(
            "display_name"
        )
    )
    return render(
        request,
        "patients/urgent/manage_report.html",
        {
            "report": report,
            "team": team,
            "takers": _takers(),
            "error": error,
            "deliveries": report.deliveries.select_related("recipient").order_by("claimed_at"),
        },
        status=status,
    )


def _report(request, pk):
    return get_object_or_404(
        UrgentReport.objects.visible_to(request.user).select_related(
            "patient__user", "acknowledged_by"
        ),
        pk=pk,
    )


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
    clinician = User.objects.filter(pk=raw if raw.isdigit() else None).first()
    if clinician is None:
        return _routing_page(
            request, found, "Choose a clinician from the list to assign.", status=400
        )
    try:
        claimed = urgent.assign_clinician(
            found, clinician, by=request.user, now=timezone.now(), request=request
        )
    except care_team.CareTeamError as error:
        return _routing_page(request, found, str(error), status=400)
    messages.success(
        request,
        f"{clinician.name} is now on {found.patient.name}'s care team and was alerted "
        f"({len(claimed)} alert{'s' if len(claimed) != 1 else ''}).",
    )
    if request.POST.get("next") == "list":
        return redirect("manage:urgent_unassigned")
    return redirect("manage:urgent_report", pk=found.pk)
