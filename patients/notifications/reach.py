"""Whether a patient's reminders can reach them: what the settings page, the home page and
removing a device say, from the channels the sweep claims by (schedule.reminder_channels).

Push alone with no device of the patient's: the sweep claimed nothing (no channel), so no
reminder was sent and "Recent reminders" stayed empty, with nothing on screen saying why.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import PushSubscription
from patients.rules.schedule import reminder_channels

NO_DEVICE = "no_device"  # push only, and no device to push to
ALL_OFF = "all_off"  # neither channel ticked: the patient's choice, said on settings only

# The settings page's section where a device is set up for push, named once: its heading,
# the push checkbox's help and the warning below say this name (the help said "Devices").
DEVICES_SECTION = gettext_lazy("Devices for push notifications")


def unreachable(remind_by_email: bool, remind_by_push: bool, has_device: bool) -> str:
    """Why no reminder can reach the patient (NO_DEVICE, ALL_OFF), or "" when one can."""
    if reminder_channels(remind_by_email, remind_by_push, has_device):
        return ""
    return NO_DEVICE if remind_by_push else ALL_OFF


def patient_unreachable(patient, devices=None) -> str:
    """``unreachable`` for a saved patient. Their devices are read (one query) only for
    push alone, unless ``devices`` (the patient's, already read) is given."""
    email, push = patient.remind_by_email, patient.remind_by_push
    if email or not push:
        return unreachable(email, push, False)
    if devices is None:
        has_device = PushSubscription.objects.filter(user_id=patient.user_id).exists()
    else:
        has_device = bool(devices)
    return unreachable(email, push, has_device)


def warning(reason: str) -> str:
    """What the patient is told, in their language."""
    if reason == NO_DEVICE:
        return _(
            "Your reminders go by push notification only, and no device is set up for them, "
            "so none can reach you. Turn on push notifications on this device under "
            "“%(section)s”, or tick “By email”."
        ) % {"section": DEVICES_SECTION}
    if reason == ALL_OFF:
        return _(
            "Reminders are off: neither email nor push notification is ticked. Tick one to "
            "get your evening reminder."
        )
    return ""
