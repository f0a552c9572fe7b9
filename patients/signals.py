"""Keep Patient.next_reminder_at current when what it depends on changes.

A settings change, a new plan version, a hold, a push device, a removed entry: each marks the
patient for a fresh look by the next sweep (next_reminder_at = now, one UPDATE in the same
transaction), instead of recomputing the schedule inside the web request. That is always
correct (the sweep computes what is due from the current data, within a minute) and costs
the request one query; the sweep also looks at every patient at least every few hours.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from patients.models import NightlyEntry, Patient, PushSubscription
from prescriptions.models import PlanVersion, Prescription

# Sent with `patient_id` by a change that saves no model instance (an UPDATE) but can alter
# what the clinician list shows for the patient: patients.clinic.attention listens.
attention_changed = Signal()


def mark_for_recompute(**patient_filter) -> None:
    """Bring the patients matching `patient_filter` forward to now (never later than they
    already are: an earlier or null next_reminder_at is already due)."""
    now = timezone.now()
    Patient.objects.filter(next_reminder_at__gt=now, **patient_filter).update(next_reminder_at=now)


# Saving an entry needs no earlier look, so the journal's POSTs pay nothing here: logging
# only makes reminders unwanted (evening, last call, missed-dose follow-up; a morning
# check-in once the morning part is in) or wants the morning check-in, which falls at the same
# minute as the missed-dose follow-up the schedule was already waiting for. The sweep that
# comes at the scheduled time computes from the entry as it is then, and the send re-checks.
# Removing an entry can make tonight's reminder wanted again, now: that brings the patient
# forward.
@receiver(post_delete, sender=NightlyEntry, dispatch_uid="reminders_entry_deleted")
def entry_removed(sender, instance, **kwargs):
    mark_for_recompute(pk=instance.patient_id)


@receiver(post_save, sender=Patient, dispatch_uid="reminders_patient_saved")
def patient_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields and set(update_fields) <= {"next_reminder_at"}):
        return
    mark_for_recompute(pk=instance.pk)


@receiver(post_save, sender=PushSubscription, dispatch_uid="reminders_push_saved")
@receiver(post_delete, sender=PushSubscription, dispatch_uid="reminders_push_deleted")
def push_device_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_for_recompute(user_id=instance.user_id)


def plan_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    prescription = getattr(instance, "prescription", instance)
    mark_for_recompute(pk=prescription.patient_id)


def connect_plan_signals():

    for model in (PlanVersion, Prescription):
        post_save.connect(plan_changed, sender=model, dispatch_uid=f"reminders_{model.__name__}")
