"""Reminder settings (patients), digest settings (clinicians), push subscriptions."""

import base64
import binascii
import json
import re
from datetime import time

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from patients.models import ClinicianPreferences, Patient, validate_time_zone, zones_named
from patients.notifications import quiet_warnings
from patients.notifications.channels import push_endpoints
from patients.rules import schedule
from patients.rules.nights import DOSING_WINDOW_END, EVENING, EVENING_NIGHT_STARTS

TIME_HELP = _("Enter a time as HH:MM, from 00:00 to 23:59.")
# The latest evening reminder or last call (02:30): half an hour before the dosing window
# ends, time to take the dose with one tap (schedule.last_dose_reminder_time). 02:59 was
# taken, and left a minute.
LAST_EVENING_TIME = schedule.last_dose_reminder_time(DOSING_WINDOW_END)


def _evening_times() -> dict[str, str]:
    return {
        "first": f"{EVENING_NIGHT_STARTS:%H:%M}",
        "last": f"{LAST_EVENING_TIME:%H:%M}",
        "end": f"{DOSING_WINDOW_END:%H:%M}",
    }


def evening_times_refusal() -> str:
    """What the form says of an evening reminder or last call time it refuses."""
    return (
        gettext(
            "Choose an evening time from %(first)s to %(last)s: the dosing window ends at "
            "%(end)s, and a reminder comes at least half an hour before that, to leave you "
            "time to take your dose."
        )
        % _evening_times()
    )


def _time_field(label, required=True, help_text=""):
    return forms.TimeField(
        label=label,
        required=required,
        help_text=help_text,
        input_formats=["%H:%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": TIME_HELP, "required": _("Enter a time.")},
    )


def _is_evening(value: time) -> bool:
    """Whether the form takes ``value`` as an evening reminder or last call time: from noon
    to 02:30, the times the sweep reads as they are (schedule.evening_reminder_time)."""
    return schedule.evening_reminder_time(value) == value


def _evening_order(value: time) -> tuple:
    return (value < EVENING_NIGHT_STARTS, value)


UNKNOWN_ZONE = _(
    "“%(value)s” is not a known time zone or city. Type a city, such as London or New York, "
    "or choose a zone from the list, such as Europe/London or America/New_York."
)
SEVERAL_ZONES = _(
    "Several time zones are called “%(value)s”: %(zones)s. Choose one of them from the list."
)


class TimeZoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("label", _("Time zone"))
        kwargs.setdefault("help_text", _("For example Europe/London or America/New_York."))
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value).strip()
        # A city names its zone ("London" -> Europe/London) when exactly one zone has it.
        zones = zones_named(value)
        if not zones:
            raise forms.ValidationError(UNKNOWN_ZONE, params={"value": value[:60]})
        if len(zones) > 1:
            raise forms.ValidationError(
                SEVERAL_ZONES, params={"value": value[:60], "zones": ", ".join(zones)}
            )
        validate_time_zone(zones[0])  # the model's check: one rule for what may be stored
        return zones[0]


class ReminderSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    reminder_time = _time_field(_("Evening reminder"))
    last_call_time = _time_field(_("Last call at"))
    morning_time = _time_field(_("Morning check-in at"), help_text=_("Between 03:00 and 11:59."))
    quiet_start = _time_field(_("Quiet from"), required=False)
    quiet_end = _time_field(_("Quiet until"), required=False)

    class Meta:
        model = Patient
        fields = [
            "time_zone",
            "reminder_time",
            "last_call",
            "last_call_time",
            "morning_checkin",
            "morning_time",
            "remind_by_email",
            "remind_by_push",
            "quiet_start",
            "quiet_end",
        ]
        labels = {
            "last_call": _("Send a last call if I still have not logged"),
            "morning_checkin": _("Remind me to fill in the morning check-in"),
            "remind_by_email": _("By email"),
            "remind_by_push": _("By push notification on my devices"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The times the form takes (evening_times_refusal): the last call said only "Before
        # the window ends at 03:00.", and then 02:59 was taken.
        self.fields["reminder_time"].help_text = (
            gettext("If tonight's dose is not logged by then. From %(first)s to %(last)s.")
            % _evening_times()
        )
        self.fields["last_call_time"].help_text = (
            gettext("By %(last)s, half an hour before the window ends at %(end)s.")
            % _evening_times()
        )

    def clean(self):
        data = super().clean()
        reminder, last_call = data.get("reminder_time"), data.get("last_call_time")
        if reminder and not _is_evening(reminder):
            self.add_error("reminder_time", evening_times_refusal())
        if last_call and not _is_evening(last_call):
            self.add_error("last_call_time", evening_times_refusal())
        if (
            reminder
            and last_call
            and data.get("last_call")
            and _is_evening(reminder)
            and _is_evening(last_call)
            and _evening_order(last_call) <= _evening_order(reminder)
        ):
            self.add_error(
                "last_call_time", _("The last call must come after the evening reminder.")
            )
        morning = data.get("morning_time")
        if morning and (refusal := self.morning_time_refusal(morning)):
            self.add_error("morning_time", refusal)
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            self.add_error(
                "quiet_end" if end is None else "quiet_start",
                _("Give both ends of quiet hours, or neither."),
            )
        elif start is not None and start == end:
            self.add_error(
                "quiet_end", _("Quiet hours must end at a different time than they start.")
            )
        return data

    def morning_time_refusal(self, morning: time) -> str:
        """Why ``morning`` may not be the morning time ("" when it may): from 03:00 to 11:59
        (the morning check-in closes at noon), the times the sweep takes as they are
        (schedule.evening_morning_time reads any other as 11:30)."""
        if schedule.evening_morning_time(morning) == morning:
            return ""
        return _("Choose a morning time from 03:00 to 11:59.")

    @classmethod
    def dose_reminder_lost(cls, patient, dosing_time: str = EVENING) -> bool:
        """Whether ``patient``'s settings (as they are on the instance) leave them no dose
        reminder of ``dosing_time`` (quiet_warnings.dose_reminder_lost)."""
        return quiet_warnings.dose_reminder_lost(quiet_warnings.settings_of(patient), dosing_time)

    @classmethod
    def warnings_for(
        cls,
        patient,
        dosing_time: str = EVENING,
        switch=None,
        *,
        saved=False,
        tonight=None,
        dosing_time_on=None,
    ) -> list[str]:
        """What ``patient``'s saved quiet hours do to their reminders, each warning its own
        item (quiet_warnings.warnings_for; ``dosing_time_on``: the plan's, night by night)."""
        return quiet_warnings.warnings_for(
            quiet_warnings.settings_of(patient),
            patient.zone_name,
            dosing_time,
            switch,
            saved=saved,
            tonight=tonight,
            dosing_time_on=dosing_time_on,
        )


class DigestSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    digest_time = _time_field(_("Send the digest at"))

    class Meta:
        model = ClinicianPreferences
        fields = ["digest_enabled", "digest_time", "time_zone"]


# --- Push subscriptions ---------------------------------------------------------------------

MAX_SUBSCRIPTION_BYTES = 4096


def _b64url(value, length, name):
    # base64's decoder skips characters outside its alphabet (NUL included): check first.
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z0-9_-]{1,200}={0,2}", value):
        raise forms.ValidationError(
            gettext("The subscription's %(name)s key is missing or malformed.") % {"name": name}
        )
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise forms.ValidationError(
            gettext("The subscription's %(name)s key is not base64url.") % {"name": name}
        ) from exc
    if len(raw) != length or (name == "p256dh" and raw[0] != 4):
        raise forms.ValidationError(
            gettext("The subscription's %(name)s key has the wrong length.") % {"name": name}
        )
    return value


def parse_subscription(body: bytes) -> dict:
    """A browser's PushSubscription JSON, checked; raises ValidationError saying why not."""
    if len(body) > MAX_SUBSCRIPTION_BYTES:
        raise forms.ValidationError(_("That subscription is too large to be a real one."))
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise forms.ValidationError(_("The subscription is not valid JSON.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), dict):
        raise forms.ValidationError(_("The subscription needs an endpoint and keys."))
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 1000:
        raise forms.ValidationError(_("The subscription's endpoint is missing or too long."))
    if "\x00" in endpoint:
        raise forms.ValidationError(_("The subscription's endpoint is not a valid address."))
    refused = push_endpoints.refusal(endpoint, settings.LDN_PUSH_ALLOWED_HOSTS)
    if refused:
        raise forms.ValidationError(refused)
    label = data.get("label", "")
    if isinstance(label, str):
        label = "".join(ch for ch in label if ch.isprintable())  # PostgreSQL refuses NUL
    return {
        "endpoint": endpoint,
        "p256dh": _b64url(data["keys"].get("p256dh"), 65, "p256dh"),
        "auth": _b64url(data["keys"].get("auth"), 16, "auth"),
        "label": label[:100] if isinstance(label, str) else "",
    }
