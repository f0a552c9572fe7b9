"""The patient's journal pages: tonight, logging and check-ins, history and trends, settings.

Thin: every view reads the signed-in patient and their plan through the access gate
(journal.patient_and_plan),
activates the patient's time zone for display and form input, and calls patients.journal.entries.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Max, Min, Prefetch, Subquery
from django.http import Http404, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ldn_journal.accounts.languages import activate_for
from ldn_journal.accounts.models import Role
from ldn_journal.accounts.roles import role_required
from ldn_journal.accounts.time_zones import remember_time_zone
from ldn_journal.compiled_queries import CompiledQuery
from ldn_journal.local_dates import local_date
from patients.guidance import guidance_for as urgent_guidance
from patients.journal import charts, kept_offline, offline
from patients.journal import entries as journal
from patients.journal.forms import (
    TIME_ZONE_OPTIONS,
    EveningForm,
    MorningForm,
    PatientSettingsForm,
    SkipForm,
    SubmissionForm,
    TakenNowForm,
    WhenTakenForm,
    local_plain,
)
from patients.models import (
    CareTeamRequest,
    NightlyEntry,
    Patient,
    PushSubscription,
    ReminderDelivery,
    SideEffect,
    SymptomScale,
)
from patients.notifications import due, reach
from patients.notifications.channels import push
from patients.pause import urgent_state
from patients.rules import adherence, doses, nights, schedule
from patients.templatetags.journal import amount
from prescriptions import plans, request_plan, titration
from prescriptions.plans import PlanView

ONE_DAY = timedelta(days=1)
TREND_WEEKS = (4, 12, 26, 52)
STATS_NIGHTS = 366  # how far back the streak looks
RECENT_REMINDERS = 20
# Set by the settings save that left no dose reminder; the page after it says "Saved, but".
SAVED_BUT_SESSION_KEY = "ldn_settings_saved_but"


def patient_view(view):
    """Patients only; the time zone the view activates is dropped when the request ends."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        finally:
            timezone.deactivate()

    return role_required(Role.PATIENT)(wrapper)


def current_patient(request):
    """The signed-in patient's own profile, through the access gate (journal.own_profile)."""
    patient = journal.own_profile(request.user)
    if patient is None:
        raise Http404
    return patient


def _plan(request) -> tuple[Patient, PlanView]:
    found = journal.patient_and_plan(request.user)
    if found is None:
        raise Http404
    # Forms read and pages show wall-clock times in the patient's own zone.
    timezone.activate(found[0].tz)
    request_plan.keep(request, *found)  # the tab bar's "Tonight" or "Today", read no more
    return found


def _relative(plan, night: date, now) -> str | None:
    """nights.relative_night for the patient (the zone active: _plan) at ``now``."""
    return nights.relative_night(night, timezone.localdate(now), plan.dosing_time_on(night))


_NIGHT_LABELS = {
    nights.TONIGHT: gettext_lazy("Tonight, %(when)s"),
    nights.LAST_NIGHT: gettext_lazy("Last night, %(when)s"),
    nights.TODAY: gettext_lazy("Today, %(when)s"),
    nights.YESTERDAY: gettext_lazy("Yesterday, %(when)s"),
}
_CARD_LABELS = {
    nights.TONIGHT: gettext_lazy("Tonight"),
    nights.LAST_NIGHT: gettext_lazy("Last night"),
    nights.TODAY: gettext_lazy("Today"),
    nights.YESTERDAY: gettext_lazy("Yesterday"),
}


def _night_label(plan, night: date, now) -> str:
    """A night's page title: "Last night, Tuesday 1 December" (the card's word for it); an
    older one "The night of ...", or for a morning dose "Day of ..." (the clinician's night
    page's words for it)."""
    label = _NIGHT_LABELS.get(_relative(plan, night, now))
    if label is None and plan.dosing_time_on(night) == titration.MORNING:
        return _("Day of %(day)s") % {"day": local_date(night, "long_date")}
    when = local_date(night, "long_day")  # "Montag, 30. November" in German
    if label is None:
        return _("The night of %(when)s %(year)s") % {"when": when, "year": night.year}
    return label % {"when": when}


_SKIP_LABELS = {
    nights.TONIGHT: gettext_lazy("Skip tonight"),
    nights.LAST_NIGHT: gettext_lazy("Skip last night’s dose"),
    nights.TODAY: gettext_lazy("Skip today"),
    nights.YESTERDAY: gettext_lazy("Skip yesterday’s dose"),
}


def _skip_title(plan, night: date, now) -> str:
    """The skip page's title, naming the night as the home card's skip button does ("Skip
    last night’s dose"); an older one by its date ("Skip the night of Monday 30
    November"). Its "Skip this night" read "Omitir esta noche" in Spanish (skip tonight) and
    "Diese Nacht auslassen" in German over a night days ago."""
    label = _SKIP_LABELS.get(_relative(plan, night, now))
    if label is not None:
        return str(label)
    when = local_date(night, "long_day")
    if plan.dosing_time_on(night) == titration.MORNING:
        return _("Skip the dose of %(when)s") % {"when": when}
    return _("Skip the night of %(when)s") % {"when": when}


def _skip_label(plan, tonight: date, now) -> str:
    """The home card's skip button, in the card title's word for the night (after midnight an
    evening doser's card read "Last night" over "Skip tonight")."""
    label = _SKIP_LABELS.get(_relative(plan, tonight, now))
    if label is None:
        morning = plan.dosing_time_on(tonight) == titration.MORNING
        label = _SKIP_LABELS[nights.TODAY if morning else nights.TONIGHT]
    return str(label)


def _card_label(plan, tonight: date, now) -> str:
    """The home card's word for tonight's night: before noon an evening doser is still in
    last night (a dose now is last night's)."""
    return str(_CARD_LABELS.get(_relative(plan, tonight, now), ""))


def _entries(patient, **filters):
    return NightlyEntry.objects.filter(patient=patient, **filters)


def _with_patient(patient, entries):
    """Entries read by a CompiledQuery, each with its patient set (as a queryset filtered on
    the patient sets it), so nothing reads the patient again."""
    for entry in entries:
        entry.patient = patient
    return entries


# The hot reads of the patient pages, compiled once per process (ldn_journal.compiled_queries):
# placeholders first, then the SQL is sent with each request's values.
_PLACEHOLDER_ID = -7_000_003
_PLACEHOLDER_NIGHTS = (date(1001, 1, 1), date(1001, 1, 2))

# Tonight's entry, the morning check-in's (the same night twice when there is none) and the
# night before tonight's (a dose logged minutes ago for it: doses.dose_too_soon).
_HOME_NIGHTS = CompiledQuery(
    lambda patient_id, night, other, before: NightlyEntry.objects.filter(
        patient_id=patient_id, night__in=[night, other, before]
    ),
    _PLACEHOLDER_ID,
    *_PLACEHOLDER_NIGHTS,
    date(1001, 1, 3),
)


# --- Tonight ------------------------------------------------------------------------------


@patient_view
def home(request):
    now = timezone.now()
    patient, plan = _plan(request)
    urgent = urgent_state(patient.pk, now)
    tonight = plan.tonight(patient.tz, now)
    checkin_night = nights.checkin_night(now, patient.tz)
    entries = {
        entry.night: entry
        for entry in _with_patient(
            patient,
            _HOME_NIGHTS.instances(
                patient.pk, tonight, checkin_night or tonight, tonight - ONE_DAY
            ),
        )
    }
    recent = doses.dose_too_soon(
        [(e.night, e.taken_at) for e in entries.values() if e.is_taken],
        tonight,
        now,
        settings.LDN_MIN_HOURS_BETWEEN_DOSES,
    )
    entry = entries.get(tonight)
    position = plan.on(tonight)
    checkin_entry = entries.get(checkin_night) if checkin_night else None
    context = {
        "patient": patient,
        "plan": plan,
        "tonight": tonight,
        "night_label": _card_label(plan, tonight, now),
        "skip_label": _skip_label(plan, tonight, now),
        "already_took_label": journal.already_took_label(plan, tonight, timezone.localtime(now)),
        "position": position,
        "hold_until": (hold_until := plan.held_until(tonight)),
        # The hold's last night is the last one without LDN: a morning doser's is a day.
        "hold_until_morning": hold_until is not None
        and plan.dosing_time_on(hold_until) == nights.MORNING,
        "entry": entry,
        # A dose logged on a held night says so (includes/entry_summary.html).
        "held_nights": journal.held_nights(plan, [tonight]),
        "volume": position.volume_ml,
        "can_undo": journal.can_undo(entry, now),
        # A dose logged minutes ago for another night: the card says so instead of Taken now.
        "too_soon": journal.too_soon_message(recent, now) if recent else "",
        "undo_minutes": journal.UNDO_MINUTES,
        "form": SubmissionForm(),
        # The one answer to which clinician note the card shows (My plan reads the same).
        "hold_note": plan.patient_hold_note(tonight),
        "checkin_night": checkin_night,
        "checkin_done": bool(checkin_entry and checkin_entry.has_morning),
        # Past the window a tap would record a false time: the card asks when instead.
        "ask_when": not (entry and entry.status)
        and journal.past_dosing_window(plan, patient.tz, tonight, now),
        # The card kept on the phone, opened offline after this, no longer offers the tap
        # (journal.js): it would be for this night, past its window, and refused once sent.
        "taken_now_until": journal.dosing_window_end(plan, patient.tz, tonight),
        # Never a time still to come (a usual time later than the window's end).
        "usual_time": usual
        if (usual := journal.usual_time(plan, patient, tonight)) <= now
        else None,
        "usual_form": SubmissionForm(),
        "when_form": WhenTakenForm(night=tonight, patient=patient, plan=plan, now=now),
        # The urgent pause: a wait card instead of the one-tap dose (patients.rules.pause).
        # Wiring point: read here until plans.PlanView carries the pause itself.
        "pause": urgent.pause(now),
        "pause_report_id": urgent.latest_open_id(now),
        "answer": urgent.answer,
        # What "continue as planned" keeps, the answer's own (not the card's tonight): the
        # hold running tonight or signed to start later (PlanView.hold_as_signed).
        "answer_hold": plan.hold_as_signed(tonight) if urgent.answer else None,
        # A "hold" answer whose hold has ended (PlanView.hold_over_since, as the report page).
        "answer_hold_over": urgent.answer is not None
        and urgent.answer.decision == "hold"
        and plan.hold_over_since(plan.night_of(urgent.answer.at, patient.tz), tonight),
        "guidance": urgent_guidance(patient),
        # Push alone with no device, or no push on this server: no reminder can reach them
        # (the settings page says why).
        "unreachable": reason
        if (reason := reach.patient_unreachable(patient)) in reach.NOTHING_REACHES
        else "",
    }
    return render(request, "patients/journal/home.html", context)


@patient_view
@require_POST
def taken_now(request):
    now = timezone.now()
    patient, plan = _plan(request)
    form = TakenNowForm(request.POST)
    replay = offline.is_replay(request)
    if not form.is_valid():
        if replay:
            return offline.form_refusal(form)
        messages.error(request, _("This form has expired. Please try again."))
        return redirect("journal:home")
    try:
        saved = journal.log_taken_now(
            patient,
            now,
            form.cleaned_data["submission_id"],
            plan=plan,
            acted_at=offline.acted_at(request),
            night=form.cleaned_data["night"],
        )
    except journal.JournalError as error:
        if replay:
            return offline.answer(False, error.message)
        messages.error(request, error.message)
    else:
        if replay:
            return offline.answer(True, _offline_saved(saved))
        if not saved.changed and not saved.replayed:
            messages.info(request, _said_of(_ALREADY_LOGGED, plan, saved.entry.night, now))
    return redirect("journal:home")


# What the messages after a tap or an undo call the night: the card's word for it (after
# midnight an evening doser's card reads "Last night", and "tonight" read as the coming one).
_ALREADY_LOGGED = {
    nights.TONIGHT: gettext_lazy("Tonight was already logged; nothing was changed."),
    nights.LAST_NIGHT: gettext_lazy("Last night was already logged; nothing was changed."),
    nights.TODAY: gettext_lazy("Today's dose was already logged; nothing was changed."),
}
_UNDONE = {
    nights.TONIGHT: gettext_lazy("Undone: tonight is not logged."),
    nights.LAST_NIGHT: gettext_lazy("Undone: last night is not logged."),
    nights.TODAY: gettext_lazy("Undone: today's dose is not logged."),
}


def _undone(plan, night, now) -> str:
    """What an undo says: in the card's word for the night, or for an older night (a first
    log of it just made) by its page's header, never "tonight" for 3 December."""
    said = _UNDONE.get(_relative(plan, night, now))
    if said is not None:
        return str(said)
    return _("Undone. %(night)s: not logged.") % {"night": _night_label(plan, night, now)}


def _said_of(words, plan, night, now) -> str:
    """``words``' sentence for ``night`` in the card's word for it; for another night, the
    sentence of tonight (or today, for a morning dose)."""
    said = words.get(_relative(plan, night, now))
    if said is None:
        morning = plan.dosing_time_on(night) == titration.MORNING
        said = words[nights.TODAY if morning else nights.TONIGHT]
    return str(said)


def _offline_saved(saved) -> str:
    if not saved.changed and not saved.replayed:
        return _("That night was already logged; nothing was changed.")
    return _("Sent: saved with the time you logged it on this phone.")


@patient_view
@require_POST
def taken_at(request, night):
    """The honest answer past the dosing window: the prescribed dose at the time the patient
    says (their usual time, or one they pick), never the time of the tap."""
    now = timezone.now()
    patient, plan = _plan(request)
    closed = _open_night(request, patient, plan, night, now)
    if closed is not None:
        return closed
    if night > plan.tonight(patient.tz, now):
        raise Http404
    dose = plan.on(night).dose_mg
    form = WhenTakenForm(request.POST, night=night, patient=patient, plan=plan, now=now)
    if dose is None:
        refused = _refused(
            request,
            journal.NothingPrescribed(
                _("No dose is prescribed that night: use Different dose or time.")
            ),
        )
        if refused is not None:
            return refused
        return redirect("journal:evening", night=night)
    if not form.is_valid():
        if (invalid := _invalid(request, form)) is not None:
            return invalid
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _after_save(patient, plan, night, now)
    try:
        saved = journal.save_evening(
            patient,
            night,
            now,
            form.cleaned_data["submission_id"],
            dose_mg=dose,
            taken_at=form.cleaned_data["taken_at"],
            plan=plan,
            acted_at=offline.acted_at(request),
        )
    except journal.JournalError as error:
        refused = _refused(request, error)
        if refused is not None:
            return refused
    else:
        when = timezone.localtime(saved.entry.taken_at, patient.tz)
        return _saved(
            request,
            saved,
            _("Saved: %(dose)s mg taken at %(time)s.")
            % {"dose": local_plain(dose), "time": f"{when:%H:%M}"},
            _after_save(patient, plan, night, now),
        )
    return _after_save(patient, plan, night, now)


@patient_view
@require_POST
def undo(request, pk):
    now = timezone.now()
    patient, plan = _plan(request)
    entry = get_object_or_404(NightlyEntry.objects.visible_to(request.user), pk=pk)
    form = SubmissionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form has expired. Please try again."))
        return redirect("journal:home")
    try:
        saved = journal.undo_taken(entry, now, form.cleaned_data["submission_id"])
    except journal.JournalError as error:
        # Named by the night page's header: the undo of an older night is not tonight's.
        messages.error(
            request,
            _("%(night)s: %(refusal)s")
            % {"night": _night_label(plan, entry.night, now), "refusal": error.message},
        )
    else:
        if not saved.replayed:
            messages.success(request, _undone(plan, entry.night, now))
    if entry.night == plan.tonight(patient.tz, now):
        return redirect("journal:home")
    return redirect("journal:night", night=entry.night)


# --- One night: the evening part, skipping, the morning check-in ---------------------------


def _open_night(request, patient, plan, night, now):
    """The night if the patient may change it; otherwise a message and where to go instead.

    A replay from the phone is checked against the moment the patient acted (in the entry
    functions), so it passes here; its refusals are answered as JSON.
    """
    if offline.is_replay(request):
        return None
    tonight = plan.tonight(patient.tz, now)
    if night > tonight:
        # A night still to come is not there to change: a 404, with no message queued (it
        # showed on the next page, the home card, where nothing had been refused).
        raise Http404
    try:
        journal.check_editable(night, tonight)
    except journal.NightClosed as error:
        messages.error(request, error.message)
        return redirect("journal:night", night=night)
    return None


def _after_save(patient, plan, night, now):
    if night == plan.tonight(patient.tz, now):
        return redirect("journal:home")
    return redirect("journal:night", night=night)


def _saved_message(request, saved, text):
    if saved.replayed:
        return  # the first submit already said so
    messages.success(request, text)


def _refused(request, error):
    if offline.is_replay(request):
        return offline.answer(False, error.message)
    messages.error(request, error.message)
    return None


def _invalid(request, form):
    return offline.form_refusal(form) if offline.is_replay(request) else None


def _saved(request, saved, text, then):
    if offline.is_replay(request):
        return offline.answer(True, _offline_saved(saved))
    _saved_message(request, saved, text)
    return then


@patient_view
def evening(request, night):
    now = timezone.now()
    patient, plan = _plan(request)
    closed = _open_night(request, patient, plan, night, now)
    if closed is not None:
        return closed
    if night > plan.tonight(patient.tz, now):
        raise Http404
    entry = _entries(patient, night=night).first()
    position = plan.on(night)
    concentration = plan.concentration_mg_per_ml
    # The page's word for the night is the home card's, in the patient's zone: read before
    # the logged zone is activated (it said "Last night" in Sydney's morning in London).
    night_label = _night_label(plan, night, now)
    # A night logged in another zone is edited in that zone: its times stay where they were,
    # and the night they must fall in is that zone's (London's noon refused Sydney's 22:00).
    zone = entry.logged_tz if entry is not None and entry.time_zone else patient.tz
    window = plan.window(night, zone)
    timezone.activate(zone)
    morning_dosing = plan.dosing_time_on(night) == titration.MORNING
    kwargs = {
        "concentration": concentration,
        "window": window,
        "tz": zone,
        "now": now,
        "morning_dosing": morning_dosing,
    }
    if request.method == "POST":
        form = EveningForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = journal.save_evening(
                    patient,
                    night,
                    now,
                    data["submission_id"],
                    dose_mg=data["dose_mg"],
                    taken_at=data["taken_at"],
                    bedtime=data.get("bedtime"),
                    plan=plan,
                    acted_at=offline.acted_at(request),
                    time_zone=zone.key,
                )
            except journal.JournalError as error:
                refused = _refused(request, error)
                if refused is not None:
                    return refused
            else:
                dose = saved.entry.dose_mg
                return _saved(
                    request,
                    saved,
                    _("Saved: %(dose)s mg taken.") % {"dose": local_plain(dose)},
                    _after_save(patient, plan, night, now),
                )
        elif (invalid := _invalid(request, form)) is not None:
            return invalid
    else:
        # Within the dosing window: now. Past it, or an earlier night: the patient's usual
        # time that night, never the time of the tap.
        if window[0] <= now < window[1] and not journal.past_dosing_window(
            plan, patient.tz, night, now
        ):
            default_time = now
        else:
            # Never a time still to come: the form would refuse its own default.
            default_time = min(journal.usual_time(plan, patient, night), now)
        if entry and entry.is_taken:
            initial = {
                "dose": local_plain(entry.dose_mg),
                "taken_at": entry.taken_at,
                "bedtime": entry.bedtime,
            }
        else:
            initial = {
                "dose": local_plain(position.dose_mg) if position.dose_mg else "",
                "taken_at": default_time,
                "bedtime": entry.bedtime if entry else None,
            }
        form = EveningForm(
            initial=initial,
            prescribed_filled_in=not (entry and entry.is_taken) and bool(position.dose_mg),
            **kwargs,
        )
    return render(
        request,
        "patients/journal/evening.html",
        {
            "form": form,
            "night": night,
            "night_label": night_label,
            "position": position,
            # The hold's sentence says "is" of the open night, "was" of an earlier one.
            "tonight": plan.tonight(patient.tz, now),
            "morning_dosing": morning_dosing,
            "volume": position.volume_ml,
            "entry": entry,
        },
    )


@patient_view
def skip(request, night):
    now = timezone.now()
    patient, plan = _plan(request)
    closed = _open_night(request, patient, plan, night, now)
    if closed is not None:
        return closed
    if night > plan.tonight(patient.tz, now):
        raise Http404
    morning = plan.dosing_time_on(night) == titration.MORNING
    # The question's word for the night is the title's (_night_label), in the patient's zone.
    relative = _relative(plan, night, now)
    if request.method == "POST":
        form = SkipForm(request.POST, morning_dosing=morning, relative=relative)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = journal.skip_night(
                    patient,
                    night,
                    now,
                    data["submission_id"],
                    reason=data["reason"],
                    reason_text=data.get("reason_text", "").strip(),
                    plan=plan,
                    acted_at=offline.acted_at(request),
                )
            except journal.JournalError as error:
                refused = _refused(request, error)
                if refused is not None:
                    return refused
            else:
                return _saved(
                    request, saved, _("Saved: skipped."), _after_save(patient, plan, night, now)
                )
        elif (invalid := _invalid(request, form)) is not None:
            return invalid
    else:
        form = SkipForm(morning_dosing=morning, relative=relative)
    return render(
        request,
        "patients/journal/skip.html",
        {
            "form": form,
            "night": night,
            "title": _skip_title(plan, night, now),
            # The night's name and date under the title, unless the title already dates it.
            "night_label": _night_label(plan, night, now) if relative else "",
            "morning_dosing": morning,
        },
    )


def _extra_scales(patient):
    """The patient's own scales: (still asked, stopped). Only this patient's: a posted
    ``scale_<id>`` of another patient's scale has no field and is never stored."""
    asked, stopped = [], []
    for scale in SymptomScale.objects.filter(patient=patient):
        (asked if scale.active else stopped).append(scale)
    return asked, stopped


@patient_view
def morning(request, night):
    now = timezone.now()
    patient, plan = _plan(request)
    closed = _open_night(request, patient, plan, night, now)
    if closed is not None:
        return closed
    if night > plan.tonight(patient.tz, now):
        raise Http404
    if request.method != "POST" and not nights.checkin_open(night, now, patient.tz):
        # Not before the sleep it asks about (the save refuses it too: a post answers the
        # form again with what was typed and why).
        messages.info(request, journal.checkin_not_open_message(night, refused_save=False))
        return redirect("journal:night", night)
    extra_scales, stopped_scales = _extra_scales(patient)
    if request.method == "POST":
        form = MorningForm(request.POST, extra_scales=extra_scales, stopped_scales=stopped_scales)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = journal.save_morning(
                    patient,
                    night,
                    now,
                    data["submission_id"],
                    data["morning"],
                    plan=plan,
                    acted_at=offline.acted_at(request),
                )
            except journal.JournalError as error:
                refused = _refused(request, error)
                if refused is not None:
                    return refused
            else:
                return _saved(
                    request,
                    saved,
                    _("Thank you: your morning check-in is saved."),
                    redirect("journal:home"),
                )
        elif (invalid := _invalid(request, form)) is not None:
            return invalid
    else:
        entry = (
            _entries(patient, night=night).prefetch_related("side_effects", "extra_scores").first()
        )
        form = MorningForm(initial=MorningForm.initial_for(entry), extra_scales=extra_scales)
    return render(
        request,
        "patients/journal/morning.html",
        {
            "form": form,
            "night": night,
            "night_label": _night_label(plan, night, now),
        },
    )


def _with_details(queryset):
    return queryset.prefetch_related(
        Prefetch("side_effects", queryset=SideEffect.objects.order_by("kind")),
        Prefetch("extra_scores__scale"),
    )


@patient_view
def night_detail(request, night):
    now = timezone.now()
    patient, plan = _plan(request)
    tonight = plan.tonight(patient.tz, now)
    # A night with an entry is shown even after tonight: logged in a zone further east, it
    # is one night ahead of tonight in the zone the patient has moved to, for a few hours.
    entry = _with_details(_entries(patient, night=night)).first()
    if entry is not None:
        return redirect("journal:entry", pk=entry.pk)
    if night > tonight:
        raise Http404
    if _before_journal(patient, plan, night, tonight):
        # 1 Jan 1999 said "Nothing was logged" of a night before the journal began: the
        # calendar of its month answers as it answers any month before the journal (its
        # first month, and a message that says where the journal starts).
        return redirect(f"{reverse('journal:history')}?month={night.year:04d}-{night.month:02d}")
    return render(
        request,
        "patients/journal/entry.html",
        {
            "night": night,
            "night_label": _night_label(plan, night, now),
            "entry": None,
            "tonight": tonight,
            "editable": journal.is_editable(night, tonight),
            "checkin_open": nights.checkin_open(night, now, patient.tz),
            "position": plan.on(night),
            "retro_days": settings.LDN_RETRO_DAYS,
        },
    )


@patient_view
def entry_detail(request, pk):
    now = timezone.now()
    patient, plan = _plan(request)
    entry = get_object_or_404(_with_details(NightlyEntry.objects.visible_to(request.user)), pk=pk)
    tonight = plan.tonight(patient.tz, now)
    history = journal.change_history(entry)
    # Logged in a zone further east, a night can be one after tonight here for a few hours
    # after a move west. It is not old: it opens for changes (journal.check_editable) when
    # it starts in the patient's zone, and the page says when.
    starts_here = (
        timezone.localtime(plan.window(entry.night, patient.tz)[0], patient.tz)
        if entry.night > tonight
        else None
    )
    return render(
        request,
        "patients/journal/entry.html",
        {
            "night": entry.night,
            "night_label": _night_label(plan, entry.night, now),
            "entry": entry,
            "tonight": tonight,
            "held_nights": journal.held_nights(plan, [entry.night]),
            "editable": journal.is_editable(entry.night, tonight),
            "checkin_open": nights.checkin_open(entry.night, now, patient.tz),
            "starts_here": starts_here,
            "history": history,
            "edited": len(history) > 1,
            "retro_days": settings.LDN_RETRO_DAYS,
            "position": plan.on(entry.night),
        },
    )


# --- History ----------------------------------------------------------------------------


def _month_param(value, today):
    first = nights.month_named(value)
    return date(today.year, today.month, 1) if first is None else first


def _journal_start(patient, plan, tonight, first_night):
    """The first month of the patient's journal: of their first night logged
    (``first_night``, None without any) or of the night they joined, whichever is earlier
    (never after this month). The night of joining as the flags and the clinician's review
    read it (``plan``'s PlanView.night_of): the calendar date of sign-up put an evening
    doser who joined on the morning of 1 Dec (the night of 30 Nov) in December, so the
    calendar would not show 30 Nov, a night a plan signed that morning prescribed and the
    clinician's calendar showed not logged."""
    joined = plan.night_joined(patient)
    earliest = min(d for d in (first_night, joined, tonight) if d is not None)
    return date(earliest.year, earliest.month, 1)


def _before_journal(patient, plan, night, tonight) -> bool:
    """Whether ``night`` is before the calendar's first month (_journal_start), which the
    calendar never shows: the night page sends such a night to the calendar. Reads the
    first night logged only for a night before the month the patient joined in."""
    joined = min(plan.night_joined(patient), tonight)
    if night >= joined.replace(day=1):
        return False
    first_night = (
        NightlyEntry.objects.logged()
        .filter(patient=patient)
        .order_by("night")
        .values_list("night", flat=True)
        .first()
    )
    return night < _journal_start(patient, plan, tonight, first_night)


def _history_nights(patient_id, since):
    entries = NightlyEntry.objects.logged().filter(patient_id=patient_id)
    first_logged = Subquery(entries.order_by("night").values("night")[:1])
    last_logged = Subquery(entries.order_by("-night").values("night")[:1])
    return (
        entries.filter(night__gte=since)
        .order_by()
        .annotate(first_logged=first_logged, last_logged=last_logged)
        .values_list("night", "status", "dose_mg", "first_logged", "last_logged")
    )


_HISTORY_NIGHTS = CompiledQuery(_history_nights, _PLACEHOLDER_ID, _PLACEHOLDER_NIGHTS[0])


def _history_rows(patient, first: date, tonight: date):
    """The (night, status, dose) of every night the history month may show or count, and
    the patient's first and newest nights logged (None without any), in one query: they
    are subqueries on each row. The range is wide enough for any month the page may move to
    (the journal's first month is later than ``first``, never after the month of the last
    night of record) and no end: after tonight there are only the nights logged ahead
    of it (nights.last_night_of_record), which the month and the stats show. The view keeps
    the nights it needs."""
    since = min(first, tonight - timedelta(days=STATS_NIGHTS - 1))
    rows = _HISTORY_NIGHTS.values(patient.pk, since)
    if not rows:  # nothing in the range: the first and newest nights, if any, are outside
        bounds = _entries(patient).logged().aggregate(first=Min("night"), last=Max("night"))
        return [], bounds["first"], bounds["last"]
    return [row[:3] for row in rows], rows[0][3], rows[0][4]


def _stats(plan, rows, tonight, last_night):
    """Adherence and streak over the nights ending with the last night of record: tonight,
    or a night logged ahead of it (nights.last_night_of_record), which counts as logged."""
    records = adherence.night_records(
        plan,
        {night: status for night, status, _dose in rows},
        last_night - timedelta(days=STATS_NIGHTS - 1),
        last_night,
    )
    return {
        "week": adherence.adherence(records, tonight, 7, through=last_night),
        "month": adherence.adherence(records, tonight, 30, through=last_night),
        "streak": adherence.streak(records, tonight, through=last_night),
    }


# The night still open, in the patient's own word for it (the home card's): at 04:40 it is
# last night for an evening doser, today for a morning doser.
_OPEN_CELLS = {
    nights.TONIGHT: gettext_lazy("tonight, not logged yet"),
    nights.LAST_NIGHT: gettext_lazy("last night, not logged yet"),
    nights.TODAY: gettext_lazy("today, not logged yet"),
    nights.YESTERDAY: gettext_lazy("yesterday, not logged yet"),
    None: gettext_lazy("tonight, not logged yet"),
}


def _cell_marks(open_night: str | None) -> dict[str, tuple[str, str]]:
    """A calendar cell's mark and words by adherence.night_mark, translated once per page
    rather than once per cell; ``open_night`` is the still-open night's relative_night."""
    return {
        adherence.TAKEN: ("✓", _("taken")),
        adherence.SKIPPED: ("✕", _("skipped")),
        adherence.MISSING: ("?", _("not logged")),
        adherence.OPEN: ("…", str(_OPEN_CELLS[open_night])),
        # A night the plan holds: the clinician's calendar's mark for it, "‖".
        adherence.HELD: ("‖", _("plan on hold")),
        # No dose prescribed (before joining or the first plan, after it ended): no mark,
        # never "?", as the clinician's calendar shows it; adherence does not count it.
        adherence.NO_DOSE: ("", _("no dose prescribed")),
    }


# A cell's class by adherence.night_mark where the stylesheet names it otherwise.
_CELL_CSS = {adherence.OPEN: "today", adherence.NO_DOSE: "out-of-range"}


def _calendar_body(plan, first: date, tonight: date, by_night, now) -> tuple[str, bool]:
    """The month's calendar rows as HTML: a cell per night with its state, mark and words;
    and whether a cell is marked as held (the legend then says what "‖" means).

    Each night's mark is adherence.night_mark of adherence.night_records (the records the
    stats above count, and the clinician's calendar marks): "?" only on a night prescribed
    and not logged; no mark where no dose was prescribed.

    Written here rather than as a template loop: the tags in its 35 cells cost more than
    the rest of the history page.
    """
    marks = _cell_marks(_relative(plan, tonight, now))
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    records = adherence.night_records(
        plan, {night: status for night, (status, _dose) in by_night.items()}, first, last
    )
    # A night's URL is the same path with its date: reversed once per page, not per cell.
    placeholder = date(1900, 1, 1).isoformat()
    night_url = reverse("journal:night", args=[placeholder])
    weeks, any_held = [], False
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        cells = []
        for night in week:
            if night.month != first.month:
                cells.append("<td></td>")
                continue
            _status, dose = by_night.get(night, ("", None))
            record = records[night]
            shown = adherence.night_mark(record, tonight)
            # A night to come is never held on the calendar: only nights logged or begun.
            held = record.held and shown != adherence.FUTURE
            mark, text = marks.get(shown, ("", ""))
            if shown == adherence.TAKEN and dose:
                text = _("taken %(dose)s mg") % {"dose": amount(dose)}
            if held and shown in (adherence.TAKEN, adherence.SKIPPED):
                # A dose logged on a held night shows the hold too (the clinician's night
                # page and the dose-on-hold flag read the same PlanView.status_on).
                held_mark, held_text = marks[adherence.HELD]
                mark, text = f"{mark}{held_mark}", f"{text}, {held_text}"
            if shown == adherence.HELD:  # nothing logged: the night's class, and night-held
                css = "today" if night == tonight else "missing"
            else:
                css = _CELL_CSS.get(shown, shown)
            if held:
                css += " night-held"
                any_held = True
            today = " night-today" if night == tonight else ""
            day = f'<span class="day">{night.day}</span>'
            if shown != adherence.FUTURE:
                url = night_url.replace(placeholder, night.isoformat())
                day = (
                    f'<a href="{escape(url)}">{day}'
                    f'<span class="status" aria-hidden="true">{escape(mark)}</span>'
                    f'<span class="status-text">{escape(text)}</span></a>'
                )
            cells.append(f'<td class="night-{escape(css)}{today}">{day}</td>')
        weeks.append("<tr>\n      " + "".join(cells) + "\n    </tr>")
    # Safe: every value went through escape(); the rest is our own markup.
    return mark_safe("".join(weeks)), any_held  # noqa: S308


@patient_view
def history(request):
    now = timezone.now()
    patient, plan = _plan(request)
    tonight = plan.tonight(patient.tz, now)
    first = _month_param(request.GET.get("month"), tonight)
    rows, first_night, newest_night = _history_rows(patient, first, tonight)
    # A night logged ahead of tonight (further east, before a move west) is reachable: the
    # last month is the one of the last night of record, not only tonight's.
    last_night = nights.last_night_of_record(tonight, newest_night)
    if first > last_night:
        first = date(last_night.year, last_night.month, 1)
    start = _journal_start(patient, plan, tonight, first_night)
    if first < start:
        # Before the journal began (0001-01 included): its first month, not an empty year 1.
        first = start
        messages.info(
            request,
            _("Your journal starts in %(month)s; here is its first month.")
            % {"month": local_date(start, "month_year")},
        )
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    since, until = min(first, tonight - timedelta(days=STATS_NIGHTS - 1)), max(last, last_night)
    rows = [row for row in rows if since <= row[0] <= until]
    by_night = {night: (status, dose) for night, status, dose in rows}
    previous = (first - ONE_DAY).replace(day=1) if first > start else None
    following = last + ONE_DAY
    calendar_body, calendar_held = _calendar_body(plan, first, tonight, by_night, now)
    return render(
        request,
        "patients/journal/history.html",
        {
            "tab": "calendar",
            "patient": patient,
            "month": first,
            "calendar_body": calendar_body,
            "calendar_held": calendar_held,
            "previous": previous,
            "following": following if following <= last_night else None,
            "stats": _stats(plan, rows, tonight, last_night),
            # The stats count days for a morning doser (the home card's "Today"), from the
            # plan already read: no query.
            "morning_dosing": plan.dosing_time_on(tonight) == titration.MORNING,
        },
    )


@patient_view
def history_list(request):
    now = timezone.now()
    patient, plan = _plan(request)
    entries = _with_details(_entries(patient).logged())
    page = Paginator(entries, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/journal/history_list.html",
        {
            "tab": "list",
            "page": page,
            "tonight": plan.tonight(patient.tz, now),
            "held_nights": journal.held_nights(plan, [e.night for e in page.object_list]),
        },
    )


def trend_series(entries, start, end):
    """Chart series for a patient's entries (dose, the symptom scores, sleep and dreams)."""
    rows = [entry for entry in entries if start <= entry.night <= end]
    dose = [(e.night, e.dose_mg) for e in rows if e.is_taken]
    return [
        charts.Series("dose", _("Dose (mg)"), dose, axis="dose", stepped=True),
        charts.Series("pain", _("Pain"), [(e.night, e.pain) for e in rows]),
        charts.Series("fatigue", _("Fatigue"), [(e.night, e.fatigue) for e in rows]),
        charts.Series("mood", _("Mood"), [(e.night, e.mood) for e in rows]),
        charts.Series("sleep", _("Sleep quality"), [(e.night, e.sleep_quality) for e in rows]),
        charts.Series("dreams", _("Dream intensity"), [(e.night, e.dream_intensity) for e in rows]),
    ]


# The nights a trends page draws, with only the fields drawn: from its first night on (after
# tonight there are only nights logged ahead of it, which the page draws too).
_TREND_NIGHTS = CompiledQuery(
    lambda patient_id, start: (
        NightlyEntry.objects.logged()
        .filter(patient_id=patient_id, night__gte=start)
        .order_by("night")
        .only(
            "night",
            "status",
            "dose_mg",
            "pain",
            "fatigue",
            "mood",
            "sleep_quality",
            "dream_intensity",
        )
    ),
    _PLACEHOLDER_ID,
    _PLACEHOLDER_NIGHTS[0],
)


@patient_view
def trends(request):
    now = timezone.now()
    patient, plan = _plan(request)
    tonight = plan.tonight(patient.tz, now)
    try:
        weeks = int(request.GET.get("weeks", 4))
    except ValueError:
        weeks = 4
    if weeks not in TREND_WEEKS:
        weeks = 4
    # The range ends on the last night of record: tonight, or a night logged ahead of it
    # (further east, before a move west), as the clinician's trend does.
    entries = _with_patient(
        patient, _TREND_NIGHTS.instances(patient.pk, tonight - timedelta(days=weeks * 7 - 1))
    )
    end = nights.last_night_of_record(tonight, entries[-1].night if entries else None)
    start = end - timedelta(days=weeks * 7 - 1)
    series = trend_series(entries, start, end)
    dosing_time = plan.dosing_time_on(tonight)
    # Small multiples: one panel per measure, the plan's dose steps shaded behind each.
    prescribed = charts.Series(
        "prescribed",
        _("Prescribed dose (mg)"),
        [
            (night, plan.on(night).dose_mg)
            for night in (start + timedelta(days=i) for i in range((end - start).days + 1))
        ],
        axis="dose",
    )
    panels = charts.small_multiples(
        [item for item in series if item.axis != "dose"],
        start,
        end,
        dose=prescribed,
        dosing_time=dosing_time,
    )
    rows = charts.table_rows(series, start, end)
    # A dose taken on a held night is marked in the table ("1.5 ‖"), as the calendar, the list
    # and the entry pages mark it (journal.held_nights: the plan's state that night).
    held = journal.held_nights(plan, [night for night, _dose in series[0].points])
    for night, cells in rows:
        if night in held and cells[0]:
            cells[0] = f"{cells[0]} ‖"
    return render(
        request,
        "patients/journal/trends.html",
        {
            "tab": "trends",
            "morning_dosing": dosing_time == titration.MORNING,
            "weeks": weeks,
            "choices": TREND_WEEKS,
            "panels": panels,
            "series": series,
            "table_body": charts.table_body(reversed(rows), blank="—"),
            "held": bool(held),
        },
    )


# --- Settings ---------------------------------------------------------------------------


_NO_REMINDER_BECAUSE = {
    schedule.NO_CHANNEL: gettext_lazy(
        "No reminder is planned: email and push reminders are both off (or no device is "
        "registered for push)."
    ),
    schedule.WAITING: gettext_lazy(
        "No dose reminder while your urgent report waits for your care team's answer."
    ),
    schedule.NOT_DOSING: gettext_lazy(
        "No reminder is planned: your plan has no dose to take in the coming days."
    ),
    schedule.UNKNOWN_ZONE: gettext_lazy(
        "No reminder is planned until you choose your time zone below."
    ),
}


def _next_reminder_line(patient, plan, now) -> str:
    """When the next reminder is due, in the patient's zone: the sweep's own answer
    (due.reminder_outlook), never a copy of its rules."""
    slot, why_none = due.reminder_outlook(patient, plan, now)
    if slot is None:
        # Why, from the same settings, plan and pause: the line said "none planned" alike
        # for a plan on hold, no channel and an open urgent report.
        return _NO_REMINDER_BECAUSE.get(why_none, _("No reminder is planned at the moment."))
    return _("Next reminder: %(when)s (%(zone)s)") % {
        "when": local_date(slot.due_at.astimezone(patient.tz), "long_day_time"),
        "zone": nights.zone_label(patient.zone_name),
    }


@patient_view
def patient_settings(request):
    """One page for everything a patient sets: name, zone, reminders, quiet hours, devices."""
    patient = current_patient(request)
    plan = plans.load(patient)
    request_plan.keep(request, patient, plan)
    now = timezone.now()
    tonight = plan.tonight(patient.tz, now)
    dosing_time = plan.dosing_time_on(tonight)
    switch = plan.next_dosing_time_switch(tonight)
    options = {
        "instance": patient,
        "morning_dosing": dosing_time == titration.MORNING,
        "switch_on": switch.night if switch else None,
    }
    saved_but = False
    if request.method == "POST":
        # Asked before the form writes the posted values onto ``patient``.
        lost_before = PatientSettingsForm.dose_reminder_lost(patient, dosing_time)
        form = PatientSettingsForm(request.POST, **options)
        if form.is_valid():
            form.save()
            remember_time_zone(request)
            # The page it returns to says what the settings leave out (quiet hours over the
            # whole evening, push alone with no device), as it does whenever it is opened:
            # flashed too, each was said twice.
            # The confirmation (and the page after it) is in the language just chosen.
            activate_for(request, form.cleaned_data.get("language", ""))
            if not lost_before and PatientSettingsForm.dose_reminder_lost(patient, dosing_time):
                # This save left no dose reminder: the page says "Saved, but ..." once, in
                # place of the confirmation; afterwards it says how things stand.
                request.session[SAVED_BUT_SESSION_KEY] = True
            else:
                messages.success(request, _("Your settings are saved."))
            return redirect(reverse("journal:settings"))
    else:
        form = PatientSettingsForm(**options)
        saved_but = request.session.pop(SAVED_BUT_SESSION_KEY, False)
    devices = list(PushSubscription.objects.filter(user=request.user))
    # A refused form has written its input onto ``patient`` (a ModelForm's instance takes the
    # cleaned values even when the form's own clean refuses them): what the page says of the
    # saved settings is read from them. "Next reminder" named 02:30, refused above it.
    saved = Patient.objects.get(pk=patient.pk) if form.is_bound else patient
    return render(
        request,
        "patients/journal/settings.html",
        {
            "form": form,
            "time_zone_options": TIME_ZONE_OPTIONS,
            "patient": patient,
            "care_team_requests": CareTeamRequest.objects.visible_to(request.user)
            .pending()
            .count(),
            "quiet_warnings": []
            if form.is_bound
            else PatientSettingsForm.warnings_for(
                patient,
                dosing_time,
                switch,
                saved=saved_but,
                tonight=tonight,
                dosing_time_on=plan.dosing_time_on,
            ),
            "reach_warning": "" if form.is_bound else reach.settings_warning(patient, devices),
            "next_reminder": _next_reminder_line(saved, plan, now),
            "zone_warning": ""
            if saved.time_zone_known
            else _(
                "We do not recognise your saved time zone, so your nights are shown in "
                "%(zone)s for now and no reminders are sent. Please choose your time zone "
                "below and save your settings."
            )
            % {"zone": nights.zone_label(saved.zone_name)},
            "devices": devices,
            "devices_section": reach.DEVICES_SECTION,
            # Their own messages: the alerts sent to their clinicians and admins about them
            # carry their patient too, and were listed here (found by exploratory testing).
            "recent": ReminderDelivery.objects.filter(
                patient=patient, recipient=request.user
            ).order_by("-due_at")[:RECENT_REMINDERS],
            "vapid_public_key": push.public_key(),
            "push_available": reach.push_available(),
        },
    )


@patient_view
def more(request):
    """The More tab: settings, the patient's own data, the account."""
    return render(
        request,
        "patients/journal/more.html",
        {
            "patient": current_patient(request),
            "care_team_requests": CareTeamRequest.objects.visible_to(request.user)
            .pending()
            .count(),
        },
    )


@patient_view
def offline_page(request):
    """The page the service worker shows for a journal page it cannot reach and has not kept,
    in the patient's language (kept with the app shell: no health data on it). Its link to
    the home card has the tab bar's word ("Today" for a morning doser), from the plan the tab
    bar reads anyway (request_plan.dosing_time_now: read once, kept for the bar)."""
    morning = request_plan.dosing_time_now(request) == titration.MORNING
    response = render(request, "patients/journal/offline.html", {"morning": morning})
    # The phone keeps this copy under its version, and fetches it again when that changes.
    return kept_offline.mark(request, response)


@patient_view
@require_GET
@never_cache
def outbox_token(request):
    """The CSRF token of this session, for the phone's outbox to send what it kept with:
    a form kept offline carries the token of the page it was filled on, and signing in
    again replaces that token, so the kept form was refused (403) on every retry and stayed
    on the phone for good. Same-origin JSON: another site cannot read it. With it, the
    marks of the account signed in (offline.owner_marks): the outbox sends only the forms
    kept for it, and leaves another account's on the phone for that account."""
    return JsonResponse({"csrf": get_token(request), "kept_by": offline.owner_marks(request.user)})
