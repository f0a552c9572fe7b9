"""The clinician's pages: their patients."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required

from ..models import Patient


@role_required(Role.CLINICIAN)
def patient_list(request):
    patients = Patient.objects.visible_to(request.user).select_related("user")
    page = Paginator(patients, 50).get_page(request.GET.get("page"))
    return render(request, "patients/clinic/patient_list.html", {"page": page})
