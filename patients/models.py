"""Patients, their care teams and their settings."""

import zoneinfo
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ldn_journal.accounts.models import Role


def validate_time_zone(value):
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "“%(value)s” is not a known time zone. Choose one from the list, "
            "such as Europe/London or America/New_York.",
            params={"value": value[:60]},
        )


def default_time_zone():
    return settings.LDN_DEFAULT_PATIENT_TIME_ZONE


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The access gate: every view reaches patients through here.

        A patient sees only themselves, a clinician only the patients on their care teams,
        an admin every patient at account level (admin pages show no clinical data).
        """
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.PATIENT:
            return self.filter(user=user)
        if user.role == Role.CLINICIAN:
            return self.filter(care_team=user)
        if user.role == Role.ADMIN:
            return self.all()
        return self.none()


class Patient(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient"
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    conditions = models.CharField(
        "condition(s)", max_length=300, blank=True, help_text="For example fibromyalgia, Crohn's."
    )
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code, for the emergency number shown."
    )
    reminder_time = models.TimeField("evening reminder time", default=time(21, 0))
    remind_by_email = models.BooleanField("email reminders", default=True)
    remind_by_push = models.BooleanField("push reminders", default=False)
    morning_checkin = models.BooleanField("morning check-in reminder", default=True)
    last_call = models.BooleanField("last-call reminder", default=True)
    last_call_time = models.TimeField(default=time(23, 30))
    morning_time = models.TimeField("morning check-in time", default=time(9, 0))
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    # Indexed so the reminder sweep selects due patients with one range scan.
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="CareTeamMembership",
        through_fields=("patient", "clinician"),
        related_name="care_patients",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = PatientQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["next_reminder_at"])

    class Meta:
        ordering = ["user__display_name", "pk"]

    def __str__(self):
        return f"Patient #{self.pk}"

    @property
    def name(self):
        return self.user.name

    @property
    def tz(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class CareTeamMembership(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="memberships")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="memberships",
        limit_choices_to={"role": Role.CLINICIAN},
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "clinician"], name="care_team_unique")
        ]

    def __str__(self):
        return f"Care team link #{self.pk}"
