"""The patient's journal pages."""

from django.shortcuts import get_object_or_404, render

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required

from ..models import Patient


def current_patient(request):
    """The signed-in patient's own profile, through the access gate."""
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("user"))


@role_required(Role.PATIENT)
def home(request):
    patient = current_patient(request)
    return render(request, "patients/journal/home.html", {"patient": patient})
