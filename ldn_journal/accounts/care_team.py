"""Joining an existing patient's care team: a clinician asks, the patient accepts or
declines in the app; an admin may link directly. Each decision and direct link is logged.

Until the patient accepts, the request gives the clinician nothing: care-team membership is
what `Patient.objects.visible_to` reads, and only `decide` and `link_directly` create it.
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import speaking_to
from patients.models import CareTeamMembership, CareTeamRequest

ACCEPT, DECLINE = "accept", "decline"
DECISIONS = (ACCEPT, DECLINE)


class AlreadyDecided(Exception):
    """The request was accepted or declined already (another tab, a double tap)."""


def ask_to_join(patient, clinician, *, requested_by, now=None):
    """A pending request for `clinician` to join `patient`'s team, and an email telling the
    patient. None when there is nothing to ask: already on the team, or already asked."""
    now = now or timezone.now()
    if CareTeamMembership.objects.filter(patient=patient, clinician=clinician).exists():
        return None
    try:
        # The partial unique constraint decides a double submit: one pending request each.
        with transaction.atomic():
            request = CareTeamRequest.objects.create(
                patient=patient, clinician=clinician, requested_by=requested_by, created_at=now
            )
    except IntegrityError:
        return None
    send_request_email(request)
    return request


def send_request_email(care_team_request):
    patient_user = care_team_request.patient.user
    context = {
        "clinician": care_team_request.clinician,
        "url": settings.SITE_URL + reverse("journal:care_team"),
    }
    # Written to the patient, in the patient's language (not the asking clinician's page).
    with speaking_to(patient_user):
        subject = gettext("A clinician asks to join your care team")
        body = render_to_string("accounts/email/care_team_request.txt", context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [patient_user.email])


def decide(care_team_request, decision, *, request, now=None):
    """The patient accepts or declines; raises AlreadyDecided when that happened before."""
    if decision not in DECISIONS:
        raise ValueError(decision)
    now = now or timezone.now()
    status = (
        CareTeamRequest.Status.ACCEPTED if decision == ACCEPT else CareTeamRequest.Status.DECLINED
    )
    with transaction.atomic():
        # Conditional: of two taps (or two tabs), one decides and the other finds it done.
        updated = CareTeamRequest.objects.filter(
            pk=care_team_request.pk, status=CareTeamRequest.Status.PENDING
        ).update(status=status, decided_at=now)
        if not updated:
            raise AlreadyDecided
        if decision == ACCEPT:
            CareTeamMembership.objects.get_or_create(
                patient_id=care_team_request.patient_id,
                clinician_id=care_team_request.clinician_id,
                defaults={"added_by_id": care_team_request.requested_by_id, "added_at": now},
            )
        record_access(
            request,
            f"care_team.{decision}",
            patient=care_team_request.patient,
            obj=care_team_request,
            detail={"clinician": care_team_request.clinician_id},
        )


def link_directly(patient, clinician, *, admin, request, now=None):
    """An admin puts `clinician` on `patient`'s team without asking; pending requests for
    the pair are closed as accepted. Returns False when they were on the team already."""
    now = now or timezone.now()
    with transaction.atomic():
        _, created = CareTeamMembership.objects.get_or_create(
            patient=patient, clinician=clinician, defaults={"added_by": admin, "added_at": now}
        )
        CareTeamRequest.objects.pending().filter(patient=patient, clinician=clinician).update(
            status=CareTeamRequest.Status.ACCEPTED, decided_at=now
        )
        if created:
            record_access(
                request, "care_team.link", patient=patient, detail={"clinician": clinician.pk}
            )
    return created
