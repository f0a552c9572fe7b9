"""The clinician's pages: the patient list, one patient, notes, reviews, report and exports.

Every patient reached here comes through Patient.objects.visible_to (via
dashboard.care_team_gate): another team's patient is a 404 before anything is read or
logged. Each read of a patient's data writes one access-log row.
"""

import uuid
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Exists, Min, OuterRef, Q, Subquery
from django.http import Http404, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.http import require_POST

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.accounts_admin import is_closed
from ldn_journal.accounts.closed_records import refuse_change_to_closed_record
from ldn_journal.accounts.context_processors import clinician_alerts
from ldn_journal.accounts.models import Role, closed_at_of, remember_closed_at
from ldn_journal.accounts.reauth import reauthentication_required_for_patient
from ldn_journal.accounts.roles import role_required
from ldn_journal.compiled_queries import CompiledQuery
from ldn_journal.local_dates import local_date
from ldn_journal.pager import query_without_page
from patients import records as night_records
from patients.clinic import attention, dashboard, list_rows, report
from patients.clinic.exports import csv as csv_export
from patients.clinic.exports import fhir as fhir_export
from patients.clinic.exports import formats
from patients.clinic.exports import rows as export_rows
from patients.clinic.forms import (
    ChartForm,
    DateRangeForm,
    ExportRangeForm,
    ExtraScaleForm,
    NoteForm,
    PatientIdentifiersForm,
    PatientListForm,
    ReviewForm,
    first_reviewable_night,
)
from patients.journal.charts import table_body, table_rows
from patients.models import (
    CareTeamMembership,
    ClinicianNote,
    FlagReview,
    NightlyEntry,
    Patient,
    SymptomScale,
    UrgentReport,
)
from patients.rules import flags as flag_rules
from patients.rules import nights as night_rules
from patients.urgent import reports as urgent_reports
from patients.urgent.reports import report_night
from prescriptions import panel, plans
from prescriptions.models import PlanVersion

ENTRIES_PER_PAGE = 30
PLAN_PANEL_TEMPLATE = "prescriptions/clinic/_plan_panel.html"


def _gate(request, pk):
    found = dashboard.care_team_gate(request.user, pk)
    if found is None:
        raise Http404
    return found


@role_required(Role.CLINICIAN)
def patient_list(request):
    form = PatientListForm(request.GET or None)
    filters = form.filters() if request.GET else {"search": "", "kind": "", "needs_review": False}
    # The stored attention rows: one indexed, paginated query, whatever the team's size.
    now = timezone.now()
    page = attention.list_page(request.user, now, request.GET.get("page"), **filters)
    # One row per dashboard view: which patients' flags and doses were on screen.
    record_access(request, "dashboard.view", detail={"patients": [row.patient.pk for row in page]})
    return render(
        request,
        "patients/clinic/patient_list.html",
        {
            "form": form,
            "page": page,
            "rows_html": list_rows.rows_html(page.object_list, now),
            "units": list_rows.headings_unit(page.object_list),
            "filters": filters,
            "query_string": query_without_page(request.GET),
            "kinds": flag_rules.KIND_LABELS,
            # Read with the navigation's alerts, in its one query.
            "undelivered_alerts": clinician_alerts(request, undelivered=True).undelivered_count,
        },
    )


def _plan_panel(request, page):
    """The titration panel (HTML) from the page's already-loaded plan and nights.

    Rendered without the request: the panel reads nothing the context processors give but
    its forms' CSRF token, and the page's own render runs them (a second run cost the
    navigation and banner work again)."""
    context = {**dashboard.plan_panel_context(page), "csrf_token": get_token(request)}
    # In the patient's zone, as the rest of the page: the versions' signing times were written
    # in the clinician's, with no zone, under "times in the patient's zone" (found in QA).
    html = _in_patient_zone(page.patient, render_to_string, PLAN_PANEL_TEMPLATE, context)
    return html, context["tonight_heading"]


def _calendar_month(request, today, last_night, first_night):
    """The month the adherence calendar shows: ?month=YYYY-MM (this month without one), never
    after the month of the last night of record (this month, or the next when a night was
    logged ahead of today: nights.last_night_of_record) nor before the month of the record's
    first night (_page_first_night: it went back forever, months of "No dose prescribed")."""
    wanted = night_rules.month_named(request.GET.get("month"))
    if wanted is None or not night_rules.nameable(wanted):
        return dashboard.month_start(today)
    return max(min(wanted, dashboard.month_start(last_night)), dashboard.month_start(first_night))


# What the patient page shows that its own links choose: each link changes one and keeps the
# others (the entries' "Next" reset the chart to 12 weeks and the calendar to this month).
PAGE_STATE = ("weeks", "month", "page", "notes_page")


def _links_keeping(request):
    """For each of PAGE_STATE, the query string of the others as asked ("" when none), to
    which a link adds its own value."""
    asked = {name: request.GET[name][:20] for name in PAGE_STATE if request.GET.get(name)}
    return {name: urlencode({k: v for k, v in asked.items() if k != name}) for name in PAGE_STATE}


def _export_form(request, page):
    """The export range picker, showing the errors of a range the export refused.

    Its default start is the page's own record start (_page_first_night); the export
    computes the same from the database, ended prescriptions included.
    """
    data = {k: request.GET[k] for k in ("start", "end") if k in request.GET}
    form = ExportRangeForm(
        data or None, default_start=page.first_night, default_end=page.last_night
    )
    if data:
        form.is_valid()
    return form


@role_required(Role.CLINICIAN)
def patient_detail(request, pk):
    patient, care_team = _gate(request, pk)
    return _patient_page(request, patient, care_team)


def _patient_page(request, patient, care_team, *, status=200, **bound):
    """The patient page, a read of the patient's data (logged). ``bound``: a form of its own
    that was refused (``note_form``, ``review_form`` or ``scale_form``), shown with its
    errors beside its fields and what was typed, answering ``status``; the page at a form's
    address (its links lead to the patient page's own)."""
    now = timezone.now()
    page = dashboard.patient_page(
        patient, care_team, now, timeline_number=request.GET.get("notes_page") or 1
    )
    # Not before the record's first month (as the export picker's start: no query more).
    first_month = dashboard.month_start(page.first_night)
    month = _calendar_month(request, page.today, page.last_night, first_month)
    chart_form = ChartForm(request.GET or None)
    weeks = chart_form.weeks_shown()
    # The nights the page shows, read together with the flags' when first asked for: the
    # chart's weeks, the calendar's month and the suggestions' (the entries table's page
    # adds its own nights to that read).
    page.nights.want(
        dashboard.trend_range(page, weeks),
        dashboard.calendar_range(month),
        *panel.nights_needed(page.plan, page.today),
    )
    entries = dashboard.entry_rows(page, request.GET.get("page"), ENTRIES_PER_PAGE)
    svg, series, start, end = dashboard.trend(page, weeks)
    calendar = dashboard.calendar_month(page, month)
    dose_levels = dashboard.dose_levels(page)
    record_access(request, "patient.view", patient=patient, obj=patient)
    # The page's "dose" heading is the panel's own ("Last night (1 Dec)" before noon).
    plan_panel, tonight_heading = _plan_panel(request, page)
    keeping = _links_keeping(request)
    context = {
        "patient": patient,
        "page_data": page,
        "open_flags": flag_rules.unreviewed(page.flags, page.reviewed_through),
        "chart": svg,
        "chart_series": series,
        "chart_table_body": table_body(reversed(table_rows(series, start, end))),
        "weeks": weeks,
        "week_choices": dashboard.CHART_WEEKS,
        "calendar": calendar,
        "calendar_body": dashboard.calendar_html(calendar, page.today),
        "calendar_month": month,
        "calendar_previous": dashboard.previous_month(month) if month > first_month else None,
        "calendar_next": (
            dashboard.next_month(month) if month < dashboard.month_start(page.last_night) else None
        ),
        "dose_levels": dose_levels,
        "dose_level_rows": dashboard.dose_level_rows_html(dose_levels, page.position.dosing_time),
        "export_form": _export_form(request, page),
        "entries": entries,
        "entries_body": _in_patient_zone(patient, dashboard.entry_rows_html, entries, patient.pk),
        "page_url": _back(patient),
        "keeping": keeping,
        # The entries' pager (includes/pagination.html) keeps the rest of the page's choices.
        "query_string": keeping["page"],
        "plan_panel": plan_panel,
        "tonight_heading": tonight_heading,
        # A closed account's record is read-only: nothing is planned for it any more, and
        # no form of the page is offered (refuse_change_to_closed_record refuses them).
        "next_change": None if page.closed else page.plan.next_change(page.today),
        "hold_until": page.plan.held_until(page.today),
        # A closed account's identifiers cannot be edited (_edit_identifiers): not offered.
        # The gate read the closure with the patient (no query more).
        **closure_context(patient),
    }
    if "note_form" not in bound:
        context["note_form"] = NoteForm()
    if "review_form" not in bound:
        # Through the last night of record: a flag about a night logged ahead of tonight can
        # be marked reviewed (the flags judge it: flags.evaluate).
        context["review_form"] = ReviewForm(
            initial={"reviewed_through": page.last_night},
            today=page.last_night,
            first=first_reviewable_night(patient, page.summary.first, page.plan),
            dosing_time=page.position.dosing_time,
        )
    if "scale_form" not in bound:
        context["scale_form"] = ExtraScaleForm(patient=patient)
    context.update(bound)
    return _render_in_patient_zone(
        request, patient, "patients/clinic/patient_detail.html", context, status=status
    )


def closure_context(patient) -> dict:
    """``closed`` (is_closed) and ``closed_on``, the date the account was closed on in the
    patient's zone: the header's badge (includes/account_state_badge.html)."""
    on = dashboard.closed_on(patient)
    return {"closed": on is not None, "closed_on": on}


def _in_patient_zone(patient, build, *args):
    """What ``build`` returns with the patient's zone active, as the template would see it."""
    with timezone.override(patient.tz):
        return build(*args)


def _render_in_patient_zone(request, patient, template, context, status=200):
    """Render with the patient's zone active: every time on the page is their local time
    (the page says which zone; times that stand alone carry its abbreviation)."""
    with timezone.override(patient.tz):
        return render(request, template, context, status=status)


def _back(patient):
    return reverse("clinic:patient", args=[patient.pk])


@role_required(Role.CLINICIAN)
@require_POST
def add_note(request, pk):
    patient, care_team = _gate(request, pk)
    if refused := refuse_change_to_closed_record(request, patient, _back(patient) + "#notes"):
        return refused
    form = NoteForm(request.POST)
    if not form.is_valid():
        # The page again with the typed note and its error beside it (a flash message over a
        # redirect lost the note).
        return _patient_page(request, patient, care_team, status=400, note_form=form)
    if _save_note_once(form, patient, request.user):
        record_access(request, "note.add", patient=form.instance.patient, obj=form.instance)
    # The same note posted again (a flaky connection, a double click) saves nothing and
    # answers as the first post did.
    messages.success(request, gettext("Note saved for the care team."))
    return redirect(_back(patient) + "#notes")


def _save_note_once(form, patient, author) -> bool:
    """Save the note unless its submission id was saved already (the unique index decides,
    also for two posts at once): True when saved now. An id that is another author's or
    patient's (never shown to this one) is replaced with a fresh one: the note is saved,
    and nothing of the other is revealed."""
    note = form.save(commit=False)
    note.patient, note.author = patient, author
    note.submission_id = form.cleaned_data["submission_id"]
    try:
        with transaction.atomic():
            note.save()
    except IntegrityError:
        if ClinicianNote.objects.filter(
            submission_id=note.submission_id, patient=patient, author=author
        ).exists():
            return False
        note.pk, note.submission_id = None, uuid.uuid4()
        note.save()
    return True


@role_required(Role.CLINICIAN)
@require_POST
def mark_reviewed(request, pk):
    patient, care_team = _gate(request, pk)
    if refused := refuse_change_to_closed_record(request, patient, _back(patient) + "#flags"):
        return refused
    plan = plans.load(patient)
    today = plan.tonight(patient.tz, timezone.now())
    # The first and last night logged as the patient page reads them (records.summary).
    logged = night_records.summary(patient.pk)
    form = ReviewForm(
        request.POST,
        today=night_rules.last_night_of_record(today, logged.last),
        first=first_reviewable_night(patient, logged.first, plan),
        # As the patient page's form (its position tonight): its errors say "day" too.
        dosing_time=plan.dosing_time_on(today),
    )
    if not form.is_valid():
        return _patient_page(request, patient, care_team, status=400, review_form=form)
    review = FlagReview.objects.create(
        patient=patient,
        reviewed_through=form.cleaned_data["reviewed_through"],
        reviewed_by=request.user,
        note=form.cleaned_data["note"],
    )
    record_access(
        request,
        "flags.review",
        patient=patient,
        obj=review,
        detail={"through": review.reviewed_through.isoformat()},
    )
    messages.success(
        request,
        gettext(
            "Flags marked reviewed through %(night)s. "
            "Use Undo in the history if that was a mistake."
        )
        % {"night": local_date(review.reviewed_through, "date")},
    )
    return redirect(_back(patient) + "#flags")


@role_required(Role.CLINICIAN)
@require_POST
def undo_review(request, pk, review_pk):
    patient, _ = _gate(request, pk)
    if refused := refuse_change_to_closed_record(request, patient, _back(patient) + "#flags"):
        return refused
    # Locked: two taps, or two of the team at once, undo it once (one log row, the first
    # undoer kept); the second hears that it was already undone (it answered nothing).
    with transaction.atomic():
        review = get_object_or_404(
            FlagReview.objects.select_for_update().filter(patient=patient), pk=review_pk
        )
        undone_now = review.undone_at is None
        if undone_now:
            review.undone_at, review.undone_by = timezone.now(), request.user
            review.save(update_fields=["undone_at", "undone_by"])
            record_access(request, "flags.review_undo", patient=patient, obj=review)
    later = (
        FlagReview.objects.filter(patient=patient, undone_at__isnull=True)
        .filter(Q(at__gt=review.at) | Q(at=review.at, pk__gt=review.pk))
        .order_by("-at", "-pk")
        .first()
        if undone_now
        else None
    )
    if later is not None:
        # An older review undone: the latest one still decides (it said the flags raised the
        # patient again, and nothing did).
        messages.success(
            request,
            gettext(
                "Review undone. The later review through %(night)s still stands, so the "
                "flags it covers stay reviewed."
            )
            % {"night": local_date(later.reviewed_through, "date")},
        )
    elif undone_now:
        messages.success(request, gettext("Review undone: those flags raise the patient again."))
    else:
        undoer = review.undone_by
        messages.info(
            request,
            gettext("This review was already undone by %(name)s on %(when)s: nothing changed.")
            % {
                "name": undoer.name if undoer else gettext("someone"),
                "when": local_date(timezone.localtime(review.undone_at, patient.tz), "date_time"),
            },
        )
    return redirect(_back(patient) + "#flags")


@role_required(Role.CLINICIAN)
@require_POST
def add_scale(request, pk):
    patient, care_team = _gate(request, pk)
    if refused := refuse_change_to_closed_record(request, patient, _back(patient) + "#scales"):
        return refused
    form = ExtraScaleForm(request.POST, patient=patient)
    if not form.is_valid():
        # Each error beside its field: two anchor words missing were joined in one flash
        # message ("This field is required. This field is required.").
        return _patient_page(request, patient, care_team, status=400, scale_form=form)
    scale = form.save(commit=False)
    scale.patient, scale.created_by = patient, request.user
    try:
        with transaction.atomic():
            scale.save()
    except IntegrityError:
        # A double tap: the other request saved the same name between this one's check and
        # its save. The form asked again says so beside the name (it was a 500).
        form = ExtraScaleForm(request.POST, patient=patient)
        form.is_valid()
        return _patient_page(request, patient, care_team, status=400, scale_form=form)
    record_access(request, "scale.add", patient=patient, obj=scale)
    messages.success(
        request,
        gettext("The patient will now be asked about “%(name)s”.") % {"name": scale.name},
    )
    return redirect(_back(patient) + "#scales")


@role_required(Role.CLINICIAN)
@require_POST
def stop_scale(request, pk, scale_pk):
    """Stop asking the patient about an extra scale. Only the asking stops: the answers
    given stay in the charts, the nights, the history and the exports."""
    return _set_scale_asked(
        request,
        pk,
        scale_pk,
        asked=False,
        done=gettext_noop(
            "The patient is no longer asked about “%(name)s”. The answers already given "
            "stay in the charts, the nights and the exports."
        ),
        already=gettext_noop(
            "The patient was already no longer asked about “%(name)s”: nothing changed."
        ),
    )


@role_required(Role.CLINICIAN)
@require_POST
def ask_scale_again(request, pk, scale_pk):
    """Ask about a stopped scale again (a scale's name is the patient's once: it cannot be
    added a second time, so a stop in error had no way back)."""
    return _set_scale_asked(
        request,
        pk,
        scale_pk,
        asked=True,
        done=gettext_noop("The patient will now be asked about “%(name)s” again."),
        already=gettext_noop("The patient is already asked about “%(name)s”: nothing changed."),
    )


def _set_scale_asked(request, pk, scale_pk, *, asked, done, already):
    patient, _care_team = _gate(request, pk)
    scale = get_object_or_404(SymptomScale.objects.filter(patient=patient), pk=scale_pk)
    if refused := refuse_change_to_closed_record(request, patient, _back(patient) + "#scales"):
        return refused
    # Conditional: a double tap, or two of the team at once, change it (and log it) once.
    changed = SymptomScale.objects.filter(pk=scale.pk, active=not asked).update(active=asked)
    if changed:
        record_access(
            request, "scale.ask_again" if asked else "scale.stop", patient=patient, obj=scale
        )
        messages.success(request, gettext(done) % {"name": scale.name})
    else:
        messages.info(request, gettext(already) % {"name": scale.name})
    return redirect(_back(patient) + "#scales")


@role_required(Role.CLINICIAN)
def patient_identifiers(request, pk):
    """The care team edits the identifiers (history keeps every version; logged)."""
    return _edit_identifiers(request, pk)


@role_required(Role.ADMIN)
def manage_patient_identifiers(request, pk):
    """Admins edit them from the manage area, through the same gate and form."""
    return _edit_identifiers(request, pk)


def _edit_identifiers(request, pk):
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user).select_related("user"), pk=pk
    )
    back = _back(patient) if request.user.role == Role.CLINICIAN else reverse("manage:people")
    if is_closed(patient.user):
        # Closing forgot the identifiers (accounts.closure); the form took them again (found
        # by exploratory QA). Nothing is shown or stored.
        messages.error(
            request,
            gettext(
                "This account is closed: its identifiers were forgotten and cannot be "
                "entered again."
            ),
        )
        return redirect(back)
    today = timezone.localtime(timezone.now(), patient.tz).date()
    form = PatientIdentifiersForm(request.POST or None, instance=patient, today=today)
    if request.method == "POST" and form.is_valid():
        form.save()
        record_access(
            request,
            "patient.identifiers",
            patient=patient,
            obj=patient,
            detail={"fields": sorted(form.changed_data)},
        )
        messages.success(
            request, gettext("Identifiers saved for %(name)s.") % {"name": patient.name}
        )
        return redirect(back)
    # The page shows the identifiers: a read of the patient's data like any other.
    record_access(request, "patient.identifiers_view", patient=patient, obj=patient)
    return render(
        request, "patients/clinic/patient_identifiers.html", {"patient": patient, "form": form}
    )


def _shown_ahead(patient, night, plan):
    """Whether a night after the patient's tonight has something to show: a logged entry or
    an urgent report. Either can lie a night ahead for a few hours after a move west (a row
    left by an undone dose is no entry)."""
    return NightlyEntry.objects.logged().filter(patient=patient, night=night).exists() or bool(
        urgent_reports.reports_between(patient, night, night, plan)
    )


def _next_night_shown(patient, night, tonight, last, plan):
    """The night after ``night`` when its page shows something; None when it answers 404
    (no link to it): after ``last``, the record's last night, or after tonight with nothing
    logged or reported (_shown_ahead)."""
    following = night + timedelta(days=1)
    if following > last:
        return None
    if following <= tonight or _shown_ahead(patient, following, plan):
        return following
    return None


@role_required(Role.CLINICIAN)
def night_detail(request, pk, night):
    """One night of the patient: what was logged, the urgent reports made for it and what
    the plan prescribed."""
    patient, _ = _gate(request, pk)
    night = night_rules.night_named(night)
    if night is None:  # not YYYY-MM-DD (20260328, 2026-W13-6 answered 200), or unnameable
        raise Http404
    plan = plans.load(patient)
    # A closed account's record ends on its closure night (PlanView.record_tonight): a
    # night after it has nothing to show unless something was logged for it.
    tonight = plan.record_tonight(patient, timezone.now())
    # Only the nights of the patient's record, as its report and exports reach them (first
    # entry, plan version or urgent report to the last night of record): before its first
    # night (it answered "Nothing was logged" for any night back to the year 1000, logging a
    # read each time) or after its last night there is nothing to show: 404, with no read
    # logged. A night with only an urgent report is on record (it was a 404).
    first, last = record_start(patient, tonight, plan), record_end(patient, tonight, plan)
    if not first <= night <= last:
        raise Http404
    entry = dashboard.entries_with_details().filter(patient=patient, night=night).first()
    # The reports whose night this is, in the zone each was made in (the one rule the visit
    # report and the exports place them by).
    reports = urgent_reports.reports_between(patient, night, night, plan)
    # A night after the patient's tonight has nothing to show unless something was logged or
    # reported for it: 404, as on the patient's own night page (it answered 200 for any night
    # up to 9998).
    if night > tonight and not reports and (entry is None or not entry.is_logged):
        raise Http404
    record_access(
        request,
        "entry.view",
        patient=patient,
        obj=entry or patient,
        detail={"night": night.isoformat()},
    )
    return _render_in_patient_zone(
        request,
        patient,
        "patients/clinic/night_detail.html",
        {
            "patient": patient,
            "night": night,
            "entry": entry,
            "urgent_reports": reports,
            "position": plan.on(night),
            # The dose's label names that night's dosing time: "Morning" for a morning doser
            # (it said "Evening" for every night).
            "dosing_time": plan.dosing_time_on(night),
            # The links stop at the ends of the record (the "←" went back forever).
            "previous": night - timedelta(days=1) if night > first else None,
            "next": _next_night_shown(patient, night, tonight, last, plan),
        },
    )


@role_required(Role.CLINICIAN)
def entry_history(request, pk, entry_pk):
    patient, _ = _gate(request, pk)
    entry = get_object_or_404(NightlyEntry.objects.filter(patient=patient), pk=entry_pk)
    changes = entry.history.select_related("history_user").order_by("-history_date")[:100]
    record_access(request, "entry.history", patient=patient, obj=entry)
    return _render_in_patient_zone(
        request,
        patient,
        "patients/clinic/entry_history.html",
        {
            "patient": patient,
            "entry": entry,
            "changes": changes,
            # Its heading names the night as the night's page does: "the day of" a morning dose.
            "dosing_time": plans.load(patient).dosing_time_on(entry.night),
        },
    )


def _range_form(request, last_night, default_start):
    # Bound even with no dates given, so the default range is cut to two years with the
    # notice, as "?start=&end=" and the export's default are (unbound, it was the whole record).
    form = DateRangeForm(request.GET, default_start=default_start, default_end=last_night)
    start, end = form.range()
    if form.notice:
        messages.warning(request, form.notice)
    return form, start, end


@role_required(Role.CLINICIAN)
def visit_report(request, pk):
    patient, care_team = _gate(request, pk)
    page = dashboard.patient_page(patient, care_team, timezone.now(), with_timeline=False)
    first_night, last_night = _page_record_range(page)
    form, start, end = _range_form(request, last_night, first_night)
    # One list of plan changes for the table and the chart's markers.
    changes = page.plan.changes_between(start, end)
    scales = [*dashboard.scale_defs.SYMPTOMS, dashboard.scale_defs.SLEEP] + [
        dashboard.extra_scale(s) for s in page.scales
    ]
    data = report.visit_report(page, start, end, changes, scales=scales)
    svg, _ = dashboard.trend_between(page, start, end, changes=changes)
    with_notes = request.GET.get("notes") == "1"
    # Notes and reviews written the morning after the last night still belong to the range.
    # Their dates in the patient's zone, as the report shows them (the viewer's zone picked a
    # note the report dated before its start and dropped one of the day after its end).
    # Only the range's are read: the instants asked for reach a day either side of its dates,
    # wide enough for any zone (it read every note the patient ever had).
    timeline = [
        item
        for item in dashboard.timeline_between(
            patient,
            datetime.combine(start - timedelta(days=1), time.min, UTC),
            datetime.combine(end + timedelta(days=3), time.min, UTC),
        )
        if start <= timezone.localdate(item["when"], patient.tz) <= end + timedelta(days=1)
    ]
    record_access(
        request,
        "report.view",
        patient=patient,
        obj=patient,
        detail={"start": start.isoformat(), "end": end.isoformat()},
    )
    return _render_in_patient_zone(
        request,
        patient,
        "patients/report/visit_report.html",
        {
            "patient": patient,
            "page_data": page,
            "form": form,
            "report": data,
            "chart": svg,
            "with_notes": with_notes,
            # Apart: a range with a review but no note said nothing where "No notes in this
            # period." belongs (the notes' {% empty %} looked at both).
            "notes": [item for item in timeline if item["item"] == "note"],
            "reviews": [item for item in timeline if item["item"] == "review"],
            "tonight_heading": dashboard.tonight_heading(page),
            "generated_at": timezone.now(),
            # The header's badge, as the patient page's (the gate read the closure).
            **closure_context(patient),
        },
    )


def _range_reports(patient_id, since):
    first = UrgentReport.objects.filter(patient_id=patient_id).order_by("created_at", "pk")
    return (
        UrgentReport.objects.filter(patient_id=patient_id)
        .filter(Q(pk__in=first.values("pk")[:1]) | Q(created_at__gte=since))
        .order_by("created_at", "pk")
        .only("created_at", "time_zone")
    )


# Compiled once per process (ldn_journal.compiled_queries): built and compiled on every
# visit report, this query cost more than PostgreSQL took to answer it.
_RANGE_REPORTS = CompiledQuery(
    _range_reports, -7_000_401, datetime(2000, 1, 2, 3, 4, 5, tzinfo=UTC)
)


def _page_record_range(page):
    """The first and last night of the patient's record for a page that has read their
    nights and plan (every version of every prescription): record_start(), and the last night
    of record (nights.last_night_of_record) with the newest urgent report's night, which the
    visit report shows. One query: the first urgent report and those that may lie on a night
    after tonight (a move west; the range followed the newest night logged only and left
    such a report out)."""
    patient = page.patient
    reports = _RANGE_REPORTS.instances(patient.pk, urgent_reports.made_on_a_night_after(page.today))
    nights = [
        report_night(reports[0], patient.tz, page.plan) if reports else None,
        page.summary.first,
        min((version.effective_night for version in page.plan.versions), default=None),
    ]
    start = min([night for night in nights if night is not None] + [page.today])
    end = night_rules.last_night_of_record(
        page.last_night, urgent_reports.newest_night(reports, patient.tz, page.plan)
    )
    return start, end


def record_start(patient, today, plan):
    """The first night of the patient's record: their first entry, plan version or urgent
    report (whichever came first; a report on its night in the zone it was made in, under
    ``plan``, the patient's PlanView: urgent.reports.report_night), or today for an empty
    record. One query."""

    def first(queryset, field):
        return Subquery(
            queryset.order_by().values("patient_id").annotate(first=Min(field)).values("first")[:1]
        )

    firsts = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(
            first_report=first(UrgentReport.objects.filter(patient=OuterRef("pk")), "created_at"),
            first_report_zone=Subquery(
                UrgentReport.objects.filter(patient=OuterRef("pk"))
                .order_by("created_at", "pk")
                .values("time_zone")[:1]
            ),
            first_entry=first(
                NightlyEntry.objects.logged().filter(patient=OuterRef("pk")), "night"
            ),
            first_version=Subquery(
                PlanVersion.objects.filter(prescription__patient=OuterRef("pk"))
                .order_by("effective_night")
                .values("effective_night")[:1]
            ),
        )
        .values("first_report", "first_report_zone", "first_entry", "first_version")
        .get()
    )
    report = firsts["first_report"] and UrgentReport(
        created_at=firsts["first_report"], time_zone=firsts["first_report_zone"] or ""
    )
    nights = [
        report and report_night(report, patient.tz, plan),
        firsts["first_entry"],
        firsts["first_version"],
    ]
    return min([night for night in nights if night is not None] + [today])


def _in_site_language(chunks):
    """Files for spreadsheets and health systems read the same whatever the page's language;
    a streamed file is made after the view returns, so the language is set while it is."""
    with translation.override(settings.LANGUAGE_CODE):
        yield from chunks


def _export_last_night(patient, today, end_asked, plan):
    """The last night an export may reach: record_end, read (two queries) only when the end
    asked for may lie after tonight, i.e. none is given or it is not an ISO date on or before
    tonight; otherwise tonight is the answer whatever was logged."""
    try:
        if date.fromisoformat(end_asked.strip()) <= today:
            return today
    except ValueError:
        pass
    return record_end(patient, today, plan)


def record_end(patient, today, plan):
    """The last night of the patient's record (nights.last_night_of_record): tonight, or the
    newest night logged or newest urgent report's night when a move west has put it after
    tonight (``plan`` places the reports: urgent.reports.report_night). Two queries. The
    exports (a FHIR export holds the reports of its nights) and the night page read it."""
    newest = patient.entries.logged().order_by("-night").values_list("night", flat=True).first()
    reports = UrgentReport.objects.filter(
        patient=patient, created_at__gte=urgent_reports.made_on_a_night_after(today)
    ).only("created_at", "time_zone")
    return night_rules.last_night_of_record(
        today, newest, urgent_reports.newest_night(reports, patient.tz, plan)
    )


def export_response(request, patient, fmt, *, now=None, errors_as_messages=True):
    """The CSV or FHIR download of a patient's nights for the requested range.

    Shared by the clinician's and the patient's export pages; the caller did the gate.
    The range defaults to the whole record (first entry or plan version to today, or to the
    newest night logged or urgent report's night when a move west has put it after today).
    Returns None (after adding messages) when the range is not valid.
    """
    now = now or timezone.now()
    plan = plans.load(patient)
    # A closed account's record ends on the night it was closed (PlanView.record_tonight):
    # the export listed every night since as "missed" (found by exploratory QA). The
    # patient's own export is an open account's (a closed one cannot sign in): no query.
    if request.user.pk == patient.user_id:
        remember_closed_at(patient.user, None)
    today = plan.record_tonight(patient, now)
    last_night = _export_last_night(patient, today, request.GET.get("end", ""), plan)
    # The record's first night is read only when the range leaves the start out (a start
    # given is either a date, or an error shown before any default is looked at).
    default_start = (
        today if request.GET.get("start", "").strip() else record_start(patient, today, plan)
    )
    form = DateRangeForm(
        request.GET, default_start=default_start, default_end=last_night, cut_is_error=True
    )
    if not form.is_valid():
        if errors_as_messages:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return None
    # Never a notice beside a download (it would show later, on another page): a range asked
    # for that is too long was refused above; one left to its defaults is cut to the last two
    # years (the picker says so) and one past the last night of the record (today, or a
    # night logged ahead of it) ends there (the file's name has both).
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    # Streamed: the nights are read a chunk at a time while the download is sent, so time to
    # first byte and memory stay flat whatever the range. Both formats hold the urgent reports
    # of the range's nights, as the night page places them: the CSV on their night's row
    # (a row of its own for a night with nothing logged), FHIR as AdverseEvents.
    stamp = f"{start.isoformat()}_{end.isoformat()}"
    if request.user.pk != patient.user_id:
        # A clinician's downloads of several patients were all "ldn-journal-<range>": named
        # by the patient's record number (the address's, never their name), they differ.
        stamp = f"patient-{patient.pk}-{stamp}"
    if fmt == "csv":
        nights = export_rows.nights_with_reports(patient, start, end, plan, today)
        response = StreamingHttpResponse(
            _in_site_language(csv_export.stream_nights_csv(nights)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="ldn-journal-{stamp}.csv"'
    else:
        nights = export_rows.nights(patient, start, end)
        response = StreamingHttpResponse(
            _in_site_language(fhir_export.bundle_json(patient, plan, nights, now, start, end)),
            content_type="application/fhir+json",
        )
        response["Content-Disposition"] = f'attachment; filename="ldn-journal-{stamp}.json"'
    count = (
        NightlyEntry.objects.logged()
        .filter(patient=patient, night__gte=start, night__lte=end)
        .count()
    )
    record_access(
        request,
        f"export.{fmt}",
        patient=patient,
        obj=patient,
        detail={"start": start.isoformat(), "end": end.isoformat(), "nights": count},
    )
    return response


@role_required(Role.CLINICIAN)
@reauthentication_required_for_patient("pk")  # exporting asks for the password again
def export(request, pk, fmt):
    # The gate without what the patient page shows (care team, urgent reports, last review):
    # the same patients pass (visible to the clinician and with a care team, as _gate).
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user)
        .filter(Exists(CareTeamMembership.objects.filter(patient=OuterRef("pk"))))
        .select_related("user")
        .annotate(account_closed_at=closed_at_of("user_id")),
        pk=pk,
    )
    # A closed account's record ends on the night it was closed (export_response).
    remember_closed_at(patient.user, patient.account_closed_at)
    if fmt not in formats.FORMATS:  # the URL admits no other (exports.formats)
        raise Http404
    response = export_response(request, patient, fmt, errors_as_messages=False)
    if response is not None:
        return response
    # A bad range: the patient page shows the picker with the range and what is wrong.
    query = {k: request.GET[k][:40] for k in ("start", "end") if k in request.GET}
    return redirect(f"{_back(patient)}?{urlencode(query)}#export")
