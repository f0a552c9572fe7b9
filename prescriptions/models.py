"""Prescriptions and their titration plans, kept as immutable numbered versions.

A plan is never edited in place: every change (steps, start, hold, resume, dosing time)
adds a PlanVersion signed by a clinician with a reason, so any past night's prescribed
dose can be recomputed exactly as it was.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from ldn_journal.local_dates import local_date
from patients import wording
from patients.models import Patient
from patients.rules.nights import EVENING, MORNING
from prescriptions import suggestions, titration
from prescriptions.builtin import BUILT_IN_TEXTS

DOSE_RANGE = Q(dose_mg__gte=settings.LDN_DOSE_MIN_MG) & Q(dose_mg__lte=settings.LDN_DOSE_MAX_MG)


class Formulation(models.TextChoices):
    CAPSULE = "capsule", _("Capsule")
    LIQUID = "liquid", _("Liquid")
    OTHER = "other", _("Other compounded form")


class DosingTime(models.TextChoices):
    EVENING = EVENING, _("Evening")
    MORNING = MORNING, _("Morning")


class PrescriptionQuerySet(models.QuerySet):
    def visible_to(self, user):

        return self.filter(patient__in=Patient.objects.visible_to(user))


class Prescription(models.Model):
    """What was prescribed and how it is dispensed. Whether it is active, on hold or ended
    on a night is not stored here: titration reads it from the signed versions."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="prescriptions"
    )
    prescriber = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    formulation = models.CharField(
        max_length=10, choices=Formulation.choices, default=Formulation.CAPSULE
    )
    # Capsule strengths in mg, as strings ("1.5"), so JSON keeps them exact.
    strengths = models.JSONField(default=list, blank=True)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, default=None
    )
    min_volume_ml = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("0.05"))
    start_date = models.DateField()
    instructions = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PrescriptionQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(concentration_mg_per_ml__isnull=True)
                | Q(concentration_mg_per_ml__gt=0),
                name="prescription_concentration_positive",
            ),
            models.CheckConstraint(
                condition=~Q(formulation="liquid") | Q(concentration_mg_per_ml__isnull=False),
                name="prescription_liquid_has_concentration",
            ),
        ]

    def __str__(self):
        return f"Prescription #{self.pk}"

    @property
    def strength_values(self):
        return [Decimal(s) for s in self.strengths]

    def volume_for(self, dose_mg):
        """Millilitres to draw for a dose of a liquid prescription (None for solids)."""
        if self.formulation != Formulation.LIQUID or not self.concentration_mg_per_ml:
            return None
        return titration.dose_volume_ml(dose_mg, self.concentration_mg_per_ml)

    def validate_steps(self, steps, labels=None, counts_nights=False, placed=False):
        """titration.step_problems with these steps, in the active language (each step named
        by its label, a length in nights with ``counts_nights``). ``placed``: each as (index,
        field, message), so a steps editor shows it beside the row's field it is about."""
        problems = titration.step_problems(
            steps,
            settings.LDN_DOSE_MIN_MG,
            settings.LDN_DOSE_MAX_MG,
            self.formulation,
            strengths=self.strength_values,
            concentration_mg_per_ml=self.concentration_mg_per_ml,
            min_volume_ml=self.min_volume_ml,
            labels=labels,
            counts_nights=counts_nights,
        )
        if placed:
            return [(p.index, p.field, wording.translate(p.phrase)) for p in problems]
        return [wording.translate(problem.phrase) for problem in problems]


class PlanVersionQuerySet(models.QuerySet):
    def visible_to(self, user):

        return self.filter(prescription__patient__in=Patient.objects.visible_to(user))


class PlanVersion(models.Model):
    class Kind(models.TextChoices):
        CREATED = "created", _("Plan created")
        CHANGED = "changed", _("Steps changed")
        HOLD = "hold", _("Put on hold")
        RESUME = "resume", _("Resumed")
        DOSING_TIME = "dosing_time", _("Dosing time changed")
        TEMPLATE = "template", _("Template applied")
        ENDED = "ended", _("Prescription ended")

    class ReasonKind(models.TextChoices):
        """The kind of reason a hold was signed with, stored apart from the clinician's own
        words so that it reads in each reader's language (blank: no kind was chosen)."""

        PLANNED_SURGERY = "planned_surgery", _("Planned surgery")
        OPIOID_PAIN_RELIEF = "opioid_pain_relief", _("Opioid pain relief")
        SIDE_EFFECTS = "side_effects", _("Side effects")
        OTHER = "other", _("Other")
        URGENT_REPORT = "urgent_report", _("Put on hold when acknowledging an urgent report")

    prescription = models.ForeignKey(
        Prescription, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.CREATED)
    effective_night = models.DateField()
    start_date = models.DateField()
    dosing_time = models.CharField(
        max_length=7, choices=DosingTime.choices, default=DosingTime.EVENING
    )
    hold_from = models.DateField(null=True, blank=True)
    hold_until = models.DateField(null=True, blank=True)
    # How many of the plan's steps, as the clinician chose it, come before this version's
    # first step: a restart at step 2 keeps the steps from step 2 on, numbered 2, 3, ...
    # (titration.PlainVersion.step_number, the one place that numbers them).
    steps_before = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(max_length=2000)  # internal, for the care team
    reason_kind = models.CharField(max_length=20, choices=ReasonKind.choices, blank=True)
    patient_note = models.TextField(max_length=2000, blank=True)
    template = models.ForeignKey(
        "prescriptions.PlanTemplate", on_delete=models.SET_NULL, null=True, blank=True
    )
    # What the signing clinician confirmed when the change crossed a safety threshold (a
    # large overnight increase, or above the clinic's maximum); empty when none was crossed.
    confirmed_safety_warning = models.TextField(max_length=2000, blank=True)
    # "kind:key" of the suggestion this version acts on: once acted on, it is not shown again.
    applied_suggestion = models.CharField(max_length=120, blank=True)

    objects = PlanVersionQuerySet.as_manager()

    class Meta:
        ordering = ["prescription", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["prescription", "number"], name="plan_version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_number_positive"),
            models.CheckConstraint(condition=~Q(reason=""), name="plan_version_reason_required"),
            models.CheckConstraint(
                condition=Q(hold_until__isnull=True)
                | (Q(hold_from__isnull=False) & Q(hold_until__gte=models.F("hold_from"))),
                name="plan_version_hold_order",
            ),
        ]

    def __str__(self):
        return f"Plan version {self.number} of prescription #{self.prescription_id}"

    @property
    def shown_reason(self) -> str:
        """The reason as the care team reads it: the kind in the reader's language, then the
        signer's words as typed ("Geplante Operation: Knie-OP")."""
        if not self.reason_kind:
            return self.reason
        return gettext("%(kind)s: %(reason)s") % {
            "kind": self.get_reason_kind_display(),
            "reason": self.reason,
        }

    def get_kind_display(self) -> str:
        """The change as every history names it (the plan panel, the patient's changes, the
        visit report). A restart moved later is a restart version that keeps the plan on hold
        until it, in effect from the hold's first open night (changes.resume_change): named
        "Resumed" from that night, it read as if the plan had restarted then while the card
        said paused until the new restart (found by exploratory QA)."""
        if self.kind == self.Kind.RESUME and self.hold_from is not None:
            return gettext("Restart moved to %(night)s (on hold until then)") % {
                "night": local_date(self.start_date, "date")
            }
        return str(self.Kind(self.kind).label) if self.kind in self.Kind.values else self.kind

    def as_plain(self, prescription_index=0):
        """The pure snapshot that titration.py computes with (steps must be prefetched);
        ``prescription_index`` is which of the patient's prescriptions this is (0 = first)."""
        return titration.PlainVersion(
            number=self.number,
            effective_night=self.effective_night,
            start_date=self.start_date,
            steps=tuple(titration.Step(dose_mg=s.dose_mg, days=s.days) for s in self.steps.all()),
            dosing_time=self.dosing_time,
            hold_from=self.hold_from,
            hold_until=self.hold_until,
            steps_before=self.steps_before,
            ends=self.kind == self.Kind.ENDED,
            restarts=self.kind == self.Kind.RESUME,
            prescription_index=prescription_index,
        )


class PlanStep(models.Model):
    version = models.ForeignKey(PlanVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    dose_mg = models.DecimalField(max_digits=4, decimal_places=2)
    days = models.PositiveSmallIntegerField(null=True, blank=True)  # None: open-ended

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="plan_step_unique"),
            models.CheckConstraint(condition=DOSE_RANGE, name="plan_step_dose_in_range"),
            models.CheckConstraint(
                condition=Q(days__isnull=True) | (Q(days__gte=1) & Q(days__lte=365)),
                name="plan_step_days_range",
            ),
        ]

    def __str__(self):
        return f"Step {self.position + 1}: {self.dose_mg} mg"


def _shown(template, text):
    if template.built_in and text in BUILT_IN_TEXTS:
        return gettext(text)
    return text


class PlanTemplate(models.Model):
    """A clinic-wide starting point for a plan; applying one still needs a signed version."""

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    liquid_only = models.BooleanField(default=False)
    # [{"dose_mg": "1.5", "days": 14}, ..., {"dose_mg": "4.5", "days": null}]
    steps = models.JSONField(default=list)
    built_in = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-built_in", "name"]

    def __str__(self):
        return self.name

    @property
    def shown_name(self):
        """The name in the reader's language for a built-in template the clinic has not
        renamed (the three were English on German and Spanish pages); else as stored."""
        return _shown(self, self.name)

    @property
    def shown_description(self):
        return _shown(self, self.description)

    @property
    def plain_steps(self):
        return tuple(
            titration.Step(dose_mg=Decimal(str(s["dose_mg"])), days=s.get("days"))
            for s in self.steps
        )

    def refusal_for(self, prescription) -> str:
        """Why this template cannot be applied to ``prescription`` ("" when it can): THE
        check, read where it is refused (the plan form) and where it is offered (the
        templates listed for a patient). No prescription yet: a new one can be liquid."""
        if prescription is None or not self.liquid_only:
            return ""
        if prescription.formulation == Formulation.LIQUID:
            return ""
        return gettext(
            "“%(template)s” is for liquid prescriptions only; this patient's "
            "prescription is %(formulation)s."
        ) % {
            "template": self.shown_name,
            "formulation": prescription.get_formulation_display().lower(),
        }


class SuggestionDismissalQuerySet(models.QuerySet):
    def visible_to(self, user):

        return self.filter(patient__in=Patient.objects.visible_to(user))


class SuggestionDismissal(models.Model):
    """A clinician decided a suggestion does not apply: who, why, when, for which evidence.

    ``evidence_key`` names the situation the suggestion was raised for (for example the
    step-up night behind a vivid-dreams suggestion), so the same evidence does not nag again
    while a new situation of the same kind still raises a new suggestion.
    """

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="suggestion_dismissals"
    )
    kind = models.CharField(max_length=30)
    evidence_key = models.CharField(max_length=80)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(max_length=1000)

    objects = SuggestionDismissalQuerySet.as_manager()

    class Meta:
        ordering = ["-dismissed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "evidence_key"], name="suggestion_dismissal_unique"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="suggestion_dismissal_reason"),
        ]

    def __str__(self):
        return f"Dismissal #{self.pk} ({self.kind})"

    @property
    def kind_label(self):
        return suggestions.KIND_LABELS.get(self.kind, self.kind)
