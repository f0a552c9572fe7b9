"""The patient's care team: who is on it, and the clinicians asking to join, to accept or
decline (patients/care_team.py decides and logs)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required
from patients import care_team
from patients.models import CareTeamRequest, Patient


@role_required(Role.PATIENT)
def care_team_page(request):
    patient = get_object_or_404(Patient.objects.visible_to(request.user))
    pending = CareTeamRequest.objects.visible_to(request.user).pending().select_related("clinician")
    team = patient.care_team.order_by("display_name", "email")
    return render(request, "patients/journal/care_team.html", {"pending": pending, "team": team})


@require_POST
@role_required(Role.PATIENT)
def decide(request, pk, decision):
    if decision not in care_team.DECISIONS:
        raise Http404
    asked = get_object_or_404(
        CareTeamRequest.objects.visible_to(request.user).select_related("clinician", "patient"),
        pk=pk,
    )
    try:
        care_team.decide(asked, decision, request=request)
    except care_team.AlreadyDecided:
        messages.info(request, gettext("You have already answered this request."))
    else:
        name = asked.clinician.name
        if decision == care_team.ACCEPT:
            messages.success(
                request, gettext("%(name)s is now on your care team.") % {"name": name}
            )
        else:
            messages.success(
                request,
                gettext("You declined. %(name)s is not on your care team.") % {"name": name},
            )
    return redirect("journal:care_team")
