"""Forms for urgent reports: the patient's short report and the clinician's acknowledgement."""

from __future__ import annotations

import uuid

from django import forms
from django.utils import formats
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.local_dates import local_date
from patients.journal.forms import SubmissionForm
from patients.models import UrgentReport
from patients.urgent.reports import NOTE_MAX, SINCE_CHOICES, TEXT_MAX
from prescriptions.changes import logged_dose_stands_message
from prescriptions.titration import EVENING, MORNING


def grouped(number: int) -> str:
    """2000 as the page's language writes it: 2,000 (en), 2.000 (de)."""
    return formats.number_format(number, force_grouping=True)


SYMPTOM_ERROR = _("Choose at least one thing from the list (or “Something else”).")


class UrgentReportForm(SubmissionForm):
    # A patient in trouble is never told "this form has expired": a missing or mangled id
    # gets a fresh one (the report goes through; only the double-post guard is lost).
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    symptoms = forms.MultipleChoiceField(
        label=_("What is happening?"),
        choices=UrgentReport.Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose all that apply."),
        error_messages={"required": SYMPTOM_ERROR, "invalid_choice": SYMPTOM_ERROR},
    )
    since = forms.ChoiceField(
        label=_("Since when?"),
        choices=SINCE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose when it started."),
            "invalid_choice": _("Choose when it started."),
        },
    )
    severity = forms.ChoiceField(
        label=_("How bad is it?"),
        choices=UrgentReport.Severity.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose moderate or severe."),
            "invalid_choice": _("Choose moderate or severe."),
        },
    )
    text = forms.CharField(
        label=_("Anything else your clinician should know"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": format_lazy(
                _(
                    "Keep it to {limit} characters or fewer; your clinician will "
                    "call you for the rest."
                ),
                limit=lazy(grouped, str)(TEXT_MAX),
            )
        },
    )

    def clean_submission_id(self):
        try:
            return uuid.UUID(self.cleaned_data.get("submission_id") or "")
        except ValueError:
            return uuid.uuid4()

    def clean_symptoms(self):
        # Ticked twice (a page sent twice the same box, or a hand-made post): once.
        return list(dict.fromkeys(self.cleaned_data["symptoms"]))

    def clean(self):
        cleaned = super().clean()
        if (
            UrgentReport.Symptom.OTHER in (cleaned.get("symptoms") or ())
            and not (cleaned.get("text") or "").strip()
            # A text refused on its own (too long) was written: its own error says so.
            and "text" not in self.errors
        ):
            self.add_error("text", _("You chose “Something else”: say in a few words what it is."))
        return cleaned


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the patient"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The patient sees this with “Your clinician has seen this”."),
        error_messages={
            "required": _("Write a short note for the patient (what to do now)."),
            "max_length": format_lazy(
                _("Keep the note to {limit} characters or fewer."),
                limit=lazy(grouped, str)(NOTE_MAX),
            ),
        },
    )
    decision = forms.ChoiceField(
        label=_("What happens next"),
        choices=UrgentReport.Decision.choices,
        widget=forms.RadioSelect,
        # What "hold" does names its first night: say_when_the_hold_starts adds it.
        help_text=_("Continue: the pause ends and the patient doses as planned."),
        error_messages={
            "required": _("Choose “continue as planned” or “hold the plan”."),
            "invalid_choice": _("Choose “continue as planned” or “hold the plan”."),
        },
    )

    # "Hold the plan" signs nothing (reports.hold_stands): set by say_the_plan_is_on_hold.
    hold_signs_nothing = False
    # The patient's account is closed: set by for_a_closed_account.
    closed_account = False

    def for_a_closed_account(self):
        """The report of a closed account (accounts.closure left it open): it is acknowledged
        only, "continue as planned" (a hidden choice), since nothing can be signed on its
        read-only record (reports.acknowledge refuses a hold posted anyway, with its message),
        and the note is for the record: the patient can no longer sign in to read it. The
        page offered "Hold the plan", refused when chosen, and spoke of a patient who waits."""
        self.closed_account = True
        decision = self.fields["decision"]
        decision.widget = forms.HiddenInput()
        decision.initial = UrgentReport.Decision.CONTINUE
        note = self.fields["note"]
        note.label = gettext("Note for the record")
        note.help_text = gettext(
            "Kept with the report. The account is closed: the patient does not see it."
        )
        note.error_messages = {
            **note.error_messages,
            "required": gettext("Write a short note for the record (what you decided)."),
        }

    def say_when_the_hold_starts(
        self, first_night, tonight_logged, *, tonight, dosing_time=EVENING, local_today=None
    ):
        """Name the hold's first night, ``first_night`` (reports.hold_starts, what hold_plan
        stores): tonight while its dose is not logged (also after midnight), tomorrow once it
        is, the night after a later night logged (changes.first_changeable_night). It said
        "from the next night" at 20:00 of a night not logged, and the hold held that night.
        ``tonight``: the patient's current night (PlanView.tonight); ``local_today``: the
        patient's calendar day, so the logged night is named as the patient's pages name it
        ("last night" at 08:00, a later night by its date; changes.logged_dose_stands_message).
        A morning doser's hold starts from a day, not a night."""
        field = self.fields["decision"]
        self.hold_from, self.morning = first_night, dosing_time == MORNING
        field.help_text = " ".join(
            (gettext("Continue: the pause ends and the patient doses as planned."), self._hold())
        )
        if tonight_logged:
            hold = (
                gettext("Hold the plan from %(night)s")
                if self.morning
                else gettext("Hold the plan from the night of %(night)s")
            )
            field.choices = [
                (UrgentReport.Decision.CONTINUE, UrgentReport.Decision.CONTINUE.label),
                (UrgentReport.Decision.HOLD, hold % {"night": local_date(first_night, "day")}),
            ]
            stands = logged_dose_stands_message(
                first_night, tonight=tonight, dosing_time=dosing_time, local_today=local_today
            )
            # Kept for a hold's words (say_the_plan_is_on_hold), which replace the rest.
            self.logged_dose_stands = stands
            field.help_text = f"{stands} {field.help_text}"

    def _hold(self) -> str:
        """What "hold" does: a hold with no end from the night say_when_the_hold_starts
        named (a morning doser's day)."""
        text = (
            gettext(
                "Hold: a new plan version signed by you puts the plan on hold from %(night)s "
                "without a dose, with no end, until you restart it."
            )
            if self.morning
            else gettext(
                "Hold: a new plan version signed by you puts the plan on hold from the night "
                "of %(night)s without a dose, with no end, until you restart it."
            )
        )
        return text % {"night": local_date(self.hold_from, "day")}

    def say_the_plan_is_on_hold(self, hold, *, stands=False):
        """The plan is on hold already (reports.standing_hold), or a hold is signed to start
        later (reports.hold_ahead; ``hold.begun`` False): "continue as planned" keeps that
        hold as signed, and the form says so, with the hold's first and last night, in place
        of "the patient doses as planned" (a hold signed ahead went unsaid). After
        say_when_the_hold_starts, whose first night "hold" names. ``stands``
        (reports.hold_stands): "hold" signs nothing new, the hold already signed holds from
        that night on; it said "a new plan version signed by you puts the plan on hold" of an
        open-ended hold signed to start tomorrow, with tonight's dose logged."""
        field = self.fields["decision"]
        # The page's "signs a hold in your name" would be untrue: it says nothing is signed.
        self.hold_signs_nothing = stands
        values = {"first": local_date(hold.first, "day")}
        if hold.begun and hold.last is None:
            # Hold changes nothing (hold_plan): the plan is on hold until restarted.
            text = gettext(
                "The plan is already on hold, since %(first)s, with no restart signed. "
                "Continue: the pause ends and the plan stays as signed, on hold until you "
                "restart it: the patient takes no LDN. Hold: the plan stays on hold until you "
                "restart it."
            )
            text %= values
        else:
            if not hold.begun:
                text = self._hold_ahead_words(hold, values)
            else:
                values["last"] = local_date(hold.last, "day")
                text = (
                    gettext(
                        "The plan is already on hold, since %(first)s, up to and including "
                        "%(last)s. Continue: the pause ends and the plan stays as signed, on "
                        "hold up to and including %(last)s, then the patient doses as signed."
                    )
                    if hold.morning
                    else gettext(
                        "The plan is already on hold, since the night of %(first)s, up to and "
                        "including the night of %(last)s. Continue: the pause ends and the plan "
                        "stays as signed, on hold up to and including the night of %(last)s, "
                        "then the patient doses as signed."
                    )
                )
            # An open-ended hold signed ahead from the night "hold" would hold from: it stands.
            does = self._hold_stands(hold) if stands and not hold.begun else self._hold()
            text = f"{text % values} {does}"
        logged = getattr(self, "logged_dose_stands", "")
        field.help_text = f"{logged} {text}" if logged else text

    @staticmethod
    def _hold_stands(hold) -> str:
        """What "hold" does when the open-ended hold signed ahead already holds from the night
        it would hold from (reports.hold_stands): nothing new is signed."""
        text = (
            gettext(
                "Hold: the hold already signed from %(first)s stands, with no end, until you "
                "restart it; no new plan version is signed."
            )
            if hold.morning
            else gettext(
                "Hold: the hold already signed from the night of %(first)s stands, with no "
                "end, until you restart it; no new plan version is signed."
            )
        )
        return text % {"first": local_date(hold.first, "day")}

    @staticmethod
    def _hold_ahead_words(hold, values) -> str:
        """say_the_plan_is_on_hold's words for a hold signed to start after tonight: the
        patient doses until then (what "hold" does follows: AcknowledgeForm._hold)."""
        if hold.last is not None:
            values["last"] = local_date(hold.last, "day")
            if hold.morning:
                return gettext(
                    "A hold is signed from %(first)s up to and including %(last)s. Continue: "
                    "the pause ends, the patient doses as planned until then, and the plan "
                    "stays as signed: on hold from %(first)s up to and including %(last)s, "
                    "then the patient doses as signed."
                )
            return gettext(
                "A hold is signed from the night of %(first)s up to and including the night "
                "of %(last)s. Continue: the pause ends, the patient doses as planned until "
                "then, and the plan stays as signed: on hold from the night of %(first)s up to "
                "and including the night of %(last)s, then the patient doses as signed."
            )
        if hold.morning:
            return gettext(
                "A hold is signed from %(first)s, with no restart signed. Continue: the pause "
                "ends, the patient doses as planned until then, and the plan stays as signed: "
                "on hold from %(first)s until you restart it."
            )
        return gettext(
            "A hold is signed from the night of %(first)s, with no restart signed. Continue: "
            "the pause ends, the patient doses as planned until then, and the plan stays as "
            "signed: on hold from the night of %(first)s until you restart it."
        )
