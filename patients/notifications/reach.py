"""Whether a patient's reminders can reach them: the one rule the settings page, the home page
and removing a device read.

A reminder goes by each channel the patient ticked (patients.notifications.outbox): email
always has an address; push needs a device that has subscribed on this account. Push alone
with no device meant every reminder failed ("No push device accepted the message") with
nothing on screen saying so.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from patients.models import PushSubscription

NO_DEVICE = "no_device"  # push only, and no device to push to
ALL_OFF = "all_off"  # neither channel ticked: the patient's choice, said once on settings


def unreachable(remind_by_email: bool, remind_by_push: bool, has_device: bool) -> str:
    """Why no reminder can reach the patient (NO_DEVICE, ALL_OFF), or "" when one can."""
    if remind_by_email:
        return ""
    if not remind_by_push:
        return ALL_OFF
    return "" if has_device else NO_DEVICE


def patient_unreachable(patient) -> str:
    """``unreachable`` for a saved patient; reads the devices only for push alone."""
    if patient.remind_by_email or not patient.remind_by_push:
        return unreachable(patient.remind_by_email, patient.remind_by_push, False)
    has_device = PushSubscription.objects.filter(user_id=patient.user_id).exists()
    return unreachable(False, True, has_device)


def warning(reason: str) -> str:
    """What the patient is told, in their language."""
    if reason == NO_DEVICE:
        return _(
            "Your reminders go by push notification only, and no device is set up for them, "
            "so none can reach you. Turn on push notifications on this phone under “Devices "
            "for push notifications”, or tick “By email”."
        )
    if reason == ALL_OFF:
        return _(
            "Reminders are off: neither email nor push notification is ticked. Tick one to "
            "get your evening reminder."
        )
    return ""
