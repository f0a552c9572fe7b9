"""Who looks after a patient: adding a clinician to a care team (admins only, audited), and
which patients would be left with no active clinician if one went.

A patient is never left unrouted: deactivating their last active clinician is refused until
someone takes them over (ldn_journal.accounts.accounts_admin.set_user_active asks here).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import Role, User
from patients.models import CareTeamMembership, Patient, UrgentReport


class CareTeamError(Exception):
    """A care-team change this module refuses; ``str(error)`` is the message for the admin."""


def check_can_join(user: User) -> None:
    """Only an active clinician can join a care team; say why anyone else cannot."""
    if user.role != Role.CLINICIAN:
        raise CareTeamError(
            f"{user.name} is {'an admin' if user.role == Role.ADMIN else 'a patient'}, not a "
            "clinician: only clinicians can join a care team. Choose an active clinician."
        )
    if not user.is_active:
        raise CareTeamError(
            f"{user.name} is deactivated and would not see the patient. Choose an active "
            "clinician (or reactivate them first)."
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


def hand_over(patients: Iterable[Patient], taker: User, *, by: User, request=None) -> int:
    """Add `taker` to each patient's care team (one audited row each)."""
    check_can_join(taker)
    return sum(
        add_clinician(patient, taker, by=by, request=request, reason="handover")
        for patient in patients
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
