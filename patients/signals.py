"""Keep Patient.next_reminder_at current when what it depends on changes.

A logged dose, a settings change, a new plan version, a hold, a push device: each schedules
a recompute after the transaction commits. A failure here is logged, never raised: the
sweep looks at every patient at least every few hours anyway.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import NightlyEntry, Patient, PushSubscription

log = logging.getLogger(__name__)


def schedule_refresh(patient_id):
    def _refresh():
        from .reminders import refresh_next_reminder

        try:
            refresh_next_reminder(patient_id)
        except Exception:
            log.exception("could not recompute next reminder for patient %s", patient_id)

    transaction.on_commit(_refresh)


@receiver(post_save, sender=NightlyEntry, dispatch_uid="reminders_entry_saved")
@receiver(post_delete, sender=NightlyEntry, dispatch_uid="reminders_entry_deleted")
def entry_changed(sender, instance, **kwargs):
    schedule_refresh(instance.patient_id)


@receiver(post_save, sender=Patient, dispatch_uid="reminders_patient_saved")
def patient_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and set(update_fields) <= {"next_reminder_at"}):
        return
    schedule_refresh(instance.pk)


@receiver(post_save, sender=PushSubscription, dispatch_uid="reminders_push_saved")
@receiver(post_delete, sender=PushSubscription, dispatch_uid="reminders_push_deleted")
def push_device_changed(sender, instance, **kwargs):
    patient_id = Patient.objects.filter(user_id=instance.user_id).values_list("pk", flat=True)
    for pk in patient_id:
        schedule_refresh(pk)


def plan_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    prescription = getattr(instance, "prescription", instance)
    schedule_refresh(prescription.patient_id)


def connect_plan_signals():
    from prescriptions.models import PlanVersion, Prescription

    for model in (PlanVersion, Prescription):
        post_save.connect(plan_changed, sender=model, dispatch_uid=f"reminders_{model.__name__}")
