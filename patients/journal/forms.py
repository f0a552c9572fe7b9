"""The patient's journal forms: dose and time, skip, morning check-in, settings.

Every journal form carries a submission id. Doses are read by the one strict dose reader
(prescriptions.forms.dose_from_text, the clinician's too): a tired thumb typing "15" for "1.5"
must get a clear refusal, not a stored 15 mg.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.languages import LANGUAGE_CHOICES
from ldn_journal.accounts.names import validate_person_name
from ldn_journal.local_dates import local_date
from patients import guidance
from patients.journal.entries import CLOCK_SKEW, Morning
from patients.models import NightlyEntry, SideEffect, known_time_zones
from patients.notifications import reach
from patients.notifications.forms import LAST_EVENING_TIME, ReminderSettingsForm
from patients.notifications.quiet_warnings import TYPICAL_NIGHT
from patients.rules import doses, nights, scales, schedule
from prescriptions.forms import (
    active_decimal_separator,
    dose_from_text,
    dose_range_message,
    local_plain,
)

CENT = doses.CENT
# Last, the "No answer" key (ScaleRadioSelect draws its label): a radio cannot be unchecked
# without script, so a saved score is cleared by choosing it. It fills the empty twelfth cell
# of the scale's two rows of six on a phone.
SCORE_CHOICES = [(str(n), str(n)) for n in range(11)] + [("", "")]
SCORE_ERROR = _("Choose a whole number from 0 to 10.")
NOTES_MAX = 2000
plain = doses.plain


def parse_volume(text: str, concentration: Decimal, *, decimal_separator: str | None = None):
    """A liquid volume in mL, returned as the dose in mg it holds (to 0.01 mg)."""
    separator = decimal_separator or active_decimal_separator()
    if (slip := doses.decimal_comma_slip(text, separator)) is not None:
        # "2,5" on an English page: the comma is the mistake, not the volume (the range's
        # message refused 2.5 mL as if out of 1 to 5 mL; found by exploratory QA).
        raise ValidationError(
            gettext("Use a point for decimals: %(example)s.") % {"example": slip},
            code="decimal_comma",
        )
    low = (settings.LDN_DOSE_MIN_MG / concentration).quantize(CENT, rounding=ROUND_HALF_UP)
    high = (settings.LDN_DOSE_MAX_MG / concentration).quantize(CENT, rounding=ROUND_HALF_UP)
    message = gettext(
        "Enter a volume between %(low)s and %(high)s mL (%(min)s to %(max)s mg at "
        "%(concentration)s mg/mL), with at most two decimals (for example %(example)s)."
    ) % {
        "low": local_plain(low),
        "high": local_plain(high),
        "min": local_plain(settings.LDN_DOSE_MIN_MG),
        "max": local_plain(settings.LDN_DOSE_MAX_MG),
        "concentration": local_plain(concentration),
        "example": local_plain(Decimal("1.5")),
    }
    volume = doses.parse_amount(text, separator)
    if volume is None:
        raise ValidationError(message, code="volume")
    dose = (volume * concentration).quantize(CENT, rounding=ROUND_HALF_UP)
    if not settings.LDN_DOSE_MIN_MG <= dose <= settings.LDN_DOSE_MAX_MG:
        raise ValidationError(message, code="volume")
    return dose


class SubmissionForm(forms.Form):
    """Base of every journal form: a hidden submission id, new for each rendered form."""

    submission_id = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("submission_id", uuid.uuid4())
        super().__init__(*args, **kwargs)
        expired = gettext("This form has expired. Please try again.")
        self.fields["submission_id"].error_messages["invalid"] = expired
        self.fields["submission_id"].error_messages["required"] = expired


class TakenNowForm(SubmissionForm):
    """The tonight card's one tap. It names the night the card was for: kept on the phone
    (by the page's script or by the service worker, whose kept copy has only the body) and
    sent the next day, it was filed under the night of the moment it was sent or tapped,
    not the card's. A form without it (drawn before forms named it) is filed by its moment."""

    night = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_night(self) -> date | None:
        text = self.cleaned_data.get("night", "")
        if not text:
            return None
        night = nights.night_named(text)
        if night is None:
            raise ValidationError(gettext("This form has expired. Please try again."))
        return night


DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_ERROR = _("Enter the date and time like 2026-11-26 22:30.")


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as the patient's clock showed it, in the zone the view activates.

    Django's DateTimeField refuses a wall time that occurs twice or not at all around a
    daylight-saving change ("it may be ambiguous or it may not exist"): a dose in the repeated
    hour could not be entered, and the form refused its own prefilled "now". Here such a time
    means what it means everywhere else, by the one rule in patients.rules.nights: a repeated
    time is its first occurrence, a skipped time the instant the clocks jump.
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            wall = value
        elif isinstance(value, date):
            wall = datetime.combine(value, time())
        else:
            try:
                wall = parse_datetime(value.strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            if wall is None:
                # The locale's input formats, read as a naive wall time (BaseTemporalField).
                wall = super(forms.DateTimeField, self).to_python(value)
        if timezone.is_aware(wall):
            return wall
        # A calendar date and a wall time on it: what moment_on_night reads for a morning
        # night (its own date), resolved by the module's rule.
        return nights.moment_on_night(
            wall.date(), wall.time(), timezone.get_current_timezone(), nights.MORNING
        )


# Each time field's own whole sentences: one sentence with the field's label put first
# ("%(what)s cannot be ...") lost the label's article in Spanish and German ("Hora de
# acostarse no puede ...", "Schlafenszeit darf nicht ...") and "ahora son las sáb 5 dic, 18:23"
# read wrongly (found by QA).
TIME_ERRORS = {
    "taken_at": {
        "future": _("The time taken cannot be in the future: it is now %(now)s."),
        "night": _("The time taken must be during this night: from %(start)s to %(end)s."),
        "day": _("The time taken must be during this day: from %(start)s to %(end)s."),
    },
    "bedtime": {
        "future": _("Bedtime cannot be in the future: it is now %(now)s."),
        "night": _("Bedtime must be during this night: from %(start)s to %(end)s."),
        "day": _("Bedtime must be during this day: from %(start)s to %(end)s."),
    },
}


class NightTimesMixin:
    """Times entered on a night's form belong to that night and are not in the future."""

    def setup_times(self, *, window, tz, now, morning_dosing=False):
        self.window, self.tz, self.now = window, tz, now
        self.morning_dosing = morning_dosing
        for name in ("taken_at", "bedtime"):
            if name in self.fields:
                self.fields[name].error_messages["invalid"] = DATETIME_ERROR

    def _local(self, moment: datetime) -> str:
        # Day and month names in the page's language ("Do, 26. Nov, 22:30" in German).
        return local_date(moment.astimezone(self.tz), "day_time")

    def check_time(self, value, field):
        """``value`` of the time field ``field`` (taken_at or bedtime: TIME_ERRORS)."""
        if value is None:
            return value
        messages = TIME_ERRORS[field]
        # The view activates the patient's zone, so the form read the wall-clock time there.
        start, end = self.window
        if value > self.now + CLOCK_SKEW:
            raise ValidationError(str(messages["future"]) % {"now": self._local(self.now)})
        if not start <= value < end:
            # A morning doser's night is a day (it said "during this night" of 00:00-00:00).
            message = messages["day" if self.morning_dosing else "night"]
            raise ValidationError(
                str(message) % {"start": self._local(start), "end": self._local(end)}
            )
        return value


class EveningForm(NightTimesMixin, SubmissionForm):
    """A dose (mg, or mL for a liquid), when it was taken, and optionally bedtime (evening
    dosing only)."""

    UNIT_CHOICES = [("mg", "mg"), ("ml", "mL")]

    dose = forms.CharField(
        label=_("Dose taken"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    unit = forms.ChoiceField(
        choices=UNIT_CHOICES, initial="mg", required=False, widget=forms.RadioSelect
    )
    taken_at = WallClockDateTimeField(label=_("Time taken"), widget=DATETIME_WIDGET)
    bedtime = WallClockDateTimeField(label=_("Bedtime"), required=False, widget=DATETIME_WIDGET)

    def __init__(
        self,
        *args,
        concentration=None,
        window,
        tz,
        now,
        prescribed_filled_in=False,
        morning_dosing=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.concentration = concentration
        self.setup_times(window=window, tz=tz, now=now, morning_dosing=morning_dosing)
        if morning_dosing:
            # Bedtime belongs to evening dosing: a morning doser takes LDN on waking (the
            # tonight card offers no "Add bedtime" to them either). A bedtime already stored
            # is kept, not cleared: save_evening leaves it alone when none is given.
            del self.fields["bedtime"]
        self.fields["dose"].error_messages["required"] = dose_range_message()
        self.fields["dose"].error_messages["max_length"] = dose_range_message()
        if concentration is None:
            del self.fields["unit"]
            # Says the prescribed dose is filled in only where it is (not while the plan is
            # paused, not over a dose already logged).
            self.fields["dose"].help_text = (
                gettext("In mg, from %(min)s to %(max)s. Your prescribed dose is filled in.")
                if prescribed_filled_in
                else gettext("In mg, from %(min)s to %(max)s.")
            ) % {
                "min": local_plain(settings.LDN_DOSE_MIN_MG),
                "max": local_plain(settings.LDN_DOSE_MAX_MG),
            }
            self.fields["dose"].label = gettext("Dose taken (mg)")
        else:
            self.fields["unit"].label = gettext("Unit")
            self.fields["dose"].help_text = gettext(
                "In mg, or in mL of your liquid (%(concentration)s mg per mL)."
            ) % {"concentration": local_plain(concentration)}

    def clean_taken_at(self):
        return self.check_time(self.cleaned_data.get("taken_at"), "taken_at")

    def clean_bedtime(self):
        return self.check_time(self.cleaned_data.get("bedtime"), "bedtime")

    def clean(self):
        cleaned = super().clean()
        text = self.data.get(self.add_prefix("dose"), "")
        if "dose" in cleaned:
            try:
                if self.concentration is not None and cleaned.get("unit") == "ml":
                    cleaned["dose_mg"] = parse_volume(text, self.concentration)
                else:
                    cleaned["dose_mg"] = dose_from_text(text)
            except ValidationError as error:
                self.add_error("dose", error)
        return cleaned


class WhenTakenForm(NightTimesMixin, SubmissionForm):
    """Past the dosing window: when the prescribed dose was taken, as a time of that night."""

    time = forms.TimeField(
        label=_("Time taken"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": _("Choose the time you took it, like 22:15."),
            "invalid": _("Enter the time you took it like 22:15."),
        },
    )

    def __init__(self, *args, night, patient, plan, now, **kwargs):
        super().__init__(*args, **kwargs)
        self.night, self.plan = night, plan
        self.setup_times(
            window=plan.window(night, patient.tz),
            tz=patient.tz,
            now=now,
            morning_dosing=plan.dosing_time_on(night) == nights.MORNING,
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("time") is not None:
            moment = nights.moment_on_night(
                self.night, cleaned["time"], self.tz, self.plan.dosing_time_on(self.night)
            )
            try:
                cleaned["taken_at"] = self.check_time(moment, "taken_at")
            except ValidationError as error:
                self.add_error("time", error)
        return cleaned


# The skip question in the page title's word for the night (nights.relative_night): at 02:00
# it asked "Why are you skipping tonight?" under "Last night, Thursday 26 November".
_SKIP_QUESTIONS = {
    nights.TONIGHT: _("Why are you skipping tonight?"),
    nights.LAST_NIGHT: _("Why are you skipping last night's dose?"),
    nights.TODAY: _("Why are you skipping today's dose?"),
    nights.YESTERDAY: _("Why are you skipping yesterday's dose?"),
}


class SkipForm(SubmissionForm):
    reason = forms.ChoiceField(
        label=_("Why are you skipping tonight?"),
        choices=NightlyEntry.SkipReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a reason."),
            "invalid_choice": _("Choose a reason."),
        },
    )
    reason_text = forms.CharField(
        label=_("Tell us more"),
        help_text=_("Needed when the reason is “Other reason”."),
        max_length=300,
        required=False,
        widget=forms.TextInput,
    )
    # Not "(optional)": the reason "Other reason" needs it (clean).
    reason_text.conditionally_required = True

    def __init__(self, *args, morning_dosing=False, relative="", **kwargs):
        """``relative``: the night's word on the patient's day (nights.relative_night), None
        for an older night; not given, the question is about tonight (or today)."""
        super().__init__(*args, **kwargs)
        if relative == "":
            relative = nights.TODAY if morning_dosing else nights.TONIGHT
        question = _SKIP_QUESTIONS.get(relative)
        if question is None:
            question = (
                _("Why are you skipping this day's dose?")
                if morning_dosing
                else _("Why are you skipping this night's dose?")
            )
        self.fields["reason"].label = question

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == NightlyEntry.SkipReason.OTHER
            and not cleaned.get("reason_text", "").strip()
            # A text refused on its own (too long, a null character) was written: its own
            # error says what is wrong, not that it is missing.
            and "reason_text" not in self.errors
        ):
            # The choice's own name, as the field's help text says it ("Other" alone named
            # no choice on the page).
            self.add_error(
                "reason_text",
                gettext("Say in a few words why, when the reason is “Other reason”."),
            )
        return cleaned


class ScaleRadioSelect(forms.RadioSelect):
    """A 0–10 scale's keys and its "No answer" key: a dash, named for screen readers."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value == "":
            option["label"] = format_html(
                '<span aria-hidden="true">\u2013</span><span class="visually-hidden">{}</span>',
                pgettext("score", "No answer"),
            )
        return option


def score_field(scale: scales.Scale | None = None, *, label=None, low=None, high=None):
    """A 0–10 radio scale that knows its anchor words (shown at each end on the form)."""
    field = forms.TypedChoiceField(
        label=label or _(scale.label),
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=ScaleRadioSelect,
        error_messages={"invalid_choice": SCORE_ERROR},
    )
    field.low_anchor = low or _(scale.low_anchor)
    field.high_anchor = high or _(scale.high_anchor)
    field.is_scale = True
    return field


SEVERITY_CHOICES = [("", _("No"))] + [(str(v), label) for v, label in SideEffect.Severity.choices]


class MorningForm(SubmissionForm):
    """How last night went. Every field is optional, but something must be filled in."""

    sleep_quality = score_field(scales.SLEEP)
    dreams = forms.ChoiceField(
        label=_("Dreams"),
        # Short chip labels (the legend says "Dreams"), so the check-in fits one phone screen.
        choices=[
            ("", pgettext_lazy("dreams", "Not saying")),
            (NightlyEntry.Dreams.NONE, pgettext_lazy("dreams", "None")),
            (NightlyEntry.Dreams.NORMAL, pgettext_lazy("dreams", "Normal")),
            (NightlyEntry.Dreams.VIVID, pgettext_lazy("dreams", "Vivid")),
            (NightlyEntry.Dreams.NIGHTMARES, NightlyEntry.Dreams.NIGHTMARES.label),
        ],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose one of the listed answers.")},
    )
    dream_intensity = score_field(scales.DREAMS)
    pain = score_field(scales.PAIN)
    fatigue = score_field(scales.FATIGUE)
    mood = score_field(scales.MOOD)
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": NOTES_MAX}),
    )

    SCORES = ("sleep_quality", "dream_intensity", "pain", "fatigue", "mood")

    def __init__(self, *args, extra_scales=(), stopped_scales=(), **kwargs):
        """``extra_scales``: the patient's scales still asked, drawn on the form.
        ``stopped_scales``: their scales the clinician stopped asking, taken only when a
        post answers them: a check-in kept on the phone offline, or a page drawn before the
        clinician's "Stop asking", was filled in while the scale was asked, and dropping
        its answer lost it silently (DESIGN §4)."""
        super().__init__(*args, **kwargs)
        self.extra_scales = list(extra_scales)
        if self.is_bound:
            self.extra_scales += [
                scale
                for scale in stopped_scales
                if self.add_prefix(f"scale_{scale.pk}") in self.data
            ]
        self.fields["notes"].error_messages["max_length"] = gettext(
            "Notes can be at most %(limit)s characters long."
        ) % {"limit": formats.number_format(NOTES_MAX, force_grouping=True)}
        for kind, label in SideEffect.Kind.choices:
            self.fields[f"side_{kind}"] = forms.TypedChoiceField(
                label=label,
                choices=SEVERITY_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": gettext("Choose no, mild, moderate or severe.")},
            )
        self.fields["side_other_text"] = forms.CharField(
            label=gettext("Other side effect: what was it?"),
            help_text=gettext("Needed when “Other” is mild, moderate or severe."),
            max_length=200,
            required=False,
        )
        # Not "(optional)": "Other" with a severity needs it (clean).
        self.fields["side_other_text"].conditionally_required = True
        for scale in self.extra_scales:
            self.fields[f"scale_{scale.pk}"] = score_field(
                label=scale.name, low=scale.low_anchor, high=scale.high_anchor
            )

    def side_effect_fields(self):
        return [self[f"side_{kind}"] for kind in SideEffect.Kind.values]

    def extra_scale_fields(self):
        return [self[f"scale_{scale.pk}"] for scale in self.extra_scales]

    def clean(self):
        cleaned = super().clean()
        side_effects = {}
        for kind in SideEffect.Kind.values:
            severity = cleaned.get(f"side_{kind}")
            if severity:
                text = cleaned.get("side_other_text", "") if kind == SideEffect.Kind.OTHER else ""
                side_effects[kind] = (severity, text.strip())
        if cleaned.get("side_other_text", "").strip() and SideEffect.Kind.OTHER not in side_effects:
            self.add_error("side_other", gettext("Choose how bad the other side effect was."))
        if (
            SideEffect.Kind.OTHER in side_effects
            and not side_effects[SideEffect.Kind.OTHER][1]
            # A text refused on its own (too long, a null character) was written: its own
            # error says what is wrong, not that it is missing (as the skip form's reason).
            and "side_other_text" not in self.errors
        ):
            # "Other: moderate" told the clinician nothing, as a skip's "Other" reason alone.
            self.add_error(
                "side_other_text", gettext("Say in a few words what the other side effect was.")
            )
        extra = {
            scale.pk: cleaned[f"scale_{scale.pk}"]
            for scale in self.extra_scales
            if cleaned.get(f"scale_{scale.pk}") is not None
        }
        answered = (
            any(cleaned.get(name) is not None for name in self.SCORES)
            or cleaned.get("dreams")
            or cleaned.get("notes", "").strip()
            or side_effects
            or extra
        )
        if not self.errors and not answered:
            raise ValidationError(gettext("Fill in at least one answer before saving."))
        dream_intensity = cleaned.get("dream_intensity")
        if cleaned.get("dreams") == NightlyEntry.Dreams.NONE:
            # No dreams remembered have no intensity. A browser cannot uncheck the intensity's
            # radio, so changing an earlier "Vivid, 8" to "None" still sent 8: the entry said
            # "No dreams I remember (8 / 10)" and the trend charted an 8.
            dream_intensity = None
        cleaned["morning"] = Morning(
            sleep_quality=cleaned.get("sleep_quality"),
            dreams=cleaned.get("dreams", ""),
            dream_intensity=dream_intensity,
            pain=cleaned.get("pain"),
            fatigue=cleaned.get("fatigue"),
            mood=cleaned.get("mood"),
            notes=cleaned.get("notes", "").strip(),
            side_effects=side_effects,
            extra_scores=extra,
        )
        return cleaned

    def score_fields(self):
        return [self[name] for name in ("sleep_quality", "pain", "fatigue", "mood")]

    MORE = ("dream_intensity", "notes", "side_other_text")

    @property
    def more_open(self) -> bool:
        """Open "Add more" when it holds an answer or an error, so nothing is hidden."""
        names = [*self.MORE, *(f"side_{kind}" for kind in SideEffect.Kind.values)]
        names += [f"scale_{scale.pk}" for scale in self.extra_scales]
        if self.is_bound:
            return any(self.data.get(self.add_prefix(name)) for name in names) or any(
                name in self.errors for name in names
            )
        return any(self.initial.get(name) not in (None, "") for name in names)

    @classmethod
    def initial_for(cls, entry):
        if entry is None:
            return {}
        initial = {name: getattr(entry, name) for name in cls.SCORES}
        initial.update(dreams=entry.dreams, notes=entry.notes)
        for effect in entry.side_effects.all():
            initial[f"side_{effect.kind}"] = effect.severity
            if effect.kind == SideEffect.Kind.OTHER:
                initial["side_other_text"] = effect.other_text
        for score in entry.extra_scores.all():
            initial[f"scale_{score.scale_id}"] = score.value
        return initial


# The zones offered in the settings pages' lists (the check is the model's validate_time_zone).
TIME_ZONES = sorted(known_time_zones())
# The <datalist> options of the settings page, written once (about 600 zones). A fixed-offset
# zone carries its real UTC offset as its label: Etc/GMT+12 is UTC−12 (nights.zone_label).
TIME_ZONE_OPTIONS = format_html_join(
    "", '<option value="{}">{}</option>', ((z, nights.utc_offset_label(z)) for z in TIME_ZONES)
)

# The latest morning time an evening doser's check-in takes (the base form's
# morning_time_refusal: 03:00 to 11:59, schedule.evening_morning_time).
LAST_CHECKIN_TIME = time(11, 59)


# The id of the settings page's notice on a stale morning time (settings.html), which the
# morning time field names in its aria-describedby.
STALE_MORNING_TIME_ID = "stale-morning-time"
# The same for the notice on stale evening times: the stale fields name it.
STALE_EVENING_TIMES_ID = "stale-evening-times"
# The same for the notice on an evening doser's morning time outside the morning.
STALE_CHECKIN_TIME_ID = "stale-checkin-time"


class _DescribedByANotice(forms.BoundField):
    """A field that a notice elsewhere on its page concerns (``form.notices``: the field's
    name to the notice's id): the notice's id joins the field's aria-describedby, after its
    help and before its errors (Django's order), so a screen reader says it with the field.
    The settings page's notice on a stale morning time stood above the reminder times, and
    the morning time's field, at the section's end, was described as "Between 03:00 and
    09:59." only."""

    @property
    def aria_describedby(self):
        described = super().aria_describedby
        notice = self.form.notices.get(self.name)
        if described is None or not notice:
            return described
        ids = described.split()
        ids.insert(1 if f"{self.auto_id}_helptext" in ids else 0, notice)
        return " ".join(ids)


class PatientSettingsForm(ReminderSettingsForm):
    """The patient's one settings form: their name, language, zone and every reminder setting."""

    display_name = forms.CharField(
        label=_("Your name"), max_length=150, validators=[validate_person_name]
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGE_CHOICES,
        required=False,
        help_text=_("Pages, emails and notifications are in this language."),
    )
    country = forms.ChoiceField(
        label=_("Country you live in"),
        required=False,
        help_text=_("For the emergency number we show you. Empty: the country of your time zone."),
        error_messages={
            "invalid_choice": _(
                "Choose your country from the list, or leave it empty to use "
                "the country of your time zone."
            )
        },
    )

    class Meta(ReminderSettingsForm.Meta):
        fields = [*ReminderSettingsForm.Meta.fields, "country"]

    def __init__(self, *args, morning_dosing=False, switch_on: date | None = None, **kwargs):
        """``switch_on``: the first night of a scheduled switch between evening and morning
        dosing (PlanView.next_dosing_time_switch), which the reminders section announces."""
        super().__init__(*args, **kwargs)
        self.morning_dosing = morning_dosing
        self.switch_on = switch_on
        if morning_dosing:
            # What the sweep sends a morning doser (schedule.slots_for_night): the dose
            # reminder and the check-in at the morning time; the evening times do nothing.
            # The page described evening reminders only.
            self.fields["morning_time"].label = gettext("Dose reminder and morning check-in at")
            for name in ("reminder_time", "last_call_time"):
                self.fields[name].help_text = (
                    gettext(
                        "Not used while you take your dose in the morning; used from "
                        "%(day)s, when your plan changes to evening dosing."
                    )
                    % {"day": local_date(switch_on, "long_day")}
                    if switch_on
                    else gettext("Not used while you take your dose in the morning.")
                )
        self.notices = {}
        if self.stale_morning_time():
            self.notices["morning_time"] = STALE_MORNING_TIME_ID
            self.fields["morning_time"].bound_field_class = _DescribedByANotice
        for name in self._stale_evening_fields():
            self.notices[name] = STALE_EVENING_TIMES_ID
            self.fields[name].bound_field_class = _DescribedByANotice
        if self.stale_checkin_time():
            # A morning doser with a switch to evenings may have both morning notices.
            self.notices["morning_time"] = " ".join(
                filter(None, [self.notices.get("morning_time"), STALE_CHECKIN_TIME_ID])
            )
            self.fields["morning_time"].bound_field_class = _DescribedByANotice
        if (last := self._last_morning_time()) is not None:
            # The times the form accepts (morning_time_refusal), not the check-in's 11:59.
            self.fields["morning_time"].help_text = gettext("Between 03:00 and %(last)s.") % {
                "last": f"{last:%H:%M}"
            }
        if morning_dosing and settings.LDN_MORNING_LAST_CALL_MINUTES:
            # Said with the checkbox it is about (its aria-describedby names its help): it
            # ended the paragraph above the fields, which a screen reader on the checkbox
            # does not read.
            self.fields["last_call"].help_text = self.morning_last_call()
        self.fields["display_name"].initial = self.instance.user.display_name
        self.fields["language"].initial = self.instance.user.language
        self.fields["time_zone"].help_text = _(
            "Start typing a city, for example London or New_York."
        )
        if reach.push_available():
            self.fields["remind_by_push"].help_text = gettext(
                "Push notifications need this phone's permission: turn them on under "
                "“%(section)s” below."
            ) % {"section": reach.DEVICES_SECTION}
        else:
            # No VAPID key on this server: nothing below can turn push on, so the checkbox
            # is shown disabled (a disabled field keeps the saved choice) and says why.
            self.fields["remind_by_push"].disabled = True
            self.fields["remind_by_push"].help_text = gettext(
                "Push reminders are not available at this clinic."
            )
        self.order_fields(["display_name", "language"])
        self.fields["country"].choices = [
            ("", gettext("From my time zone")),
            *guidance.country_choices(),
        ]

    def _last_morning_time(self) -> time | None:
        """The latest morning time the form accepts when the morning dosing window cuts the
        morning times short (schedule.last_dose_reminder_time: half an hour before the
        clinic's LDN_MORNING_DOSING_WINDOW_END): with morning dosing (now, or from a signed
        switch) the morning time is the dose reminder's, and a later one is read as it
        (schedule.morning_reminder_time). None for an evening doser (the time is the
        check-in's, open until noon: 03:00 to 11:59), when the window leaves the whole
        check-in range (an end at 12:29 or later), and when it leaves no morning time at all
        (an end before 03:30: every morning time is read as the last; the form keeps the
        check-in's range, so the page can still be saved, and the notice says the time used:
        stale_morning_time)."""
        if not (self.morning_dosing or self.switch_on is not None):
            return None
        last = schedule.last_dose_reminder_time(settings.LDN_MORNING_DOSING_WINDOW_END)
        if not nights.DOSING_WINDOW_END <= last < LAST_CHECKIN_TIME:
            return None
        return last

    def morning_time_refusal(self, morning: time) -> str:
        """A window cutting the morning times short refuses those the sweep would not read
        as they are (schedule.morning_reminder_time), and says so for any time outside 03:00
        to the last it allows: the page said "03:00 to 11:59" (help text, and the refusal of
        12:30) and then refused 10:30 with "03:00 to 09:59"; then it took 09:59, a minute
        before the end."""
        last = self._last_morning_time()
        if last is None:
            return super().morning_time_refusal(morning)
        end = settings.LDN_MORNING_DOSING_WINDOW_END
        if morning >= nights.DOSING_WINDOW_END and (
            schedule.morning_reminder_time(morning, end) == morning
        ):
            return ""
        return gettext(
            "Choose a morning time from 03:00 to %(last)s: your morning dose is logged with "
            "one tap until %(end)s, and a dose reminder comes at least half an hour before "
            "that, to leave you time to take it."
        ) % {"last": f"{last:%H:%M}", "end": f"{end:%H:%M}"}

    def morning_reminders(self) -> str:
        """For a morning doser: what they are sent and when (empty for an evening doser).
        When the last call comes is said with its checkbox (morning_last_call)."""
        if not self.morning_dosing:
            return ""
        return gettext(
            "Your plan has morning dosing, so your reminders come in the morning: the dose "
            "reminder at your morning time, then the next morning at the same time the "
            "morning check-in (if it is on), or a reminder to log yesterday's dose if nothing "
            "was logged. We remind you only when a dose is not logged yet, and never while "
            "your plan is paused."
        )

    def morning_last_call(self) -> str:
        """When a morning doser's last call comes, as the sweep schedules it on a typical
        day (schedule.slots_for_night; quiet hours have their own warnings): ``minutes``
        after the dose reminder, moved to half an hour before an early end of the morning
        window, or not at all when that leaves no room (schedule.morning_last_call). The
        page said "it comes 120 minutes after the dose reminder" of a last call the sweep
        dropped, the window having ended by then. The last call checkbox's help (empty
        with LDN_MORNING_LAST_CALL_MINUTES at 0: no last call is sent)."""
        minutes = settings.LDN_MORNING_LAST_CALL_MINUTES
        if not minutes:
            return ""
        end = settings.LDN_MORNING_DOSING_WINDOW_END
        prefs = schedule.Prefs(
            tz="UTC",
            morning_time=self.instance.morning_time,
            last_call=True,
            morning_checkin=False,
            morning_last_call_after=timedelta(minutes=minutes),
            morning_window_end=end,
        )
        found = {
            slot.kind: slot.due_at
            for slot in schedule.slots_for_night(prefs, TYPICAL_NIGHT, nights.MORNING)
        }
        dose, last_call = found.get(schedule.EVENING_DOSE), found.get(schedule.LAST_CALL)
        if dose is not None and last_call is None:
            return gettext(
                "Your dose reminder at %(time)s comes too close to the end of your morning "
                "dosing window (%(end)s) for a last call: none is sent."
            ) % {"time": f"{dose:%H:%M}", "end": f"{end:%H:%M}"}
        if dose is not None and last_call - dose != timedelta(minutes=minutes):
            return gettext(
                "With the last call on, it comes at %(time)s, half an hour before your "
                "morning dosing window ends (%(end)s)."
            ) % {"time": f"{last_call:%H:%M}", "end": f"{end:%H:%M}"}
        return ngettext(
            "With the last call on, it comes %(minutes)s minute after the dose reminder.",
            "With the last call on, it comes %(minutes)s minutes after the dose reminder.",
            minutes,
        ) % {"minutes": minutes}

    def stale_morning_time(self) -> str:
        """The notice for a morning time (saved) later than the last the clinic's morning
        dosing window allows a dose reminder (schedule.last_dose_reminder_time: half an
        hour before its end), for a morning doser or one with a signed switch to morning
        dosing: saved before the clinic moved the end earlier (11:30), or before the form
        kept the half hour (09:45 under a 10:00 end), the form now refuses it, and the sweep
        reads it as that last time (schedule.morning_reminder_time), as "At my usual time"
        does (schedule.dose_reminder_time); the time used is said. Empty otherwise (an
        evening doser's is the check-in's)."""
        if not (self.morning_dosing or self.switch_on is not None):
            return ""
        end = settings.LDN_MORNING_DOSING_WINDOW_END
        saved = self.instance.morning_time
        used = schedule.morning_reminder_time(saved, end)
        if used == saved:
            return ""
        times = {"time": f"{saved:%H:%M}", "end": f"{end:%H:%M}", "used": f"{used:%H:%M}"}
        if used < nights.DOSING_WINDOW_END:
            # A window ending before 03:30 leaves no morning time to choose.
            return (
                gettext(
                    "Your morning time (%(time)s) is too late: a dose reminder comes at least "
                    "half an hour before your clinic's morning dosing window ends (%(end)s), "
                    "so yours comes at %(used)s instead."
                )
                % times
            )
        last = self._last_morning_time() or LAST_CHECKIN_TIME
        return gettext(
            "Your morning time (%(time)s) is too late: a dose reminder comes at least half "
            "an hour before your clinic's morning dosing window ends (%(end)s), so yours "
            "comes at %(used)s instead. Choose a morning time from 03:00 to %(last)s to "
            "change it."
        ) % {**times, "last": f"{last:%H:%M}"}

    def stale_evening_times(self) -> str:
        """The notice for an evening reminder or last call time (saved) later than 02:30,
        the last the evening dosing window (ending at 03:00) allows a reminder
        (schedule.last_dose_reminder_time), for an evening doser or one with a signed switch
        to evening dosing: saved before the form took evening times from 12:00 to 02:30 only
        (03:30 after the end, 02:59 in its last half hour), the form now refuses them, and
        the sweep reads them as 02:30 (schedule.evening_reminder_time,
        schedule.evening_last_call), or sends no last call when that leaves no room after the
        evening reminder. The times used are read from the sweep's slots on a typical night.
        Empty otherwise (a morning doser's evening times are not used, and the page says so
        beside them)."""
        stale = self._stale_evening_fields()
        if not stale:
            return ""
        patient = self.instance
        reminder, last_call = patient.reminder_time, patient.last_call_time
        stale_reminder, stale_last_call = "reminder_time" in stale, "last_call_time" in stale
        prefs = schedule.Prefs(
            tz="UTC",
            reminder_time=reminder,
            last_call=patient.last_call,
            last_call_time=last_call,
            morning_checkin=False,
        )
        found = {
            slot.kind: slot.due_at
            for slot in schedule.slots_for_night(prefs, TYPICAL_NIGHT, nights.EVENING)
        }
        end = f"{nights.DOSING_WINDOW_END:%H:%M}"
        said = []
        if stale_reminder:
            said.append(
                gettext(
                    "Your evening reminder time (%(time)s) is too late: a reminder comes at "
                    "least half an hour before the evening dosing window ends (%(end)s), so "
                    "your evening reminder comes at %(used)s instead."
                )
                % {
                    "time": f"{reminder:%H:%M}",
                    "end": end,
                    "used": f"{found[schedule.EVENING_DOSE]:%H:%M}",
                }
            )
        if stale_last_call and (used := found.get(schedule.LAST_CALL)) is not None:
            said.append(
                gettext(
                    "Your last call time (%(time)s) is too late: a reminder comes at least "
                    "half an hour before the evening dosing window ends (%(end)s), so your "
                    "last call comes at %(used)s instead."
                )
                % {"time": f"{last_call:%H:%M}", "end": end, "used": f"{used:%H:%M}"}
            )
        elif stale_last_call:
            said.append(
                gettext(
                    "Your last call time (%(time)s) is too late: a reminder comes at least "
                    "half an hour before the evening dosing window ends (%(end)s), so it would "
                    "come at %(last)s, too soon after your evening reminder: no last call is "
                    "sent."
                )
                % {"time": f"{last_call:%H:%M}", "end": end, "last": f"{LAST_EVENING_TIME:%H:%M}"}
            )
        said.append(
            gettext("Choose an evening time from %(first)s to %(last)s to change it.")
            % {
                "first": f"{nights.EVENING_NIGHT_STARTS:%H:%M}",
                "last": f"{LAST_EVENING_TIME:%H:%M}",
            }
        )
        return " ".join(said)

    def stale_checkin_time(self) -> str:
        """The notice for an evening doser's morning time (saved) outside the morning (03:00
        to 11:59), or one with a signed switch to evening dosing: saved before the form took
        those times only, the form now refuses it, and the sweep reads it as half an hour
        before the check-in closes at noon (schedule.evening_morning_time; 12:30 sent the
        check-in and the missed-dose follow-up that afternoon, before the dose). The time
        used is said. Empty otherwise (a morning doser's is the dose reminder's:
        stale_morning_time)."""
        if self.morning_dosing and self.switch_on is None:
            return ""
        saved = self.instance.morning_time
        used = schedule.evening_morning_time(saved)
        if used == saved:
            return ""
        noon = datetime.combine(date.min, nights.EVENING_NIGHT_STARTS)
        return gettext(
            "Your morning time (%(time)s) is outside the morning (%(first)s to %(last)s), so "
            "your morning reminders (the morning check-in, or a reminder to log a missed "
            "dose) come at %(used)s instead. Choose a morning time from %(first)s to "
            "%(last)s to change it."
        ) % {
            "time": f"{saved:%H:%M}",
            "first": f"{nights.DOSING_WINDOW_END:%H:%M}",
            "last": f"{(noon - timedelta(minutes=1)).time():%H:%M}",
            "used": f"{used:%H:%M}",
        }

    def _stale_evening_fields(self) -> list[str]:
        """The evening time fields whose saved value the evening dosing window no longer
        allows a reminder at (later than 02:30: schedule.evening_reminder_time), for an
        evening doser or one with a signed switch to evening dosing: what
        stale_evening_times speaks of, and the fields its notice describes (their
        aria-describedby names it)."""
        if self.morning_dosing and self.switch_on is None:
            return []
        patient = self.instance
        stale = []
        if schedule.evening_reminder_time(patient.reminder_time) != patient.reminder_time:
            stale.append("reminder_time")
        last_call = patient.last_call_time
        if patient.last_call and schedule.evening_reminder_time(last_call) != last_call:
            stale.append("last_call_time")
        return stale

    def coming_switch(self) -> str:
        """What changes in the reminders when the plan switches dosing time (empty with no
        switch scheduled): it said only "Not used while you take your dose in the morning"
        the day before a switch to evenings."""
        if self.switch_on is None:
            return ""
        day = local_date(self.switch_on, "long_day")
        if self.morning_dosing:
            return gettext(
                "From %(day)s your plan changes to evening dosing: from then the dose "
                "reminder comes at your evening reminder time, the last call (if it is on) "
                "at its time, and the morning check-in at your morning time."
            ) % {"day": day}
        return gettext(
            "From %(day)s your plan changes to morning dosing: from then the dose reminder "
            "and the morning check-in come at your morning time, and the evening reminder "
            "and last call times are not used."
        ) % {"day": day}

    def save(self, commit=True):
        patient = super().save(commit=commit)
        patient.user.display_name = self.cleaned_data["display_name"].strip()
        patient.user.language = self.cleaned_data.get("language", "")
        if commit:
            patient.user.save(update_fields=["display_name", "language"])
        return patient
