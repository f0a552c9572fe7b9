"""Break-glass: a clinician outside a patient's care team opens the record in an emergency.

The grant is a row the access gate (`Patient.objects.visible_to`) reads, never a bypass: it
lasts LDN_BREAK_GLASS_HOURS, alerts the admins and the care team (with their coverers) at
once by email and Web Push, and the patient sees it with its reason in "Who viewed my data";
reads under it are logged with the route "break_glass". The banner reads the grants
themselves (one query a page), so it shows in every session of that clinician.
"""

import logging
import zoneinfo
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.context_processors import clinician_alerts
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import Role, User
from ldn_journal.accounts.roles import role_required
from ldn_journal.accounts.time_zones import viewer_time_zone
from patients.care_team import clinicians_to_alert
from patients.models import BreakGlassGrant, CareTeamMembership, Patient, PushSubscription
from patients.notifications.channels import PermanentFailure, TransientFailure
from patients.notifications.channels.push import send_push

log = logging.getLogger(__name__)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need this record now?"),
        min_length=10,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "At least 10 characters. The patient, their care team and the administrators "
            "will read it."
        ),
    )


def open_record(patient, clinician, *, reason, request, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        grant = BreakGlassGrant.objects.create(
            patient=patient,
            clinician=clinician,
            reason=reason,
            starts_at=now,
            ends_at=now + timedelta(hours=settings.LDN_BREAK_GLASS_HOURS),
        )
        record_access(
            request,
            "break_glass.open",
            patient=patient,
            obj=grant,
            detail={"before": "no access", "after": "until " + grant.ends_at.isoformat()},
        )
        transaction.on_commit(lambda: alert(grant, now))
    return grant


def recipients(grant, now):
    """Every active admin, and whoever is alerted about the patient (the care team and their
    coverers: patients.care_team.clinicians_to_alert), once each."""
    admins = User.objects.filter(is_active=True, role=Role.ADMIN).order_by("pk")
    people = {user.pk: user for user in [*admins, *clinicians_to_alert(grant.patient_id, now)]}
    people.pop(grant.clinician_id, None)  # the one who opened it knows
    return list(people.values())


def _push_link(person, patient_id, team):
    """Where a notice's push opens: the audit for an admin, the record for the care team. A
    coverer's opens their patient list (the covered patient is on it while the coverage
    holds): the notice stays on the device, and the record's own page answered 404 once the
    coverage had ended (found by h1, as the urgent alerts' link was)."""
    if person.role == Role.ADMIN:
        return reverse("manage:access_log")
    if person.pk in team:
        return reverse("clinic:patient", args=[patient_id])
    return reverse("clinic:patients")


def alert(grant, now=None):
    """Tell each recipient at once, in their language, by email and by Web Push on each of
    their devices. The reason stays in the app: email and push are no place for clinical
    text. A push that fails never stops the others or the emails."""
    now = now or timezone.now()
    people = recipients(grant, now)
    team = set(
        CareTeamMembership.objects.filter(patient_id=grant.patient_id).values_list(
            "clinician_id", flat=True
        )
    )
    devices = {}
    for device in PushSubscription.objects.filter(user__in=people):
        devices.setdefault(device.user_id, []).append(device)
    for person in people:
        # When the access ends, in the reader's zone: the one active here is the zone of the
        # clinician who broke the glass (found by exploratory QA).
        zone = zoneinfo.ZoneInfo(viewer_time_zone(person))
        with speaking_to(person), timezone.override(zone):
            subject = gettext("Emergency access to a patient's record")
            link = _push_link(person, grant.patient_id, team)
            # The patient is not named (SECURITY.md, boundary 5: being a patient here is
            # health data): the link leads to them, behind sign-in, as an urgent alert's.
            body = render_to_string(
                "patients/email/break_glass_alert.txt",
                {
                    "grant": grant,
                    "to_admin": person.role == Role.ADMIN,
                    "url": settings.SITE_URL + link,
                },
            )
            push = {
                "title": subject,
                "body": gettext("%(clinician)s opened a patient's record in an emergency.")
                % {"clinician": grant.clinician.name},
                "url": link,
                "tag": f"break-glass-{grant.pk}",
            }
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [person.email])
        if devices.get(person.pk):
            try:
                send_push(devices[person.pk], push)
            except (PermanentFailure, TransientFailure) as error:
                log.warning("break-glass push to user %s not delivered: %s", person.pk, error)


def active_patient_ids(clinician, now=None):
    """The patients `clinician` holds an active emergency grant for, newest first."""
    return list(
        BreakGlassGrant.objects.held_by(clinician, now)
        .values_list("patient_id", flat=True)
        .distinct()
        .order_by("patient_id")
    )


def banner(request):
    """Context processor: the clinician's active emergency accesses, for the banner on every
    page of every session they have (read from the grants, not from the session that opened
    them). Lazy, and no query of its own: read with the nav's count of urgent reports
    (`context_processors.clinician_alerts`, the same grants as `active_patient_ids`)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.CLINICIAN:
        return {}
    return {
        "break_glass_patients": SimpleLazyObject(
            lambda: clinician_alerts(request).break_glass_patients
        )
    }


@role_required(Role.CLINICIAN)
def break_glass(request, pk):
    # Existence only: nothing of the patient is shown until the grant exists.
    patient = get_object_or_404(Patient.objects.all(), pk=pk)
    if Patient.objects.visible_to(request.user).filter(pk=pk).exists():
        return redirect("clinic:patient", pk=pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        open_record(patient, request.user, reason=form.cleaned_data["reason"], request=request)
        return redirect("clinic:patient", pk=pk)
    return render(
        request,
        "patients/clinic/break_glass.html",
        {"form": form, "patient_id": pk, "hours": settings.LDN_BREAK_GLASS_HOURS},
    )
