"""The one way a plan changes: a new signed PlanVersion, saved under a lock on the prescription.

Every change (new steps, a template, a hold, a resume, a dosing-time switch, the end of a
prescription, and the first plan of a new prescription) goes through
:func:`create_prescription` or :func:`save_version`. Both run in one transaction, lock the
row they extend (``select_for_update``) and refuse a change built from a version that is no
longer the newest, so two clinicians editing the same plan at once end with exactly one new
version and nothing is ever partly saved.

The helpers ``*_change`` build the proposed version from the newest one as plain values; they
are pure and raise :class:`PlanChangeError` with a message for the clinician.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from itertools import pairwise

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext, gettext_noop, ngettext

from ldn_journal.local_dates import local_date
from patients import wording
from patients.models import NightlyEntry, Patient
from patients.rules.nights import LAST_NIGHT, TODAY, TONIGHT, relative_night
from prescriptions import plans, safety, suggestions, titration
from prescriptions.models import PlanStep, PlanVersion, Prescription

PLAN_REACH_NIGHTS = 366  # a plan's dates reach a year (forms.PLAN_REACH_DAYS); a gap no more

STALE_MESSAGE = gettext_noop(
    "The plan changed while you were editing: nothing was saved. "
    "Here is the plan as it is now; make your change again if it is still needed."
)


class PlanChangeError(Exception):
    """A change that cannot be saved; ``str(error)`` is the message for the clinician."""


class StalePlan(PlanChangeError):
    def __init__(self, message=None):
        # Translated when raised, in the language of the request that met the stale form.
        super().__init__(gettext(STALE_MESSAGE) if message is None else message)


class NeedsConfirmation(PlanChangeError):
    """The change crosses a safety threshold: saved only once the clinician confirms it."""

    def __init__(self, warnings):
        self.warnings = warnings
        super().__init__(
            gettext("Please confirm this increase:")
            + " "
            + " ".join(wording.translate(warning.message) for warning in warnings)
            + " "
            + gettext(
                "Tick “I confirm this increase” and sign again to save it; nothing was saved."
            )
        )


class NeedsGapConfirmation(PlanChangeError):
    """The change leaves a patient who is dosing without LDN on some nights before its first
    step begins: saved only once the clinician confirms that gap. ``dosing_time``: the
    plan's on the gap's nights (gap_dosing_time): a morning doser's nights are days;
    ``step``: that first step's number, as the plan numbers it (gap_message). The other
    questions the same save asks are asked with it, so one save is refused once with every
    box drawn (_confirmed_start_and_increase): ``skipped``, the skipped steps not confirmed
    (NeedsStartConfirmation's question, its box carrying its date and step), and
    ``increase``, the increase warnings not confirmed (NeedsConfirmation)."""

    def __init__(
        self,
        gap: tuple[date, date, int],
        start: date,
        dosing_time=titration.EVENING,
        step=1,
        increase=(),
        skipped: SkippedSteps | None = None,
    ):
        self.gap = gap
        # The gap's own (gap_dosing_time): the form's box is labelled the same
        # (PlanStepsForm.word_gap_box).
        self.dosing_time = dosing_time
        self.step = step
        self.increase = tuple(increase)
        self.skipped = skipped
        self.start = start
        morning = dosing_time == titration.MORNING
        parts = [gap_message(gap, start, dosing_time, step)]
        if skipped is not None:
            parts.append(skipped.message)
        if self.increase:
            parts.append(gettext("Please confirm this increase:"))
            parts.extend(wording.translate(warning.message) for warning in self.increase)
        box = (
            gettext("I confirm the days without LDN")
            if morning
            else gettext("I confirm the nights without LDN")
        )
        boxes = {"box": box, "increase": gettext("I confirm this increase")}
        if skipped is not None:
            boxes["start"] = skipped.label(*skipped.box)
        if skipped is not None and self.increase:
            tick = gettext(
                "Tick “%(box)s”, “%(start)s” and “%(increase)s” and sign again to save it, "
                "or change the start date or the steps; nothing was saved."
            )
        elif skipped is not None:
            tick = gettext(
                "Tick “%(box)s” and “%(start)s” and sign again to save it, or change the "
                "start date or the steps; nothing was saved."
            )
        elif self.increase:
            tick = gettext(
                "Tick “%(box)s” and “%(increase)s” and sign again to save it, or change the "
                "start date or the steps; nothing was saved."
            )
        elif morning:
            tick = gettext(
                "Tick “I confirm the days without LDN” and sign again to save it; "
                "nothing was saved."
            )
        else:
            tick = gettext(
                "Tick “I confirm the nights without LDN” and sign again to save it; "
                "nothing was saved."
            )
        super().__init__(" ".join((*parts, tick % boxes)))

    def asking_too(self, skipped: SkippedSteps | None, increase) -> NeedsGapConfirmation:
        """This refusal asking the save's other unconfirmed questions too
        (_confirmed_start_and_increase): the skipped steps and the increase."""
        return NeedsGapConfirmation(
            self.gap,
            self.start,
            self.dosing_time,
            self.step,
            increase=increase,
            skipped=skipped,
        )


class NeedsRestartConfirmation(PlanChangeError):
    """A hold with an end signed over a hold until resumed ends that hold with it: LDN
    restarts on the night after it. Saved only once the clinician confirms that night
    (``night``): "a hold over a hold changes its dates" and "give the open hold an end"
    are one change, and the plan restarted with nothing said (an urgent report's hold, a
    dated hold for 10-12 Dec signed inside it: LDN again from 13 Dec). The box carries the
    night it names, so a box ticked for other dates confirms nothing. ``increase``: the
    increase warnings the same save asks about (NeedsConfirmation), asked with it so that
    one save is confirmed once (asking_too): a hold over a whole step that also ends a hold
    until resumed was refused for the restart, then again for the increase."""

    def __init__(
        self,
        night: date,
        message: str,
        dosing_time=titration.EVENING,
        *,
        replaces=False,
        increase=(),
    ):
        self.night = night
        # The plan's on ``night`` (a morning doser's nights are days): the form's box says
        # the same (HoldForm.restart_box).
        self.dosing_time = dosing_time
        self.question = message
        self.replaces = replaces
        self.increase = tuple(increase)
        boxes = {
            "box": restart_confirm_label(night, dosing_time),
            "increase": gettext("I confirm this increase"),
        }
        parts = [message]
        if self.increase:
            parts.append(gettext("Please confirm this increase:"))
            parts.extend(wording.translate(warning.message) for warning in self.increase)
        if replaces and self.increase:
            tail = gettext(
                "Tick “%(box)s” and “%(increase)s” and sign again to save it; nothing was saved."
            )
        elif replaces:
            # A hold over a shorter hold (_confirmed_replaced_restart): keeping the plan on
            # hold until resumed is not what was asked, so that advice does not apply.
            tail = gettext("Tick “%(box)s” and sign again to save it; nothing was saved.")
        elif self.increase:
            tail = gettext(
                "Tick “%(box)s” and “%(increase)s” and sign again to save it; nothing was "
                "saved. To keep the plan on hold until resumed, do not sign this hold: its "
                "dates are already on hold."
            )
        else:
            tail = gettext(
                "Tick “%(box)s” and sign again to save it; nothing was saved. To keep the "
                "plan on hold until resumed, do not sign this hold: its dates are already "
                "on hold."
            )
        super().__init__(" ".join((*parts, tail % boxes)))

    def asking_too(self, increase) -> NeedsRestartConfirmation:
        """This refusal asking the save's unconfirmed increase too
        (_confirmed_start_and_increase)."""
        return NeedsRestartConfirmation(
            self.night,
            self.question,
            self.dosing_time,
            replaces=self.replaces,
            increase=increase,
        )


def restart_confirm_label(night: date, dosing_time: str = titration.EVENING) -> str:
    """The Hold form's box that confirms the restart a hold's end makes (as the save's
    NeedsRestartConfirmation names it); a morning doser's nights are days."""
    message = (
        gettext("I confirm LDN restarts on the day of %(night)s")
        if dosing_time == titration.MORNING
        else gettext("I confirm LDN restarts on the night of %(night)s")
    )
    return message % {"night": local_date(night, "date")}


class NeedsCancelConfirmation(PlanChangeError):
    """A restart on the night between two holds signed back to back (10-12 and 13-15 Dec:
    a restart on the 13th) is the night after the first and the second's first night: it
    cancels the second hold. Typed to restart "after the first hold", it was signed at once
    and cancelled the hold kept for the second surgery. Saved only once the clinician
    confirms that cancellation; the box carries the night it names (``night``), so a box
    ticked for another night confirms nothing."""

    def __init__(self, night: date, hold: tuple[date, date | None], before: tuple[date, date]):
        self.night = night
        ends_early = gettext(
            "That hold begins right after the hold from %(start)s to %(end)s: to end only "
            "that one early, restart on %(end)s or before."
        ) % {"start": local_date(before[0], "date"), "end": local_date(before[1], "date")}
        tick = gettext("Tick “%(box)s” and sign again to save the restart; nothing was saved.") % {
            "box": cancel_confirm_label(night)
        }
        super().__init__(" ".join((resumed_hold_message(night, hold), ends_early, tick)))


def cancel_confirm_label(night: date) -> str:
    """The Resume form's box that confirms a restart cancels the hold beginning on ``night``
    (as the save's NeedsCancelConfirmation names it)."""
    return gettext("I confirm this restart cancels the hold from %(night)s") % {
        "night": local_date(night, "date")
    }


class NeedsStartConfirmation(PlanChangeError):
    """A steps save that puts the patient on a later step, on the change's first dosing
    night, than the plan as signed would (skipped_steps): a new prescription whose step 1
    starts before its first night ("Last night (4 Dec) 3 mg, Step 2 of 2", step 1 never
    prescribed; found by QA), a steps change whose start date moved back, a step shortened,
    a template with an earlier start: each put the patient on a later step with nothing said
    (a rise within the overnight limit asks no increase). Saved only once the clinician
    confirms; the box carries the date and the step it confirms (``asked``: its ``box``), so
    a box ticked for another date or another step confirms nothing. ``increase``: the
    increase warnings the same save asks about (NeedsConfirmation), asked with it so that
    one save is confirmed once."""

    def __init__(self, asked: SkippedSteps, increase=()):
        self.start, self.step = asked.box
        # The box's words, as the message's tail names it (a step shortened on a new
        # prescription's page asks of the step, not "already on this plan since").
        self.label = asked.label
        self.increase = tuple(increase)
        box = asked.label(*asked.box)
        message = asked.message
        # Two tails, not one: Spanish saves "la prescripción" (guardarla) but "el cambio"
        # (guardarlo), and a steps change can also be undone by its steps (a step shortened
        # asks too), a new prescription's only by its start date.
        if self.increase:
            if asked.new_prescription:
                tail = gettext(
                    "Tick “%(box)s” and “%(increase)s” and sign again to save it, or change the "
                    "start date; nothing was saved."
                )
            else:
                tail = gettext(
                    "Tick “%(box)s” and “%(increase)s” and sign again to save it, or change the "
                    "start date or the steps; nothing was saved."
                )
            tail %= {"box": box, "increase": gettext("I confirm this increase")}
            message = " ".join(
                (
                    message,
                    gettext("Please confirm this increase:"),
                    *(wording.translate(warning.message) for warning in self.increase),
                )
            )
        elif asked.new_prescription:
            tail = gettext(
                "Tick “%(box)s” and sign again to save it, or change the start date; nothing "
                "was saved."
            ) % {"box": box}
        else:
            tail = gettext(
                "Tick “%(box)s” and sign again to save it, or change the start date or the "
                "steps; nothing was saved."
            ) % {"box": box}
        super().__init__(message + " " + tail)


def start_confirm_label(start: date, _step: int | None = None) -> str:
    """The new prescription's box that confirms a step 1 begun before its first night (as
    the save's NeedsStartConfirmation names it); the step it puts the patient on is carried
    by the box's value, not said (the message above it says it)."""
    return gettext("I confirm the patient is already on this plan since %(start)s") % {
        "start": local_date(start, "date")
    }


def started_before_message(
    start: date, position: titration.PlanPosition, local_today: date, dosing_time: str
) -> str:
    """What a new plan whose step 1 starts on ``start`` prescribes on its first night, as
    titration places the patient then (``position``: its first night's): "Step 1 starts on
    the night of 1 Nov 2026, before tonight: tonight (5 Dec) the patient is on step 2, 3 mg."
    The night is named as the patient's pages name it (nights.relative_night) in the words
    of the new plan's dosing time."""
    said = relative_night(position.night, local_today, dosing_time)
    if said == TONIGHT:
        message = gettext(
            "Step 1 starts on the night of %(start)s, before tonight: tonight (%(night)s) "
            "the patient is on step %(step)s, %(dose)s mg."
        )
    elif said == LAST_NIGHT:
        message = gettext(
            "Step 1 starts on the night of %(start)s, before last night, the first night "
            "of the plan: last night (%(night)s) the patient is on step %(step)s, %(dose)s mg."
        )
    elif said == TODAY:
        message = gettext(
            "Step 1 starts on the day of %(start)s, before today: today (%(night)s) the "
            "patient is on step %(step)s, %(dose)s mg."
        )
    else:
        message = gettext(
            "Step 1 starts on %(start)s, before the first dose of the plan on %(night)s: then "
            "the patient is on step %(step)s, %(dose)s mg."
        )
    return message % {
        "start": local_date(start, "date"),
        "night": local_date(position.night, "day_month"),
        "step": position.step_number,
        "dose": wording.amount(position.dose_mg),
    }


def moved_start_confirm_label(start: date, step: int) -> str:
    """The Change steps box that confirms a step now begun before the change's first
    dosing night (as the save's NeedsStartConfirmation names it): the step and its first
    night, both carried by the box's value."""
    return gettext("I confirm step %(step)s starts on %(start)s") % {
        "step": step,
        "start": local_date(start, "date"),
    }


def moved_start_message(
    start: date,
    was: titration.PlanPosition,
    moved: titration.PlanPosition,
    local_today: date,
    dosing_time: str,
    *,
    after_hold: bool = False,
) -> str:
    """What a steps change does on its first dosing night (``moved.night``) when it puts
    the patient on a later step than the plan as signed (``was``), both named by the plan's
    numbers (titration's step_number: after a restart at step 2 the first is "step 2");
    ``start``: the night that step now begins. "Step 2 now starts on the night of 15 Nov
    2026, before tonight: tonight (5 Dec) the patient moves from step 1, 1.5 mg, to step 2,
    3 mg." A step that begins on that night itself (a step shortened) "now starts tonight";
    a night after a hold (``after_hold``) is the one "when the hold ends". The night is
    named as the patient's pages name it (nights.relative_night, as started_before_message),
    in the change form's words (``dosing_time``: words_dosing_time)."""
    said = relative_night(moved.night, local_today, dosing_time)
    on_the_night = start == moved.night
    if after_hold:
        message = gettext(
            "Step %(step)s now starts on %(start)s: on %(night)s, when the hold ends, the "
            "patient moves from step %(was_step)s, %(was_dose)s mg, to step %(step)s, "
            "%(dose)s mg."
        )
    elif on_the_night and said == TONIGHT:
        message = gettext(
            "Step %(step)s now starts tonight (%(night)s): the patient moves from step "
            "%(was_step)s, %(was_dose)s mg, to step %(step)s, %(dose)s mg."
        )
    elif on_the_night and said == LAST_NIGHT:
        message = gettext(
            "Step %(step)s now starts last night (%(night)s), the change's first night: the "
            "patient moves from step %(was_step)s, %(was_dose)s mg, to step %(step)s, "
            "%(dose)s mg."
        )
    elif on_the_night and said == TODAY:
        message = gettext(
            "Step %(step)s now starts today (%(night)s): the patient moves from step "
            "%(was_step)s, %(was_dose)s mg, to step %(step)s, %(dose)s mg."
        )
    elif on_the_night:
        message = gettext(
            "Step %(step)s now starts on %(night)s, the change's first dose: then the "
            "patient moves from step %(was_step)s, %(was_dose)s mg, to step %(step)s, "
            "%(dose)s mg."
        )
    elif said == TONIGHT:
        message = gettext(
            "Step %(step)s now starts on the night of %(start)s, before tonight: tonight "
            "(%(night)s) the patient moves from step %(was_step)s, %(was_dose)s mg, to step "
            "%(step)s, %(dose)s mg."
        )
    elif said == LAST_NIGHT:
        message = gettext(
            "Step %(step)s now starts on the night of %(start)s, before last night, the "
            "change's first night: last night (%(night)s) the patient moves from step "
            "%(was_step)s, %(was_dose)s mg, to step %(step)s, %(dose)s mg."
        )
    elif said == TODAY:
        message = gettext(
            "Step %(step)s now starts on the day of %(start)s, before today: today "
            "(%(night)s) the patient moves from step %(was_step)s, %(was_dose)s mg, to step "
            "%(step)s, %(dose)s mg."
        )
    else:
        message = gettext(
            "Step %(step)s now starts on %(start)s, before the change's first dose on "
            "%(night)s: then the patient moves from step %(was_step)s, %(was_dose)s mg, to "
            "step %(step)s, %(dose)s mg."
        )
    return message % {
        "start": local_date(start, "date"),
        "night": local_date(moved.night, "day_month"),
        "step": moved.step_number,
        "dose": wording.amount(moved.dose_mg),
        "was_step": was.step_number,
        "was_dose": wording.amount(was.dose_mg),
    }


def restart_message(
    held_from: date, until: date, night: date, dose, dosing_time: str = titration.EVENING
) -> str:
    """What signing a hold that ends on ``until`` over the hold signed from ``held_from``
    until resumed does: LDN restarts on ``night`` (at ``dose`` mg, when it has one), as the
    clinician confirms it and the version records it."""
    morning = dosing_time == titration.MORNING
    if dose is None:
        message = (
            gettext(
                "This hold ends on %(until)s, and with it the hold signed from %(start)s "
                "until resumed: LDN restarts on the day of %(night)s."
            )
            if morning
            else gettext(
                "This hold ends on %(until)s, and with it the hold signed from %(start)s "
                "until resumed: LDN restarts on the night of %(night)s."
            )
        )
    else:
        message = (
            gettext(
                "This hold ends on %(until)s, and with it the hold signed from %(start)s "
                "until resumed: LDN restarts on the day of %(night)s, at %(dose)s mg."
            )
            if morning
            else gettext(
                "This hold ends on %(until)s, and with it the hold signed from %(start)s "
                "until resumed: LDN restarts on the night of %(night)s, at %(dose)s mg."
            )
        )
    return message % {
        "until": local_date(until, "date"),
        "start": local_date(held_from, "date"),
        "night": local_date(night, "date"),
        "dose": wording.amount(dose),
    }


def gap_message(
    gap: tuple[date, date, int], start: date, dosing_time: str = titration.EVENING, step: int = 1
) -> str:
    """The nights without LDN a change leaves before its first step (``start``), as the
    clinician confirms them and the version records them; a morning doser's are days, as
    the change form's labels say (``dosing_time``: words_dosing_time). ``step``: that first
    step's number as the plan numbers it (titration.step_number(steps_before, 0)), as the
    steps editor numbers its first row: after a restart at step 2, "before step 2 starts"."""
    first, last, count = gap
    if dosing_time == titration.MORNING:
        if step == 1:
            message = ngettext(
                "This change leaves the patient without LDN for %(count)s day, %(first)s, "
                "before step 1 starts on the day of %(start)s.",
                "This change leaves the patient without LDN for %(count)s days, from %(first)s "
                "to %(last)s, before step 1 starts on the day of %(start)s.",
                count,
            )
        else:
            message = ngettext(
                "This change leaves the patient without LDN for %(count)s day, %(first)s, "
                "before step %(step)s starts on the day of %(start)s.",
                "This change leaves the patient without LDN for %(count)s days, from %(first)s "
                "to %(last)s, before step %(step)s starts on the day of %(start)s.",
                count,
            )
    elif step == 1:
        message = ngettext(
            "This change leaves the patient without LDN for %(count)s night, %(first)s, "
            "before step 1 starts on the night of %(start)s.",
            "This change leaves the patient without LDN for %(count)s nights, from %(first)s "
            "to %(last)s, before step 1 starts on the night of %(start)s.",
            count,
        )
    else:
        message = ngettext(
            "This change leaves the patient without LDN for %(count)s night, %(first)s, "
            "before step %(step)s starts on the night of %(start)s.",
            "This change leaves the patient without LDN for %(count)s nights, from %(first)s "
            "to %(last)s, before step %(step)s starts on the night of %(start)s.",
            count,
        )
    return message % {
        "count": count,
        "first": local_date(first, "date"),
        "last": local_date(last, "date"),
        "start": local_date(start, "date"),
        "step": step,
    }


@dataclass(frozen=True)
class PlanChange:
    """A proposed new version, as plain values."""

    kind: str
    effective_night: date
    start_date: date
    steps: tuple[titration.Step, ...]
    reason: str
    patient_note: str = ""
    reason_kind: str = ""  # PlanVersion.ReasonKind, apart from the words typed
    dosing_time: str = titration.EVENING
    hold_from: date | None = None
    hold_until: date | None = None
    template_id: int | None = None
    applied_suggestion: str = ""  # "kind:key" of the suggestion this change acts on
    # The plan's steps before steps[0] (PlainVersion.steps_before): a change that carries
    # on an earlier version's steps keeps their numbers; new steps typed start at 0.
    steps_before: int = 0


# --- pure builders ------------------------------------------------------------------------


def _carried_hold(
    latest: titration.PlainVersion,
    effective_night: date,
    versions: tuple[titration.PlainVersion, ...] | None = None,
):
    """A hold still pending or running on ``effective_night`` carries into the new version:
    the plan's, every version read (``versions``; ``latest`` alone when not given), until
    the night before a signed restart (titration.hold_to_carry).

    Without this, a step change saved during a planned surgery hold would silently lift the
    hold (the newer version wins from its effective night). It read the newest version only:
    under a signed restart that is the restart, with no hold, and the change lifted the hold.
    """
    hold = titration.hold_to_carry(versions or (latest,), effective_night)
    return hold if hold is not None else (None, None)


@dataclass(frozen=True)
class StepsPrefill:
    """What the Change steps page is pre-filled with (the clinician edits it): the date its
    first step starts, the steps, and the plan's steps before the first of them
    (PlanChange.steps_before). The number is decided here, with the steps it numbers, and
    the form carries it to the save (steps_change)."""

    start_date: date
    steps: tuple[titration.Step, ...]
    steps_before: int


def steps_prefill(
    latest: titration.PlainVersion,
    *,
    first_night: date,
    template_steps=None,
    suggestion: suggestions.Suggestion | None = None,
    current_index: int | None = None,
) -> StepsPrefill:
    """The Change steps page's rows: a template's steps (``template_steps``) from
    ``first_night``, numbered from 1 as a new list; else those an applied ``suggestion``
    proposes (suggestion_prefill); else the plan as it is, numbered as it is (a dose
    edited after a restart at step 2 stays step 2). ``current_index``: the plan's step
    tonight (PlanView.on(tonight).step_index), which a suggestion speaks to."""
    if template_steps is not None:
        return StepsPrefill(first_night, tuple(template_steps), 0)
    if suggestion is not None:
        return suggestion_prefill(suggestion, latest, current_index, first_night)
    return StepsPrefill(latest.start_date, latest.steps, latest.steps_before)


def check_steps_numbering(posted: int, drawn: StepsPrefill) -> None:
    """The save of a Change steps page: the plan's steps before its first row as posted
    (the page's hidden steps_before, which the new version stores) must be the number the
    page is drawn with from the plan as signed now (``drawn``: steps_prefill of the same
    template or suggestion). Another number was tampered with or drawn from a plan (or a
    suggestion) that has changed since: StalePlan, nothing saved; it numbered the new
    version's steps as it said, "Step 7 of 8" of a two-step plan."""
    if posted != drawn.steps_before:
        raise StalePlan()


def suggestion_prefill(
    suggestion: suggestions.Suggestion,
    latest: titration.PlainVersion,
    current_index: int | None,
    first_night: date,
) -> StepsPrefill:
    """Steps and dates that 'Apply' pre-fills for ``suggestion``; the plan as it is when
    the suggestion proposes no steps, or there is no step tonight (``current_index`` None)."""
    as_is = StepsPrefill(latest.start_date, latest.steps, latest.steps_before)
    # The step the suggestion speaks to: tonight's. No suggestion is raised for a plan on
    # hold tonight (suggestions.suggestions_for), so "Apply" under a hold no longer comes
    # here (it pre-filled last night's step, after step 1 and the whole titration again).
    if current_index is None:
        return as_is
    if suggestion.kind == suggestions.VIVID_DREAMS and suggestion.proposed_dose_mg is not None:
        # Back to the previous dose for two weeks, then try the step up again: the step put
        # back in takes the previous step's number, the steps after keep theirs.
        steps = (titration.Step(suggestion.proposed_dose_mg, 14), *latest.steps[current_index:])
        return StepsPrefill(first_night, steps, max(latest.steps_before + current_index - 1, 0))
    if suggestion.kind == suggestions.NEXT_STEP and suggestion.proposed_step_index is not None:
        # The steps from the next one on: the steps dropped before it still count.
        index = suggestion.proposed_step_index
        return StepsPrefill(first_night, latest.steps[index:], latest.steps_before + index)
    return as_is


def steps_change(
    latest: titration.PlainVersion | None,
    *,
    effective_night: date,
    start_date: date,
    steps,
    reason: str,
    patient_note: str = "",
    template_id: int | None = None,
    dosing_time: str | None = None,
    applied_suggestion: str = "",
    versions: tuple[titration.PlainVersion, ...] | None = None,
    steps_before: int = 0,
) -> PlanChange:
    """New steps from ``effective_night``; a hold pending or running then carries on
    (``versions``: the whole plan, the newest last; see _carried_hold). ``steps_before``:
    the plan's steps before ``steps[0]`` (PlainVersion.steps_before), as the page the steps
    were edited on numbered them (steps_prefill);
    0 for a new list of steps."""
    hold_from, hold_until = (
        (None, None) if latest is None else _carried_hold(latest, effective_night, versions)
    )
    if dosing_time is None:
        # The dosing time of the night it starts on: a switch signed for a later night is
        # not brought forward (save_version refuses a change that would undo it).
        dosing_time = (
            titration.EVENING
            if latest is None
            else titration.dosing_time_on(versions, effective_night)
            if versions
            else latest.dosing_time
        )
    if latest is None:
        kind = PlanVersion.Kind.CREATED
    elif template_id is not None:
        kind = PlanVersion.Kind.TEMPLATE
    else:
        kind = PlanVersion.Kind.CHANGED
    return PlanChange(
        kind=kind,
        effective_night=effective_night,
        start_date=start_date,
        steps=tuple(steps),
        reason=reason,
        patient_note=patient_note,
        dosing_time=dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
        template_id=template_id,
        applied_suggestion=applied_suggestion,
        steps_before=steps_before,
    )


def hold_change(
    latest: titration.PlainVersion,
    *,
    hold_from: date,
    hold_until: date | None,
    reason: str,
    patient_note: str = "",
    reason_kind: str = "",
    versions: tuple[titration.PlainVersion, ...] | None = None,
) -> PlanChange:
    """A hold of the nights ``hold_from`` to ``hold_until`` (None: until resumed), on the
    steps of the version in effect on its first night (``versions``: the whole plan, the
    newest last; ``latest`` alone when not given). Not the newest version's: with a steps
    change signed from a later night, the nights between the hold and that change had its
    steps, not yet begun (no dose)."""
    if hold_until is not None and hold_until < hold_from:
        raise PlanChangeError(
            gettext(
                "The hold cannot end before it starts: choose %(start)s or later, "
                "or leave it empty for an open-ended hold."
            )
            % {"start": local_date(hold_from, "date")}
        )
    base = latest
    if versions and hold_until is not None and not _holds_any(versions, hold_from, hold_until):
        # A new hold with an end (not new dates for a hold, whose restart the gap check
        # reads: _check_no_gap_after_hold): the plan after it is kept (_plan_kept_after_hold).
        in_effect = titration.version_in_effect(versions, hold_from)
        if in_effect is not None and not in_effect.ends:
            base = in_effect
    return PlanChange(
        kind=PlanVersion.Kind.HOLD,
        effective_night=hold_from,
        start_date=base.start_date,
        steps=base.steps,
        steps_before=base.steps_before,
        reason=reason,
        patient_note=patient_note,
        reason_kind=reason_kind,
        # The dosing time in effect on its first night, not the newest version's: with a
        # switch to mornings signed for a later night, a hold or an ending from tonight (an
        # evening night) took "morning" and was refused as a switch begun too early, so
        # nobody could stop the plan tonight, not even an urgent report's hold. Before the
        # plan begins, the dosing time it begins on (titration.dosing_time_from).
        dosing_time=(
            titration.dosing_time_from(versions, hold_from) if versions else base.dosing_time
        ),
        hold_from=hold_from,
        hold_until=hold_until,
    )


def resume_change(
    latest: titration.PlainVersion | None,
    *,
    tonight_night: date,
    resume_on: date,
    step_index: int,
    reason: str,
    patient_note: str = "",
    versions: tuple[titration.PlainVersion, ...] | None = None,
    first_night: date | None = None,
    hold_note: str = "",
    confirmed_cancel: date | None = None,
) -> PlanChange:
    """Restart at ``steps[step_index]`` on ``resume_on``; the steps before it are dropped.
    The steps are the held plan's (titration.restart_choices), as the Resume form offers them.

    ``versions`` (the whole plan, the newest last; ``latest`` alone when not given) say
    whether the plan is on hold: once a restart is signed the newest version has no hold,
    and signing another restart changes it. One moved later than the signed restart keeps
    the plan on hold until it, from the hold's first night open to a change
    (``first_night``, tonight's or tomorrow's: changes.first_changeable_night): a version
    from ``resume_on`` alone would leave the signed restart in force on the nights between.
    That version holds the plan on those nights, so the paused card shows its note: the
    clinician's new one, else ``hold_note`` (the note of the hold it takes over from, when
    written for a hold until resumed: PlanView.moved_restart_note; a dated hold's note may
    name the end this moves, and the stored version would state it), and
    every history names it "Restart moved to ..." (PlanVersion.get_kind_display), not
    "Resumed" from the hold's first night.

    A restart before the first night of a hold that has not begun is refused: it silently
    cancelled the hold (the restart version governs from before the hold). On the hold's
    first night it cancels the hold, and the message says so. When that night is also the
    night after another hold still to run (two holds back to back), the cancellation is
    signed only once confirmed (``confirmed_cancel``: NeedsCancelConfirmation).
    """
    versions = versions or ((latest,) if latest is not None else ())
    held_from = titration.first_held_night(versions, tonight_night)
    if latest is None or held_from is None:
        raise PlanChangeError(gettext("The plan is not on hold, so there is nothing to resume."))
    # The held plan's steps (the Resume form offers the same): after a signed restart, the
    # newest version is that restart, with only the steps from the one it chose.
    choices = titration.restart_choices(versions, tonight_night)
    held = choices.version if choices is not None else latest
    if not 0 <= step_index < len(held.steps):
        raise PlanChangeError(
            # Numbered as the form's choices are (after a restart at step 2: from step 2).
            gettext("Choose a step from %(first)s to %(last)s to restart at.")
            % {"first": held.step_number(0), "last": held.step_total}
        )
    if held_from > tonight_night and resume_on < held_from:
        # A morning doser's hold runs over days, as the Resume form's labels say: worded by
        # the dosing time on the hold's first night, not the newest version's (a switch to
        # mornings signed for after an evening hold said "the day of" its first night).
        if titration.dosing_time_from(versions, held_from) == titration.MORNING:
            message = gettext(
                "The hold has not begun: it starts on the day of %(start)s, so the restart "
                "can be on %(start)s at the earliest. A restart on %(start)s cancels the hold; "
                "to keep it, restart after its last day."
            )
        else:
            message = gettext(
                "The hold has not begun: it starts on the night of %(start)s, so the restart "
                "can be on %(start)s at the earliest. A restart on %(start)s cancels the hold; "
                "to keep it, restart after its last night."
            )
        raise PlanChangeError(message % {"start": local_date(held_from, "date")})
    _check_cancels_a_hold_after_a_hold(versions, tonight_night, resume_on, confirmed_cancel)
    change = PlanChange(
        kind=PlanVersion.Kind.RESUME,
        effective_night=resume_on,
        start_date=resume_on,
        steps=held.steps[step_index:],
        # Restarted at step k of the plan, it stays step k: the steps dropped still count.
        steps_before=held.steps_before + step_index,
        reason=reason,
        patient_note=patient_note,
        dosing_time=latest.dosing_time,
    )
    # The hold it resumes (or cancels) is the one it is on or after, not the first to come:
    # every other hold stays as signed (save_version signs again what it would lift).
    held_from = titration.hold_resumed(versions, tonight_night, resume_on)
    last_held = titration.hold_last_night(versions, held_from)
    if last_held is not None and resume_on > last_held + timedelta(days=1):
        takes_over = max(held_from, first_night or tonight_night)
        if takes_over < resume_on:
            change = replace(
                change,
                effective_night=takes_over,
                hold_from=takes_over,
                hold_until=resume_on - timedelta(days=1),
                patient_note=patient_note.strip() or hold_note,
            )
    # The dosing time the plan has on its first night, not the newest version's: a switch
    # signed for a later night is signed again after it (save_version: _switches_kept), so
    # a restart before the switch does not bring it forward, and one after it keeps it.
    return replace(change, dosing_time=titration.dosing_time_on(versions, change.effective_night))


def _check_cancels_a_hold_after_a_hold(
    versions, tonight_night: date, resume_on: date, confirmed: date | None
) -> None:
    """Refuse, until confirmed, a restart on the first night of a signed hold (it cancels
    it: titration.resumed_hold) whose night before, tonight or later, is held by another
    hold: the restart night is also that hold's night after."""
    hold = titration.resumed_hold(versions, tonight_night, resume_on)
    eve = resume_on - timedelta(days=1)
    if hold is None or hold[0] != resume_on or eve < tonight_night or confirmed == resume_on:
        return
    before = titration.hold_to_carry(versions, eve)
    if before is None or before[0] > eve:
        return  # the night before is not held
    raise NeedsCancelConfirmation(resume_on, hold, (before[0], eve))


def end_change(
    latest: titration.PlainVersion | None,
    *,
    tonight_night: date,
    reason: str,
    patient_note: str = "",
    versions: tuple[titration.PlainVersion, ...] | None = None,
) -> PlanChange:
    """End the prescription: no dose from tonight on. Recorded as a signed ending version
    from tonight (titration reads it: the plan has ended on every night from then on), so
    every night before keeps the dose, dosing time and state it had."""
    if latest is None:
        raise PlanChangeError(gettext("This prescription has no plan to end."))
    hold = hold_change(
        latest,
        hold_from=tonight_night,
        hold_until=None,
        reason=reason,
        patient_note=patient_note,
        versions=versions,
    )
    return replace(hold, kind=PlanVersion.Kind.ENDED)


def dosing_time_change(
    latest: titration.PlainVersion,
    *,
    dosing_time: str,
    effective_night: date,
    reason: str,
    patient_note: str = "",
    applied_suggestion: str = "",
    versions: tuple[titration.PlainVersion, ...] | None = None,
) -> PlanChange:
    """Dose at ``dosing_time`` from ``effective_night`` on. Refused when the plan already
    asks it then: the newest version has it and so does ``effective_night`` (``versions``,
    the whole plan, when given). A switch signed for a later night may be brought forward:
    the newest version has its dosing time, the nights before it the other."""
    already = dosing_time == latest.dosing_time and (
        versions is None or titration.dosing_time_on(versions, effective_night) == dosing_time
    )
    if already:
        raise PlanChangeError(
            gettext("The plan already uses morning dosing: choose the other dosing time.")
            if dosing_time == titration.MORNING
            else gettext("The plan already uses evening dosing: choose the other dosing time.")
        )
    hold_from, hold_until = _carried_hold(latest, effective_night, versions)
    return PlanChange(
        kind=PlanVersion.Kind.DOSING_TIME,
        effective_night=effective_night,
        start_date=latest.start_date,
        steps=latest.steps,
        steps_before=latest.steps_before,
        reason=reason,
        patient_note=patient_note,
        dosing_time=dosing_time,
        hold_from=hold_from,
        hold_until=hold_until,
        applied_suggestion=applied_suggestion,
    )


# --- saving -------------------------------------------------------------------------------


def tonights_dose_logged(patient: Patient, night: date) -> bool:
    """Whether the patient has logged the evening part (taken or skipped) of ``night``."""
    return NightlyEntry.objects.filter(patient=patient, night=night).exclude(status="").exists()


def newest_dose_logged_from(patient: Patient, night: date) -> date | None:
    """The newest night from ``night`` on whose evening part (taken or skipped) the patient
    has logged, None when none is: tonight's, or a night after it logged further east
    before a move west (nights.last_night_of_record)."""
    return (
        NightlyEntry.objects.filter(patient=patient, night__gte=night)
        .exclude(status="")
        .aggregate(newest=Max("night"))["newest"]
    )


def first_changeable_night(patient: Patient, tonight: date) -> tuple[date, bool]:
    """The first night a change made now can take effect, and whether a dose from tonight
    on is logged: THE rule every change reads (steps, dosing time, hold, restart, ending).

    A change made after a night's dose does not apply to that dose: the logged dose stands,
    judged by the plan it was taken under, and the change starts the next night (a dose
    change from tonight after tonight's dose turned that dose into a deviation; a hold, into
    a dose taken on hold). That holds for a night after tonight logged further east, before a
    move west, too: only tonight's was looked at, so a change from tomorrow, or a hold from
    tonight, rewrote that logged dose into a deviation or a dose on hold in the flags while
    the entries table, reading the dose prescribed when it was logged, showed none."""
    newest = newest_dose_logged_from(patient, tonight)
    if newest is None:
        return tonight, False
    return newest + timedelta(days=1), True


def first_switch_night(versions, dosing_time: str, first_night: date, local_today: date) -> date:
    """The first night a change asking for ``dosing_time`` can take effect from, given
    ``first_night`` (first_changeable_night) and the patient's calendar day now: THE rule
    for a switch's first night (the save refuses earlier, the form opens on it).

    A switch to mornings starts on a day whose morning is still ahead: an evening doser's
    night stays current until noon the next day, and a switch from it turned a night whose
    evening window had closed into a morning already gone ("Day of 2 December, nothing
    logged", found by QA). Switching to evenings keeps the rule every change reads, and so
    does a night the plan did not prescribe or hold (a first prescription, after an ending):
    no dose of it is judged."""
    if dosing_time != titration.MORNING:
        return first_night
    night = first_night
    while (
        night <= local_today
        and titration.dosing_time_on(versions, night) != titration.MORNING
        and titration.status_on(versions, night) in (titration.ACTIVE, titration.ON_HOLD)
    ):
        night += timedelta(days=1)
    return night


def logged_dose_stands_message(
    first_night: date,
    *,
    tonight: date,
    hold: bool = True,
    dosing_time: str = titration.EVENING,
    local_today: date | None = None,
) -> str:
    """Why a change made now starts on ``first_night``: the dose of the night before it is
    logged (first_changeable_night): the current night (``tonight``, PlanView.tonight;
    under ``dosing_time``: "today's" for a morning doser), or a later one logged further
    east before a move west, which is named by its date. It said "Tonight's dose is already
    logged" of that later night, while the patient's tonight was still open.

    ``local_today`` (the patient's calendar day now) names the current night the way the
    patient's own pages do (nights.relative_night): at 08:00 an evening doser's current
    night is "last night", not "tonight"; a night with no such word is named by its date.
    Without it the night is "tonight"/"today" (the current night read in the afternoon or
    evening)."""
    morning = dosing_time == titration.MORNING
    logged = first_night - timedelta(days=1)
    said = (
        None
        if logged != tonight
        else relative_night(logged, local_today, dosing_time)
        if local_today is not None
        else (TODAY if morning else TONIGHT)
    )
    if said == LAST_NIGHT:
        message = (
            gettext(
                "Last night’s dose is already logged and stands: a hold made now starts from "
                "the night of %(night)s."
            )
            if hold
            else gettext(
                "Last night’s dose is already logged and stands: a change made now takes "
                "effect from the night of %(night)s."
            )
        )
        return message % {"night": local_date(first_night, "date")}
    if said not in (TONIGHT, TODAY):
        message = (
            gettext(
                "The dose of %(logged)s is already logged and stands: a hold made now starts "
                "on %(night)s."
            )
            if hold
            else gettext(
                "The dose of %(logged)s is already logged and stands: a change made now takes "
                "effect on %(night)s."
            )
        )
        return message % {
            "logged": local_date(logged, "date"),
            "night": local_date(first_night, "date"),
        }
    if hold and morning:
        message = gettext(
            "Today’s dose is already logged and stands: a hold made now starts on %(night)s."
        )
    elif hold:
        message = gettext(
            "Tonight’s dose is already logged and stands: a hold made now starts from the "
            "night of %(night)s."
        )
    elif morning:
        message = gettext(
            "Today’s dose is already logged and stands: a change made now takes effect "
            "on %(night)s."
        )
    else:
        message = gettext(
            "Tonight’s dose is already logged and stands: a change made now takes effect "
            "from the night of %(night)s."
        )
    return message % {"night": local_date(first_night, "date")}


def words_dosing_time(view: plans.PlanView, tonight: date) -> str:
    """The dosing time whose words a plan change is told in, on its form (labels, errors,
    the confirmation boxes) and at its save alike: the plan's on the patient's current night
    (``tonight``: PlanView.tonight). A morning doser's dates are days, an evening doser's
    nights; the save said "nights" where the form said "days" (and the other way round)."""
    return view.dosing_time_on(tonight)


def _check(
    prescription: Prescription,
    change: PlanChange,
    now: datetime,
    view: plans.PlanView,
    steps_dosing_time: str | None = None,
) -> None:
    """What a change must satisfy at its save, said in the change form's words: the dates
    as words_dosing_time, a step's length as the steps editor counts it (``steps_dosing_time``:
    the dosing time of the version the change builds on, step_formset's; a first plan's
    own, chosen on its page; None: days)."""
    if not change.reason.strip():
        raise PlanChangeError(gettext("Give a reason for the change (the care team sees it)."))
    # An ending carries the old steps only as a record: it never prescribes them again, so
    # it is not refused for steps that no longer fit (strengths on hand changed since).
    errors = (
        []
        if change.kind == PlanVersion.Kind.ENDED
        else prescription.validate_steps(
            change.steps,
            # Each step named as the plan numbers it: a hold over a plan restarted at step 2
            # said "Step 1: 4.5 mg is not an available capsule strength".
            labels=[
                titration.step_number(change.steps_before, i) for i in range(len(change.steps))
            ],
            counts_nights=titration.counts_nights(steps_dosing_time),
        )
    )
    if errors:
        raise PlanChangeError(" ".join(errors))
    # Nights already begun keep the dose they were prescribed: history is never rewritten.
    # "Tonight" under the plan's dosing time: at 10:00 a morning-dosing patient is in
    # today's night, and yesterday's morning is closed.
    patient = prescription.patient
    first_open_night = view.tonight(patient.tz, now)
    dosing_time = words_dosing_time(view, first_open_night)
    local_today = now.astimezone(patient.tz).date()
    if change.effective_night < first_open_night:
        # The night named as the patient page's header names it (relative_night): before
        # noon an evening doser's open night is last night, not tonight.
        said = relative_night(first_open_night, local_today, dosing_time)
        if said == TODAY:
            message = gettext(
                "A change can take effect from today (%(night)s) or later; earlier days "
                "keep the plan they had."
            )
        elif said == LAST_NIGHT:
            message = gettext(
                "A change can take effect from last night (%(night)s) or later; earlier "
                "nights keep the plan they had."
            )
        else:
            message = gettext(
                "A change can take effect from tonight (%(night)s) or later; earlier nights "
                "keep the plan they had."
            )
        raise PlanChangeError(message % {"night": local_date(first_open_night, "date")})
    # Every change, not only one from tonight: a night after tonight may be logged too.
    first, _logged = first_changeable_night(patient, first_open_night)
    if change.effective_night < first:
        raise PlanChangeError(
            logged_dose_stands_message(
                first,
                tonight=first_open_night,
                hold=change.kind == PlanVersion.Kind.HOLD,
                dosing_time=dosing_time,
                local_today=local_today,
            )
        )
    local_today = now.astimezone(patient.tz).date()
    first_switch = first_switch_night(
        view.versions, change.dosing_time, change.effective_night, local_today
    )
    if first_switch > change.effective_night:
        raise PlanChangeError(
            gettext(
                "Morning dosing can start on %(first)s at the earliest: the morning of "
                "%(night)s has already begun, and a night already begun keeps the dosing "
                "time it had. Nothing was saved."
            )
            % {
                "first": local_date(first_switch, "date"),
                "night": local_date(first_switch - timedelta(days=1), "date"),
            }
        )


def _as_plain(change: PlanChange, number: int, versions) -> titration.PlainVersion:
    """``change`` as the version it would be, after ``versions`` (the newest prescription's)."""
    return titration.PlainVersion(
        number=number,
        effective_night=change.effective_night,
        start_date=change.start_date,
        steps=change.steps,
        steps_before=change.steps_before,
        dosing_time=change.dosing_time,
        hold_from=change.hold_from,
        hold_until=change.hold_until,
        ends=change.kind == PlanVersion.Kind.ENDED,
        restarts=change.kind == PlanVersion.Kind.RESUME,
        prescription_index=versions[-1].prescription_index if versions else 0,
    )


def _nothing_to_sign(change: PlanChange, dosing_time: str = titration.EVENING) -> str:
    """Why a change that leaves every night as it is cannot be signed, for its kind; a
    morning doser's nights are days, as the change forms say (``dosing_time``:
    words_dosing_time)."""
    morning = dosing_time == titration.MORNING
    if change.kind in (PlanVersion.Kind.CHANGED, PlanVersion.Kind.TEMPLATE) and morning:
        message = gettext(
            "Nothing to sign: the steps are the same as the plan in effect from %(night)s "
            "(the same dose on the same days). Change a step, or go back."
        )
    elif change.kind in (PlanVersion.Kind.CHANGED, PlanVersion.Kind.TEMPLATE):
        message = gettext(
            "Nothing to sign: the steps are the same as the plan in effect from %(night)s "
            "(the same dose on the same nights). Change a step, or go back."
        )
    elif change.kind == PlanVersion.Kind.HOLD and change.hold_until is None and morning:
        message = gettext(
            "Nothing to sign: the plan is already on hold from %(night)s until resumed. "
            "Give the hold a last day, or go back."
        )
    elif change.kind == PlanVersion.Kind.HOLD and change.hold_until is None:
        message = gettext(
            "Nothing to sign: the plan is already on hold from %(night)s until resumed. "
            "Give the hold a last night, or go back."
        )
    elif change.kind == PlanVersion.Kind.HOLD:
        message = gettext(
            "Nothing to sign: the plan is already on hold from %(night)s to %(until)s. "
            "Change the dates, or go back."
        )
    elif change.kind == PlanVersion.Kind.RESUME and morning:
        message = gettext(
            "Nothing to sign: the plan already restarts at this step from %(night)s. "
            "Choose another step or day, or go back."
        )
    elif change.kind == PlanVersion.Kind.RESUME:
        message = gettext(
            "Nothing to sign: the plan already restarts at this step from %(night)s. "
            "Choose another step or night, or go back."
        )
    elif change.kind == PlanVersion.Kind.DOSING_TIME:
        message = gettext(
            "Nothing to sign: the plan already uses this dosing time from %(night)s. "
            "Choose the other dosing time, or go back."
        )
    elif morning:
        message = gettext(
            "Nothing to sign: this change leaves every day from %(night)s as it is. "
            "Change something, or go back."
        )
    else:
        message = gettext(
            "Nothing to sign: this change leaves every night from %(night)s as it is. "
            "Change something, or go back."
        )
    return message % {
        "night": local_date(change.effective_night, "date"),
        "until": local_date(change.hold_until, "date") if change.hold_until else "",
    }


def _confirmed_warning(versions, number, change: PlanChange, confirmed: bool, kept=()) -> str:
    """The safety warnings this change raises, as stored on its version once confirmed.

    ``versions`` are the prescription's versions before the change; ``kept``, the plain
    versions it signs again after it (_signed_again), a later hold kept among them. Raises
    NeedsConfirmation when there are warnings and the clinician has not confirmed. An ending
    prescribes nothing new, so it is not checked. A hold is, for the increases it makes
    alone: the steps are dated, so a hold over a whole middle step (1.5 mg, held through
    the 3 mg step, 4.5 mg after it) took the patient from 1.5 to 4.5 mg and nobody was
    asked; the jumps its steps already had were confirmed when those were signed.
    """
    if change.kind == PlanVersion.Kind.ENDED:
        return ""
    proposed = _as_plain(change, number, versions)
    warnings = safety.increase_warnings(
        versions,
        proposed,
        max_increase=settings.LDN_MAX_OVERNIGHT_INCREASE_MG,
        clinic_max=settings.LDN_CLINIC_MAX_DOSE_MG,
        kept=kept,
        made_only=change.kind == PlanVersion.Kind.HOLD,
    )
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    # Stored in the signer's language, as the reason they sign with is.
    return " ".join(wording.translate(warning.message) for warning in warnings)


def nights_without_ldn(versions, proposed, first_open_night: date, kept=()):
    """The nights (first, last, how many) before ``proposed``'s step 1 on which it leaves a
    patient who is dosing on ``first_open_night`` with no LDN, none on hold; None without.
    ``kept``: the versions the change signs again after it (_signed_again), whose holds
    hold their nights (they counted as nights without LDN: the clinician confirmed more).

    Only nights the plan had prescribed or held count: a plan that had not started there
    either has no gap made by this change. A step 1 set weeks after the change's first
    night was saved without a word and the patient read "No LDN" for a month (found by
    QA). A patient on a hold with an end (or a restart signed) is dosing again after it:
    a change signed during a hold for 2-5 Dec whose step 1 starts on 1 Jan left 6-31 Dec
    without LDN, and nothing was asked. Under a hold until resumed nothing is asked: no
    night after it is prescribed until a restart is signed."""
    status = titration.status_on(versions, first_open_night)
    if status != titration.ACTIVE and (
        status != titration.ON_HOLD or titration.hold_last_night(versions, first_open_night) is None
    ):
        return None
    after = (*versions, proposed, *kept)
    gap = []
    before_start = (proposed.start_date - proposed.effective_night).days
    for offset in range(min(before_start, PLAN_REACH_NIGHTS)):
        night = proposed.effective_night + timedelta(days=offset)
        if (
            titration.status_on(after, night) == titration.NOT_STARTED
            and titration.status_on(versions, night) != titration.NOT_STARTED
        ):
            gap.append(night)
    return (gap[0], gap[-1], len(gap)) if gap else None


def gap_dosing_time(versions, gap: tuple[date, date, int]) -> str:
    """The dosing time whose words a no-LDN gap is told in: the plan's (``versions``, with
    the change) on the gap's first night. A morning doser's nights are days."""
    return titration.dosing_time_on(versions, gap[0])


def _confirmed_gap(versions, after, change: PlanChange, first_open_night, confirmed) -> str:
    """The nights without LDN this steps change leaves, as stored on its version once
    confirmed; raises NeedsGapConfirmation when there are some and nobody confirmed them.
    ``after``: the change and what it signs again. Told in the dosing time of the gap's own
    nights (gap_dosing_time), not tonight's: with a switch to mornings signed from 8 Dec, a
    gap on 10-11 Dec said "2 nights" on 5 Dec (found by QA)."""
    if change.kind not in (PlanVersion.Kind.CHANGED, PlanVersion.Kind.TEMPLATE):
        return ""
    gap = nights_without_ldn(versions, after[0], first_open_night, after[1:])
    if gap is None:
        return ""
    dosing_time = gap_dosing_time((*versions, *after), gap)
    # The change's first step as the page numbered it (the steps editor's first row).
    step = titration.step_number(change.steps_before, 0)
    if not confirmed:
        raise NeedsGapConfirmation(gap, change.start_date, dosing_time, step)
    return gap_message(gap, change.start_date, dosing_time, step)


def _confirmed_restart(versions, after, change: PlanChange, confirmed: date | None) -> str:
    """The restart a hold with an end makes when signed over a hold until resumed (no
    restart signed), as stored on its version once confirmed; raises
    NeedsRestartConfirmation unless ``confirmed`` names that night. ``after``: the versions
    the change stores (it and what it signs again). The restart is told in the dosing time
    the plan has on the night it restarts on, not tonight's (words_dosing_time): with a
    switch to mornings signed between, it said "the night of" to a morning doser."""
    if change.kind != PlanVersion.Kind.HOLD or change.hold_until is None:
        return ""
    night = change.hold_until + timedelta(days=1)
    if (
        titration.status_on(versions, night) != titration.ON_HOLD
        or titration.hold_last_night(versions, night) is not None
    ):
        return ""  # not held then, or a restart already signed: the end restarts nothing
    held_from = titration.version_in_effect(versions, night).hold_from
    final = (*versions, *after)
    if titration.status_on(final, night) == titration.ON_HOLD:
        # Still held after it (a hold it covered, signed again): LDN restarts after that.
        last = titration.hold_last_night(final, night)
        if last is None:
            return ""
        night = last + timedelta(days=1)
    dosing_time = titration.dosing_time_on(final, night)
    message = restart_message(
        held_from,
        change.hold_until,
        night,
        titration.prescribed_dose(final, night),
        dosing_time,
    )
    if confirmed != night:
        raise NeedsRestartConfirmation(night, message, dosing_time)
    return message


def _replaced_restart(versions, change: PlanChange) -> tuple[date, date, date] | None:
    """The restart of a shorter hold that a new hold covers and goes past, as (that hold's
    first night, its last, its restart night); None when there is none. A hold signed over
    a hold that restarts (its end, or a restart signed) on a night the new hold holds moves
    that restart or, when the new hold is until resumed, drops it: asked, never silent."""
    if change.kind != PlanVersion.Kind.HOLD or change.hold_until is None:
        # A hold until resumed keeps the holds it covers under it (a restart of it signs
        # them again: _holds_signed_again), and acknowledging an urgent report signs one
        # with nobody to tick a box: it is not asked here.
        return None
    first, last = change.hold_from, change.hold_until
    night = first + timedelta(days=1)
    while night <= last:
        if (
            titration.status_on(versions, night) != titration.ON_HOLD
            and titration.status_on(versions, night - timedelta(days=1)) == titration.ON_HOLD
        ):
            held_last = night - timedelta(days=1)
            return titration.hold_to_carry(versions, held_last)[0], held_last, night
        night += timedelta(days=1)
    return None


def _confirmed_replaced_restart(versions, after, change: PlanChange, confirmed: date | None) -> str:
    """What signing a hold with an end over a shorter hold does to that hold's restart (it
    moves to the night after the new hold), as stored on its version once confirmed; raises
    NeedsRestartConfirmation unless ``confirmed`` names the night LDN now restarts on. It
    moved the restart with nothing said (found by an audit)."""
    replaced = _replaced_restart(versions, change)
    if replaced is None:
        return ""
    held_from, held_last, old_night = replaced
    final = (*versions, *after)
    last = titration.hold_last_night(final, change.hold_until)
    if last is None:
        return ""  # held until resumed after it (a hold it keeps): nothing restarts
    night = last + timedelta(days=1)
    message = gettext(
        "This hold covers the hold signed from %(start)s to %(end)s and goes past it: "
        "LDN would no longer restart on %(old)s, but on %(night)s."
    ) % {
        "start": local_date(held_from, "date"),
        "end": local_date(held_last, "date"),
        "old": local_date(old_night, "date"),
        "night": local_date(night, "date"),
    }
    if confirmed != night:
        raise NeedsRestartConfirmation(
            night, message, titration.dosing_time_on(final, night), replaces=True
        )
    return message


def _insert_version(
    prescription, number, author, change: PlanChange, now, confirmed_warning=""
) -> PlanVersion:
    version = PlanVersion.objects.create(
        confirmed_safety_warning=confirmed_warning,
        prescription=prescription,
        number=number,
        kind=change.kind,
        effective_night=change.effective_night,
        start_date=change.start_date,
        dosing_time=change.dosing_time,
        hold_from=change.hold_from,
        hold_until=change.hold_until,
        steps_before=change.steps_before,
        author=author,
        created_at=now,
        reason=change.reason.strip(),
        reason_kind=change.reason_kind,
        patient_note=change.patient_note.strip(),
        template_id=change.template_id,
        applied_suggestion=change.applied_suggestion,
    )
    PlanStep.objects.bulk_create(
        PlanStep(version=version, position=index, dose_mg=step.dose_mg, days=step.days)
        for index, step in enumerate(change.steps)
    )
    return version


def save_version(
    *,
    prescription_id: int,
    author,
    based_on: int,
    change: PlanChange,
    now: datetime,
    confirmed_increase: bool = False,
    confirmed_gap: bool = False,
    confirmed_restart: date | None = None,
    confirmed_start: tuple[date, int] | None = None,
) -> PlanVersion:
    """Save ``change`` as the next version, or raise StalePlan / PlanChangeError.

    ``based_on`` is the number of the newest version the clinician's form was built from.
    A change that crosses a safety threshold raises NeedsConfirmation unless
    ``confirmed_increase``, one that leaves nights without LDN before its first step
    NeedsGapConfirmation unless ``confirmed_gap``, a hold with an end that ends a hold until
    resumed (LDN restarts after it) NeedsRestartConfirmation unless ``confirmed_restart``
    is the night it restarts on, a steps change that puts the patient on a later step on
    its first dosing night (skipped_steps) NeedsStartConfirmation unless ``confirmed_start``
    is the (date, step) its box carries; once confirmed, the version records what was
    confirmed.
    """
    with transaction.atomic():
        prescription = (
            Prescription.objects.select_for_update()
            .select_related("patient")
            .get(pk=prescription_id)
        )
        view = plans.load(prescription.patient)
        if view.prescription is None or view.prescription.pk != prescription.pk:
            raise PlanChangeError(gettext("This prescription has ended; start a new prescription."))
        latest_number = view.latest_row.number
        if latest_number != based_on:
            raise StalePlan()
        if view.has_ended:
            raise PlanChangeError(gettext("This prescription has ended; start a new prescription."))
        _check(prescription, change, now, view, steps_dosing_time=view.latest.dosing_time)
        # A signed version that changes no night still showed the patient a change and
        # reset what reads the versions (the next change, suggestions, attention).
        proposed = _as_plain(change, latest_number + 1, view.newest_versions)
        tonight = view.tonight(prescription.patient.tz, now)
        words = words_dosing_time(view, tonight)
        if titration.changes_nothing(view.versions, proposed):
            raise PlanChangeError(_nothing_to_sign(change, words))
        _check_keeps_signed_switch(view.versions, proposed, change)
        kept = _signed_again(view, proposed, change)
        after = (proposed, *(plain for _copy, plain in kept))
        _check_keeps_later_changes(view.versions, (*view.versions, *after), change)
        _check_no_gap_after_hold(view.versions, after, change)
        # An unconfirmed gap is asked with the increase, in one refusal: not one after the
        # other (_confirmed_start_and_increase).
        try:
            gap, gap_asked = (
                _confirmed_gap(view.versions, after, change, tonight, confirmed_gap),
                None,
            )
        except NeedsGapConfirmation as error:
            gap, gap_asked = "", error
        # An unconfirmed restart too: asked with the increase (a hold's two boxes).
        try:
            restart, restart_asked = (
                _confirmed_restart(view.versions, after, change, confirmed_restart)
                or _confirmed_replaced_restart(view.versions, after, change, confirmed_restart),
                None,
            )
        except NeedsRestartConfirmation as error:
            restart, restart_asked = "", error
        confirmed, moved = _confirmed_start_and_increase(
            lambda: _confirmed_warning(
                view.newest_versions, latest_number + 1, change, confirmed_increase, after[1:]
            ),
            skipped_steps(
                view.versions,
                after,
                change,
                now.astimezone(prescription.patient.tz).date(),
                words,
            ),
            confirmed_start,
            gap_asked or restart_asked,
        )
        confirmed = " ".join(filter(None, (confirmed, gap, restart, moved)))
        version = _insert_version(prescription, latest_number + 1, author, change, now, confirmed)
        version.cancelled_hold = _cancelled_hold(view.versions, (*view.versions, *after), change)

        # A switch of dosing time signed again is named as one: a dosing-time version signed
        # again from a night the plan as signed switches on (_switches_kept, or the plan
        # kept after a new dated hold from a switch's own night); the plan kept from the
        # night after a hold is named as the plan, whatever its kind.
        def switches(copy: PlanChange) -> bool:
            night = copy.effective_night
            return copy.kind == PlanVersion.Kind.DOSING_TIME and titration.dosing_time_on(
                view.versions, night
            ) != titration.dosing_time_on(view.versions, night - timedelta(days=1))

        version.kept_holds = [
            KeptHold(
                copy.effective_night if copy.kind != PlanVersion.Kind.HOLD else copy.hold_from,
                copy.hold_until,
                _insert_version(prescription, plain.number, author, copy, now).number,
                hold=copy.kind == PlanVersion.Kind.HOLD,
                switch_to=copy.dosing_time if switches(copy) else "",
            )
            for copy, plain in kept
        ]
        return version


def _cancelled_hold(versions, final, change: PlanChange) -> tuple[date, date | None] | None:
    """The hold a restart signed on its first night cancels, as (first night, last night;
    None: it was until resumed), for the clinician's confirmation; None for any other change.
    Its last night is the last of the nights from its first that were on hold and are not
    now: a hold right after it, kept (signed again), is not part of it."""
    first = change.effective_night
    if (
        change.kind != PlanVersion.Kind.RESUME
        or change.hold_from is not None
        or titration.status_on(versions, first) != titration.ON_HOLD
    ):
        return None
    holder = titration.version_in_effect(versions, first)
    before = first - timedelta(days=1)
    if titration.status_on(versions, before) == titration.ON_HOLD and holder.hold_from != first:
        return None  # begun before: an early restart, not a cancellation
    horizon = _horizon(versions, first)
    last = first
    for night in _nights(first + timedelta(days=1), horizon):
        if (
            titration.status_on(versions, night) != titration.ON_HOLD
            or titration.status_on(final, night) == titration.ON_HOLD
        ):
            return first, last
        last = night
    return first, None


def cancelled_hold_message(cancelled: tuple[date, date | None]) -> str:
    """What the clinician is told of the hold their restart on its first night cancelled."""
    first, last = cancelled
    if last is None:
        message = gettext("The hold from %(start)s until resumed is cancelled.")
    else:
        message = gettext("The hold from %(start)s to %(end)s is cancelled.")
    return message % {
        "start": local_date(first, "date"),
        "end": local_date(last, "date") if last else "",
    }


def resumed_hold_message(restart: date, hold: tuple[date, date | None]) -> str:
    """Which signed hold a restart on ``restart`` ends, for the Resume page
    (titration.resumed_hold): with two holds back to back (10-12 and 13-15 Dec) the page
    offered "Resume" and a night and did not say which hold it ends; a restart on the 13th
    cancels the second, one on the 12th ends the first and keeps the second."""
    first, last = hold
    values = {
        "night": local_date(restart, "date"),
        "start": local_date(first, "date"),
        "end": local_date(last, "date") if last else "",
        "eve": local_date(restart - timedelta(days=1), "date"),
    }
    if restart == first:
        message = (
            gettext("A restart on %(night)s cancels the hold from %(start)s until resumed.")
            if last is None
            else gettext("A restart on %(night)s cancels the hold from %(start)s to %(end)s.")
        )
    elif last is None:
        message = gettext("A restart on %(night)s ends the hold from %(start)s until resumed.")
    elif restart > last + timedelta(days=1):
        message = gettext(
            "A restart on %(night)s keeps the hold from %(start)s to %(end)s on until %(eve)s."
        )
    else:
        message = gettext("A restart on %(night)s ends the hold from %(start)s to %(end)s.")
    return message % values


def pending_switch_on_hold_message(
    view: plans.PlanView, switch: titration.NextChange | None, night: date
) -> str:
    """What the Hold page says, before signing, of a switch of dosing time signed for a
    night after ``night`` (PlanView.next_dosing_time_switch; "" with none): a hold keeps it
    (_switches_kept). A hold until resumed cancelled it, unsaid (found by QA). With more
    than one signed ahead, the rule for each run of nights, as the Resume page says it
    (restart_dosing_message): naming the next alone, it promised mornings to a restart
    after the switch back to evenings."""
    if switch is None:
        return ""
    if len(view.dosing_times_from(night)) > 2:
        return " ".join(
            (
                gettext(
                    "Switches of dosing time are signed for later nights, and a hold keeps "
                    "them signed."
                ),
                restart_dosing_message(view, night),
            )
        )
    if switch.position.dosing_time == titration.MORNING:
        message = gettext(
            "A switch to morning dosing is signed from %(night)s. A hold keeps it signed: "
            "a restart on %(night)s or later restarts on morning dosing; a restart before "
            "then restarts on evening dosing, and morning dosing begins on %(night)s."
        )
    else:
        message = gettext(
            "A switch to evening dosing is signed from %(night)s. A hold keeps it signed: "
            "a restart on %(night)s or later restarts on evening dosing; a restart before "
            "then restarts on morning dosing, and evening dosing begins on %(night)s."
        )
    return message % {"night": local_date(switch.night, "date")}


def restart_dosing_message(view: plans.PlanView, first: date) -> str:
    """The dosing time a restart comes back on, for the Resume page, true for any restart
    night from ``first`` (the earliest it can be) on: the plan's on that night (as
    resume_change signs it: each switch signed for a later night still begins on its own
    night, _switches_kept), for each run of one dosing time (PlanView.dosing_times_from).
    It named the form's default restart night only, then the next switch only: with
    mornings signed from 10 Dec and evenings again from 20 Dec, a restart on 22 Dec read
    "restarts on morning dosing" (found by review)."""
    runs = view.dosing_times_from(first)
    if len(runs) == 1:
        return (
            gettext("The plan restarts on morning dosing.")
            if runs[0][1] == titration.MORNING
            else gettext("The plan restarts on evening dosing.")
        )
    if len(runs) == 2:
        switch, dosing_time = runs[1]
        message = (
            gettext(
                "A restart before %(switch)s restarts on evening dosing (morning dosing begins "
                "on %(switch)s); a restart on or after it restarts on morning dosing."
            )
            if dosing_time == titration.MORNING
            else gettext(
                "A restart before %(switch)s restarts on morning dosing (evening dosing begins "
                "on %(switch)s); a restart on or after it restarts on evening dosing."
            )
        )
        return message % {"switch": local_date(switch, "date")}
    parts = [
        (
            gettext("A restart before %(next)s restarts on morning dosing")
            if runs[0][1] == titration.MORNING
            else gettext("A restart before %(next)s restarts on evening dosing")
        )
        % {"next": local_date(runs[1][0], "date")}
    ]
    for (start, dosing_time), (after, _next) in pairwise(runs[1:]):
        parts.append(
            (
                gettext("a restart from %(start)s to %(end)s restarts on morning dosing")
                if dosing_time == titration.MORNING
                else gettext("a restart from %(start)s to %(end)s restarts on evening dosing")
            )
            % {
                "start": local_date(start, "date"),
                "end": local_date(after - timedelta(days=1), "date"),
            }
        )
    parts.append(
        (
            gettext("a restart on or after %(start)s restarts on morning dosing.")
            if runs[-1][1] == titration.MORNING
            else gettext("a restart on or after %(start)s restarts on evening dosing.")
        )
        % {"start": local_date(runs[-1][0], "date")}
    )
    # One sentence, its parts in the order of the nights they name.
    return "; ".join(parts)


@dataclass(frozen=True)
class KeptHold:
    """A hold signed before a change that would have lifted it, signed again after it."""

    first: date
    last: date | None  # None: until resumed
    number: int  # the version it was signed again as
    # False: not a hold but the plan signed from ``first`` on, kept after a new hold
    # (_plan_kept_after_hold).
    hold: bool = True
    # Not a hold but a switch to this dosing time signed from ``first`` (_switches_kept).
    switch_to: str = ""


def kept_hold_message(kept: KeptHold) -> str:
    """What the clinician is told of a hold their change kept (signed again after it)."""
    if kept.switch_to == titration.MORNING:
        message = gettext(
            "The switch to morning dosing signed from %(start)s is kept: signed again as "
            "version %(number)s."
        )
    elif kept.switch_to:
        message = gettext(
            "The switch to evening dosing signed from %(start)s is kept: signed again as "
            "version %(number)s."
        )
    elif not kept.hold:
        message = gettext(
            "The plan signed from %(start)s is kept after the hold: signed again as "
            "version %(number)s."
        )
    elif kept.last is None:
        message = gettext(
            "The hold from %(start)s until resumed signed before is kept: signed again as "
            "version %(number)s."
        )
    else:
        message = gettext(
            "The hold from %(start)s to %(end)s signed before is kept: signed again as "
            "version %(number)s."
        )
    return message % {
        "start": local_date(kept.first, "date"),
        "end": local_date(kept.last, "date") if kept.last else "",
        "number": kept.number,
    }


def _held_runs(versions, first: date, last: date) -> list[tuple[date, date | None]]:
    """The runs of nights on hold under ``versions`` from ``first`` to ``last``, as (first
    night, last night) pairs; a run still on hold on ``last`` has None (it runs on)."""
    runs, start, night = [], None, first
    while night <= last:
        held = titration.status_on(versions, night) == titration.ON_HOLD
        if held and start is None:
            start = night
        elif not held and start is not None:
            runs.append((start, night - timedelta(days=1)))
            start = None
        night += timedelta(days=1)
    if start is not None:
        runs.append((start, None))
    return runs


def _meant_to_lift(change: PlanChange, run: tuple[date, date | None]) -> bool:
    """Whether ``change`` sets out to lift the held ``run``: a hold signed over it (new
    dates for a hold), or a restart of it (the hold it resumes or cancels begins on or before
    the restart). Steps, a template and a switch of dosing time lift no hold."""
    first, _last = run
    if change.kind == PlanVersion.Kind.HOLD:
        return change.hold_until is None or first <= change.hold_until
    if change.kind == PlanVersion.Kind.RESUME:
        return first <= change.effective_night
    return False


def _signed_again(
    view: plans.PlanView, proposed: titration.PlainVersion, change: PlanChange
) -> list[tuple[PlanChange, titration.PlainVersion]]:
    """What ``change`` must sign again after it to keep what it does not set out to change:
    around a new hold with an end, the plan after it (_plan_kept_after_hold); else the
    switches of dosing time signed for later nights (_switches_kept), then the holds signed
    for later nights (_holds_signed_again), built on them."""
    switches = _switches_kept(view, proposed, change)
    if _is_new_dated_hold(view.versions, change):
        # A switch inside the hold keeps its own night (held nights on its dosing time, as
        # under a hold until resumed): the plan kept after the hold was signed again from
        # the night after it alone, so a restart between the switch's night and the hold's
        # end restarted on the old dosing time (found by QA).
        inside = [
            (copy, plain) for copy, plain in switches if copy.effective_night <= change.hold_until
        ]
        return inside + _plan_kept_after_hold(
            view, proposed, change, chain=tuple(plain for _copy, plain in inside)
        )
    return switches + _holds_signed_again(
        view, proposed, change, chain=tuple(plain for _copy, plain in switches)
    )


def _switches_kept(
    view: plans.PlanView, proposed: titration.PlainVersion, change: PlanChange
) -> list[tuple[PlanChange, titration.PlainVersion]]:
    """The switches of dosing time signed for nights after a hold's or a restart's first
    night, signed again after it: ``change`` itself, asking the switch's dosing time from
    the switch's own night, with the switch's reason and note (its hold carried on).

    A version governs every night from its first (the highest number wins), with one dosing
    time. A hold until resumed signed from 5 Dec under a switch to morning dosing signed
    from 10 Dec took the evening dosing of 5 Dec to every night after it: the switch
    vanished, and the plan resumed on evening dosing with nothing said (found by QA). A
    clinician's signed switch is not lifted by a hold; a restart before it resumes on the
    dosing time of its night and the switch still begins on its own night. A new hold with
    an end keeps the plan after it another way (_plan_kept_after_hold); a steps change or a
    switch starting before a signed switch is refused (_check_keeps_signed_switch,
    _check_keeps_later_changes)."""
    if change.kind not in (PlanVersion.Kind.HOLD, PlanVersion.Kind.RESUME):
        return []
    versions = view.versions
    first = change.effective_night
    starts = sorted(
        {
            version.effective_night
            for version in versions
            if version.effective_night > first
            and titration.dosing_time_on(versions, version.effective_night)
            != titration.dosing_time_on(versions, version.effective_night - timedelta(days=1))
        }
    )
    chain, kept = [proposed], []
    for night in starts:
        signed = titration.dosing_time_on(versions, night)
        if titration.dosing_time_on((*versions, *chain), night) == signed:
            continue
        row = _row_of(view, titration.version_in_effect(versions, night))
        copy = replace(
            change,
            kind=PlanVersion.Kind.DOSING_TIME,
            effective_night=night,
            dosing_time=signed,
            reason=row.reason if row is not None else change.reason,
            patient_note=row.patient_note if row is not None else "",
            reason_kind="",
            template_id=None,
            applied_suggestion="",
        )
        plain = _as_plain(copy, chain[-1].number + 1, view.newest_versions)
        chain.append(plain)
        kept.append((copy, plain))
    return kept


def _horizon(versions, first: date) -> date:
    """The night after the last date any version names (and ``first``): from there on,
    every version in effect carries on as it is."""
    dates = [first]
    for version in versions:
        dates += [
            d
            for d in (
                version.effective_night,
                version.start_date,
                version.hold_from,
                version.hold_until,
            )
            if d
        ]
    return max(dates) + timedelta(days=1)


def _holds_any(versions, first: date, last: date) -> bool:
    return any(
        titration.status_on(versions, night) == titration.ON_HOLD for night in _nights(first, last)
    )


def _is_new_dated_hold(versions, change: PlanChange) -> bool:
    """A hold with an end over nights no hold covers yet (not new dates for a hold)."""
    return (
        change.kind == PlanVersion.Kind.HOLD
        and change.hold_until is not None
        and not _holds_any(versions, change.hold_from, change.hold_until)
    )


def _plan_kept_after_hold(
    view: plans.PlanView,
    proposed: titration.PlainVersion,
    change: PlanChange,
    chain: tuple[titration.PlainVersion, ...] = (),
) -> list[tuple[PlanChange, titration.PlainVersion]]:
    """A new hold with an end changes only the nights it holds. Built from the newest
    version, it governed every night after it too: with a steps change signed from 20 Dec
    (3 mg) it took that version's steps, so 17-19 Dec after a hold for 15-16 Dec had no dose
    and the save was refused, saying a restart was signed (there was none) and telling the
    clinician to hold until the 19th; a hold signed for later nights was lifted. Each part of
    the plan after the hold that it would change is signed again after it, as it was signed
    (its steps, dosing time, hold, reason and note), from the night after the hold or its
    own first night. Checked before anything is stored: the plan is the same on every night
    outside the hold."""
    versions = view.versions
    after_hold = change.hold_until + timedelta(days=1)
    last = _horizon(versions, after_hold)
    segments = []  # (first night, the version in effect from it), in the plan as signed
    for night in _nights(after_hold, last):
        governing = titration.version_in_effect(versions, night)
        if not segments or segments[-1][1] is not governing:
            segments.append((night, governing))
    # ``chain``: what is signed after the hold before it (a switch kept inside it).
    chain, kept = [proposed, *chain], []
    ends = [start - timedelta(days=1) for start, _version in segments[1:]] + [last]
    for (start, governing), end in zip(segments, ends, strict=True):
        current = (*versions, *chain)
        if governing is None or all(
            _asked(current, night) == _asked(versions, night) for night in _nights(start, end)
        ):
            continue
        row = _row_of(view, governing)
        copy = PlanChange(
            kind=row.kind if row is not None else PlanVersion.Kind.CHANGED,
            effective_night=start,
            start_date=governing.start_date,
            steps=governing.steps,
            steps_before=governing.steps_before,
            reason=row.reason if row is not None else "",
            patient_note=row.patient_note if row is not None else "",
            reason_kind=row.reason_kind if row is not None else "",
            dosing_time=governing.dosing_time,
            hold_from=governing.hold_from,
            hold_until=governing.hold_until,
        )
        plain = _as_plain(copy, chain[-1].number + 1, view.newest_versions)
        chain.append(plain)
        kept.append((copy, plain))
    _check_keeps_plan(versions, (*versions, *chain), change, last)
    return kept


def _check_keeps_plan(versions, final, change: PlanChange, last: date) -> None:
    """The plan to be stored holds the new hold's nights and is the plan as signed
    (``versions``) on every night after it: refused otherwise."""
    after_hold = change.hold_until + timedelta(days=1)
    if (
        not _all_held(final, change.hold_from, change.hold_until)
        or _first_night_changed(versions, final, after_hold, last) is not None
    ):
        raise PlanChangeError(_keeps_plan_message(after_hold))


def _keeps_plan_message(night: date) -> str:
    return gettext(
        "This hold cannot keep the plan signed from %(night)s as it is. Nothing was saved. "
        "Change the plan after the hold first, or give the hold other dates."
    ) % {"night": local_date(night, "date")}


def _holds_signed_again(
    view: plans.PlanView,
    proposed: titration.PlainVersion,
    change: PlanChange,
    chain: tuple[titration.PlainVersion, ...] = (),
) -> list[tuple[PlanChange, titration.PlainVersion]]:
    """The holds signed before ``change`` that it would lift and does not set out to, each
    as the hold change that signs it again after it (with its own dates, reason and note).

    A new version governs every night from its first (the highest number wins), and a version
    holds one hold. So a hold signed for 15-16 Dec while one for 20-22 Dec was signed lifted
    the later one, and a steps change from 4 Dec kept the first hold to come (it carries one)
    and lifted the others, with nothing said: a surgery hold gone, the patient told to take
    LDN. Each is now signed again, in the same transaction, as the next version; the nights
    outside it stay exactly as ``change`` makes them. A hold that ends in a signed restart
    cannot be signed again as it was (a hold version restarts where its steps are, not at
    the restart's step): the change is refused, naming it. An ending lifts every hold.

    A hold the change sets out to lift is set aside with the holds it covered: restarting a
    hold signed until resumed (as acknowledging an urgent report signs it), or giving it an
    end, keeps a surgery hold signed for later nights that it covered."""
    if change.kind == PlanVersion.Kind.ENDED:
        return []
    versions = view.versions
    first = change.effective_night
    last = _horizon(versions, first)
    # ``chain``: what is signed after ``proposed`` before the holds (_switches_kept).
    after = (*versions, proposed, *chain)
    # The holds the change sets out to lift go, with what they covered: a hold signed until
    # resumed covers a surgery hold signed for later; restarting it must not lift that too.
    replaced = [
        holder
        for run in _signed_holds(versions, first, last)
        if _meant_to_lift(change, run)
        and (holder := titration.version_in_effect(versions, run[0])) is not None
        and holder.hold_from == holder.effective_night
    ]
    rest = tuple(v for v in versions if not any(v is r for r in replaced))
    # A steps change or a switch signed during that hold carries it on from its own first
    # night (hold_from before it): the same hold, not one signed for later. Restarting an
    # urgent hold before steps signed for its restart was refused, naming a hold 'from
    # 10 Dec until resumed' that nobody signed. Set aside too, with what they covered.
    meant = [run for run in _signed_holds(versions, first, last) if _meant_to_lift(change, run)]
    while carriers := [
        holder
        for run in _signed_holds(rest, first, last)
        if not _meant_to_lift(change, run)
        and any(start <= run[0] and (end is None or run[0] <= end) for start, end in meant)
        and (holder := titration.version_in_effect(rest, run[0])) is not None
        and holder.hold_from is not None
        and holder.hold_from < holder.effective_night
    ]:
        replaced += carriers
        rest = tuple(v for v in versions if not any(v is r for r in replaced))
    lost = [
        run
        for run in _signed_holds(rest, first, last)
        if not _meant_to_lift(change, run)
        and any(
            titration.status_on(after, night) != titration.ON_HOLD
            for night in _nights(run[0], run[1] or last)
        )
    ]
    kept, newest = [], (chain[-1] if chain else proposed)
    for start, end in lost:
        holder = titration.version_in_effect(rest, start)
        if holder is not titration.version_in_effect(rest, end or last) or (
            holder.hold_until != end
        ):
            raise PlanChangeError(_lifts_hold_message(start, end, why=_RESTART_SIGNED))
        row = view.signed_hold_row(holder)
        hold = hold_change(
            newest,
            hold_from=start,
            hold_until=end,
            reason=row.reason if row is not None else "",
            patient_note=row.patient_note if row is not None else "",
            reason_kind=row.reason_kind if row is not None else "",
        )
        # The dosing time the plan has on its first night (with a switch signed again
        # before it, in ``chain``, not the newest's: that one begins later, or earlier).
        hold = replace(hold, dosing_time=titration.dosing_time_on(after, start))
        newest = _as_plain(hold, newest.number + 1, view.newest_versions)
        kept.append((hold, newest))
    _check_signed_again(after, (*after, *(plain for _hold, plain in kept)), lost, last)
    return kept


def _signed_holds(versions, first: date, last: date) -> list[tuple[date, date | None]]:
    """The held nights from ``first`` to ``last`` (_held_runs), one part per signed hold
    (_by_hold): what a change sets out to lift or keeps is a hold as it was signed. Read as
    runs, new dates for the first of two holds back to back (10-12 and 13-15 Dec: one run)
    or a restart during it lifted the second with it, with nothing said."""
    return [
        part for run in _held_runs(versions, first, last) for part in _by_hold(versions, run, last)
    ]


def _by_hold(versions, run: tuple[date, date | None], last: date) -> list:
    """A held ``run`` split into the holds that hold it, one part per signed hold (by its
    first night): two holds back to back (20-22 and 23-25 Dec) are one run of held nights,
    and signed again as one they were refused, blaming a restart nobody signed."""
    start, end = run
    parts, first, begun = [], start, None
    for night in _nights(start, end or last):
        holder = titration.version_in_effect(versions, night)
        began = holder.hold_from if holder is not None else None
        if begun is not None and began != begun and began == night:
            parts.append((first, night - timedelta(days=1)))
            first = night
        begun = began
    parts.append((first, end))
    return parts


def _row_of(view: plans.PlanView, version: titration.PlainVersion):
    """The signed row of one of the view's plain versions (None when it carries no rows)."""
    if len(view.history) != len(view.versions):
        return None
    index = next(i for i, v in enumerate(view.versions) if v is version)
    return view.history[index]


def _nights(first: date, last: date):
    night = first
    while night <= last:
        yield night
        night += timedelta(days=1)


def _check_signed_again(after, final, lost, last: date) -> None:
    """The plan with the holds signed again holds every night of each lost hold and is
    the changed plan (``after``) on every other night: refused otherwise, saying which (no
    restart is involved here, so the refusal does not say one is signed)."""
    for start, end in lost:
        if not _all_held(final, start, end or last):
            raise PlanChangeError(_lifts_hold_message(start, end, why=_NOT_ALL_HELD))
    held = {night for start, end in lost for night in _nights(start, end or last)}
    first = min((start for start, _end in lost), default=None)
    changed = (
        None
        if first is None
        else _first_night_changed(after, final, first, last, skip=held.__contains__)
    )
    if changed is not None:
        # Named: the hold signed again that governs the night that differs (the last to
        # start before it), not the first kept hold, which may be as it should be.
        governing = max((run for run in lost if run[0] <= changed), key=lambda run: run[0])
        raise PlanChangeError(_lifts_hold_message(*governing, why=changed))


def _all_held(final, first: date, last: date) -> bool:
    return all(
        titration.status_on(final, night) == titration.ON_HOLD for night in _nights(first, last)
    )


def _first_night_changed(
    signed, final, first: date, last: date, *, part=lambda asked: asked, skip=None
) -> date | None:
    """THE final check of a change that keeps what it does not set out to change: the first
    night from ``first`` until a year after ``last`` (the plan's horizon) on which ``final``
    asks otherwise than ``signed`` (``part`` of what it asks; ``skip``: nights not compared),
    or None."""
    for night in _nights(first, last + timedelta(days=PLAN_REACH_NIGHTS)):
        if skip is not None and skip(night):
            continue
        if part(_asked(final, night)) != part(_asked(signed, night)):
            return night
    return None


def _asked(versions, night: date) -> tuple:
    """What the plan asks on ``night``: its state, dose, dosing time and place in the steps
    (not which version says so, nor that version's own hold)."""
    position = titration.current_step(versions, night)
    return (
        position.status,
        position.dose_mg,
        position.dosing_time,
        position.step_index,
        position.day_in_step,
    )


def _check_keeps_later_changes(versions, final, change: PlanChange) -> None:
    """A dated hold changes no night after it that was not on hold, a switch of dosing time
    no night's dose or step, a restart no night's dosing time: refused otherwise, naming
    the later change.

    Both are built from the newest version and govern every night from their first (the
    highest number wins). So with a switch to morning dosing signed from 25 Dec, a hold for
    15-16 Dec carried the mornings to 17 Dec; with a steps change signed for later nights,
    the hold (or a switch of dosing time signed before it) brought its doses forward, with no
    increase confirmed and nothing said (found by review of the kept holds)."""
    if change.kind not in _KEPT_BY_LATER_NIGHTS or _is_new_dated_hold(versions, change):
        return  # a new hold with an end: _check_keeps_plan compares every night after it
    part = _KEPT_BY_LATER_NIGHTS[change.kind]
    if change.kind == PlanVersion.Kind.HOLD:
        if change.hold_until is None:
            return
        first = change.hold_until + timedelta(days=1)

        def skip(night):
            return titration.ON_HOLD in (
                titration.status_on(versions, night),
                titration.status_on(final, night),
            )

    else:
        first, skip = change.effective_night, None
    night = _first_night_changed(
        versions, final, first, _horizon(versions, first), part=part, skip=skip
    )
    if night is None:
        return
    later = sorted(
        v.effective_night
        for v in versions
        if v.effective_night > change.effective_night
        and not (v.hold_from is not None and v.hold_from == v.effective_night)
    )
    signed = later[0] if later else night
    raise PlanChangeError(
        gettext(
            "A change to the plan is signed from %(night)s, and this change, which "
            "starts before it, would undo it or bring it forward. Nothing was saved. "
            "Start this change on %(night)s or later, or change the plan signed from "
            "%(night)s first."
        )
        % {"night": local_date(signed, "date")}
    )


# What a change must keep on the nights after it that it does not set out to change, as a
# part of _asked (status, dose, dosing time, step, day in step): a dated hold (after its
# end, on nights on hold neither before nor after) all of it; a switch of dosing time the
# dose and step; a restart the dosing time (it brought a switch signed for later forward).
_KEPT_BY_LATER_NIGHTS = {
    PlanVersion.Kind.HOLD: lambda asked: asked,
    PlanVersion.Kind.DOSING_TIME: lambda asked: (asked[0], asked[1], asked[3], asked[4]),
    PlanVersion.Kind.RESUME: lambda asked: asked[2],
}


# Why a dated hold a change would lift cannot be signed again as it was
# (_lifts_hold_message's ``why``; a date instead: the night the plan would differ on).
_RESTART_SIGNED = "restart signed"  # a restart is signed after it (_signed_again)
_NOT_ALL_HELD = "not all held"  # signed again, some of its nights would not be held


def _lifts_hold_message(start: date, end: date | None, *, why) -> str:
    """The refusal of a change that would lift the hold from ``start`` to ``end`` (None:
    until resumed), saying why it cannot be kept (``why``): a restart signed after it
    (_RESTART_SIGNED), or, from the final check (_check_signed_again), signed again it
    would not hold all its nights (_NOT_ALL_HELD) or the plan would differ on the night
    ``why`` names. It said "a restart is signed after it" in every case."""
    night = why if isinstance(why, date) else None
    if end is None:
        message = gettext(
            "This change would lift the hold signed from %(start)s until resumed, and cannot "
            "keep it. Nothing was saved. Start this change after the hold, or change the "
            "hold first."
        )
    elif why == _RESTART_SIGNED:
        message = gettext(
            "This change would lift the hold signed from %(start)s to %(end)s, and cannot "
            "keep it as it is (a restart is signed after it). Nothing was saved. Start this "
            "change on %(after)s or later, or change the hold first."
        )
    elif night is not None:
        message = gettext(
            "This change would lift the hold signed from %(start)s to %(end)s, and signing "
            "that hold again after this change would change the plan on %(night)s. Nothing "
            "was saved. Start this change on %(after)s or later, or change the hold first."
        )
    else:
        message = gettext(
            "This change would lift the hold signed from %(start)s to %(end)s, and signing "
            "that hold again after this change would not keep all its nights on hold. "
            "Nothing was saved. Start this change on %(after)s or later, or change the hold "
            "first."
        )
    return message % {
        "start": local_date(start, "date"),
        "end": local_date(end, "date") if end else "",
        "after": local_date(end + timedelta(days=1), "date") if end else "",
        "night": local_date(night, "date") if night else "",
    }


def _check_keeps_signed_switch(versions, proposed, change: PlanChange) -> None:
    """A steps change never changes a night's dosing time. One that starts before a switch
    of dosing time signed for a later night would replace it (the newer version wins from
    its first night on): the nights from the switch went back to the old dosing time, or
    the switch started on the change's first night, with nothing said. Refused, naming the
    switch and the ways to keep it."""
    if change.kind not in (PlanVersion.Kind.CHANGED, PlanVersion.Kind.TEMPLATE):
        return
    first = change.effective_night
    later = sorted({v.effective_night for v in versions if v.effective_night > first})
    both = (*versions, proposed)
    if all(
        titration.dosing_time_on(both, night) == titration.dosing_time_on(versions, night)
        for night in (first, *later)
    ):
        return
    starting = titration.dosing_time_on(versions, first)
    night, signed = next(
        (
            (night, titration.dosing_time_on(versions, night))
            for night in later
            if titration.dosing_time_on(versions, night) != starting
        ),
        (first, starting),
    )
    message = (
        gettext(
            "A switch to morning dosing is signed from %(night)s, and a steps change that "
            "starts before it would undo it. Start this change on %(night)s or later; or "
            "switch back to evening dosing from %(night)s first, sign this change, and "
            "then sign the switch to mornings again. Nothing was saved."
        )
        if signed == titration.MORNING
        else gettext(
            "A switch to evening dosing is signed from %(night)s, and a steps change that "
            "starts before it would undo it. Start this change on %(night)s or later; or "
            "switch back to morning dosing from %(night)s first, sign this change, and "
            "then sign the switch to evenings again. Nothing was saved."
        )
    )
    raise PlanChangeError(message % {"night": local_date(night, "date")})


def _check_no_gap_after_hold(versions, proposed, change: PlanChange) -> None:
    """A dated hold must not end before the restart already signed: the nights between would
    be neither on hold nor prescribed ("no dose" as the next change). Signed over an
    open-ended hold whose restart is set for the 9th, a hold to the 4th left the 5th to the
    8th with nothing (found by exploratory testing). A morning doser's are days: told in the
    dosing time of the gap's own nights (gap_dosing_time), not tonight's. With a switch to
    mornings signed from 10 Dec, a gap on 12-14 Dec said "the nights between" on 2 Dec."""
    if change.kind != PlanVersion.Kind.HOLD or change.hold_until is None:
        return
    after = (*versions, *proposed)
    night = change.hold_until + timedelta(days=1)
    gap = []
    while titration.status_on(after, night) == titration.NOT_STARTED and len(gap) < 366:
        if titration.status_on(versions, night) == titration.NOT_STARTED:
            break  # no gap made by this hold: the plan had not started there before either
        gap.append(night)
        night += timedelta(days=1)
    if not gap:
        return
    dosing_time = gap_dosing_time(after, (gap[0], gap[-1], len(gap)))
    if titration.status_on(versions, night) == titration.ON_HOLD:
        # No restart is signed there: a steps change signed for that night carries the hold
        # until resumed on (its steps, which the hold took, begin then). It said "the
        # restart signed for the plan", and there was none.
        message = (
            gettext(
                "This hold would end on %(until)s, but no restart is signed: the steps "
                "signed from %(restart)s would begin only then, and the days between would "
                "have no dose and no hold. To restart LDN after this hold, use Resume with "
                "the day of %(after)s; or end the hold on %(last)s."
            )
            if dosing_time == titration.MORNING
            else gettext(
                "This hold would end on %(until)s, but no restart is signed: the steps "
                "signed from %(restart)s would begin only then, and the nights between "
                "would have no dose and no hold. To restart LDN after this hold, use Resume "
                "with the night of %(after)s; or end the hold on %(last)s."
            )
        )
    else:
        message = (
            gettext(
                "This hold would end on %(until)s, but the restart signed for the plan "
                "begins on %(restart)s: the days between would have no dose and no hold. "
                "End the hold on %(last)s, or sign the restart again after the hold."
            )
            if dosing_time == titration.MORNING
            else gettext(
                "This hold would end on %(until)s, but the restart signed for the plan "
                "begins on %(restart)s: the nights between would have no dose and no hold. "
                "End the hold on %(last)s, or sign the restart again after the hold."
            )
        )
    raise PlanChangeError(
        message
        % {
            "until": local_date(change.hold_until, "date"),
            "restart": local_date(gap[-1] + timedelta(days=1), "date"),
            "last": local_date(gap[-1], "date"),
            "after": local_date(gap[0], "date"),
        }
    )


def create_prescription(
    *,
    patient_id: int,
    prescriber,
    prescription: Prescription,
    change: PlanChange,
    now: datetime,
    confirmed_increase: bool = False,
    confirmed_start: tuple[date, int] | None = None,
) -> Prescription:
    """Save a patient's first (or next, after the last one ended) prescription and version 1.

    ``prescription`` is an unsaved instance carrying the formulation fields. The patient row
    is locked so two clinicians creating a prescription at once end with one. A plan whose
    first night is past its step 1 (skipped_steps) raises NeedsStartConfirmation unless
    ``confirmed_start`` is the (start date, step) its box carries; the version records what
    was confirmed.
    """
    with transaction.atomic():
        patient = Patient.objects.select_for_update().get(pk=patient_id)
        view = plans.load(patient)
        if view.open_prescription is not None:
            raise StalePlan(
                gettext(
                    "This patient already has a prescription (another clinician may just have "
                    "created it): nothing was saved. Change its plan instead."
                )
            )
        prescription.patient = patient
        prescription.prescriber = prescriber
        prescription.created_at = now
        prescription.start_date = change.start_date
        change = replace(change, kind=PlanVersion.Kind.CREATED)
        # A step's length said as the page's editor counts it: in the dosing time chosen.
        _check(prescription, change, now, view, steps_dosing_time=change.dosing_time)
        proposed = replace(
            _as_plain(change, 1, ()),
            prescription_index=(view.versions[-1].prescription_index + 1) if view.versions else 0,
        )
        confirmed, started = _confirmed_start_and_increase(
            lambda: _confirmed_warning((), 1, change, confirmed_increase),
            skipped_steps(
                view.versions,
                (proposed,),
                change,
                now.astimezone(patient.tz).date(),
                change.dosing_time,
            ),
            confirmed_start,
        )
        confirmed = " ".join(filter(None, (confirmed, started)))
        prescription.save()
        _insert_version(prescription, 1, prescriber, change, now, confirmed)
        return prescription


@dataclass(frozen=True)
class SkippedSteps:
    """What skipped_steps asks: the message, the box's value (``box``: the date and the step
    it confirms), its words (``label``, given both) and whether a new prescription asks it
    (``new_prescription``: the refusal's tail names what is saved and how else to undo it)."""

    message: str
    box: tuple[date, int]
    label: Callable[[date, int], str]
    new_prescription: bool = False


# The changes that set steps and draw the start box (a new plan's page, Change steps, a
# template): a hold, a switch of dosing time or an ending keeps the plan's steps, and a
# restart begins its first row on its first night (no question: see skipped_steps).
_SETS_STEPS = (PlanVersion.Kind.CREATED, PlanVersion.Kind.CHANGED, PlanVersion.Kind.TEMPLATE)


def first_dosing_night(final, after, first: date) -> date | None:
    """The first night from ``first`` on which the change (``after``: its versions, the
    change and what it signs again) doses under the plan as stored (``final``): not held,
    not ended, not before its steps begin, and governed by the change, not a later version
    signed before it. None when it never does (a hold until resumed it carries)."""
    for night in _nights(first, first + timedelta(days=2 * PLAN_REACH_NIGHTS)):
        if not any(titration.version_in_effect(final, night) is v for v in after):
            return None
        status = titration.status_on(final, night)
        if status == titration.ACTIVE:
            return night
        if status == titration.ENDED:
            return None
    return None


def skipped_steps(
    versions, after, change: PlanChange, local_today: date, dosing_time: str
) -> SkippedSteps | None:
    """THE rule a steps save (create_prescription, save_version) asks: on the change's first
    dosing night (first_dosing_night), does it put the patient on a later step NUMBER
    (titration's step_number, so a restart's steps count) than the plan as signed
    (``versions``) does then? Over no dosing plan then (a new prescription, a plan not begun
    or ended), than the change's own first row: asked whenever the patient would not start
    at it. A later step was signed at once when the start moved back within the overnight
    limit, a step was shortened, a template was given an earlier start, or the change's
    first night was on hold (found by review). None when its first row starts on that night:
    the clinician set that night's dose as row 1 (Apply next step, a restart, a new list
    from tonight). ``after``: the versions the change stores, read through titration as
    every page reads the plan; ``dosing_time``: the words the form speaks."""
    if change.kind not in _SETS_STEPS:
        return None
    final = (*versions, *after)
    night = first_dosing_night(final, after, change.effective_night)
    if night is None or change.start_date == night:
        return None
    moved = titration.current_step(final, night)
    was = titration.current_step(versions, night)
    dosing = was.status == titration.ACTIVE
    signed = was.step_number if dosing else titration.step_number(change.steps_before, 0)
    if moved.step_number < signed:
        return None
    step_began = night - timedelta(days=moved.day_in_step - 1)
    if moved.step_number == signed:
        # The same step, entered on a later night of it than signed: its nights before the
        # first dosing night are never dosed, so the step is shortened (a new plan begun
        # the night before its first changeable night: 13 nights at 1.5 mg, not 14; found
        # by QA). An open-ended step loses nothing.
        was_day = was.day_in_step if dosing else 1
        if (
            moved.next_step_night is None
            or moved.day_in_step <= was_day
            or (dosing and was.next_step_night is None)
        ):
            return None
        message = shortened_step_message(step_began, moved, was if dosing else None, dosing_time)
        return SkippedSteps(
            message,
            (step_began, moved.step_number),
            moved_start_confirm_label,
            new_prescription=change.kind == PlanVersion.Kind.CREATED,
        )
    if not dosing:
        message = started_before_message(change.start_date, moved, local_today, dosing_time)
    else:
        after_hold = (
            night > change.effective_night
            and titration.status_on(final, night - timedelta(days=1)) == titration.ON_HOLD
        )
        message = moved_start_message(
            step_began, was, moved, local_today, dosing_time, after_hold=after_hold
        )
    if change.kind == PlanVersion.Kind.CREATED:
        # The new prescription's page asks the patient is already on the plan since its start.
        return SkippedSteps(
            message,
            (change.start_date, moved.step_number),
            start_confirm_label,
            new_prescription=True,
        )
    return SkippedSteps(message, (step_began, moved.step_number), moved_start_confirm_label)


def shortened_step_message(
    start: date,
    moved: titration.PlanPosition,
    was: titration.PlanPosition | None,
    dosing_time: str,
) -> str:
    """What skipped_steps says of a step whose first dosing night (``moved.night``) is not
    the first night it now has (``start``), in the form's words (``dosing_time``): a plan
    not dosing then (``was`` None: a new prescription) "starts on night 2 of step 1 (13
    nights at 1.5 mg, not 14)"; a steps change moves the patient from the night of the step
    as signed (``was``) to a later one, with fewer nights of it left."""
    nights = titration.counts_nights(dosing_time)
    left = (moved.next_step_night - moved.night).days
    values = {
        "step": moved.step_number,
        "start": local_date(start, "date"),
        "night": local_date(moved.night, "date"),
        "day": moved.day_in_step,
        "left": left,
        "dose": wording.amount(moved.dose_mg),
    }
    if was is None:
        values["length"] = left + moved.day_in_step - 1
        if nights:
            message = ngettext(
                "Step %(step)s begins on %(start)s, before the first night this prescription "
                "can take effect (%(night)s): the patient starts on night %(day)s of step "
                "%(step)s (%(left)s night at %(dose)s mg, not %(length)s).",
                "Step %(step)s begins on %(start)s, before the first night this prescription "
                "can take effect (%(night)s): the patient starts on night %(day)s of step "
                "%(step)s (%(left)s nights at %(dose)s mg, not %(length)s).",
                left,
            )
        else:
            message = ngettext(
                "Step %(step)s begins on %(start)s, before the first day this prescription "
                "can take effect (%(night)s): the patient starts on day %(day)s of step "
                "%(step)s (%(left)s day at %(dose)s mg, not %(length)s).",
                "Step %(step)s begins on %(start)s, before the first day this prescription "
                "can take effect (%(night)s): the patient starts on day %(day)s of step "
                "%(step)s (%(left)s days at %(dose)s mg, not %(length)s).",
                left,
            )
        return message % values
    values["was_day"] = was.day_in_step
    values["was_left"] = (was.next_step_night - was.night).days
    if nights:
        message = ngettext(
            "Step %(step)s now starts on %(start)s, before this change's first night "
            "(%(night)s): the patient moves from night %(was_day)s to night %(day)s of step "
            "%(step)s (%(left)s night at %(dose)s mg left, not %(was_left)s).",
            "Step %(step)s now starts on %(start)s, before this change's first night "
            "(%(night)s): the patient moves from night %(was_day)s to night %(day)s of step "
            "%(step)s (%(left)s nights at %(dose)s mg left, not %(was_left)s).",
            left,
        )
    else:
        message = ngettext(
            "Step %(step)s now starts on %(start)s, before this change's first day "
            "(%(night)s): the patient moves from day %(was_day)s to day %(day)s of step "
            "%(step)s (%(left)s day at %(dose)s mg left, not %(was_left)s).",
            "Step %(step)s now starts on %(start)s, before this change's first day "
            "(%(night)s): the patient moves from day %(was_day)s to day %(day)s of step "
            "%(step)s (%(left)s days at %(dose)s mg left, not %(was_left)s).",
            left,
        )
    return message % values


def _confirmed_start_and_increase(
    confirm_increase,
    asked: SkippedSteps | None,
    confirmed_start,
    gap: NeedsGapConfirmation | NeedsRestartConfirmation | None = None,
) -> tuple[str, str]:
    """The increase warnings (``confirm_increase()``: _confirmed_warning's answer, which
    raises NeedsConfirmation) and the skipped steps' message (``asked``: skipped_steps's
    answer) a save stores once confirmed. Every question the save asks and nobody confirmed
    is asked in ONE refusal, so one save is signed with one more click, not two or three:
    ``gap``, the unconfirmed no-LDN gap's refusal (_confirmed_gap), asks the skipped steps
    and the increase with it; without a gap, NeedsStartConfirmation asks the increase with
    the steps (``confirmed_start``, the box posted as (date, step), is not ``asked.box``).
    A change with a gap, a start moved onto a later step and an increase was refused for
    the gap and the increase, then again for the steps (found by QA). A hold's unconfirmed
    restart (_confirmed_restart, _confirmed_replaced_restart: NeedsRestartConfirmation)
    comes in as ``gap`` and asks the increase with it the same way: a hold sets no steps,
    so it asks no gap and no skipped steps."""
    asks_start = asked is not None and confirmed_start != asked.box
    increase, warnings = "", ()
    try:
        increase = confirm_increase()
    except NeedsConfirmation as error:
        if gap is None and not asks_start:
            raise
        warnings = error.warnings
    if isinstance(gap, NeedsRestartConfirmation):
        raise gap.asking_too(warnings)
    if gap is not None:
        raise gap.asking_too(asked if asks_start else None, warnings)
    if asks_start:
        raise NeedsStartConfirmation(asked, increase=warnings)
    return increase, asked.message if asked is not None else ""
