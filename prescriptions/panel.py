"""The clinician's plan panel for one patient: one builder, for every page that embeds it.

:func:`plan_state` turns a loaded plans.PlanView into what the plan pages need (tonight, the
position, the prescription a change builds on, how the last one ended), and
:func:`panel_context` adds the steps ahead and the open suggestions. The plan page and the
clinician's patient page both build the panel here, so they cannot disagree.
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.models import closed_at, is_closed, remember_closed_at
from ldn_journal.compiled_queries import CompiledQuery
from ldn_journal.local_dates import local_date
from patients import wording
from patients.pause import urgent_state
from patients.templatetags.journal import night_heading
from prescriptions import plans, titration
from prescriptions import suggestions as rules
from prescriptions.models import PlanVersion, SuggestionDismissal
from prescriptions.night_facts import facts_from_records, night_facts


def plan_state(patient, now=None, view=None, tonight=None):
    """The plan as the plan pages read it (2 queries, none when ``view`` is given; a page
    that has computed the patient's tonight from the same view may pass it)."""
    view = view if view is not None else plans.load(patient)
    now = now or timezone.now()
    night = tonight if tonight is not None else view.tonight(patient.tz, now)
    position = view.on(night)
    dosing_time = view.dosing_time_on(night)
    return {
        "patient": patient,
        # The moment the state is read at: the suggestions ask the urgent pause then.
        "now": now,
        "plan": view,
        # The prescription a change builds on: none once it has ended.
        "prescription": view.open_prescription,
        "versions": list(view.rows),
        "plain_versions": list(view.versions),
        "latest": view.latest if view.open_prescription is not None else None,
        "latest_row": view.latest_row,
        "tonight": night,
        # The patient's own word for the night ("Today (2 Dec)" for a morning doser).
        "tonight_heading": night_heading(night, patient, dosing_time, now),
        # The dosing time in effect tonight, and a switch of it already signed for a later
        # night: the newest version's dosing time is the one after that switch, and the
        # pages offered "Switch to morning dosing" to a patient dosing in the morning.
        "dosing_time_now": dosing_time,
        "dosing_switch": (switch := _dosing_switch(view, position, night, dosing_time)),
        # Each switch signed after that one, as (first night, dosing time): "Current plan"
        # named only the first of two switches ahead (PlanView.dosing_times_from).
        "later_switches": view.dosing_times_from(night)[2:] if switch is not None else (),
        "position": position,
        # Until when the plan is on hold (a restart already signed ends it): every surface
        # that says "on hold until ..." reads this, not the version's own hold_until.
        "hold_until": view.held_until(night),
        "next_change": view.next_change(night),
        "ending": view.ending,
    }


def current_steps(state) -> list[dict]:
    """The newest version's steps as the change pages' "Current plan" says them: each its
    dose, its length and the dosing time its nights are taken at (titration.step_runs, as
    the steps list cuts them); ``length`` words a step that a switch of dosing time cuts in
    two ("3 nights, then 4 days"), else None (the summary says "for 7 nights" itself)."""
    latest = state["latest"]
    if latest is None:
        return []
    steps = []
    for step, runs in zip(
        latest.steps, titration.step_runs(state["plain_versions"], latest), strict=True
    ):
        steps.append(
            {
                "dose_mg": step.dose_mg,
                "days": step.days,
                "dosing_time": runs[0][1] if runs else latest.dosing_time,
                "length": step_length(runs) if len(runs) > 1 else None,
            }
        )
    return steps


def step_length(runs) -> str:
    """Runs of (count, dosing time) as one length: "3 nights, then 4 days" (an evening
    doser's step lasts nights, titration.counts_nights; the plan panel's own words)."""
    words = [
        ngettext("%(nights)s night", "%(nights)s nights", count) % {"nights": count}
        if titration.counts_nights(dosing_time)
        else ngettext("%(days)s day", "%(days)s days", count) % {"days": count}
        for count, dosing_time in runs
    ]
    text = words[0]
    for later in words[1:]:
        text = gettext("%(earlier)s, then %(later)s") % {"earlier": text, "later": later}
    return text


def row_length(versions, row: titration.Stretch) -> str | None:
    """The Length the plan panel's steps table gives a dosing row, counted by the one rule
    "Current plan" counts a step by (titration.stretch_runs, step_runs: night_runs), so the
    two cannot disagree: "3 nights, then 4 days" for tonight's step begun before a switch
    to mornings, which the table said as "7 days". None for a row that doses nothing or an
    open-ended step (the table says those itself)."""
    runs = titration.stretch_runs(versions, row)
    if not runs:
        return None
    if row.last is None:
        return gettext("%(length)s, then continues") % {"length": step_length(runs)}
    return step_length(runs)


def row_dates(versions, row: titration.Stretch) -> str | None:
    """My plan's words for a dosing row that a switch of dosing time cuts in two or more,
    run by run with their dates (titration.stretch_run_dates: the nights row_length counts
    for the plan panel's Length, so the two cannot disagree): "3 mg: from 8 Dec to 10 Dec
    in the evening, then from 11 Dec to 14 Dec in the morning". My plan said "3 mg in the
    morning — from 8 Dec to 14 Dec" for it (found by QA). None for a row of one run (the
    list says its dates and dosing time itself)."""
    runs = titration.stretch_run_dates(versions, row)
    if len(runs) < 2:
        return None
    words = [_run_words(*run) for run in runs]
    text = words[0]
    for later in words[1:]:
        text = gettext("%(earlier)s, then %(later)s") % {"earlier": text, "later": later}
    return gettext("%(dose)s mg: %(runs)s") % {"dose": wording.amount(row.dose_mg), "runs": text}


def _run_words(first, last, dosing_time) -> str:
    """One run of row_dates: its nights (or days) and when the dose is taken on them."""
    morning = dosing_time == titration.MORNING
    dates = {"first": local_date(first, "day_month")}
    if last is None:
        message = (
            gettext("from %(first)s onwards in the morning")
            if morning
            else gettext("from %(first)s onwards in the evening")
        )
    elif last == first:
        message = (
            gettext("on %(first)s in the morning")
            if morning
            else gettext("on %(first)s in the evening")
        )
    else:
        dates["last"] = local_date(last, "day_month")
        message = (
            gettext("from %(first)s to %(last)s in the morning")
            if morning
            else gettext("from %(first)s to %(last)s in the evening")
        )
    return message % dates


def _dosing_switch(view, position, night, dosing_time):
    """PlanView.next_dosing_time_switch from ``night``, for a plan in effect then (a plan
    not begun or ended has no dosing time to switch from); None at once when no later
    version has another dosing time (the usual case: no search through the changes)."""
    if view.open_prescription is None or position.status in (titration.NO_PLAN, titration.ENDED):
        return None
    if not any(v.effective_night > night and v.dosing_time != dosing_time for v in view.versions):
        return None
    return view.next_dosing_time_switch(night)


def acted_on(view):
    """(kind, key) of the suggestions a saved version of the current prescription acted on."""
    return frozenset(
        tuple(row.applied_suggestion.split(":", 1))
        for row in view.rows
        if ":" in row.applied_suggestion
    )


def nights_needed(view, tonight):
    """The (first, last) night ranges the suggestions read for a plan (a plans.PlanView) on
    ``tonight``: none without an open prescription. A page that reads its nights range by
    range (records.PatientNights) asks for these with the rest."""
    prescription = view.open_prescription
    if prescription is None or not view.versions:
        return []
    return rules.nights_needed(view.versions, tonight - timedelta(days=1), prescription.start_date)


def current_suggestions(patient, state, nights=None, dismissals=None, paused=None):
    """Suggestions still open: not dismissed and not acted on by a saved version, and none
    while the plan is on hold tonight, and only those answering a side effect while an
    urgent report is open (suggestions_for). Every
    surface that shows or applies a suggestion reads them here.

    ``nights`` (a page's records.PatientNights, which reads the nights the suggestions need
    with the rest of the page's), ``dismissals`` and ``paused`` (whether the urgent-report
    pause is in force at the state's moment) may be given by a page; otherwise 2 + 1 + 1
    queries.
    """
    prescription, versions = state["prescription"], state["plain_versions"]
    if prescription is None or not versions:
        return []
    if paused is None:
        now = state["now"]
        paused = urgent_state(patient.pk, now).paused(now)
    last_night = state["tonight"] - timedelta(days=1)
    first_night = prescription.start_date
    ranges = nights_needed(state["plan"], state["tonight"])
    if nights is None:
        facts = night_facts(patient, ranges)
    else:
        facts = facts_from_records(nights.within(ranges))
    if dismissals is None:
        dismissals = dismissals_of(patient)
    closed = {(d.kind, d.evidence_key) for d in dismissals} | acted_on(state["plan"])
    return rules.suggestions_for(
        versions, facts, last_night, first_night, frozenset(closed), paused=paused
    )


# Compiled to SQL once per process (the patient page and plan page send it on every request;
# compiling it cost more than running it).
_DISMISSALS = CompiledQuery(
    lambda patient_id: SuggestionDismissal.objects.filter(patient=patient_id).select_related(
        "dismissed_by"
    ),
    -7_000_005,
)


def dismissals_of(patient):
    """The care team's dismissals, newest first, with who dismissed them (1 query)."""
    return _DISMISSALS.instances(patient.pk)


def panel_context(patient, state, nights=None, paused=None, dismissals=None):
    """Everything the plan panel shows, from a :func:`plan_state` (1 query for the
    dismissals unless the page passes them, 2 more for the nights unless it passes its
    ``nights``, 1 for the urgent pause unless it passes ``paused``)."""
    view, night = state["plan"], state["tonight"]
    # The steps the patient will follow, every version and hold taken into account: the one
    # list My plan shows (PlanView.steps_ahead). The table listed the newest version's
    # calendar, which is not what the nights follow: through a dated hold it gave one step
    # its whole length, with a switch of dosing time signed for a later night it marked no
    # step as tonight's, and it never said the dosing time. Each version's own calendar is
    # on its page (plan_version).
    ahead = view.steps_ahead(night)
    if dismissals is None:
        dismissals = dismissals_of(patient)
    closed = is_closed(patient.user)
    return {
        **state,
        # Nothing is planned for a closed account's record any more (read-only).
        **({"next_change": None} if closed else {}),
        "schedule": ahead,
        # Each row with its Length, a dosing row's counted as "Current plan" counts a step.
        "schedule_rows": [(row, row_length(view.versions, row)) for row in ahead],
        # The stretch tonight falls in (the first, unless the plan begins later).
        "schedule_now": ahead[0] if ahead and ahead[0].first <= night else None,
        # Tonight's night of its step, counted as the steps list dates the step.
        "night_in_step": ahead[0].night_number(night) if ahead else None,
        "schedule_dosing_times": titration.dosing_times_differ(ahead),
        # "Resume" (or move a restart already signed) while the plan is on hold tonight or a
        # hold is to come, as the whole plan says: the newest version has no hold once a
        # restart is signed, and the panel offered "Hold" for a plan on hold tonight.
        "is_held": view.open_prescription is not None
        and view.first_held_night(state["tonight"]) is not None,
        "suggestions": (
            [] if closed else current_suggestions(patient, state, nights, dismissals, paused)
        ),
        "dismissals": dismissals,
        "versions_newest_first": list(reversed(state["versions"])),
        # Each signed version (by id) replaced before it took effect, with the version that
        # replaced it: marked in the list of versions as My plan and the visit report mark
        # it (PlanView.replaced_before_effect: the one answer). Unmarked, a hold signed for a
        # later night and then replaced read as if it were still to happen (found by QA).
        "replaced": view.replaced_before_effect(),
        # The versions still to come tonight, marked in the list of versions as the visit
        # report marks them (PlanView.upcoming).
        "upcoming": view.upcoming(night),
        "earlier_prescriptions": earlier_prescriptions(view),
        # A closed account's record is read-only: no change, hold, resume, ending or
        # suggestion is offered (each view refuses it too: refuse_change_to_closed_record).
        "closed": closed,
    }


def earlier_prescriptions(view: plans.PlanView) -> list[dict]:
    """The patient's prescriptions other than the one the panel shows (the newest: open, or
    ended with "Its final plan" and its versions; listed here too, it showed twice, found
    by QA), newest first, each with its versions newest first, its first night and its
    ending (the signed ENDED version: who ended it, when, why; None if it has none), read
    from the plan already loaded (PlanView.history): no query, however many versions. Only
    the newest prescription's versions were listed, so after a new prescription the ended
    one's history was reachable only through the visit report (found by QA; DESIGN §3: old
    versions stay readable)."""
    shown = view.prescription
    by_prescription: dict[int, list] = {}
    for row in view.history:
        if shown is None or row.prescription_id != shown.pk:
            by_prescription.setdefault(row.prescription_id, []).append(row)
    earlier = []
    for rows in by_prescription.values():
        ending = next((row for row in reversed(rows) if row.kind == PlanVersion.Kind.ENDED), None)
        earlier.append(
            {
                "prescription": rows[0].prescription,
                "first_night": rows[0].effective_night,
                "ending": ending,
                "versions_newest_first": rows[::-1],
            }
        )
    # The history is in prescription order (plans._versions): the newest first here.
    return earlier[::-1]


def plan_panel_context(request, patient, now=None):
    """The plan page's panel for ``patient`` (already through the access gate); records
    the read in the access log. With the urgent-report pause beside tonight's dose, as the
    patient page shows it (1 query: patients.pause.urgent_state, the loader the card and
    the reminders read; the pause is patients.rules.pause.pause_at for both pages)."""
    now = now or timezone.now()
    urgent = urgent_state(patient.pk, now)
    pause = urgent.pause(now)
    view = plans.load(patient)
    # Its two readers here (record_tonight, panel_context) read the closure once: the plan
    # pages' patient comes with it (views.clinic._patient), no query then.
    remember_closed_at(patient.user, closed_at(patient.user))
    # A closed account's record ends on its closure night (PlanView.record_tonight), as on
    # the patient page's panel: the plan page said "Tonight (25 Nov) 3 mg" for it.
    state = plan_state(patient, now, view=view, tonight=view.record_tonight(patient, now))
    context = panel_context(patient, state, paused=pause is not None)
    context["pause"] = pause
    context["pause_report_id"] = urgent.first_open_id(now) if pause else None
    record_access(request, "plan.read", patient=patient, obj=context["prescription"])
    return context
