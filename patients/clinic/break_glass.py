"""Break-glass: a clinician outside a patient's care team opens the record in an emergency.

The grant is a row the access gate (`Patient.objects.visible_to`) reads, never a bypass: it
lasts LDN_BREAK_GLASS_HOURS, alerts the admins and the care team at once, and the patient
sees it with its reason in "Who viewed my data". The banner reads the session, so it costs
no query on the pages it shows on.
"""

from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import speaking_to
from ldn_journal.accounts.models import Role, User
from ldn_journal.accounts.roles import role_required
from patients.models import BreakGlassGrant, Patient

SESSION_KEY = "break_glass_until"  # {patient id: ISO end}, for the banner


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
        transaction.on_commit(lambda: alert(grant))
    if request is not None:
        opened = request.session.get(SESSION_KEY, {})
        opened[str(patient.pk)] = grant.ends_at.isoformat()
        request.session[SESSION_KEY] = opened
    return grant


def alert(grant):
    """Tell every active admin and the patient's active care team, each in their language.
    The reason stays in the app: email is no place for clinical text."""
    people = User.objects.filter(is_active=True).filter(role=Role.ADMIN) | User.objects.filter(
        is_active=True, role=Role.CLINICIAN, memberships__patient_id=grant.patient_id
    )
    context = {"grant": grant, "clinician": grant.clinician, "patient": grant.patient.user}
    for person in people.distinct():
        with speaking_to(person):
            subject = gettext("Emergency access to a patient's record")
            body = render_to_string("patients/email/break_glass_alert.txt", context)
        send_mail(settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body, None, [person.email])


def active_in_session(session, now=None):
    """The patient ids this session opened by break-glass whose grant has not ended."""
    now = now or timezone.now()
    return [
        int(pk)
        for pk, until in session.get(SESSION_KEY, {}).items()
        if datetime.fromisoformat(until) > now
    ]


def banner(request):
    """Context processor: the emergency accesses this session opened and still holds, for
    the banner on every page. Read from the session (already loaded): no query per page."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if session is None or user is None or not user.is_authenticated:
        return {}
    if user.role != Role.CLINICIAN:
        return {}
    return {"break_glass_patients": active_in_session(session)}


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
