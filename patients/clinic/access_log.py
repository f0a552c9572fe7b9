"""Who read which patient's data: the admin's whole log and a patient's own view of it.

Also the patient's "export my data" (the same CSV/FHIR builders as the clinician's export).
"""

import json

from allauth.account.decorators import reauthentication_required
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import AccessLog, Role, closed_at_of, remember_closed_at
from ldn_journal.accounts.roles import role_required
from ldn_journal.pager import query_without_page
from patients.clinic.exports import formats
from patients.clinic.exports.csv import BOM, rows_csv
from patients.clinic.forms import range_date_field
from patients.clinic.views import export_response
from patients.models import (
    ROUTE_BREAK_GLASS,
    ROUTE_CARE_TEAM,
    ROUTE_COVERING,
    BreakGlassGrant,
    Patient,
)

PAGE_SIZE = 50
CSV_LIMIT = 50_000  # rows per admin CSV download; narrow the filters for more

# What each action means to a patient reading their own log.
ACTION_LABELS = {
    "patient.view": _("Opened your journal"),
    "report.view": _("Viewed a visit report"),
    "export.csv": _("Exported your data (CSV)"),
    "export.fhir": _("Exported your data (FHIR)"),
    "note.add": _("Added a care-team note"),
    "flags.review": _("Reviewed your flags"),
    "flags.review_undo": _("Undid a flag review"),
    "scale.add": _("Added a symptom scale"),
    "scale.stop": _("Stopped asking you about a symptom scale"),
    "scale.ask_again": _("Asked you about a symptom scale again"),
    "entry.history": _("Viewed the changes to an entry"),
    "entry.view": _("Viewed one night of your journal"),
    "patient.identifiers_view": _("Viewed your identifiers"),
    "admin.patient_view": _("Opened your record in the administration site"),
    "admin.patient_history": _("Viewed the changes to your record in the administration site"),
    "patient.identifiers": _("Changed your identifiers"),
    "plan.read": _("Viewed your plan"),
    "break_glass.open": _("Opened your record in an emergency"),
    "care_team.request": _("Asked you to let a clinician join your care team"),
    "care_team.accept": _("You accepted a clinician joining your care team"),
    "care_team.decline": _("You declined a clinician joining your care team"),
    "care_team.assign": _("Added a clinician to your care team"),
    "care_team.link": _("Added a clinician to your care team"),
    "care_team.remove": _("Removed a clinician from your care team"),
    "care_team.transfer": _("Moved your care to another clinician"),
    "plan.change": _("Changed your plan"),
    "plan.version.read": _("Viewed an earlier version of your plan"),
    "prescription.create": _("Started a prescription for you"),
    "suggestion.dismiss": _("Dismissed a suggestion to change your dose"),
    "urgent.report": _("You sent an urgent report"),
    "urgent.read": _("Read your urgent report"),
    "urgent.admin_read": _("Opened your urgent report to pass it to a clinician"),
    "urgent.acknowledge": _("Answered your urgent report"),
    "urgent.escalate": _("Escalated your unanswered urgent report"),
    "urgent.alert_failed": _("An alert about your urgent report could not be delivered"),
    "mfa.reset": _("Reset your two-step sign-in"),
    "mfa.reset_view": _("Opened your account to reset its two-step sign-in"),
    "account_deactivated": _("Deactivated your account"),
    "account_reactivated": _("Reactivated your account"),
    "account.closure_requested": _("You asked for your account to be closed"),
    "account.closed": _("Closed your account"),
    "account.closure_view": _("Opened your account to close it"),
}

# What each action means to an admin reading the whole log: every action the code records has
# a label here (tests/accounts/manage/test_audit_viewer.py finds them in the source).
AUDIT_ACTION_LABELS = {
    "access_denied": _("Was refused a page (404)"),
    "access_log.export": _("Downloaded the access log (CSV)"),
    "account.closed": _("Closed an account"),
    "account.closure_view": _("Opened an account to close it"),
    "admin.patient_history": _("Viewed a patient's changes in the Django admin"),
    "admin.patient_view": _("Opened a patient's record in the Django admin"),
    "account.closure_requested": _("Asked for their account to be closed"),
    "account.erased": _("Erased a closed patient's record after the retention period"),
    "account_deactivated": _("Deactivated an account"),
    "account_reactivated": _("Reactivated an account"),
    "break_glass.open": _("Opened a record in an emergency (break-glass)"),
    "bulk_invitation.done": _("Bulk invitations: finished sending a file"),
    "bulk_invitation.send": _("Bulk invitations: started sending a file"),
    "bulk_invitation.upload": _("Bulk invitations: uploaded a file for preview"),
    "care_team.accept": _("Patient accepted a care-team request"),
    "care_team.assign": _("Assigned a clinician to a care team"),
    "care_team.decline": _("Patient declined a care-team request"),
    "care_team.link": _("Added a clinician to a care team"),
    "care_team.remove": _("Removed a clinician from a care team"),
    "care_team.request": _("Asked a patient to let a clinician join their care team"),
    "care_team.transfer": _("Transferred a patient to another clinician"),
    "care_team.list": _("Opened the care teams"),
    "care_team.transfer_form": _("Opened the form to transfer patients"),
    "closures.list": _("Opened the account closures"),
    "coverage.create": _("Set up a covering clinician"),
    "coverage.end": _("Ended a covering clinician's coverage early"),
    "dashboard.view": _("Opened the patient dashboard"),
    "entry.history": _("Viewed the changes to an entry"),
    "entry.view": _("Viewed one night of a patient's journal"),
    "export.csv": _("Exported a patient's data (CSV)"),
    "export.fhir": _("Exported a patient's data (FHIR)"),
    "flags.review": _("Reviewed a patient's flags"),
    "flags.review_undo": _("Undid a flag review"),
    "invitation.send": _("Sent an invitation"),
    "login": _("Signed in"),
    "login_failed": _("Failed sign-in"),
    "mfa.reset": _("Reset someone's two-step sign-in"),
    "mfa.reset_view": _("Opened an account to reset its two-step sign-in"),
    "mfa_added": _("Added a two-step sign-in method"),
    "mfa_removed": _("Removed a two-step sign-in method"),
    "note.add": _("Added a care-team note"),
    "password_changed": _("Changed their password"),
    "patient.identifiers": _("Changed a patient's identifiers"),
    "patient.identifiers_view": _("Viewed a patient's identifiers"),
    "patient.view": _("Opened a patient's journal"),
    "people.list": _("Opened the people list"),
    "plan.change": _("Changed a plan"),
    "plan.read": _("Viewed a plan"),
    "plan.version.read": _("Viewed an earlier plan version"),
    "prescription.create": _("Started a prescription"),
    "report.view": _("Viewed a visit report"),
    "scale.add": _("Added a symptom scale"),
    "scale.stop": _("Stopped asking a patient about a symptom scale"),
    "scale.ask_again": _("Asked a patient about a symptom scale again"),
    "suggestion.dismiss": _("Dismissed a titration suggestion"),
    "urgent.acknowledge": _("Answered an urgent report"),
    "urgent.admin_read": _("An administrator opened an urgent report to route it"),
    "urgent.unassigned_list": _("Opened the unassigned urgent reports"),
    "urgent.alert_failed": _("An urgent alert could not be delivered"),
    "urgent.escalate": _("Escalated an unanswered urgent report"),
    "urgent.list": _("Opened the urgent reports list"),
    "urgent.read": _("Read an urgent report"),
    "urgent.report": _("Patient sent an urgent report"),
}


# How a clinician reached the patient for a read (AccessLog.route), said beside the action in
# the admin's viewer and in the patient's "Who viewed my data". A care-team read is the
# ordinary case and says nothing more.
ROUTE_LABELS = {
    ROUTE_COVERING: _("covering for a colleague on the care team"),
    ROUTE_BREAK_GLASS: _("emergency access (break-glass)"),
}


# What kind of record a row is about (AccessLog.object_type, a model's name), as a reader
# says it: every model of the project has a name here (tests/patients/test_translations_staff.py).
OBJECT_LABELS = {
    "accesslog": _("access log entry"),
    "accountclosure": _("account closure"),
    "breakglassgrant": _("emergency access grant"),
    "bulkinvitation": _("bulk invitation"),
    "bulkinvitationrow": _("bulk invitation row"),
    "careteammembership": _("care-team membership"),
    "careteamrequest": _("care-team request"),
    "cliniciannote": _("care-team note"),
    "clinicianpreferences": _("clinician preferences"),
    "coverage": _("coverage"),
    "flagreview": _("flag review"),
    "invitation": _("invitation"),
    "nightlyentry": _("nightly entry"),
    "patient": _("patient"),
    "patientattention": _("patient attention"),
    "planstep": _("plan step"),
    "plantemplate": _("plan template"),
    "planversion": _("plan version"),
    "prescription": _("prescription"),
    "pushsubscription": _("push subscription"),
    "reminderdelivery": _("reminder"),
    "sideeffect": _("side effect"),
    "submission": _("submission"),
    "suggestiondismissal": _("dismissed suggestion"),
    "symptomscale": _("symptom scale"),
    "symptomscore": _("symptom score"),
    "urgentreport": _("urgent report"),
    "user": _("user"),
}


def object_label(object_type):
    """The translated name of a row's object type; a type this table does not know (a model
    since removed) shows as stored."""
    return OBJECT_LABELS.get(object_type, object_type)


def role_label(role):
    """A row's actor_role as its Role's label; a blank or unknown value shows as stored."""
    return Role(role).label if role in Role.values else role


def route_label(route):
    return ROUTE_LABELS.get(route, "")


def audit_label(action):
    return AUDIT_ACTION_LABELS.get(action, action.replace("_", " ").replace(".", ": ").capitalize())


def patient_label(action):
    """An action as the patient reads it in "Who viewed my data": said to them where it is
    about them (every action recorded with a patient has such a label:
    tests/patients/test_access_log_labels.py), else as the admin's viewer says it."""
    return ACTION_LABELS.get(action) or audit_label(action)


def _action_choices():
    labelled = sorted(AUDIT_ACTION_LABELS.items(), key=lambda item: str(item[1]))
    return [("", _("All actions")), *[(code, label) for code, label in labelled]]


class AccessLogFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False, choices=_action_choices)
    user = forms.CharField(label=_("User (name or email)"), required=False, max_length=100)
    patient = forms.CharField(label=_("Patient (name or email)"), required=False, max_length=100)
    route = forms.ChoiceField(
        label=_("How the clinician reached the patient"),
        required=False,
        choices=lambda: [
            ("", _("Any way")),
            (ROUTE_CARE_TEAM, _("their own care team")),
            *ROUTE_LABELS.items(),
        ],
    )
    start = range_date_field(_("From"), "start")
    end = range_date_field(pgettext_lazy("date range", "To"), "end")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(
                _("The start date is after the end date: choose a start on or before the end.")
            )
        return data

    def apply(self, rows):
        """The rows the filters ask for; with a filter that is not valid the page shows its
        error and no rows, and nothing is exported (admin_access_log)."""
        if not self.is_valid():
            return rows
        data = self.cleaned_data
        if data["action"]:
            rows = rows.filter(action=data["action"])
        if data["user"]:
            rows = rows.filter(
                Q(actor__email__icontains=data["user"])
                | Q(actor__display_name__icontains=data["user"])
            )
        if data["patient"]:
            rows = rows.filter(
                Q(patient__user__email__icontains=data["patient"])
                | Q(patient__user__display_name__icontains=data["patient"])
            )
        if data["route"]:
            rows = rows.filter(route=data["route"])
        if data["start"]:
            rows = rows.filter(at__date__gte=data["start"])
        if data["end"]:
            rows = rows.filter(at__date__lte=data["end"])
        return rows


def _asks_for_csv(request):
    return request.GET.get("format") == "csv"


@role_required(Role.ADMIN)
# The CSV is an export (names, emails, addresses of every read): it asks for the password
# again, as the patients' exports do; the page itself does not.
@reauthentication_required(enabled=_asks_for_csv)
def admin_access_log(request):
    form = AccessLogFilterForm(request.GET or None)
    rows = form.apply(
        AccessLog.objects.select_related("actor", "patient__user")
        # The patient's and the actor's closures with each row: a closed account's name asks
        # it (User.name).
        .annotate(
            patient_closed_at=closed_at_of("patient__user_id"),
            actor_closed_at=closed_at_of("actor_id"),
        )
        .order_by("-at", "-pk")
    )
    # A filter that is not valid exports nothing: the page says what is wrong instead.
    csv_rows = None
    if _asks_for_csv(request) and form.is_valid():
        csv_rows = list(rows[: CSV_LIMIT + 1])
        if len(csv_rows) > CSV_LIMIT:
            # The file stopped at CSV_LIMIT rows without a word, and the admin took it for the
            # whole log: now no file, and the page says to narrow the filters.
            csv_rows = None
            messages.error(
                request,
                gettext(
                    "More than %(limit)s entries match these filters, more than one CSV file "
                    "holds. No file was made: narrow the filters (a shorter date range, one "
                    "action, one person) and download again."
                )
                % {"limit": number_format(CSV_LIMIT, force_grouping=True)},
            )
    if csv_rows is not None:
        rows = _with_closures(csv_rows)
        response = HttpResponse(
            BOM
            + rows_csv(
                [
                    "at",
                    "actor",
                    "actor_role",
                    "patient_id",
                    "patient",
                    "action",
                    "action_label",
                    "route",
                    "object",
                    "request_id",
                    "ip",
                    "detail",
                ],
                (
                    [
                        row.at.isoformat(),
                        _who(row, "{name} #{id}"),
                        row.actor_role,
                        row.patient_id or "",
                        row.patient.user.name if row.patient else "",
                        row.action,
                        str(audit_label(row.action)),
                        row.route,
                        f"{row.object_type}#{row.object_id}" if row.object_type else "",
                        row.request_id,
                        row.ip or "",
                        json.dumps(row.detail, sort_keys=True) if row.detail else "",
                    ]
                    for row in rows
                ),
            ),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="access-log-{timezone.now():%Y%m%d-%H%M}.csv"'
        )
        # Codes and dates only: the name and email filters are said as used, not repeated.
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        record_access(
            request,
            "access_log.export",
            detail={
                "rows": len(rows),
                "action": data.get("action", ""),
                "route": data.get("route", ""),
                "start": data["start"].isoformat() if data.get("start") else "",
                "end": data["end"].isoformat() if data.get("end") else "",
                "by_user": bool(data.get("user")),
                "by_patient": bool(data.get("patient")),
            },
        )
        return response
    kept = request.GET.copy()
    kept.pop("format", None)
    if form.is_bound and not form.is_valid():
        # No table under a refused filter: a start after the end showed every row of the
        # log beneath its error, which read as the answer (exploratory QA).
        return render(
            request,
            "accounts/manage/access_log.html",
            {"form": form, "page": None, "query_string": query_without_page(kept)},
            status=400 if _asks_for_csv(request) else 200,
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in _with_closures(page):
        row.who = _who(row)
        row.label = audit_label(row.action)
        row.route_label = route_label(row.route)
        row.role_label = role_label(row.actor_role)
        row.object_label = object_label(row.object_type)
    # The pages' links keep the filters, never the download: a "next page" after a refused
    # export asked for the CSV again (and the password with it) instead of the next page.
    return render(
        request,
        "accounts/manage/access_log.html",
        {"form": form, "page": page, "query_string": query_without_page(kept)},
        # A refused export (filters not valid, more rows than one file holds) is an error
        # with the page saying why, not a page that looks like an answer.
        status=400 if _asks_for_csv(request) else 200,
    )


def _with_closures(rows):
    """``rows`` (access log rows read with ``patient_closed_at`` and ``actor_closed_at``),
    each patient's and actor's closure kept on their user: the log names them without a
    query per row."""
    for row in rows:
        if row.patient is not None:
            remember_closed_at(row.patient.user, row.patient_closed_at)
        if row.actor is not None:
            remember_closed_at(row.actor, row.actor_closed_at)
    return rows


def _who(row, closed="{name}") -> str:
    """The "Who" of a row: the actor's address, or "Closed account" (User.name) for a closed
    one, whose address is the placeholder closing left ("closed-7@closed.invalid", found in
    review); ``closed`` may add its id, which the CSV keeps for the audit."""
    if row.actor is None:
        return ""
    if row.actor_closed_at is None:
        return row.actor.email
    return closed.format(name=row.actor.name, id=row.actor_id)


def _own_patient(request):
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("user"))


@role_required(Role.PATIENT)
def my_access_log(request):
    patient = _own_patient(request)
    # Staff reads only: the patient's own actions are not news to them.
    rows = (
        AccessLog.objects.filter(patient=patient, actor_role__in=[Role.CLINICIAN, Role.ADMIN])
        .select_related("actor")
        # The actor's closure with each row: a closed colleague's name asks it (User.name).
        .annotate(actor_closed_at=closed_at_of("actor_id"))
        .order_by("-at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        if row.actor is not None:
            remember_closed_at(row.actor, row.actor_closed_at)
    # One query for the reasons of the emergency accesses on this page.
    grant_ids = [r.object_id for r in page if r.action == "break_glass.open" and r.object_id]
    reasons = (
        dict(
            BreakGlassGrant.objects.filter(patient=patient, pk__in=grant_ids).values_list(
                "pk", "reason"
            )
        )
        if grant_ids
        else {}
    )
    for row in page:
        row.reason = reasons.get(int(row.object_id)) if row.object_id.isdigit() else None
        row.label = patient_label(row.action)
        row.role_label = Role(row.actor_role).label if row.actor_role in Role.values else ""
        row.route_label = route_label(row.route)
    return render(request, "accounts/access_log_patient.html", {"patient": patient, "page": page})


@role_required(Role.PATIENT)
@reauthentication_required  # exporting asks for the password again
def my_export(request, fmt=None):
    patient = _own_patient(request)
    # The dates typed, back in their fields after a refused range (the message says why).
    typed = {k: request.GET.get(k, "").strip()[:32] for k in ("start", "end")}
    if fmt is None:
        return render(request, "accounts/export_patient.html", {"patient": patient, **typed})
    if fmt not in formats.FORMATS:  # the URL admits no other (exports.formats)
        raise Http404
    response = export_response(request, patient, fmt)
    if response is None:
        query = urlencode({k: v for k, v in typed.items() if v})
        return redirect(reverse("journal:export") + (f"?{query}" if query else ""))
    return response
