"""The clinician's forms: list filters, date ranges, notes, reviews and extra scales.

Every form says what is allowed when it refuses something; a range that is too long is cut
to the cap with a message rather than refused, so a report always renders.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext, override, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.languages import speaking_to
from ldn_journal.date_fields import IsoDateField
from ldn_journal.local_dates import local_date
from patients.models import ClinicianNote, FlagReview, Patient, SymptomScale
from patients.rules import flags, scales
from patients.rules.nights import EVENING, FIRST_NAMEABLE, MORNING

MAX_RANGE_DAYS = 731  # two years: a report or export longer than this is cut, with a message
SEARCH_MAX = 100
NOTE_MAX = ClinicianNote._meta.get_field("text").max_length


class PatientListForm(forms.Form):
    q = forms.CharField(label=_("Search by name or email"), required=False, max_length=SEARCH_MAX)
    kind = forms.ChoiceField(
        label=_("Flag"),
        required=False,
        choices=[("", _("Any flag or none")), *((k, _(v)) for k, v in flags.KIND_LABELS.items())],
        error_messages={"invalid_choice": _("Unknown flag filter “%(value)s”: showing all flags.")},
    )
    review = forms.BooleanField(label=_("Needs review only"), required=False)

    def filters(self):
        """The valid filters; an invalid one is dropped (its message is shown)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "search": (data.get("q") or "").strip(),
            "kind": data.get("kind") or "",
            "needs_review": bool(data.get("review")),
        }


def range_date_field(label, which, **kwargs):
    """An optional ISO date field for one end ("start" or "end") of a date range."""
    return IsoDateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter the start date as YYYY-MM-DD.")
            if which == "start"
            else _("Enter the end date as YYYY-MM-DD.")
        },
        **kwargs,
    )


class DateRangeForm(forms.Form):
    # No "As YYYY-MM-DD" help: the browser's date picker shows a date in its own format
    # (01/03/2026), which the help contradicted. A typed date reaches the form only from a
    # browser without the picker (a plain text box) or the address bar, and its error says
    # the format then.
    start = range_date_field(_("From"), "start")
    end = range_date_field(pgettext_lazy("date range", "To"), "end")

    def __init__(
        self, data=None, *, default_start: date, default_end: date, cut_is_error=False, **kwargs
    ):
        super().__init__(data, **kwargs)
        self.default_start, self.default_end = default_start, default_end
        self.notice = ""
        # A download cannot say it was cut (a message queued beside a file is shown later,
        # on some other page): a range asked for that is too long is refused instead.
        self.cut_is_error = cut_is_error

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        start = data.get("start") or self.default_start
        end = data.get("end") or self.default_end
        if start < FIRST_NAMEABLE:
            # No page names a night before 1900 (and the night before 1 Jan 0001 overflows).
            self.add_error(
                "start",
                gettext("The earliest start date is %(first)s: choose a start on or after it.")
                % {"first": local_date(FIRST_NAMEABLE, "date")},
            )
            return data
        if start > self.default_end:
            # Wholly after the last night of the record: one error saying up to when. Cut
            # to that night, the range also said "the start date is after the end date" (a
            # second, wrong, message; found by QA).
            self.add_error(
                "start",
                gettext("Nothing is recorded after %(end)s: choose dates up to then.")
                % {"end": local_date(self.default_end, "date")},
            )
            return data
        if end > self.default_end:
            # Nothing is recorded after the default end, the last night of the record
            # (nights.last_night_of_record; and 9999-12-31 + 1 day overflows).
            end = self.default_end
            self.notice = gettext("Nothing is recorded after %(end)s: the range ends there.") % {
                # As every date on the page (it said "2026-12-03" in every language).
                "end": local_date(end, "date")
            }
        if start > end:
            raise forms.ValidationError(
                _("The start date is after the end date: choose a start on or before the end.")
            )
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            first = end - timedelta(days=MAX_RANGE_DAYS - 1)
            if self.cut_is_error and data.get("start"):
                self.add_error(
                    "start",
                    gettext(
                        "An export covers at most %(days)s days (two years): choose a start on "
                        "or after %(first)s."
                    )
                    % {"days": MAX_RANGE_DAYS, "first": local_date(first, "date")},
                )
                return data
            start = first
            self.notice = gettext(
                "Ranges are limited to %(days)s days (two years): showing %(start)s to %(end)s."
            ) % {
                "days": MAX_RANGE_DAYS,
                # As every date on the page ("4. Dez. 2024"; it said "2024-12-04"; found by QA).
                "start": local_date(start, "date"),
                "end": local_date(end, "date"),
            }
        data["start"], data["end"] = start, end
        return data

    def range(self):
        """(start, end) if valid, else the defaults cut to the last MAX_RANGE_DAYS (the errors
        are shown beside the form): a refused range showed the whole record, however long."""
        if self.is_valid():
            return self.cleaned_data["start"], self.cleaned_data["end"]
        return export_default_start(self.default_start, self.default_end), self.default_end


def export_default_start(record_start: date, end: date) -> date:
    """Where an export with no start given begins: the record's start, or two years before
    the end when the record is longer (what the download holds, and what the picker says)."""
    return max(record_start, end - timedelta(days=MAX_RANGE_DAYS - 1))


class ExportRangeForm(DateRangeForm):
    """The patient page's export picker: its own ids, so they do not clash with the page;
    its default start is where a download with no start begins; a range asked for that is
    longer than an export may be is refused, as the export refuses it."""

    prefix = None

    def __init__(self, *args, default_start: date, default_end: date, **kwargs):
        kwargs.setdefault("auto_id", "export_%s")
        kwargs.setdefault("cut_is_error", True)
        start = export_default_start(default_start, default_end)
        super().__init__(*args, default_start=start, default_end=default_end, **kwargs)
        self.whole_record = start == default_start
        self.initial = {"start": self.default_start, "end": self.default_end}


class NoteForm(forms.ModelForm):
    # One id per form drawn (ClinicianNote.submission_id): the same note posted twice is
    # saved once. A missing or mangled id gets a fresh one (the note is saved; only the
    # double-post guard is lost), so a clinician is never told the form expired.
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["submission_id"].initial = str(uuid.uuid4())

    def clean_submission_id(self):
        try:
            return uuid.UUID(self.cleaned_data.get("submission_id") or "")
        except ValueError:
            return uuid.uuid4()

    class Meta:
        model = ClinicianNote
        fields = ["text"]
        labels = {"text": _("Add a note for the care team")}
        help_texts = {
            "text": format_lazy(
                _("Only the care team sees notes; at most {limit} characters."), limit=NOTE_MAX
            )
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def clean_text(self):
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError(_("Write something before saving the note."))
        return text


class ReviewForm(forms.Form):
    reviewed_through = IsoDateField(
        label=_("Reviewed through night"),
        help_text=_("Flags raised by this night or earlier stop raising the patient in the list."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the night as YYYY-MM-DD.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=FlagReview._meta.get_field("note").max_length,
    )

    def __init__(self, *args, today: date, first: date, dosing_time: str = EVENING, **kwargs):
        """``first``: the journal's first night (first_reviewable_night); ``today``: the
        current night; ``dosing_time``: the patient's on that night (PlanPosition.dosing_time),
        a morning doser's nights being days ("Reviewed through day", as their pages say)."""
        super().__init__(*args, **kwargs)
        self.today, self.first = today, min(first, today)
        self.morning = dosing_time == MORNING
        if self.morning:
            field = self.fields["reviewed_through"]
            field.label = _("Reviewed through day")
            field.help_text = _(
                "Flags raised by this day or earlier stop raising the patient in the list."
            )
            # Its errors too: they said "Enter the night" under "Reviewed through day".
            field.error_messages["invalid"] = _("Enter the day as YYYY-MM-DD.")
        self.fields["reviewed_through"].widget.attrs.update(
            min=self.first.isoformat(), max=today.isoformat()
        )

    def clean_reviewed_through(self):
        night = self.cleaned_data["reviewed_through"]
        if night > self.today:
            later = (
                gettext("You can review up to the current day (%(night)s), not later.")
                if self.morning
                else gettext("You can review up to the current night (%(night)s), not later.")
            )
            raise forms.ValidationError(later % {"night": local_date(self.today, "date")})
        if night < self.first:
            # A review through a night before the journal began covers no flag at all
            # ("Mark reviewed" took 1 Jan 0001).
            earlier = (
                gettext(
                    "The journal starts on %(first)s: choose a day from then to the "
                    "current day (%(night)s)."
                )
                if self.morning
                else gettext(
                    "The journal starts on %(first)s: choose a night from then to the "
                    "current night (%(night)s)."
                )
            )
            raise forms.ValidationError(
                earlier
                % {"first": local_date(self.first, "date"), "night": local_date(self.today, "date")}
            )
        return night


def first_reviewable_night(patient, first_logged: date | None, plan) -> date:
    """The first night a review can name: the patient's first night logged or the night they
    joined (``plan``'s PlanView.night_of, as the flags read it), whichever is earlier. The
    calendar date of joining refused the night the flags named: an evening doser who joined
    at 09:00 joined in the night before."""
    joined = plan.night_joined(patient)
    return min(joined, first_logged) if first_logged is not None else joined


class ExtraScaleForm(forms.ModelForm):
    class Meta:
        model = SymptomScale
        fields = ["name", "lower_is_better", "low_anchor", "high_anchor"]
        labels = {
            "name": _("Scale name"),
            "lower_is_better": _("Lower is better"),
            "low_anchor": _("Word at 0"),
            "high_anchor": _("Word at 10"),
        }
        help_texts = {
            "name": _("For example “Brain fog”. The patient scores it 0–10 each morning.")
        }

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        # The model's defaults are English ("None", "Severe"): they were the form's initial
        # words on a German or Spanish page too (found by exploratory QA). The patient reads
        # them each morning: in their language, not the clinician's ("0 means Keine" on an
        # English patient's check-in, found by QA).
        low, high = default_anchors(patient)
        self.fields["low_anchor"].initial = low
        self.fields["high_anchor"].initial = high

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("low_anchor"), cleaned.get("high_anchor")
        if (
            cleaned.get("lower_is_better") is False
            and low is not None
            and high is not None
            and (_comparable(low), _comparable(high)) in self._default_words()
        ):
            # The words filled in are those of a scale where lower is better: kept with the box
            # unticked, "Itch (0 = None, 10 = Severe; higher is better)" was stored. Only the
            # untouched defaults are refused: the form does not judge words a clinician typed.
            self.add_error(
                "low_anchor",
                gettext(
                    "With higher is better, 10 is the best: give the words for 0 and 10, for "
                    "example “Worst” and “Best”."
                ),
            )
        return cleaned

    def _default_words(self) -> set[tuple[str, str]]:
        """The lower-is-better defaults as compared: the patient's (pre-filled) and the
        clinician's (the page's language, as they might retype them)."""
        return {
            tuple(map(_comparable, words))
            for words in (default_anchors(self.patient), default_anchors())
        }

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Give the scale a name."))
        if "=" in name or ";" in name:
            # The exports write a night's extra scores as "name=value; name=value".
            raise forms.ValidationError(
                _("A scale's name cannot contain “=” or “;”: the exports use them between scores.")
            )
        if _comparable(name) in _standard_scale_names():
            raise forms.ValidationError(
                gettext(
                    "The morning check-in already asks about “%(name)s” for every patient: "
                    "give the extra scale a name of its own."
                )
                % {"name": name}
            )
        # As the standard names: case, spacing and accents make no new scale ("Bráin fog"
        # beside "Brain fog" was accepted: found by exploratory QA). A patient has a few.
        heard = _comparable(name)
        for existing in SymptomScale.objects.filter(patient=self.patient).values_list(
            "name", flat=True
        ):
            if _comparable(existing) == heard:
                raise forms.ValidationError(
                    gettext("This patient already has a scale called “%(name)s”.")
                    % {"name": existing}
                )
        return name


def default_anchors(patient: Patient | None = None) -> tuple[str, str]:
    """The words a new extra scale offers at 0 and 10: those of a scale where lower is better
    (the form's default), in ``patient``'s language (their account's, as their emails are
    written: the words are stored and shown on their check-in), else the active one."""
    if patient is None:
        return pgettext("symptom scale", "None"), pgettext("symptom scale", "Severe")
    with speaking_to(patient.user):
        return default_anchors()


def _comparable(name: str) -> str:
    """A name as a reader hears it: case, spacing and accents do not make a new scale."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _standard_scale_names() -> set[str]:
    """The standard scales' names in every language the site speaks."""
    names = set()
    for code, _name in settings.LANGUAGES:
        with override(code):
            names.update(_comparable(gettext(label)) for label in scales.STANDARD_NAMES)
    return names


class ChartForm(forms.Form):
    weeks = forms.TypedChoiceField(
        choices=[(str(w), f"{w} weeks") for w in (4, 12, 26, 52)],
        coerce=int,
        required=False,
        empty_value=12,
    )

    def weeks_shown(self):
        return self.cleaned_data["weeks"] if self.is_valid() else 12


RECORD_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,29}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")
OLDEST_BIRTH_YEAR = 1900
RECORD_NUMBER_HELP = _(
    "Use up to 30 letters, digits, dots, slashes or hyphens for the record number, "
    "starting with a letter or digit."
)
PHONE_HELP = _(
    "Enter a phone number of 6 to 15 digits, optionally starting with + and the "
    "country code, for example +44 20 7946 0958."
)


class PatientIdentifiersForm(forms.ModelForm):
    """Date of birth, clinic record number and phone: what matches a report to a chart."""

    class Meta:
        model = Patient
        fields = ["date_of_birth", "record_number", "phone"]
        field_classes = {"date_of_birth": IsoDateField}
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        }
        labels = {
            "date_of_birth": _("Date of birth"),
            "record_number": _("Clinic record number"),
            "phone": _("Phone"),
        }
        error_messages = {
            "date_of_birth": {"invalid": _("Enter the date of birth as YYYY-MM-DD.")},
            "record_number": {"max_length": RECORD_NUMBER_HELP},
            "phone": {"max_length": PHONE_HELP},
        }

    def __init__(self, *args, today: date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value is not None and not date(OLDEST_BIRTH_YEAR, 1, 1) <= value <= self.today:
            raise forms.ValidationError(
                gettext("Enter a date of birth between %(oldest)s and today.")
                % {"oldest": local_date(date(OLDEST_BIRTH_YEAR, 1, 1), "date")}
            )
        return value

    def clean_record_number(self):
        value = self.cleaned_data.get("record_number", "").strip()
        if value and not RECORD_NUMBER.match(value):
            raise forms.ValidationError(RECORD_NUMBER_HELP)
        return value

    def clean_phone(self):
        value = " ".join(self.cleaned_data.get("phone", "").split())
        digits = sum(ch.isdigit() for ch in value)
        if value and (not PHONE.match(value) or not 6 <= digits <= 15):
            raise forms.ValidationError(PHONE_HELP)
        return value
