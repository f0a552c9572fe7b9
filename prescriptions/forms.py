"""Plan forms: the step rows, the signed change forms, prescriptions, templates, dismissals.

Forms turn what was typed into plain values with messages that say what is allowed; the
clinical checks themselves are titration.step_problems (through Prescription.validate_steps)
and the builders in changes.py.
"""

import re
from datetime import date, timedelta
from decimal import Decimal

from django import forms
from django.conf import settings
from django.forms import BaseFormSet, formset_factory
from django.utils import formats
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.date_fields import IsoDateField
from ldn_journal.local_dates import local_date
from patients import wording
from patients.rules import doses
from patients.templatetags.journal import night_heading_on
from prescriptions import suggestions, titration
from prescriptions.changes import (
    cancel_confirm_label,
    logged_dose_stands_message,
    moved_start_confirm_label,
    restart_confirm_label,
    start_confirm_label,
)
from prescriptions.models import (
    DosingTime,
    Formulation,
    PlanTemplate,
    PlanVersion,
    Prescription,
)
from prescriptions.panel import step_length

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DOSE_INPUT = forms.TextInput(
    attrs={"inputmode": "decimal", "autocomplete": "off", "size": "6", "placeholder": "mg"}
)
DAYS_INPUT = forms.TextInput(
    attrs={"inputmode": "numeric", "autocomplete": "off", "size": "5", "placeholder": _("days")}
)
NIGHTS_PLACEHOLDER = _("nights")
PLAN_REACH_DAYS = 365  # how far back or ahead a plan's dates may be set


def active_decimal_separator() -> str:
    """The active language's decimal separator: a comma only where the language uses one."""
    return formats.get_format("DECIMAL_SEPARATOR")


def local_plain(value: Decimal) -> str:
    """doses.plain() with the active language's decimal separator: 1,5 in es and de."""
    return doses.plain(value).replace(".", active_decimal_separator())


def dose_range_message() -> str:
    """What a dose may be, in the page's language (the pure doses.dose_message is English)."""
    return gettext(
        "Enter a dose between %(min)s and %(max)s mg, with at most two decimals "
        "(for example %(example)s)."
    ) % {
        "min": local_plain(settings.LDN_DOSE_MIN_MG),
        "max": local_plain(settings.LDN_DOSE_MAX_MG),
        "example": local_plain(Decimal("1.5")),
    }


def dose_from_text(text: str, *, decimal_separator: str | None = None) -> Decimal:
    """The one reader of a typed dose, for the journal and the plan forms alike: a dose in
    mg in the LDN range to 0.01 mg, or a ValidationError that says what is allowed."""
    low, high = settings.LDN_DOSE_MIN_MG, settings.LDN_DOSE_MAX_MG
    separator = decimal_separator or active_decimal_separator()
    if (slip := doses.decimal_comma_slip(text, separator)) is not None:
        # "1,5" on an English page (a phone keypad of a comma region offers only ","): the
        # comma is the mistake, and the range's message did not say so (exploratory QA).
        # The liquid path (parse_volume) says the same.
        raise forms.ValidationError(
            gettext("Use a point for decimals: %(example)s.") % {"example": slip},
            code="decimal_comma",
        )
    dose = doses.parse_dose(text, separator, low, high)
    if dose is None:
        raise forms.ValidationError(dose_range_message(), code="dose")
    return dose


# --- step rows ------------------------------------------------------------------------------


class StepRowForm(forms.Form):
    dose_mg = forms.CharField(
        label=_("Dose (mg)"), required=False, max_length=20, widget=DOSE_INPUT
    )
    days = forms.CharField(
        label=_("Days"),
        required=False,
        max_length=20,
        widget=DAYS_INPUT,
        help_text=_("Leave empty on the last step to keep it open-ended (maintenance)."),
    )

    def __init__(self, *args, dosing_time=None, **kwargs):
        """``dosing_time``: the one the steps are taken at (step_formset), an evening
        doser's length being nights; None when it is not known (a template)."""
        super().__init__(*args, **kwargs)
        self.counts_nights = titration.counts_nights(dosing_time)
        if self.counts_nights:
            widget = self.fields["days"].widget
            widget.attrs = {**widget.attrs, "placeholder": NIGHTS_PLACEHOLDER}

    def clean_dose_mg(self):
        raw = self.cleaned_data["dose_mg"].strip()
        return dose_from_text(raw) if raw else None

    def clean_days(self):
        raw = self.cleaned_data["days"].strip()
        if not raw:
            return None
        try:
            # Digits 0-9 only (a sign is kept for the range's message), as the dose: int()
            # would also read a full-width or an Arabic-Indic digit.
            digits = raw.removeprefix("-")
            if not (digits.isascii() and digits.isdigit()):
                raise ValueError(raw)
            return int(raw)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "“%(raw)s” is not a number of nights: use a whole number from %(min)s to "
                    "%(max)s, or leave the last step empty to keep it open-ended."
                )
                if self.counts_nights
                else _(
                    "“%(raw)s” is not a number of days: use a whole number from %(min)s to "
                    "%(max)s, or leave the last step empty to keep it open-ended."
                ),
                params={
                    "raw": raw[:20],
                    "min": titration.MIN_STEP_DAYS,
                    "max": titration.MAX_STEP_DAYS,
                },
            ) from None


class BaseStepFormSet(BaseFormSet):
    """Rows of steps; empty rows are ignored, the rest checked by ``validate``.

    ``validate`` is a function taking a list of titration.Step (and ``labels``, their row
    numbers, ``counts_nights``, whether a length is said in nights, and ``placed``) and
    returning (step index or None, field or None, message) for each problem (normally
    Prescription.validate_steps), set by :func:`step_formset`.
    """

    validate = None
    dosing_time = None  # step_formset's: whether a step's length reads in nights or days
    # step_formset's: the plan's steps before the first row (PlainVersion.steps_before, as
    # the change page carries it); the rows, and their errors, are numbered from the next.
    steps_before = 0

    def row_number(self, index: int) -> int:
        """The number the editor shows for row ``index`` (0-based), as every page numbers
        the plan's steps (titration.step_number): after a restart at step 2, "2", "3"."""
        return titration.step_number(self.steps_before, index)

    @property
    def numbered_rows(self):
        """(number, row form) for the template: the row header and the labels read it."""
        return [(self.row_number(index), form) for index, form in enumerate(self.forms)]

    @property
    def counts_nights(self) -> bool:
        """An evening doser's step lasts nights; a morning doser's, or steps whose dosing
        time is not known (a template), days: a day is one dose at either time. A new
        prescription's are counted as its form's chosen dosing time
        (PrescriptionForm.chosen_dosing_time)."""
        return titration.counts_nights(self.dosing_time)

    def clean(self):
        if any(self.errors):
            return
        steps, rows, row_forms, missing = [], [], [], False
        for number, form in self.numbered_rows:
            dose, days = form.cleaned_data.get("dose_mg"), form.cleaned_data.get("days")
            if dose is None and days is None:
                continue
            if dose is None:
                # Beside the row's dose box (and linked from the summary), once: as a
                # problem of the steps as a whole it was said twice, at the top of the page
                # and again at the top of the steps, far from the row (found by QA).
                form.add_error(
                    "dose_mg",
                    gettext("Step %(number)s: give a dose in mg for this step.")
                    % {"number": number},
                )
                missing = True
                continue
            steps.append(titration.Step(dose_mg=dose, days=days))
            rows.append(number)
            row_forms.append(form)
        if missing:
            return
        if not steps:
            raise forms.ValidationError(
                _(
                    "A plan needs at least one step: give a dose in mg (and a number of "
                    "nights, except for an open-ended last step)."
                )
                if self.counts_nights
                else _(
                    "A plan needs at least one step: give a dose in mg (and a number of days, "
                    "except for an open-ended last step)."
                )
            )
        # Each problem names the row the clinician sees, empty rows before it or not, and
        # says a length as the editor heads its column.
        problems = (
            self.validate(steps, labels=rows, counts_nights=self.counts_nights, placed=True)
            if self.validate
            else []
        )
        # A step's problem is told beside its row's dose or length, the whole plan's at the
        # top of the steps: each once (the summary links to where it is).
        whole = []
        for index, field, message in problems:
            if index is None:
                whole.append(message)
            else:
                row_forms[index].add_error(field, message)
        if whole:
            raise forms.ValidationError(whole)
        if not problems:
            self.steps = tuple(steps)


def step_formset(
    validate,
    data=None,
    initial=None,
    extra=2,
    prefix="steps",
    dosing_time=None,
    steps_before=0,
):
    """The step rows; ``dosing_time``: the one the steps will be taken at (the version's
    that a change builds on, as the Resume page's steps_dosing_time), so the editor counts
    an evening doser's steps in nights and a morning doser's in days; None: not known.
    ``steps_before``: the plan's steps before the first row (the change page's
    PlanStepsForm.shown_steps_before); 0 (rows 1, 2, ...) for a new plan or a template."""
    formset_class = formset_factory(
        StepRowForm,
        formset=BaseStepFormSet,
        extra=extra,
        max_num=titration.MAX_STEPS + 10,
        absolute_max=titration.MAX_STEPS + 10,
    )
    formset = formset_class(
        data=data, initial=initial, prefix=prefix, form_kwargs={"dosing_time": dosing_time}
    )
    formset.validate = validate
    formset.dosing_time = dosing_time
    formset.steps_before = steps_before
    return formset


def local_two_places(value: Decimal) -> str:
    """A dose to 0.01 mg, as the plan's pages show it, with the active language's decimal
    separator: "1,50" in es and de (the step rows read "1.50" beside "1,50 mg")."""
    return f"{value:.2f}".replace(".", active_decimal_separator())


def steps_as_initial(steps):
    return [{"dose_mg": local_two_places(step.dose_mg), "days": step.days or ""} for step in steps]


def rows_from_post(data, prefix="steps"):
    """The rows as typed, for re-showing the form with one more empty row ("add a step")."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", 0)), titration.MAX_STEPS + 10)
    except ValueError:
        total = 0
    rows = []
    for index in range(total):
        dose = data.get(f"{prefix}-{index}-dose_mg", "")[:20]
        days = data.get(f"{prefix}-{index}-days", "")[:20]
        rows.append({"dose_mg": dose, "days": days})
    return rows


def prescription_validator(prescription):
    return prescription.validate_steps


def template_validator(liquid_only):
    """Templates are clinic-wide: check the range, and for liquid ones a 1 mg/mL syringe,
    through the plan forms' own checker (Prescription.validate_steps), so a template's
    problems read as the plan change form's do, in the page's language."""
    formulation = Formulation.LIQUID if liquid_only else Formulation.OTHER
    return Prescription(
        formulation=formulation, concentration_mg_per_ml=Decimal("1")
    ).validate_steps


# --- signed version forms -----------------------------------------------------------------


def _night_range_error(value, first, last, what):
    if value < first or value > last:
        return forms.ValidationError(
            _("%(what)s must be between %(first)s and %(last)s."),
            params={
                "what": what,
                "first": local_date(first, "date"),
                "last": local_date(last, "date"),
            },
        )
    return None


class SignedVersionForm(forms.Form):
    """What every plan change carries: the version it was built from and the signature."""

    based_on = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label=_("Reason for the change (care team only)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": _("Give a reason for the change (the care team sees it).")},
    )
    patient_note = forms.CharField(
        label=_("Note to the patient"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text=_("Shown on the patient's plan page with this change."),
    )

    confirm_increase = forms.BooleanField(
        label=_("I confirm this increase"),
        required=False,
        help_text=_(
            "Asked only when a change raises the dose by more than the clinic allows "
            "in one step or above the clinic's maximum; the version records your confirmation."
        ),
    )

    # The date field where the change takes effect (None: the form has none, as an ending),
    # and whether the first night's message speaks of a hold.
    first_night_field: str | None = None
    holds = False
    # Whether the first-night field's help names the first night (first_night_help).
    names_first_night = True
    # A morning doser's dates are days, not nights: each date field's label (and help text)
    # for them, replacing the evening doser's.
    morning_words: dict[str, dict] = {}

    def __init__(
        self,
        *args,
        tonight,
        first_night=None,
        tonight_logged=False,
        dosing_time=titration.EVENING,
        local_today=None,
        dosing_time_on=None,
        opens_on=None,
        **kwargs,
    ):
        """``first_night``/``tonight_logged``: changes.first_changeable_night (the view
        reads it: a change made after tonight's dose takes effect the next night);
        ``dosing_time``: the plan's on tonight (a morning doser's is "today's dose");
        ``local_today``: the patient's calendar day now, so the logged night is named as the
        patient's pages name it ("last night" at 08:00); ``dosing_time_on``: the plan's
        dosing time on a night (PlanView.dosing_time_on): given, each date field is labelled
        in the words of the dosing time on its own night (dates_dosing_time), not tonight's;
        ``opens_on``: the night the first-night field opens on, when not first_night (a
        posted form has no initial: one posted with no date there is worded by it)."""
        self.tonight = tonight
        self.first_night = first_night or tonight
        self.opens_on = opens_on
        self.dosing_time = dosing_time
        self.dosing_time_on = dosing_time_on
        self.local_today = local_today
        # Set by the view when saving raised NeedsConfirmation (NeedsGapConfirmation): the
        # box is then shown.
        self.needs_confirmation = False
        self.needs_gap_confirmation = False
        super().__init__(*args, **kwargs)
        # Dates as YYYY-MM-DD only (date_fields): said in the words of the labels.
        invalid = (
            gettext("Enter the day as YYYY-MM-DD.")
            if self.morning_dosing
            else gettext("Enter the night as YYYY-MM-DD.")
        )
        for field in self.fields.values():
            if isinstance(field, IsoDateField):
                field.error_messages["invalid"] = invalid
        for name, words in self.morning_words.items():
            if self.dates_dosing_time(name) == titration.MORNING:
                for attribute, text in words.items():
                    setattr(self.fields[name], attribute, text)
        field = self.fields.get(self.first_night_field or "")
        if tonight_logged and field is not None:
            field.help_text = self.logged_dose_stands()
        elif field is not None and self.names_first_night:
            field.help_text = self.first_night_help()

    @property
    def morning_dosing(self) -> bool:
        return self.dosing_time == titration.MORNING

    def _posted_night(self, name: str | None) -> date | None:
        """The night a date field holds: as posted, else as the form opens; None: empty or
        not a date (the field's own error says so)."""
        if not name or name not in self.fields:
            return None
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        if isinstance(value, date):
            return value
        field = self.fields[name]
        if not value or not isinstance(field, forms.DateField):
            return None  # empty, or not a date field (a box)
        try:
            # As the field reads it (YYYY-MM-DD only): not a night the form would refuse.
            return field.to_python(value)
        except forms.ValidationError:
            return None

    def dates_dosing_time(self, name: str) -> str:
        """The dosing time whose words date field ``name`` is told in: the plan's on the
        night it holds (else on the form's first-night field's night, else the night that
        field opens on: opens_on, else the first night a change can take effect), when the
        view gave dosing_time_on; tonight's otherwise. A hold from 6 Dec, the first morning
        of a patient dosing in the evening tonight, said "Hold from the night of" (found by
        QA)."""
        if self.dosing_time_on is None:
            return self.dosing_time
        return self.dosing_time_on(self.dates_night(name))

    def dates_night(self, name: str) -> date:
        """The night date field ``name`` is told by (dates_dosing_time): the night it holds,
        else the form's first-night field's, else the night that field opens on."""
        return (
            self._posted_night(name)
            or self._posted_night(self.first_night_field)
            or self.opens_on
            or self.first_night
        )

    def posted_box(self, name: str):
        """What a confirmation box that carries its date (confirm_box) was posted with: the
        bound form's data, or the initial of a form drawn again from a post ("Add another
        step" builds it unbound from the post, and a ticked start box was dropped). The
        save still compares it with what it asks, so a box the edit made stale confirms
        nothing."""
        return (self.data if self.is_bound else self.initial).get(name)

    def asked_box(self) -> str | None:
        """The field name of the box a refused save asked for (the view set which), None:
        none asked. Not when the start box was asked: its message may ask for the increase
        box too, so it links to neither."""
        if getattr(self, "start_asked", None) is not None:
            return None
        if self.needs_gap_confirmation:
            return "confirm_gap"
        if self.needs_confirmation:
            return "confirm_increase"
        return None

    @property
    def asked_box_id(self) -> str | None:
        """The id of the box asked for (asked_box), drawn at the bottom of the form: the
        error summary links the save's message to it, as a field's error to its field
        (includes/form_errors.html). None: no box asked, or the form has no such box."""
        name = self.asked_box()
        if name is None or name not in self.fields:
            return None
        return self[name].id_for_label

    def night_heading(self, night, dosing_time=None) -> str:
        """``night`` as the patient page's header names it now ("Last night (4 Dec)" before
        noon, "Tonight (5 Dec)", "Today (5 Dec)" for a morning doser, else "6 Dec"): the one
        heading (journal.night_heading_on, nights.relative_night) on the patient's calendar
        day, the current night's when the view gave none."""
        today = self.local_today if self.local_today is not None else self.tonight
        return night_heading_on(night, today, dosing_time or self.dosing_time)

    @property
    def first_night_heading(self) -> str:
        """The first night a change made now can take effect (first_changeable_night), named
        as the patient page's header names it: the End form said "tonight (4 Dec)" at 09:23
        of the night the header called "Last night (4 Dec)" (found by QA)."""
        return self.night_heading(self.first_night)

    def first_night_help(self) -> str:
        """The first-night field's help: from which night a change can take effect."""
        message = (
            gettext("%(night)s or later: days before keep the plan they had.")
            if self.morning_dosing
            else gettext("%(night)s or later: nights before keep the plan they had.")
        )
        return message % {"night": self.first_night_heading}

    def date_name(self, evening: str, morning: str, dosing_time: str | None = None) -> str:
        """A date's name in a range error: the night (or a morning doser's day), as the
        field's label names it (morning_words); ``dosing_time``: the one the patient doses at
        on that date, when it is not the plan's tonight (a switch's first date)."""
        return morning if (dosing_time or self.dosing_time) == titration.MORNING else evening

    def logged_dose_stands(self) -> str:
        return logged_dose_stands_message(
            self.first_night,
            tonight=self.tonight,
            hold=self.holds,
            dosing_time=self.dosing_time,
            local_today=self.local_today,
        )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Give a reason for the change (the care team sees it)."))
        return reason

    @property
    def last_night(self) -> date:
        """The last night a change made now may be dated (PLAN_REACH_DAYS ahead)."""
        return self.tonight + timedelta(days=PLAN_REACH_DAYS)

    def changeable_range_error(self, value, what):
        """The one range of a date a change made now may take effect on, and its message:
        from first_night (first_changeable_night), not tonight. Once tonight's dose was
        logged, a past date said "must be between 5 Dec 2026 and ...", and 5 Dec was then
        refused because the logged dose stands (found by QA)."""
        return _night_range_error(value, self.first_night, self.last_night, what)

    def from_tonight(self, field, what):
        value = self.cleaned_data.get(field)
        if value is None:
            return value
        # A night from tonight up to the first changeable one is refused for why (its
        # logged dose stands); any other outside the range, by the range.
        if self.tonight <= value < self.first_night:
            message = self.logged_dose_stands()
            # The field's help text already says this (set in __init__): as the error it is
            # said once, not twice under the same field. The bound field keeps its own copy
            # of the help text (made before cleaning), which the page reads.
            # A help text that goes on after it (DosingTimeForm's first nights) keeps the rest.
            help_text = str(self.fields[field].help_text)
            if help_text.startswith(message):
                rest = help_text.removeprefix(message).strip()
                self.fields[field].help_text = self[field].help_text = rest
            raise forms.ValidationError(message)
        error = self.changeable_range_error(value, what)
        if error:
            raise error
        return value


class AppliesSuggestion(forms.Form):
    """Carries the suggestion that "Apply" opened the form for, so that the saved version
    records that it acted on it (the suggestion is then no longer shown)."""

    suggestion = forms.CharField(widget=forms.HiddenInput, required=False, max_length=120)

    def clean_suggestion(self):
        value = self.cleaned_data["suggestion"].strip()
        kind, _, key = value.partition(":")
        if value and (kind not in suggestions.KINDS or not key):
            return ""  # not one of ours: the change is saved without the link
        return value


class PlanStepsForm(AppliesSuggestion, SignedVersionForm):
    # Its help names the first night a change can take effect (first_night_help).
    effective_night = IsoDateField(label=_("Takes effect from the night of"), widget=DATE_INPUT)
    start_date = IsoDateField(
        label=_("Step 1 starts on the night of"),
        widget=DATE_INPUT,
        help_text=_("Later steps follow on from this date."),
    )
    template = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The plan's steps before the first row (PlainVersion.steps_before), as the page was
    # pre-filled (views.clinic._prefilled_change: the plan's own, a suggestion's, a template's
    # 0), carried to the save so "Step 2 of 2" after a restart stays step 2. The save
    # checks it is the number the page is drawn with now (changes.check_steps_numbering):
    # another, or none sent, is a stale page, nothing saved.
    steps_before = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=0,
        max_value=99,  # as the message says
        error_messages={
            key: _(
                "The plan's step numbering sent with this form is not valid (a whole number "
                "from 0 to 99 is allowed). Open the change again from the plan page; nothing "
                "was saved."
            )
            for key in ("invalid", "min_value", "max_value")
        },
    )
    # Only new steps can begin after the change's first night, leaving nights with no LDN.
    confirm_gap = forms.BooleanField(
        label=_("I confirm the nights without LDN"),
        required=False,
        help_text=_(
            "Asked only when a change leaves a patient who is dosing without LDN on some "
            "nights before step 1 starts; the version records your confirmation."
        ),
    )
    # The date and step the clinician confirms, when the save asks about them
    # (changes.NeedsStartConfirmation: the change puts the patient on a later step on its
    # first dosing night, changes.skipped_steps): the box's value is both ("2026-11-15:2"),
    # so a box ticked for another date or another resulting step confirms nothing. Drawn by
    # _confirm_start.html, never with the other fields; labelled as the save names it
    # (start_label).
    confirm_start = forms.CharField(required=False)
    start_label = staticmethod(moved_start_confirm_label)
    field_order = ["effective_night", "start_date", "reason", "patient_note", "suggestion"]
    first_night_field = "effective_night"
    morning_words = {
        "effective_night": {"label": _("Takes effect from the day of")},
        "start_date": {"label": _("Step 1 starts on the day of")},
        # As the save's NeedsGapConfirmation asks it (words_dosing_time).
        "confirm_gap": {
            "label": _("I confirm the days without LDN"),
            "help_text": _(
                "Asked only when a change leaves a patient who is dosing without LDN on some "
                "days before step 1 starts; the version records your confirmation."
            ),
        },
    }

    def __init__(self, *args, current_start=None, **kwargs):
        self.current_start = current_start
        # Set by the view when the save raised NeedsStartConfirmation: the box is shown, not
        # ticked, naming that (date, step).
        self.start_asked = None
        super().__init__(*args, **kwargs)
        # The start date and the gap box name the first row's number, as the editor numbers
        # it (after a restart at step 2: "Step 2 starts on the night of"); from step 1, the
        # words as they were (a new plan's and a template's page).
        first = titration.step_number(self.shown_steps_before, 0)
        if first != 1:
            label = (
                gettext("Step %(step)s starts on the day of")
                if self.dates_dosing_time("start_date") == titration.MORNING
                else gettext("Step %(step)s starts on the night of")
            )
            self.fields["start_date"].label = label % {"step": first}
            # The box the save's NeedsGapConfirmation asks for names the same step.
            self.word_gap_box(self.dates_dosing_time("confirm_gap"), first)

    def word_gap_box(self, dosing_time: str, step: int) -> None:
        """Label the gap box (and its help) as the save's NeedsGapConfirmation asks for it:
        in the words of the gap's nights (changes.gap_dosing_time, which the view passes
        from the refusal), naming the first row's step."""
        field = self.fields.get("confirm_gap")
        if field is None:
            return
        # A bound field copies its label when first drawn (the save's errors drew it).
        self._bound_fields_cache.pop("confirm_gap", None)
        morning = dosing_time == titration.MORNING
        field.label = (
            gettext("I confirm the days without LDN")
            if morning
            else gettext("I confirm the nights without LDN")
        )
        if step == 1:
            field.help_text = (
                gettext(
                    "Asked only when a change leaves a patient who is dosing without LDN on "
                    "some days before step 1 starts; the version records your confirmation."
                )
                if morning
                else gettext(
                    "Asked only when a change leaves a patient who is dosing without LDN on "
                    "some nights before step 1 starts; the version records your confirmation."
                )
            )
            return
        help_text = (
            gettext(
                "Asked only when a change leaves a patient who is dosing without LDN on "
                "some days before step %(step)s starts; the version records your "
                "confirmation."
            )
            if morning
            else gettext(
                "Asked only when a change leaves a patient who is dosing without LDN on "
                "some nights before step %(step)s starts; the version records your "
                "confirmation."
            )
        )
        field.help_text = help_text % {"step": step}

    @property
    def shown_steps_before(self) -> int:
        """The plan's steps before the first row, as this page numbers the steps editor
        (step_formset's steps_before): the value the form carries (pre-filled, or as posted
        on "Add another step" and on a refused save); 0 when it is not one the field
        accepts (the field's own error says so on a save) or the form has none."""
        field = self.fields.get("steps_before")
        if field is None:
            return 0
        try:
            return field.clean(self["steps_before"].value()) or 0
        except forms.ValidationError:
            return 0

    def clean_steps_before(self):
        return self.cleaned_data["steps_before"] or 0

    def clean_confirm_start(self):
        return posted_night(self.cleaned_data.get("confirm_start"), step=True)

    @property
    def start_box(self) -> dict | None:
        """The start-date box to draw (confirm_box), labelled as the save asks it."""
        return confirm_box(
            self.start_asked, self.posted_box("confirm_start"), self.start_label, step=True
        )

    def clean_effective_night(self):
        return self.from_tonight(
            "effective_night",
            self.date_name(
                gettext("The change's first night"),
                gettext("The change's first day"),
                self.dates_dosing_time("effective_night"),
            ),
        )

    def clean_start_date(self):
        value = self.cleaned_data["start_date"]
        if value == self.current_start:
            return value  # an unchanged calendar is fine however long ago it began
        error = _night_range_error(
            value,
            self.tonight - timedelta(days=PLAN_REACH_DAYS),
            self.tonight + timedelta(days=PLAN_REACH_DAYS),
            gettext("The start date"),
        )
        if error:
            raise error
        return value


class NewPlanForm(PlanStepsForm):
    """The first plan of a new prescription: it takes effect from the first night a change
    can (the view's first_night, changes.first_changeable_night), from its start date."""

    effective_night = None
    confirm_gap = None  # a first plan: the patient is not dosing yet
    steps_before = None  # a first plan: its steps are the plan's from step 1
    field_order = ["start_date", "reason", "patient_note"]
    morning_words = {"start_date": PlanStepsForm.morning_words["start_date"]}
    # Step 1 begun before the plan's first night: the patient is already on the plan.
    start_label = staticmethod(start_confirm_label)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The night it takes effect (first_night: tomorrow once tonight's dose is logged),
        # named as the patient page's header names it, after why it is not tonight (as the
        # End page says it); step 1 may start before it (a calendar begun earlier).
        message = (
            gettext(
                "First day of the prescription: %(night)s. Later steps follow on from this date."
            )
            if self.morning_dosing
            else gettext(
                "First night of the prescription: %(night)s. Later steps follow on from this date."
            )
        )
        message %= {"night": self.first_night_heading}
        if self.first_night != self.tonight:
            message = f"{self.logged_dose_stands()} {message}"
        self.fields["start_date"].help_text = message


def posted_night(value, *, step: bool = False):
    """The night a confirmation box was posted ticked for (its value), or None: not ticked,
    or not a date (not confirmed: the save asks again). The Hold form's restart box and the
    Resume form's cancellation box carry the night they confirm, so a box ticked for another
    night confirms nothing. With ``step``, the box carries the step it confirms too
    ("2026-11-15:2", the start box): (night, step), so a box ticked for another resulting
    step confirms nothing either."""
    try:
        if not step:
            return date.fromisoformat(value or "")
        night, number = (value or "").split(":")
        return date.fromisoformat(night), int(number)
    except (TypeError, ValueError):
        return None


def confirm_box(asked, posted, label, help_text: str = "", *, step: bool = False) -> dict | None:
    """A confirmation box that carries the date it confirms (_confirm_box.html draws it):
    the date the save asked about (``asked``, not ticked), else the date posted ticked (the
    form met another error); None: no box. ``label``: the box's words for a date. With
    ``step``, what is asked and posted is (date, step) (posted_night), carried as
    "2026-11-15:2" and given to ``label`` as two values."""
    if asked is not None:
        confirmed, checked = asked, False
    else:
        confirmed, checked = posted_night(posted, step=step), True
        if confirmed is None:
            return None
    if step:
        night, number = confirmed
        value, words = f"{night.isoformat()}:{number}", label(night, number)
    else:
        value, words = confirmed.isoformat(), label(confirmed)
    return {"value": value, "checked": checked, "label": words, "help": help_text}


class HoldForm(SignedVersionForm):
    Kind = PlanVersion.ReasonKind
    # Stored apart from the reason as typed (PlanVersion.reason_kind), so each reader sees
    # it in their own language; the form's labels say a little more than the stored kind's.
    REASONS = [
        (Kind.PLANNED_SURGERY, _("Planned surgery")),
        (Kind.OPIOID_PAIN_RELIEF, _("Opioid pain relief (naltrexone blocks opioids)")),
        (Kind.SIDE_EFFECTS, _("Side effects")),
        (Kind.OTHER, _("Other")),
    ]
    # No reason is chosen beforehand: a pre-selected "Planned surgery" was signed unread on
    # holds for an opioid start or a reaction (found by exploratory QA). Nothing chosen, or a
    # value the form does not offer, is refused with the same words.
    REASON_MISSING = _(
        "Choose why the plan is held: planned surgery, opioid pain relief, side effects or other."
    )
    hold_reason = forms.ChoiceField(
        label=_("Why hold"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": REASON_MISSING, "invalid_choice": REASON_MISSING},
    )
    hold_from = IsoDateField(label=_("Hold from the night of"), widget=DATE_INPUT)
    hold_until = IsoDateField(
        label=_("Hold until the night of"),
        widget=DATE_INPUT,
        required=False,
        help_text=_("Leave empty for an open-ended hold until you resume the plan."),
    )
    # confirm_increase (SignedVersionForm's): the steps are dated, so a hold over a whole
    # step makes the first dose after it a bigger step up (changes._confirmed_warning).
    # The night the clinician confirms LDN restarts on, when the hold's end ends a hold
    # until resumed (changes.NeedsRestartConfirmation): the box's value is that night, so a
    # box ticked for other dates confirms nothing. Drawn by _confirm_restart.html, never
    # with the other fields (as a hidden field it would stay confirmed unseen).
    confirm_restart = forms.CharField(required=False)
    field_order = ["hold_reason", "hold_from", "hold_until", "reason", "patient_note"]
    first_night_field = "hold_from"
    holds = True
    morning_words = {
        "hold_from": {"label": _("Hold from the day of")},
        "hold_until": {"label": _("Hold until the day of")},
    }

    def __init__(self, *args, **kwargs):
        """``dosing_time_on`` (SignedVersionForm's) also words a restart box posted ticked:
        the restart night's words, not tonight's."""
        super().__init__(*args, **kwargs)
        # Set by the view when the save raised NeedsRestartConfirmation: the box is shown,
        # not ticked, naming that night in the words the save used (its dosing time there).
        self.restart_night = None
        self.restart_dosing_time = None

    def clean_confirm_restart(self):
        return posted_night(self.cleaned_data.get("confirm_restart"))

    def asked_box(self) -> str | None:
        return "confirm_restart" if self.restart_night is not None else super().asked_box()

    @property
    def restart_box(self) -> dict | None:
        """The restart box to draw: the night the save asked about (not ticked), else the
        night posted ticked (the form met another error); None: no box."""

        def label(night):
            # The restart night's dosing time, as the save's message says it (not tonight's).
            if self.restart_night is not None:
                dosing_time = self.restart_dosing_time
            else:
                dosing_time = self.dosing_time_on(night) if self.dosing_time_on else None
            return restart_confirm_label(night, dosing_time or self.dosing_time)

        return confirm_box(
            self.restart_night,
            self.posted_box("confirm_restart"),
            label,
            gettext(
                "Asked only when a hold changes when the plan restarts: a hold with an end "
                "signed over a hold until resumed, or a hold over a shorter hold. The "
                "version records your confirmation."
            ),
        )

    def clean_hold_until(self):
        # As far ahead as any plan date (a hold until 31 Dec 9999 was taken); one ending
        # before it starts is refused in clean(), which says so.
        value = self.cleaned_data.get("hold_until")
        if value is not None and value > self.last_night:
            what = self.date_name(
                gettext("The last night of the hold"),
                gettext("The last day of the hold"),
                self.dates_dosing_time("hold_until"),
            )
            raise self.changeable_range_error(value, what)
        return value

    def clean_hold_from(self):
        return self.from_tonight(
            "hold_from",
            self.date_name(
                gettext("The first night of the hold"),
                gettext("The first day of the hold"),
                self.dates_dosing_time("hold_from"),
            ),
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("hold_from"), cleaned.get("hold_until")
        if start and end and end < start:
            self.add_error(
                "hold_until",
                gettext(
                    "The hold cannot end before it starts: choose %(start)s or later, "
                    "or leave it empty for an open-ended hold."
                )
                % {"start": local_date(start, "date")},
            )
        return cleaned


def _restart_choice(number, step, dosing_time, runs=()) -> str:
    """A step offered on the Resume page: "Step 2: 3 mg for 14 nights" (an evening doser's
    step lasts nights, a morning doser's days; it said "for 14 days" to every patient, and
    "for 1 days"). ``runs``: its nights counted from the night of the restart
    (titration.restart_runs);
    more than one (a pending switch of dosing time inside the step), the step is worded run
    by run as the plan panel's Length says it (panel.step_length): "for 3 nights, then 4
    days", where it said "for 7 nights"."""
    values = {"step": number, "dose": local_plain(step.dose_mg), "count": step.days}
    if not step.days:
        return gettext("Step %(step)s: %(dose)s mg (open-ended)") % values
    if len(runs) > 1:
        return gettext("Step %(step)s: %(dose)s mg for %(length)s") % {
            **values,
            "length": step_length(runs),
        }
    if runs:
        dosing_time = runs[0][1]
    if dosing_time == titration.MORNING:
        text = ngettext(
            "Step %(step)s: %(dose)s mg for %(count)s day",
            "Step %(step)s: %(dose)s mg for %(count)s days",
            step.days,
        )
    else:
        text = ngettext(
            "Step %(step)s: %(dose)s mg for %(count)s night",
            "Step %(step)s: %(dose)s mg for %(count)s nights",
            step.days,
        )
    return text % values


class ResumeForm(SignedVersionForm):
    resume_on = IsoDateField(label=_("Restart on the night of"), widget=DATE_INPUT)
    step = forms.TypedChoiceField(label=_("Restart at"), coerce=int, widget=forms.RadioSelect)
    # The night the clinician confirms a restart cancels the hold beginning then, when it is
    # also the night after another hold (changes.NeedsCancelConfirmation): the box's value
    # is that night, so a box ticked for another night confirms nothing. Drawn by
    # _confirm_cancel.html, never with the other fields (hidden, it would stay confirmed).
    confirm_cancel = forms.CharField(required=False)
    field_order = ["resume_on", "step", "reason", "patient_note"]
    first_night_field = "resume_on"
    morning_words = {"resume_on": {"label": _("Restart on the day of")}}

    def __init__(
        self,
        *args,
        steps=(),
        steps_dosing_time=titration.EVENING,
        steps_before=0,
        restart_runs=None,
        **kwargs,
    ):
        """``steps``: the held plan's (titration.restart_choices), offered to restart at;
        ``steps_dosing_time``: the plan's dosing time, whose nights (or a morning doser's
        days) a step lasts, when ``dosing_time_on`` (SignedVersionForm's) is not given;
        ``steps_before``: that version's PlainVersion.steps_before, so each step is named by
        its number in the plan (after a restart at step 2, the first step offered is step
        2); ``restart_runs``: given a restart night, each step's nights from it
        (titration.restart_runs), read with ``dosing_time_on``. ``opens_on``
        (SignedVersionForm's): the form's own restart night."""
        super().__init__(*args, **kwargs)
        runs = [()] * len(steps)
        if self.dosing_time_on is not None:
            # A step lasts nights or days as the plan is dosed on the restart night, in the
            # words of the restart date's label (dates_dosing_time: the night posted, else
            # the form's): worded by the newest version's dosing time, a restart on evenings
            # before a pending switch to mornings read "for 14 days" (found by QA); posted
            # with no date, the label said "night of" over steps "for 60 days".
            steps_dosing_time = self.dates_dosing_time("resume_on")
            if restart_runs is not None:
                # Night by night from that night: a pending switch inside a step words it
                # run by run, as the plan panel will once the restart is signed.
                runs = restart_runs(self.dates_night("resume_on"))
        self.fields["step"].choices = [
            (
                index,
                _restart_choice(
                    titration.step_number(steps_before, index), step, steps_dosing_time, runs[index]
                ),
            )
            for index, step in enumerate(steps)
        ]
        # Set by the view when the save raised NeedsCancelConfirmation: the box is shown,
        # not ticked, naming that night.
        self.cancel_night = None

    def clean_confirm_cancel(self):
        return posted_night(self.cleaned_data.get("confirm_cancel"))

    def asked_box(self) -> str | None:
        return "confirm_cancel" if self.cancel_night is not None else super().asked_box()

    @property
    def cancel_box(self) -> dict | None:
        """The cancellation box to draw: the night the save asked about (not ticked), else
        the night posted ticked (the form met another error); None: no box."""
        return confirm_box(
            self.cancel_night, self.posted_box("confirm_cancel"), cancel_confirm_label
        )

    def clean_resume_on(self):
        return self.from_tonight(
            "resume_on",
            self.date_name(
                gettext("The restart night"),
                gettext("The restart day"),
                self.dates_dosing_time("resume_on"),
            ),
        )


class EndForm(SignedVersionForm):
    confirm = forms.BooleanField(
        error_messages={
            "required": _("Tick the box to confirm: ending stops the plan and its reminders.")
        },
    )
    confirm_increase = None  # an ending prescribes nothing: no increase to confirm
    field_order = ["reason", "patient_note", "confirm"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The box names the first night without a dose as the patient page's header does: it
        # said "no dose from tonight on" at 09:23, of the night the header called last night.
        label = (
            gettext("I am ending this prescription. First day without a dose: %(night)s.")
            if self.morning_dosing
            else gettext("I am ending this prescription. First night without a dose: %(night)s.")
        )
        self.fields["confirm"].label = label % {"night": self.first_night_heading}

    @property
    def what_ending_does(self) -> str:
        """The page's first "What ending does" line: the first night without a dose, named
        as the header names it, after why it is not the current one when that dose is
        logged (logged_dose_stands_message)."""
        message = (
            gettext(
                "First day without a dose: %(night)s. The patient's tonight card then says the "
                "prescription has ended, with your note."
            )
            if self.morning_dosing
            else gettext(
                "First night without a dose: %(night)s. The patient's tonight card then says "
                "the prescription has ended, with your note."
            )
        ) % {"night": self.first_night_heading}
        if self.first_night == self.tonight:
            return message
        stands = logged_dose_stands_message(
            self.first_night,
            tonight=self.tonight,
            hold=False,
            dosing_time=self.dosing_time,
            local_today=self.local_today,
        )
        return f"{stands} {message}"


class DosingTimeForm(AppliesSuggestion, SignedVersionForm):
    dosing_time = forms.ChoiceField(
        label=_("Dosing time"), choices=DosingTime.choices, widget=forms.RadioSelect
    )
    effective_night = IsoDateField(label=_("From the night (or morning) of"), widget=DATE_INPUT)
    field_order = ["dosing_time", "effective_night", "reason", "patient_note", "suggestion"]
    first_night_field = "effective_night"
    # Its first night depends on the dosing time chosen: said for each (first_nights).
    names_first_night = False

    def __init__(self, *args, first_nights=None, **kwargs):
        """``first_nights``: {dosing time: the first night a switch to it can start on}
        (changes.first_switch_night), each named as the patient page's header names it."""
        super().__init__(*args, **kwargs)
        field = self.fields["effective_night"]
        if not first_nights:
            return
        # Each in its own dosing time's words: under the plan's, a morning doser's switch
        # to evenings read "Evening dosing: Today (5 Dec) or later" (found by QA).
        each = gettext(
            "Evening dosing: %(evening)s or later. Morning dosing: %(morning)s or later."
        ) % {
            dosing_time: self.night_heading(first_nights[dosing_time], dosing_time)
            for dosing_time in (titration.EVENING, titration.MORNING)
        }
        if not field.help_text:
            field.help_text = each
        elif any(night != self.first_night for night in first_nights.values()):
            # A logged dose's help says why first, then each dosing time's first night when
            # one is later still: at 05:00, last night's dose logged, it said only "a change
            # made now takes effect from the night of 6 Dec", and a switch to mornings from
            # 6 Dec (a morning already begun) was refused: 7 Dec is the first.
            field.help_text = f"{field.help_text} {each}"

    def clean_effective_night(self):
        # The date is the first under the dosing time chosen (cleaned before it): a switch to
        # mornings starts on a day, a switch to evenings on a night.
        return self.from_tonight(
            "effective_night",
            self.date_name(
                gettext("The switch's first night"),
                gettext("The switch's first day"),
                self.cleaned_data.get("dosing_time"),
            ),
        )


DEFAULT_STRENGTHS = ("1.5", "3.0", "4.5")


def local_strengths(values) -> str:
    """Capsule strengths as the strengths field reads them in the active language: "1.5, 3.0,
    4.5", or "1,5; 3,0; 4,5" where the decimal separator is a comma."""
    separator = active_decimal_separator()
    # The plan's "not an available capsule strength (…)" error lists them the same way.
    return wording.list_separator().join(str(value).replace(".", separator) for value in values)


def strength_parts(text: str) -> list[str]:
    """The strengths typed in the list, one string each. Where the language writes a decimal
    comma, a comma between digits is part of a number and ";", spaces or a comma before a
    space separate ("1,5; 3; 4,5" and "1,5, 3,0, 4,5"); elsewhere commas, ";" and spaces do."""
    if active_decimal_separator() == ",":
        parts = re.split(r"[;\s]+|,(?![0-9])", text)
    else:
        parts = re.split(r"[,;\s]+", text)
    return [part for part in parts if part]


def strengths_help() -> str:
    if active_decimal_separator() == ",":
        return gettext("Separate with semicolons, for example %(example)s.") % {
            "example": local_strengths(DEFAULT_STRENGTHS)
        }
    return gettext("Separate with commas, for example 1.5, 3.0, 4.5.")


class PrescriptionForm(forms.ModelForm):
    strengths_text = forms.CharField(
        label=_("Capsule strengths on hand (mg)"), required=False, max_length=100
    )
    dosing_time = forms.ChoiceField(
        label=_("Dosing time"),
        choices=DosingTime.choices,
        initial=DosingTime.EVENING,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Prescription
        fields = ["formulation", "concentration_mg_per_ml", "instructions"]
        labels = {
            "concentration_mg_per_ml": _("Liquid concentration (mg/mL)"),
            "instructions": _("Instructions"),
        }
        help_texts = {
            "concentration_mg_per_ml": _("Liquid only; doses must measure in 0.05 mL steps."),
        }
        widgets = {
            "formulation": forms.RadioSelect,
            "concentration_mg_per_ml": forms.TextInput(attrs={"inputmode": "decimal"}),
            "instructions": forms.Textarea(attrs={"rows": 2}),
        }

    @classmethod
    def chosen_dosing_time(cls, data=None) -> str:
        """The dosing time the new-prescription page words its dates and steps by: the one
        posted when it is one offered (a refused save, "Add another step"), else the form's
        initial choice. It said the ended plan's nights (or a first plan's days) of a
        patient the form was putting on morning (or evening) dosing."""
        posted = (data or {}).get("dosing_time")
        if posted in DosingTime.values:
            return posted
        return cls.base_fields["dosing_time"].initial

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # In the page's language, as the field reads it back (a decimal comma in de and es).
        field = self.fields["strengths_text"]
        field.initial = local_strengths(DEFAULT_STRENGTHS)
        field.help_text = strengths_help()

    def clean(self):
        cleaned = super().clean()
        formulation = cleaned.get("formulation")
        if formulation == Formulation.CAPSULE:
            strengths = []
            for part in strength_parts(cleaned.get("strengths_text", "")):
                try:
                    value = dose_from_text(part)
                except forms.ValidationError:
                    self.add_error(
                        "strengths_text",
                        gettext("“%(part)s” is not a capsule strength.") % {"part": part}
                        + " "
                        + dose_range_message()
                        + " "
                        + strengths_help(),
                    )
                    return cleaned
                strengths.append(value)
            if not strengths:
                self.add_error("strengths_text", _("List at least one capsule strength in mg."))
            cleaned["strengths"] = sorted(set(strengths))
            cleaned["concentration_mg_per_ml"] = None
        elif formulation == Formulation.LIQUID:
            concentration = cleaned.get("concentration_mg_per_ml")
            if concentration is None or concentration <= 0:
                self.add_error(
                    "concentration_mg_per_ml",
                    _("Give the liquid's concentration in mg/mL (more than 0, usually 1)."),
                )
            cleaned["strengths"] = []
        else:
            cleaned["strengths"] = []
            cleaned["concentration_mg_per_ml"] = None
        return cleaned

    def unsaved(self):
        prescription = self.save(commit=False)
        prescription.strengths = [str(value) for value in self.cleaned_data.get("strengths", [])]
        prescription.concentration_mg_per_ml = self.cleaned_data.get("concentration_mg_per_ml")
        return prescription


class TemplateForm(forms.ModelForm):
    # Also said when another clinician saved the name meanwhile (the unique constraint).
    NAME_TAKEN = _("A plan template with this name already exists: choose another name.")

    class Meta:
        model = PlanTemplate
        fields = ["name", "description", "liquid_only"]
        labels = {
            "name": _("Name"),
            "description": _("Description"),
            "liquid_only": _("Liquid only (steps finer than capsules allow)"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        # Django's own would name the model and field in English ("Plan template with this
        # Name already exists") inside a German or Spanish sentence.
        error_messages = {
            "name": {
                "unique": _("A plan template with this name already exists: choose another name.")
            }
        }

    def name_taken(self):
        """The name was saved by someone else after this form checked it."""
        self.add_error("name", self.NAME_TAKEN)


class DismissForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput, max_length=30)
    key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    reason = forms.CharField(
        label=_("Why dismiss"),
        max_length=1000,
        error_messages={"required": _("Say why you are dismissing this suggestion.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Say why you are dismissing this suggestion."))
        return reason
