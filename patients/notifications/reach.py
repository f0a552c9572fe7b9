"""Whether a patient's reminders can reach them: what the settings page, the home page and
removing a device say, from the channels the sweep claims by (schedule.reminder_channels).

Push alone with no device of the patient's: the sweep claimed nothing (no channel), so no
reminder was sent and "Recent reminders" stayed empty, with nothing on screen saying why.
Push with no Web Push service on this server (no VAPID key): the page told the patient to
turn it on below, where nothing could, and the sweep claimed push reminders that could only
fail. Whether push can reach a patient is push_reachable's answer, read by all of them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patients.models import PushSubscription
from patients.notifications.channels import push
from patients.notifications.claims import id_set
from patients.rules.schedule import reminder_channels

NO_DEVICE = "no_device"  # push only, and no device to push to
NO_PUSH_SERVICE = "no_push_service"  # push only, and this server cannot send push at all
ALL_OFF = "all_off"  # neither channel ticked: the patient's choice, said on settings only
# The reasons that leave a patient who chose a channel with none that works: the home page
# says them too, and removing a device lands on the channels.
NOTHING_REACHES = (NO_DEVICE, NO_PUSH_SERVICE)

# The settings page's section where a device is set up for push, named once: its heading,
# the push checkbox's help and the warning below say this name (the help said "Devices").
DEVICES_SECTION = gettext_lazy("Devices for push notifications")


def push_available() -> bool:
    """Whether this server can send Web Push at all (a VAPID key: push.configured)."""
    return push.configured()


def push_reachable(user_ids: Iterable[int], devices: Iterable | None = None) -> set[int]:
    """THE rule for "can push reach this user": of ``user_ids``, those with a device
    subscribed, and none when this server cannot send push (no VAPID key). The sweep and
    --dry-run (due), urgent alerts and the pages read it: a push delivery claimed without a
    key could only fail. ``devices``: the users' subscriptions, already read (no query)."""
    if not push_available():
        return set()
    wanted = set(user_ids)
    if not wanted:
        return set()
    if devices is not None:
        return {device.user_id for device in devices} & wanted
    return set(
        PushSubscription.objects.filter(user_id__in=id_set(wanted))
        .values_list("user_id", flat=True)
        .distinct()
    )


def unreachable(
    remind_by_email: bool, remind_by_push: bool, has_device: bool, push_service: bool = True
) -> str:
    """Why no reminder can reach the patient (NO_DEVICE, NO_PUSH_SERVICE, ALL_OFF), or ""
    when one can. ``has_device``: push_reachable's answer, so without ``push_service`` (a
    VAPID key on this server) it is False."""
    if reminder_channels(remind_by_email, remind_by_push, has_device):
        return ""
    if not remind_by_push:
        return ALL_OFF
    return NO_DEVICE if push_service else NO_PUSH_SERVICE


def patient_unreachable(patient, devices=None) -> str:
    """``unreachable`` for a saved patient. Their devices are read (one query) only for
    push alone, unless ``devices`` (the patient's, already read) is given."""
    email, push_ticked = patient.remind_by_email, patient.remind_by_push
    if email or not push_ticked:
        return unreachable(email, push_ticked, False)
    has_device = patient.user_id in push_reachable([patient.user_id], devices)
    return unreachable(email, push_ticked, has_device, push_available())


def warning(reason: str) -> str:
    """What the patient is told, in their language."""
    if reason == NO_DEVICE:
        return _(
            "Your reminders go by push notification only, and no device is set up for them, "
            "so none can reach you. Turn on push notifications on this device under "
            "“%(section)s”, or tick “By email”."
        ) % {"section": DEVICES_SECTION}
    if reason == NO_PUSH_SERVICE:
        return _(
            "Your reminders go by push notification only, and push notifications are not "
            "available at this clinic, so none can reach you. Tick “By email” to get your "
            "reminders."
        )
    if reason == ALL_OFF:
        return _(
            "Reminders are off: neither email nor push notification is ticked. Tick one to "
            "get your evening reminder."
        )
    return ""


def settings_warning(patient, devices) -> str:
    """What the settings page says of the patient's channels: why no reminder can reach
    them, or, with email and push ticked on a server that cannot send push, that their
    reminders come by email only (the push they chose does nothing here)."""
    reason = patient_unreachable(patient, devices)
    if reason:
        return warning(reason)
    if patient.remind_by_email and patient.remind_by_push and not push_available():
        return _(
            "Push notifications are not available at this clinic, so your reminders come by "
            "email only."
        )
    return ""
