"""Forms for urgent reports: the patient's short report and the clinician's acknowledgement."""

from __future__ import annotations

import uuid

from django import forms

from patients.journal.forms import SubmissionForm
from patients.models import UrgentReport
from patients.urgent.reports import NOTE_MAX, SINCE_CHOICES, TEXT_MAX
from prescriptions.changes import logged_dose_stands_message

SYMPTOM_ERROR = "Choose at least one thing from the list (or “Something else”)."


class UrgentReportForm(SubmissionForm):
    # A patient in trouble is never told "this form has expired": a missing or mangled id
    # gets a fresh one (the report goes through; only the double-post guard is lost).
    submission_id = forms.CharField(widget=forms.HiddenInput, required=False)

    symptoms = forms.MultipleChoiceField(
        label="What is happening?",
        choices=UrgentReport.Symptom.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose all that apply.",
        error_messages={"required": SYMPTOM_ERROR, "invalid_choice": SYMPTOM_ERROR},
    )
    since = forms.ChoiceField(
        label="Since when?",
        choices=SINCE_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose when it started.",
            "invalid_choice": "Choose when it started.",
        },
    )
    severity = forms.ChoiceField(
        label="How bad is it?",
        choices=UrgentReport.Severity.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose moderate or severe.",
            "invalid_choice": "Choose moderate or severe.",
        },
    )
    text = forms.CharField(
        label="Anything else your clinician should know",
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"Keep it to {TEXT_MAX:,} characters or fewer; your clinician will "
            "call you for the rest."
        },
    )

    def clean_submission_id(self):
        try:
            return uuid.UUID(self.cleaned_data.get("submission_id") or "")
        except ValueError:
            return uuid.uuid4()

    def clean(self):
        cleaned = super().clean()
        if (
            UrgentReport.Symptom.OTHER in (cleaned.get("symptoms") or ())
            and not (cleaned.get("text") or "").strip()
        ):
            self.add_error("text", "You chose “Something else”: say in a few words what it is.")
        return cleaned


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note to the patient",
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The patient sees this with “Your clinician has seen this”.",
        error_messages={
            "required": "Write a short note for the patient (what to do now).",
            "max_length": f"Keep the note to {NOTE_MAX:,} characters or fewer.",
        },
    )
    hold = forms.BooleanField(
        label="Also put the plan on hold from tonight",
        required=False,
        help_text="Saved as a new plan version signed by you; the patient is told not to dose.",
    )

    def say_when_the_hold_starts(self, first_night, tonight_logged):
        """Name the hold's first night: tomorrow when tonight's dose is already logged."""
        if tonight_logged:
            self.fields[
                "hold"
            ].label = f"Also put the plan on hold from the night of {first_night:%a %d %b}"
            self.fields["hold"].help_text = (
                f"{logged_dose_stands_message(first_night)} " + self.fields["hold"].help_text
            )
