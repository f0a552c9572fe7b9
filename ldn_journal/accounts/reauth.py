"""Sensitive actions ask for the password again, but only once access is established."""

from allauth.account.decorators import reauthentication_required

from patients.models import Patient


def reauthentication_required_for_patient(kwarg="pk"):
    """allauth's `reauthentication_required`, asked only when the patient named by the URL
    keyword `kwarg` is visible to the user: a clinician of another team gets the usual 404
    from the view, not a password prompt that would hint the patient exists."""

    def enabled(request):

        patient_id = request.resolver_match.kwargs.get(kwarg)
        return Patient.objects.visible_to(request.user).filter(pk=patient_id).exists()

    return reauthentication_required(enabled=enabled)
