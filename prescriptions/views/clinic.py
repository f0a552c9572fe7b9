"""Clinician plan pages: the plan panel, signed changes, holds, templates and suggestions.

Every patient comes through Patient.objects.visible_to (foreign or missing: 404); every
change goes through changes.save_version / create_prescription and is logged.
"""

from datetime import timedelta

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.closed_records import refuse_change_to_closed_record
from ldn_journal.accounts.models import Role, closed_at_of, remember_closed_at
from ldn_journal.accounts.reauth import reauthentication_required_for_patient
from ldn_journal.accounts.roles import role_required
from patients.models import Patient
from patients.templatetags.journal import night_heading
from prescriptions import plans, titration
from prescriptions import suggestions as rules
from prescriptions.changes import (
    NeedsCancelConfirmation,
    NeedsConfirmation,
    NeedsGapConfirmation,
    NeedsRestartConfirmation,
    NeedsStartConfirmation,
    PlanChangeError,
    StalePlan,
    cancelled_hold_message,
    check_steps_numbering,
    create_prescription,
    dosing_time_change,
    end_change,
    first_changeable_night,
    first_switch_night,
    hold_change,
    kept_hold_message,
    pending_switch_on_hold_message,
    restart_dosing_message,
    resume_change,
    resumed_hold_message,
    save_version,
    steps_change,
    steps_prefill,
    words_dosing_time,
)
from prescriptions.forms import (
    DismissForm,
    DosingTimeForm,
    EndForm,
    HoldForm,
    NewPlanForm,
    PlanStepsForm,
    PrescriptionForm,
    ResumeForm,
    TemplateForm,
    prescription_validator,
    rows_from_post,
    step_formset,
    steps_as_initial,
    template_validator,
)
from prescriptions.models import PlanTemplate, PlanVersion, SuggestionDismissal
from prescriptions.panel import (
    current_steps,
    current_suggestions,
    plan_panel_context,
    plan_state,
)

clinician_only = role_required(Role.CLINICIAN)
template_managers = role_required(Role.CLINICIAN, Role.ADMIN)


def _patient(request, patient_id):
    patient = get_object_or_404(
        Patient.objects.visible_to(request.user)
        .select_related("user")
        .annotate(account_closed_at=closed_at_of("user_id")),
        pk=patient_id,
    )
    # Every plan page names the patient and asks whether the record is read-only: read once.
    remember_closed_at(patient.user, patient.account_closed_at)
    return patient


def _changeable(request, patient_id):
    """The patient, and the refusal to answer instead when their account is closed (the
    record is kept read-only): (patient, None) or (patient, response)."""
    patient = _patient(request, patient_id)
    return patient, refuse_change_to_closed_record(request, patient, _plan_url(patient))


def _plan_url(patient):
    return reverse("clinic:plan", args=[patient.pk])


def _based_on(state):
    return state["latest_row"].number if state["latest_row"] else 0


def _stale(request, patient, error):
    messages.error(request, str(error))
    return redirect(_plan_url(patient))


def _saved(request, patient, version):
    kept = getattr(version, "kept_holds", ())
    detail = {"version": version.number, "kind": version.kind}
    if kept:
        # The versions signed again after it, to keep what it did not set out to change.
        detail["kept"] = [k.number for k in kept]
    record_access(request, "plan.change", patient=patient, obj=version, detail=detail)
    # The kind's label stands as every history shows it: lowering its first letter made
    # German nouns lowercase ("neustart verschoben ...").
    messages.success(
        request,
        _("Plan version %(number)s saved. Change: %(kind)s.")
        % {"number": version.number, "kind": version.get_kind_display()},
    )
    cancelled = getattr(version, "cancelled_hold", None)
    if cancelled is not None:
        messages.info(request, cancelled_hold_message(cancelled))
    for again in kept:
        messages.info(request, kept_hold_message(again))
    return redirect(_plan_url(patient))


def _log_read(request, patient, prescription=None):
    """A form page that shows the patient's name and plan is a read, as the panel is."""
    record_access(
        request,
        "plan.read",
        patient=patient,
        obj=prescription,
        detail={"page": request.resolver_match.url_name},
    )


def _with_added_row(request, dosing_time=None, steps_before=0):
    """'Add another step' without JavaScript: the rows as typed plus one empty row
    (``steps_before``: as the form posted it, so the rows keep their numbers)."""
    return step_formset(
        None,
        initial=rows_from_post(request.POST),
        extra=1,
        dosing_time=dosing_time,
        steps_before=steps_before,
    )


@clinician_only
def plan(request, patient_id):
    patient = _patient(request, patient_id)
    context = plan_panel_context(request, patient)
    return _render_in_patient_zone(request, patient, "prescriptions/clinic/plan.html", context)


@clinician_only
def version_detail(request, patient_id, version_id):
    patient = _patient(request, patient_id)
    version = get_object_or_404(
        PlanVersion.objects.visible_to(request.user)
        .filter(prescription__patient=patient)
        .select_related("author", "prescription", "template")
        .prefetch_related("steps"),
        pk=version_id,
    )
    record_access(request, "plan.version.read", patient=patient, obj=version)
    plain = version.as_plain()
    plan = plans.load(patient)
    as_signed = _plan_as_signed(plan, version, plain)
    # An ending's steps stop the night before it (the night the plan as signed says it has
    # ended); they said "4.5 mg · 2 Sep 2026 – onwards" under an ending (found in QA).
    ended_on = next((s.first for s in as_signed if s.status == titration.ENDED), None)
    schedule = []
    for i, (first, last, s) in enumerate(titration.step_schedule(plain)):
        if ended_on is not None:
            if first >= ended_on:
                break
            if last is None or last >= ended_on:
                last = ended_on - timedelta(days=1)
        schedule.append(
            {
                "number": plain.step_number(i),
                "dose_mg": s.dose_mg,
                "days": s.days,
                "first": first,
                "last": last,
                "night_count": None if last is None else (last - first).days + 1,
            }
        )
    return _render_in_patient_zone(
        request,
        patient,
        "prescriptions/clinic/version_detail.html",
        {
            "patient": patient,
            "version": version,
            "schedule": schedule,
            "ended_on": ended_on,
            "schedule_dosing_times": titration.dosing_times_differ(as_signed),
            # The version that replaced it before its first night, or None: said beside "In
            # effect from", as the list of versions, My plan and the report say it
            # (PlanView.replaced_before_effect); the page read as if it had taken effect.
            "replaced_by": plan.replaced_before_effect().get(version.pk),
        },
    )


def _render_in_patient_zone(request, patient, template, context):
    """The plan's pages in the patient's zone, as the patient page: a version's signing time
    is the patient's evening, written with its zone (patient_time), not the clinician's."""
    with timezone.override(patient.tz):
        return render(request, template, context)


def _plan_as_signed(plan, version, plain) -> tuple[titration.Stretch, ...]:
    """The panel's list (titration.plan_ahead) from ``version``'s start, of the plan as it
    stood when ``version`` was signed (it and the versions before it). Whether its nights
    were taken at more than one dosing time heads the steps table (a switch to mornings
    lists the steps from their start, the evening nights before the switch too, and its
    table said "Days" for them all, found in QA); its ENDED stretch is an ending's night."""
    index = next(i for i, row in enumerate(plan.history) if row.pk == version.pk)
    return titration.plan_ahead(plan.signed_by(plan.versions[index]), plain.start_date)


# --- creating a prescription ----------------------------------------------------------------


@clinician_only
def prescription_new(request, patient_id):
    patient, refused = _changeable(request, patient_id)
    if refused:
        return refused
    now = timezone.now()
    state = plan_state(patient, now)
    if state["prescription"] is not None:
        messages.info(request, _("This patient already has a prescription: change its plan here."))
        return redirect(_plan_url(patient))
    tonight_night = state["tonight"]
    # It takes effect from the first night a change made now can (first_changeable_night,
    # the rule every plan form reads): once tonight's dose is logged, tomorrow. It was
    # always signed from tonight, so after a logged dose (an ending signed after it, or a
    # dose logged with no plan) every start was refused until the next day (found by QA).
    state = _with_first_night(state)
    first_night = state["first_night"]
    # Its dates and steps are worded by the dosing time chosen on the form (posted, else its
    # initial choice), not the ended plan's.
    words = PrescriptionForm.chosen_dosing_time(request.POST if request.method == "POST" else None)
    # The plan form names its first night as the patient page's header does (on this day).
    plan_kwargs = {
        "tonight": tonight_night,
        "first_night": first_night,
        "local_today": timezone.localdate(now, patient.tz),
        "dosing_time": words,
    }
    template = None
    template_id = request.GET.get("template") or request.POST.get("template")
    if template_id:
        template = get_object_or_404(PlanTemplate, pk=_int_or_404(template_id))

    if request.method == "POST" and "add_step" in request.POST:
        prescription_form = PrescriptionForm(initial=request.POST.dict())
        plan_form = NewPlanForm(initial=request.POST.dict(), **plan_kwargs)
        formset = _with_added_row(request, words)
    elif request.method == "POST":
        prescription_form = PrescriptionForm(request.POST)
        plan_form = NewPlanForm(request.POST, **plan_kwargs)
        valid_prescription = prescription_form.is_valid()
        unsaved = prescription_form.unsaved() if valid_prescription else None
        formset = step_formset(
            prescription_validator(unsaved) if unsaved else None,
            data=request.POST,
            dosing_time=words,
        )
        if valid_prescription & plan_form.is_valid() & formset.is_valid():
            data = plan_form.cleaned_data
            change = steps_change(
                None,
                effective_night=first_night,
                start_date=data["start_date"],
                steps=formset.steps,
                reason=data["reason"],
                patient_note=data["patient_note"],
                template_id=template.pk if template else None,
                dosing_time=prescription_form.cleaned_data["dosing_time"],
            )
            try:
                prescription = create_prescription(
                    patient_id=patient.pk,
                    prescriber=request.user,
                    prescription=unsaved,
                    change=change,
                    now=now,
                    confirmed_increase=plan_form.cleaned_data["confirm_increase"],
                    confirmed_start=plan_form.cleaned_data["confirm_start"],
                )
            except StalePlan as error:
                return _stale(request, patient, error)
            except PlanChangeError as error:
                _show_asked_boxes(plan_form, error)
                plan_form.add_error(None, str(error))
            else:
                record_access(request, "prescription.create", patient=patient, obj=prescription)
                messages.success(request, _("Prescription and plan saved."))
                return redirect(_plan_url(patient))
    else:
        prescription_form = PrescriptionForm(
            initial={"formulation": "liquid", "concentration_mg_per_ml": "1.00"}
            if template and template.liquid_only
            else None
        )
        plan_form = NewPlanForm(
            initial={
                "based_on": 0,
                "start_date": first_night,
                "template": template.pk if template else None,
            },
            **plan_kwargs,
        )
        formset = step_formset(
            None,
            initial=steps_as_initial(template.plain_steps) if template else None,
            dosing_time=words,
        )
    _log_read(request, patient)
    return render(
        request,
        "prescriptions/clinic/prescription_new.html",
        {
            "patient": patient,
            "prescription_form": prescription_form,
            "form": plan_form,
            "formset": formset,
            "template": template,
            "templates": PlanTemplate.objects.all(),
        },
    )


def _show_asked_boxes(form, error):
    """The boxes a refused steps save (a new plan's or a change's) draws: the increase box
    when it asks about an increase, the start box naming the start date it asks about
    (NeedsStartConfirmation may ask both at once; NeedsGapConfirmation both with its own)."""
    form.needs_confirmation = isinstance(error, NeedsConfirmation) or (
        isinstance(error, NeedsStartConfirmation | NeedsGapConfirmation) and bool(error.increase)
    )
    if isinstance(error, NeedsStartConfirmation):
        form.start_asked = (error.start, error.step)
        form.start_label = error.label
    elif isinstance(error, NeedsGapConfirmation) and error.skipped is not None:
        form.start_asked = error.skipped.box
        form.start_label = error.skipped.label


def _int_or_404(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise Http404 from None


# --- changing the steps (also: applying a template or a suggestion) ------------------------


def _with_first_night(state):
    """The plan state with the first night a change made now can take effect: the next one
    once tonight's dose is logged (changes.first_changeable_night, the one rule)."""
    first, logged = first_changeable_night(state["patient"], state["tonight"])
    return {**state, "first_night": first, "tonight_logged": logged}


def _change_form_kwargs(state):
    """What every plan-change form is built with, from _with_first_night's state."""
    return {
        "tonight": state["tonight"],
        "first_night": state["first_night"],
        "tonight_logged": state["tonight_logged"],
        # The save's messages read the same (changes.words_dosing_time).
        "dosing_time": words_dosing_time(state["plan"], state["tonight"]),
        "local_today": timezone.localdate(timezone.now(), state["patient"].tz),
    }


def _dates_words(state):
    """Change steps: each date field named in the words of the plan's dosing time on its
    night (SignedVersionForm.dates_dosing_time): a change from 10 Dec, a morning of a
    patient dosing in the evening tonight, said "Takes effect from the night of"."""
    return {"dosing_time_on": state["plan"].dosing_time_on}


@clinician_only
def plan_change(request, patient_id, template_id=None):
    patient, refused = _changeable(request, patient_id)
    return refused or _plan_change(request, patient, template_id)


def _plan_change(request, patient, template_id):
    now = timezone.now()
    state = plan_state(patient, now)
    prescription, latest = state["prescription"], state["latest"]
    template = get_object_or_404(PlanTemplate, pk=template_id) if template_id else None
    if prescription is None:
        url = reverse("clinic:prescription_new", args=[patient.pk])
        return redirect(f"{url}?template={template.pk}" if template else url)
    if template is None and request.POST.get("template"):
        template = get_object_or_404(PlanTemplate, pk=_int_or_404(request.POST["template"]))
    refusal = template.refusal_for(prescription) if template else ""
    if refusal:
        messages.error(request, refusal)
        return redirect(_plan_url(patient))
    suggestion = None
    state = _with_first_night(state)
    form_kwargs = {
        **_change_form_kwargs(state),
        **_dates_words(state),
        "current_start": latest.start_date,
    }

    # The new version keeps the dosing time of the one it builds on (steps_change): the
    # editor counts its steps in that time's nights or days.
    dosing_time = latest.dosing_time
    if request.method == "POST" and "add_step" in request.POST:
        form = PlanStepsForm(initial=request.POST.dict(), **form_kwargs)
        formset = _with_added_row(request, dosing_time, form.shown_steps_before)
    elif request.method == "POST":
        form = PlanStepsForm(request.POST, **form_kwargs)
        # Rows (and their errors) numbered as the page that posted them numbered them.
        formset = step_formset(
            prescription.validate_steps,
            data=request.POST,
            dosing_time=dosing_time,
            steps_before=form.shown_steps_before,
        )
        if form.is_valid() & formset.is_valid():
            data = form.cleaned_data
            posted_suggestion = _posted_suggestion(patient, state, data["suggestion"])
            try:
                # Numbered as the page is drawn from the plan as signed now, or not saved.
                check_steps_numbering(
                    data["steps_before"], _drawn_prefill(state, template, posted_suggestion)
                )
            except StalePlan as error:
                return _stale(request, patient, error)
            change = steps_change(
                latest,
                effective_night=data["effective_night"],
                start_date=data["start_date"],
                steps=formset.steps,
                reason=data["reason"],
                patient_note=data["patient_note"],
                template_id=template.pk if template else None,
                applied_suggestion=data["suggestion"],
                versions=tuple(state["plain_versions"]),
                # As the page was pre-filled (_prefilled_change), carried by the form.
                steps_before=data["steps_before"],
            )
            try:
                version = save_version(
                    prescription_id=prescription.pk,
                    author=request.user,
                    based_on=data["based_on"],
                    change=change,
                    now=now,
                    confirmed_increase=form.cleaned_data["confirm_increase"],
                    confirmed_gap=form.cleaned_data["confirm_gap"],
                    confirmed_start=form.cleaned_data["confirm_start"],
                )
            except StalePlan as error:
                return _stale(request, patient, error)
            except PlanChangeError as error:
                _show_asked_boxes(form, error)
                form.needs_gap_confirmation = isinstance(error, NeedsGapConfirmation)
                if form.needs_gap_confirmation:
                    form.word_gap_box(error.dosing_time, error.step)
                form.add_error(None, str(error))
            else:
                return _saved(request, patient, version)
    else:
        form, formset, suggestion = _prefilled_change(request, patient, state, template)
    _log_read(request, patient, prescription)
    return render(
        request,
        "prescriptions/clinic/plan_change.html",
        {
            "patient": patient,
            **state,
            "holds_ahead": state["plan"].holds_ahead(state["tonight"]),
            "current_steps": current_steps(state),
            "form": form,
            "formset": formset,
            "template": template,
            "suggestion": suggestion,
        },
    )


def _prefilled_change(request, patient, state, template):
    """The plan form pre-filled from the plan as it is, a template, or a suggestion that
    "Apply" opened (the form then carries it, so the saved version records acting on it)."""
    latest, first_night = state["latest"], state["first_night"]
    suggestion = None
    if template is None and request.GET.get("suggestion"):
        suggestion = _find_suggestion(request, patient, state)
    prefill = _drawn_prefill(state, template, suggestion)
    form = PlanStepsForm(
        initial={
            "based_on": _based_on(state),
            "effective_night": first_night,
            "start_date": prefill.start_date,
            "steps_before": prefill.steps_before,
            "template": template.pk if template else None,
            "suggestion": f"{suggestion.kind}:{suggestion.key}" if suggestion else "",
        },
        current_start=latest.start_date,
        **_change_form_kwargs(state),
        **_dates_words(state),
    )
    formset = step_formset(
        None,
        initial=steps_as_initial(prefill.steps),
        dosing_time=latest.dosing_time,
        steps_before=form.shown_steps_before,
    )
    return form, formset, suggestion


def _drawn_prefill(state, template, suggestion):
    """What the Change steps page is drawn with (changes.steps_prefill) from the plan as
    signed now: on opening it, and again on its save (check_steps_numbering)."""
    return steps_prefill(
        state["latest"],
        first_night=state["first_night"],
        template_steps=template.plain_steps if template is not None else None,
        suggestion=suggestion,
        # The step a suggestion speaks to: tonight's.
        current_index=state["plan"].on(state["tonight"]).step_index if suggestion else None,
    )


def _posted_suggestion(patient, state, value):
    """The open suggestion a Change steps form carries ("kind:key", cleaned), or None: none
    carried, or no longer open."""
    if not value:
        return None
    kind, _sep, key = value.partition(":")
    return next(
        (s for s in current_suggestions(patient, state) if (s.kind, s.key) == (kind, key)),
        None,
    )


def _find_suggestion(request, patient, state):
    kind, key = request.GET.get("suggestion", ""), request.GET.get("key", "")
    for suggestion in current_suggestions(patient, state):
        if suggestion.kind == kind and suggestion.key == key:
            return suggestion
    messages.info(request, _("That suggestion no longer applies; here is the current plan."))
    return None


@clinician_only
def template_choose(request, patient_id):
    patient, refused = _changeable(request, patient_id)
    if refused:
        return refused
    state = _with_first_night(plan_state(patient))
    words = words_dosing_time(state["plan"], state["tonight"])
    _log_read(request, patient, state["prescription"])
    templates = list(PlanTemplate.objects.all())
    for template in templates:
        # Said instead of offering a button that the plan form would refuse.
        template.refusal = template.refusal_for(state["prescription"])
    return render(
        request,
        "prescriptions/clinic/template_choose.html",
        {
            "patient": patient,
            **state,
            "templates": templates,
            # A template applied keeps the plan's dosing time (steps_change), as the steps
            # editor it opens counts them: an evening doser's steps last nights.
            "steps_dosing_time": state["latest"].dosing_time if state["latest"] else None,
            # Where the plan form the template opens starts, named as the patient page's
            # header names it ("starting tonight" at 09:00 was the header's last night).
            "first_night_heading": night_heading(
                state["first_night"], patient, words, state["now"]
            ),
            "first_night_morning": words == titration.MORNING,
        },
    )


# --- hold, resume, dosing time ------------------------------------------------------------


def _signed_form_view(request, patient_id, form_class, template_name, build, initial, **extra):
    """The shared shape of the hold / resume / dosing-time pages."""
    patient, refused = _changeable(request, patient_id)
    if refused:
        return refused
    now = timezone.now()
    state = plan_state(patient, now)
    if state["prescription"] is None:
        messages.error(request, _("This patient has no prescription yet."))
        return redirect(_plan_url(patient))
    state = _with_first_night(state)
    kwargs = {
        **_change_form_kwargs(state),
        **extra.get("form_kwargs", lambda _state: {})(state),
    }
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                change = build(state, form.cleaned_data)
                version = save_version(
                    prescription_id=state["prescription"].pk,
                    author=request.user,
                    based_on=form.cleaned_data["based_on"],
                    change=change,
                    now=now,
                    # An ending's form has no box: it raises no dose.
                    confirmed_increase=form.cleaned_data.get("confirm_increase", False),
                    # The Hold form's only: the night it confirms LDN restarts on.
                    confirmed_restart=form.cleaned_data.get("confirm_restart"),
                )
            except StalePlan as error:
                return _stale(request, patient, error)
            except PlanChangeError as error:
                # A restart refusal may ask the increase too: both boxes are drawn.
                form.needs_confirmation = isinstance(error, NeedsConfirmation) or (
                    isinstance(error, NeedsRestartConfirmation) and bool(error.increase)
                )
                if isinstance(error, NeedsRestartConfirmation):
                    form.restart_night = error.night
                    form.restart_dosing_time = error.dosing_time
                if isinstance(error, NeedsCancelConfirmation):
                    form.cancel_night = error.night
                form.add_error(None, str(error))
            else:
                return _saved(request, patient, version)
    else:
        form = form_class(initial={"based_on": _based_on(state), **initial(state)}, **kwargs)
    _log_read(request, patient, state["prescription"])
    context = extra.get("context", lambda _state, _form: {})(state, form)
    return render(
        request,
        template_name,
        {
            "patient": patient,
            **state,
            # "Current plan" names every hold to come (the newest version's was one at most).
            "holds_ahead": state["plan"].holds_ahead(state["tonight"]),
            "current_steps": current_steps(state),
            "form": form,
            **context,
        },
    )


@clinician_only
@reauthentication_required_for_patient("patient_id")  # a hold change: password again
def plan_hold(request, patient_id):
    def build(state, data):
        return hold_change(
            state["latest"],
            hold_from=data["hold_from"],
            hold_until=data["hold_until"],
            reason=data["reason"],
            reason_kind=data["hold_reason"],
            patient_note=data["patient_note"],
            versions=tuple(state["plain_versions"]),
        )

    return _signed_form_view(
        request,
        patient_id,
        HoldForm,
        "prescriptions/clinic/plan_hold.html",
        build,
        lambda state: {"hold_from": state["first_night"]},
        # Each date (and a restart box posted ticked) named in the dosing time the hold gives
        # it: the plan's there, or, before the plan begins, the one it begins on.
        form_kwargs=lambda state: {"dosing_time_on": state["plan"].dosing_time_from},
        # A switch of dosing time signed for a later night, and what the hold does with it.
        context=lambda state, _form: {
            "pending_switch": pending_switch_on_hold_message(
                state["plan"], state["dosing_switch"], state["tonight"]
            )
        },
    )


@clinician_only
@reauthentication_required_for_patient("patient_id")
def plan_resume(request, patient_id):
    def build(state, data):
        return resume_change(
            state["latest"],
            tonight_night=state["tonight"],
            resume_on=data["resume_on"],
            step_index=data["step"],
            reason=data["reason"],
            patient_note=data["patient_note"],
            versions=tuple(state["plain_versions"]),
            first_night=state["first_night"],
            # The note a restart moved later keeps on the card: a hold until resumed's, never
            # a dated hold's, which may name the end the move changes (moved_restart_note).
            hold_note=state["plan"].moved_restart_note(
                titration.hold_resumed(
                    tuple(state["plain_versions"]), state["tonight"], data["resume_on"]
                )
                or state["tonight"]
            ),
            confirmed_cancel=data["confirm_cancel"],
        )

    def choices(state):
        return titration.restart_choices(state["plan"].versions, state["tonight"])

    def initial(state):
        step = 0
        held = choices(state)
        if held is not None:
            # Default: what the plan already does after a dated hold, else never a step up
            # from the dose before the held run (PlanView.default_restart_step).
            step = state["plan"].default_restart_step(held)
            signed = titration.signed_restart(state["plain_versions"], held, state["tonight"])
            if signed is not None:
                # Reopened, the page keeps the restart signed (its night and step).
                return {"resume_on": signed[0], "step": signed[1]}
        # A restart already signed, or a dated hold's end: the form opens on the night after
        # the hold's last, from its first held night on (a hold not begun yet too: read from
        # tonight, held_until is empty before the hold starts and the form opened on tonight,
        # which signed as is cancelled the hold).
        plan = state["plan"]
        held_from = plan.first_held_night(state["tonight"])
        held_until = plan.held_until(held_from) if held_from is not None else None
        if held_until is not None and held_until >= state["first_night"]:
            return {"resume_on": held_until + timedelta(days=1), "step": step}
        if held_from is not None and held_from > state["first_night"]:
            return {"resume_on": held_from + timedelta(days=1), "step": step}
        return {"resume_on": state["first_night"], "step": step}

    def context(state, form):
        # The hold the restart night on the form ends, named: with two holds back to back,
        # "Resume" and a night did not say which (a restart on the second's first night
        # cancels it).
        if form.is_bound:
            restart = getattr(form, "cleaned_data", {}).get("resume_on")
        else:
            restart = form.initial.get("resume_on")
        hold = state["plan"].resumed_hold(state["tonight"], restart) if restart else None
        # Before a hold not begun, a restart is refused (resume_change): it ends none. Asked
        # to confirm a cancellation, the question names the hold already.
        named = hold is not None and restart >= hold[0] and form.cancel_night is None
        # The dosing time it restarts on (a switch signed for later kept by the hold), said
        # for any restart night the clinician may type: from the first it can be.
        held_from = state["plan"].first_held_night(state["tonight"])
        return {
            # No hold running or to come: the page says so at once and shows no form (it
            # showed the whole form and refused only once signed). A POST is still refused
            # by resume_change, and nothing is stored.
            "nothing_to_resume": choices(state) is None,
            "resumed_hold": resumed_hold_message(restart, hold) if named else "",
            "restart_dosing": (
                restart_dosing_message(state["plan"], max(held_from, state["first_night"]))
                if held_from is not None
                else ""
            ),
        }

    return _signed_form_view(
        request,
        patient_id,
        ResumeForm,
        "prescriptions/clinic/plan_resume.html",
        build,
        initial,
        context=context,
        # Each date named in the words of the dosing time on its night (a morning restart).
        form_kwargs=lambda state: {
            **_resume_form_kwargs(state, choices(state)),
            # The steps' nights or days: the plan's dosing time on the restart night.
            "dosing_time_on": state["plan"].dosing_time_on,
            "opens_on": initial(state)["resume_on"],
        },
    )


def _resume_form_kwargs(state, choices: titration.RestartChoices | None) -> dict:
    """The steps the Resume form offers: the held plan's (titration.restart_choices, which
    changes.resume_change slices), else the newest version's (not on hold: the save says
    there is nothing to resume); a step lasts nights or days as the plan is dosed now."""
    latest = state["latest"]
    offered = choices.version if choices is not None else latest
    return {
        "steps": offered.steps if offered else (),
        "steps_dosing_time": latest.dosing_time if latest else titration.EVENING,
        "steps_before": offered.steps_before if offered else 0,
        # Each step's nights counted from the night of the restart, as the plan panel will.
        "restart_runs": (
            (lambda night: titration.restart_runs(state["plan"].versions, choices.version, night))
            if choices is not None
            else None
        ),
    }


@clinician_only
@reauthentication_required_for_patient("patient_id")  # as for a hold: password again
def plan_end(request, patient_id):
    def build(state, data):
        return end_change(
            state["latest"],
            tonight_night=state["first_night"],
            reason=data["reason"],
            patient_note=data["patient_note"],
            versions=tuple(state["plain_versions"]),
        )

    return _signed_form_view(
        request,
        patient_id,
        EndForm,
        "prescriptions/clinic/plan_end.html",
        build,
        lambda _state: {},
    )


@clinician_only
def plan_dosing_time(request, patient_id):
    def build(state, data):
        return dosing_time_change(
            state["latest"],
            dosing_time=data["dosing_time"],
            effective_night=data["effective_night"],
            reason=data["reason"],
            patient_note=data["patient_note"],
            applied_suggestion=data["suggestion"],
            versions=tuple(state["plain_versions"]),
        )

    def initial(state):
        first = max(state["tonight"] + timedelta(days=1), state["first_night"])
        switch = state["dosing_switch"]
        if switch is not None and first < switch.night:
            # A switch already signed: bring it forward (from the first night it can).
            other = switch.position.dosing_time
        elif switch is not None:
            # Signed for that night already: keep the dosing time of tonight (cancel it).
            other = state["dosing_time_now"]
        else:
            current = state["latest"].dosing_time if state["latest"] else titration.EVENING
            other = titration.MORNING if current == titration.EVENING else titration.EVENING
        # Mornings start on a day whose morning is still ahead (the rule the save applies).
        first = first_switch_night(
            tuple(state["plain_versions"]),
            other,
            first,
            timezone.localdate(timezone.now(), state["patient"].tz),
        )
        suggestion = ""
        if request.GET.get("suggestion"):
            found = _find_suggestion(request, state["patient"], state)
            suggestion = f"{found.kind}:{found.key}" if found else ""
        return {
            "dosing_time": other,
            "effective_night": first,
            "suggestion": suggestion,
        }

    def first_nights(state):
        # The first night a switch to each dosing time can start on (the save's rule), which
        # the date's help names as the patient page's header names it.
        today = timezone.localdate(timezone.now(), state["patient"].tz)
        versions = tuple(state["plain_versions"])
        return {
            "first_nights": {
                dosing_time: first_switch_night(versions, dosing_time, state["first_night"], today)
                for dosing_time in (titration.EVENING, titration.MORNING)
            }
        }

    return _signed_form_view(
        request,
        patient_id,
        DosingTimeForm,
        "prescriptions/clinic/plan_dosing_time.html",
        build,
        initial,
        form_kwargs=first_nights,
    )


# --- suggestions ----------------------------------------------------------------------------


@clinician_only
def suggestion_dismiss(request, patient_id):
    patient, refused = _changeable(request, patient_id)
    if refused:
        return refused
    if request.method != "POST":
        raise Http404
    form = DismissForm(request.POST)
    if not form.is_valid() or form.cleaned_data["kind"] not in rules.KINDS:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        if not form.errors:
            messages.error(request, _("Unknown suggestion."))
        return redirect(_plan_url(patient))
    dismissal, created = SuggestionDismissal.objects.get_or_create(
        patient=patient,
        kind=form.cleaned_data["kind"],
        evidence_key=form.cleaned_data["key"],
        defaults={"dismissed_by": request.user, "reason": form.cleaned_data["reason"]},
    )
    if created:
        record_access(
            request,
            "suggestion.dismiss",
            patient=patient,
            obj=dismissal,
            detail={"kind": dismissal.kind, "key": dismissal.evidence_key},
        )
    messages.success(request, _("Suggestion dismissed; the reason is kept with it."))
    return redirect(_plan_url(patient))


# --- templates ------------------------------------------------------------------------------


@template_managers
def template_list(request):
    return render(
        request,
        "prescriptions/clinic/template_list.html",
        {"templates": PlanTemplate.objects.select_related("updated_by")},
    )


@template_managers
def template_edit(request, template_id=None):
    template = get_object_or_404(PlanTemplate, pk=template_id) if template_id else None
    if request.method == "POST" and "add_step" in request.POST:
        form = TemplateForm(initial=request.POST.dict())
        formset = _with_added_row(request)
    elif request.method == "POST":
        form = TemplateForm(request.POST, instance=template)
        formset = step_formset(None, data=request.POST)
        if form.is_valid():
            formset.validate = template_validator(form.cleaned_data["liquid_only"])
            if formset.is_valid():
                saved = form.save(commit=False)
                saved.steps = [
                    {"dose_mg": f"{step.dose_mg:.2f}", "days": step.days} for step in formset.steps
                ]
                saved.updated_by, saved.updated_at = request.user, timezone.now()
                try:
                    # Another clinician may have saved the name since the form checked it:
                    # the unique constraint decides (it was an IntegrityError, a 500).
                    with transaction.atomic():
                        saved.save()
                except IntegrityError:
                    form.name_taken()
                else:
                    messages.success(
                        request, _("Template “%(name)s” saved.") % {"name": saved.name}
                    )
                    return redirect("clinic:templates")
        else:
            formset.is_valid()  # show step errors too
    else:
        form = TemplateForm(instance=template)
        formset = step_formset(
            None, initial=steps_as_initial(template.plain_steps) if template else None
        )
    return render(
        request,
        "prescriptions/clinic/template_edit.html",
        {"template": template, "form": form, "formset": formset},
    )
