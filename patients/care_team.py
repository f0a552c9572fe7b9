"""Who looks after a patient: the care team and every way onto or off it.

Joining an existing patient's team: a clinician asks, the patient accepts or declines in the
app; an admin may link directly, add a clinician (from an urgent report or a handover),
remove one (never the last active one) or transfer patients between clinicians. Each
decision and change is logged. Care-team membership is what `Patient.objects.visible_to`
reads, and only this module creates it.

A patient is never left unrouted: deactivating their last active clinician is refused until
someone takes them over (ldn_journal.accounts.accounts_admin.set_user_active asks here).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import Role, User, is_closed
from patients.models import (
    CareTeamMembership,
    CareTeamRequest,
    ClinicianNote,
    Coverage,
    Patient,
    UrgentReport,
)


class CareTeamError(Exception):
    """A care-team change this module refuses; ``str(error)`` is the message for the admin."""


def check_can_join(user: User) -> None:
    """Only an active clinician can join a care team; say why anyone else cannot."""
    if user.role == Role.ADMIN:
        raise CareTeamError(
            gettext(
                "%(name)s is an admin, not a clinician: only clinicians can join a care team. "
                "Choose an active clinician."
            )
            % {"name": user.name}
        )
    if user.role != Role.CLINICIAN:
        raise CareTeamError(
            gettext(
                "%(name)s is a patient, not a clinician: only clinicians can join a care team. "
                "Choose an active clinician."
            )
            % {"name": user.name}
        )
    if not user.is_active and is_closed(user):
        # Not "reactivate them first": a closed account never comes back.
        raise CareTeamError(
            gettext(
                "This clinician's account is closed: a closed account never joins a care team "
                "again. Choose an active clinician."
            )
        )
    if not user.is_active:
        raise CareTeamError(
            gettext(
                "%(name)s is deactivated and would not see the patient. Choose an active "
                "clinician (or reactivate them first)."
            )
            % {"name": user.name}
        )


def active_clinicians(*, excluding: User | None = None):
    users = User.objects.filter(role=Role.CLINICIAN, is_active=True)
    if excluding is not None:
        users = users.exclude(pk=excluding.pk)
    return users.order_by("display_name", "email")


def add_clinician(
    patient: Patient, clinician: User, *, by: User, request=None, reason: str = ""
) -> bool:
    """Put `clinician` on `patient`'s care team, audited. True when newly added."""
    check_can_join(clinician)
    membership, created = CareTeamMembership.objects.get_or_create(
        patient=patient, clinician=clinician, defaults={"added_by": by}
    )
    record_access(
        request,
        "care_team.assign",
        patient=patient,
        obj=membership,
        actor=by,
        detail={"clinician": clinician.pk, "added": created, "reason": reason},
    )
    return created


def patients_left_alone(clinician: User):
    """Active patients for whom `clinician` is the only active clinician on the care team."""
    someone_else = CareTeamMembership.objects.filter(
        patient=OuterRef("pk"), clinician__is_active=True, clinician__role=Role.CLINICIAN
    ).exclude(clinician=clinician)
    return (
        Patient.objects.filter(memberships__clinician=clinician, user__is_active=True)
        .filter(~Exists(someone_else))
        .select_related("user")
        .order_by("user__display_name", "pk")
    )


def has_active_clinician(patient_user: User) -> bool:
    """Whether the patient of `patient_user` has an active clinician on their care team."""
    return CareTeamMembership.objects.filter(
        patient__user=patient_user, clinician__is_active=True, clinician__role=Role.CLINICIAN
    ).exists()


def hand_over(patients: Iterable[Patient], taker: User, *, by: User, request=None) -> int:
    """Add `taker` to each patient's care team (one audited row each)."""
    check_can_join(taker)
    return sum(
        add_clinician(patient, taker, by=by, request=request, reason="handover")
        for patient in patients
    )


def clinicians_to_alert(patient, now) -> list[User]:
    """Who is alerted about `patient` (a Patient or its id) at `now`, in one query: the active
    clinicians on the care team and the active clinicians covering any of them today. Every
    sender of urgent alerts, escalations and break-glass notices reads this list."""
    patient_id = getattr(patient, "pk", patient)
    team = CareTeamMembership.objects.filter(patient_id=patient_id).values("clinician_id")
    coverers = Coverage.objects.active(now).filter(covered__in=team).values("covering_id")
    return list(
        User.objects.filter(role=Role.CLINICIAN, is_active=True)
        .filter(Q(pk__in=team) | Q(pk__in=coverers))
        .order_by("pk")
    )


def unassigned_open(user):
    """Open reports (through the access gate) whose patient has no active clinician: what the
    admins' "Unassigned urgent reports" page lists, oldest first."""
    someone = CareTeamMembership.objects.filter(
        patient=OuterRef("patient_id"), clinician__is_active=True, clinician__role=Role.CLINICIAN
    )
    return (
        UrgentReport.objects.visible_to(user)
        .open()
        .filter(~Exists(someone))
        .select_related("patient__user")
        .order_by("created_at")
    )


ACCEPT, DECLINE = "accept", "decline"
DECISIONS = (ACCEPT, DECLINE)


class AlreadyDecided(Exception):
    """The request was accepted or declined already (another tab, a double tap)."""


# A patient who declined a clinician is not asked again by that clinician for this long: a
# re-invitation the moment after a decline sent a new request and email at once (found by
# exploratory QA), and the request can be sent again and again. An admin can still link the
# pair directly (link_directly) when the patient agrees in person.
ASK_AGAIN_AFTER = timedelta(days=30)


def declined_recently(now):
    """The care-team requests declined within ASK_AGAIN_AFTER of `now`: their pairs are not
    asked again yet (ask_to_join, and a bulk upload's preview)."""
    return CareTeamRequest.objects.filter(
        status=CareTeamRequest.Status.DECLINED, decided_at__gt=now - ASK_AGAIN_AFTER
    )


def ask_to_join(patient, clinician, *, requested_by, now=None):
    """A pending request for `clinician` to join `patient`'s team, and an email telling the
    patient. None when there is nothing to ask: already on the team, already asked, or the
    patient declined this clinician within ASK_AGAIN_AFTER."""
    now = now or timezone.now()
    if CareTeamMembership.objects.filter(patient=patient, clinician=clinician).exists():
        return None
    if declined_recently(now).filter(patient=patient, clinician=clinician).exists():
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
    # Sent in the caller's flow, not after commit: a bulk invitation row sends inside its
    # transaction so that a refused delivery marks the row failed and rolls the request back.
    _email_patient(
        care_team_request.patient.user,
        gettext_lazy("A clinician asks to join your care team"),
        "accounts/email/care_team_request.txt",
        {"clinician": care_team_request.clinician, "url": _care_team_page_url()},
    )


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
    the pair are closed as accepted, and the patient is emailed after commit (they were not
    asked). Returns False when they were on the team already."""
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
            # No consent was asked, so the patient is told: this clinician now reads their
            # journal. After commit: a rolled-back link must not announce itself.
            transaction.on_commit(lambda: _send_link_email(patient, clinician))
    return created


def _send_link_email(patient, clinician):
    _email_patient(
        patient.user,
        gettext_lazy("A clinician has joined your care team"),
        "accounts/email/care_team_link_patient.txt",
        {"clinician": clinician, "url": _care_team_page_url()},
    )


class LastClinician(Exception):
    """Removing this clinician would leave the patient with no active clinician to read their
    journal and receive their urgent reports."""


def _team_ids(patient):
    return sorted(
        CareTeamMembership.objects.filter(patient=patient).values_list("clinician_id", flat=True)
    )


def remove_clinician(patient, clinician, *, request):
    """Take `clinician` off `patient`'s team; refused when they are the last one. Returns
    False when they were not on the team."""
    with transaction.atomic():
        # Locks the patient's memberships so two removals cannot each leave "one other".
        before = list(
            CareTeamMembership.objects.select_for_update()
            .filter(patient=patient)
            .order_by("clinician_id")
            .values_list("clinician_id", flat=True)
        )
        if clinician.pk not in before:
            return False
        # A deactivated colleague left on the team reads nothing and gets no urgent alert.
        others_active = User.objects.filter(
            pk__in=[pk for pk in before if pk != clinician.pk], is_active=True
        ).exists()
        if not others_active:
            raise LastClinician
        CareTeamMembership.objects.filter(patient=patient, clinician=clinician).delete()
        record_access(
            request,
            "care_team.remove",
            patient=patient,
            obj=clinician,
            detail={"before": before, "after": [pk for pk in before if pk != clinician.pk]},
        )
    return True


def transfer_patients(patients, *, source, target, note, admin, request, now=None):
    """Move `patients` from `source`'s care team to `target`'s, each with the handover
    `note` as a care-team note; both clinicians and each patient are emailed. Returns the
    patients moved (those no longer on `source`'s team are skipped). Raises CareTeamError
    when `target` is not an active clinician."""
    check_can_join(target)  # a deactivated clinician would read nobody's journal
    now = now or timezone.now()
    moved = []
    with transaction.atomic():
        for patient in patients:
            before = _team_ids(patient)
            if source.pk not in before:
                continue
            CareTeamMembership.objects.filter(patient=patient, clinician=source).delete()
            CareTeamMembership.objects.get_or_create(
                patient=patient, clinician=target, defaults={"added_by": admin, "added_at": now}
            )
            ClinicianNote.objects.create(patient=patient, author=admin, created_at=now, text=note)
            record_access(
                request,
                "care_team.transfer",
                patient=patient,
                obj=target,
                detail={
                    "from": source.pk,
                    "to": target.pk,
                    "before": before,
                    "after": _team_ids(patient),
                },
            )
            moved.append(patient)
    if moved:
        transaction.on_commit(lambda: _send_transfer_emails(moved, source, target))
    return moved


def _send_transfer_emails(patients, source, target):
    prefix = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
    # How many, never who: a name in an email says that person is treated with LDN, which is
    # health data leaving the app (SECURITY.md, boundary 5). The receiving clinician finds them
    # on their list, behind sign-in; the other can no longer open their records.
    context = {
        "count": len(patients),
        "source": source,
        "target": target,
        "url": settings.SITE_URL + reverse("clinic:patients"),
    }
    for clinician, receiving in ((source, False), (target, True)):
        if not clinician.is_active:
            # A clinician who left (or whose account is closed: its address is a placeholder)
            # is not mailed; moving a departed clinician's patients is the usual transfer
            # (found by exploratory QA).
            continue
        # The note itself stays in the app: email is no place for clinical text.
        context["receiving"] = receiving
        with speaking_to(clinician):
            subject = gettext("Patients moved between care teams")
            body = render_to_string("accounts/email/care_team_transfer_clinician.txt", context)
        send_mail(prefix + subject, body, None, [clinician.email])
    for patient in patients:
        _email_patient(
            patient.user,
            gettext_lazy("Your care team has changed"),
            "accounts/email/care_team_transfer_patient.txt",
            {"target": target, "url": _care_team_page_url()},
        )


def _care_team_page_url():
    """Where every care-team email to a patient sends them: their own care-team page."""
    return settings.SITE_URL + reverse("journal:care_team")


def _email_patient(patient_user, subject, template, context):
    """Write to a patient about their care team (a request to join it, an admin's direct link,
    a transfer), in their language (`subject` lazy, so it is translated there). Not to a
    deactivated or closed account: they cannot sign in to see it, and a closed one's address
    is a placeholder."""
    if not patient_user.is_active:
        return
    with speaking_to(patient_user):
        subject = str(subject)
        body = render_to_string(template, context)
    send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [patient_user.email])
