"""Reminder settings (patients), digest settings (clinicians), push subscriptions."""

import base64
import binascii
import json
import re
from dataclasses import replace
from datetime import date, time

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ldn_journal.local_dates import local_date
from patients.models import ClinicianPreferences, Patient, ReminderDelivery, validate_time_zone
from patients.notifications.channels import push_endpoints
from patients.rules.nights import (
    DOSING_WINDOW_END,
    EVENING,
    EVENING_NIGHT_STARTS,
    MORNING,
    as_zone,
)
from patients.rules.schedule import Prefs, dose_reminder_time, in_quiet_hours, slots_for_night

TIME_HELP = _("Enter a time as HH:MM, from 00:00 to 23:59.")
EVENING_TIMES_ERROR = _(
    "Choose an evening time from 12:00 to 02:59 (the dosing window ends at 03:00)."
)

Kind = ReminderDelivery.Kind


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
    return value >= EVENING_NIGHT_STARTS or value < DOSING_WINDOW_END


def _evening_order(value: time) -> tuple:
    return (value < EVENING_NIGHT_STARTS, value)


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
        validate_time_zone(value)  # the model's check: one rule, one message
        return value


def _morning_quiet_warning(
    kinds,
    lost: bool,
    swallowed: bool,
    checkin: bool,
    reminder: time,
    start: time,
    end: time,
    saved: bool,
) -> str:
    """What quiet hours do to a morning doser's reminders. The morning check-in comes at the
    morning time too (schedule.slots_for_night: with the next day's dose reminder), so quiet
    hours hold it back with the dose reminder, and drop it when they last past the noon the
    check-in closes at; the warning named the dose reminder alone (found in review)."""
    checkin_lost = checkin and Kind.MORNING not in kinds
    if lost:
        if checkin_lost:
            if saved:
                return gettext(
                    "Saved, but your quiet hours cover the whole day your morning dose can be "
                    "logged: no dose reminder and no morning check-in reminder can reach you. "
                    "Shorten the quiet hours to get them."
                )
            return gettext(
                "Your quiet hours cover the whole day your morning dose can be logged: no "
                "dose reminder and no morning check-in reminder can reach you. Shorten the "
                "quiet hours to get them."
            )
        if saved:
            return gettext(
                "Saved, but your quiet hours cover the whole day your morning dose can be "
                "logged: no dose reminder can reach you. Shorten the quiet hours to get one."
            )
        return gettext(
            "Your quiet hours cover the whole day your morning dose can be logged: no dose "
            "reminder can reach you. Shorten the quiet hours to get one."
        )
    if not swallowed:
        return ""
    times = {"reminder": f"{reminder:%H:%M}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    if checkin_lost:
        return (
            gettext(
                "Your dose reminder and morning check-in at %(reminder)s are inside your quiet "
                "hours (%(start)s to %(end)s): the dose reminder waits until %(end)s, and no "
                "morning check-in reminder can reach you (the check-in closes at noon). Move "
                "your morning time or the quiet hours if you want them earlier."
            )
            % times
        )
    if checkin:
        return (
            gettext(
                "Your dose reminder and morning check-in at %(reminder)s are inside your quiet "
                "hours (%(start)s to %(end)s), so they wait until %(end)s. Move your morning "
                "time or the quiet hours if you want them earlier."
            )
            % times
        )
    return (
        gettext(
            "Your dose reminder at %(reminder)s is inside your quiet hours (%(start)s to "
            "%(end)s), so it waits until %(end)s. Move your morning time or the quiet hours "
            "if you want it earlier."
        )
        % times
    )


# The night the settings page reads a patient's reminders on: any night away from a
# daylight-saving change (the settings are wall times; the sweep applies them night by night).
TYPICAL_NIGHT = date(2026, 1, 15)


def _quiet_prefs(data) -> Prefs | None:
    """``data`` (reminder settings by field name) as the sweep's Prefs, read on
    TYPICAL_NIGHT in UTC (wall times in, wall times out); None without quiet hours."""
    if data.get("quiet_start") is None:
        return None
    return Prefs(
        tz="UTC",
        reminder_time=data["reminder_time"],
        last_call=data.get("last_call", False),
        last_call_time=data["last_call_time"],
        morning_checkin=data.get("morning_checkin", False),
        morning_time=data["morning_time"],
        quiet_start=data["quiet_start"],
        quiet_end=data["quiet_end"],
    )


def _dose_reminder_lost(prefs: Prefs, dosing_time: str) -> bool:
    """Whether quiet hours leave no dose reminder of ``dosing_time`` at all (they cover the
    whole evening window, or the whole day a morning dose can be logged): read from the
    sweep's slots. The one test behind the "whole window" warnings and "Saved, but"."""
    kinds = {slot.kind for slot in slots_for_night(prefs, TYPICAL_NIGHT, dosing_time)}
    if dosing_time == MORNING:
        return Kind.EVENING not in kinds
    return not kinds & {Kind.EVENING, Kind.LAST_CALL}


def _evening_quiet_warning(
    lost: bool, swallowed: bool, reminder: time, start: time, end: time, saved: bool
) -> str:
    """What quiet hours do to an evening doser's dose reminder and last call."""
    if lost:
        if not saved:
            return gettext(
                "Your quiet hours cover the whole evening window: no evening reminder "
                "can reach you. Shorten the quiet hours to get one."
            )
        return gettext(
            "Saved, but your quiet hours cover the whole evening window: no evening "
            "reminder can reach you. Shorten the quiet hours to get one."
        )
    if swallowed:
        return gettext(
            "Your evening reminder at %(reminder)s is inside your quiet hours (%(start)s "
            "to %(end)s), so it waits until %(end)s. Move the reminder or the quiet hours "
            "if you want it earlier."
        ) % {"reminder": f"{reminder:%H:%M}", "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    return ""


def _checkin_slot(prefs: Prefs):
    """An evening doser's morning check-in reminder on a typical night, as the sweep schedules it
    (schedule.slots_for_night, the one place that decides its time and what quiet hours do
    to it), or None when it has none."""
    slots = slots_for_night(prefs, TYPICAL_NIGHT, EVENING)
    return next((slot for slot in slots if slot.kind == Kind.MORNING), None)


def _evening_checkin_warning(prefs: Prefs) -> str:
    """What quiet hours do to an evening doser's morning check-in reminder, the morning
    after the night: held back until they end, or dropped when they last past the noon the
    check-in closes at. Only the dose reminder was warned about (found in review); a morning
    doser's check-in comes with their dose reminder and is said with it."""
    asked = _checkin_slot(replace(prefs, quiet_start=None, quiet_end=None))
    if asked is None:
        return ""  # not asked for
    zone = as_zone(prefs.tz)
    held = _checkin_slot(prefs)
    if held is not None and held.due_at == asked.due_at:
        return ""
    times = {
        "reminder": f"{asked.due_at.astimezone(zone):%H:%M}",
        "start": f"{prefs.quiet_start:%H:%M}",
        "end": f"{prefs.quiet_end:%H:%M}",
    }
    if held is None:
        return (
            gettext(
                "Your morning check-in reminder at %(reminder)s is inside your quiet hours "
                "(%(start)s to %(end)s): no morning check-in reminder can reach you (the "
                "check-in closes at noon). Move your morning check-in time or the quiet "
                "hours if you want one."
            )
            % times
        )
    return (
        gettext(
            "Your morning check-in reminder at %(reminder)s is inside your quiet hours "
            "(%(start)s to %(end)s), so it waits until %(end)s. Move your morning check-in "
            "time or the quiet hours if you want it earlier."
        )
        % times
    )


def _after_switch(warning: str, switch) -> str:
    """``warning`` (what quiet hours do under the dosing time a signed switch brings) said
    from the switch's first night on."""
    day = local_date(switch.night, "long_day")
    if switch.position.dosing_time == MORNING:
        text = gettext("From %(day)s, when your plan changes to morning dosing: %(warning)s")
    else:
        text = gettext("From %(day)s, when your plan changes to evening dosing: %(warning)s")
    return text % {"day": day, "warning": warning}


class ReminderSettingsForm(forms.ModelForm):
    time_zone = TimeZoneField()
    reminder_time = _time_field(
        _("Evening reminder"), help_text=_("If tonight's dose is not logged by then.")
    )
    last_call_time = _time_field(_("Last call at"), help_text=_("Before the window ends at 03:00."))
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

    def clean(self):
        data = super().clean()
        reminder, last_call = data.get("reminder_time"), data.get("last_call_time")
        if reminder and not _is_evening(reminder):
            self.add_error("reminder_time", EVENING_TIMES_ERROR)
        if last_call and not _is_evening(last_call):
            self.add_error("last_call_time", EVENING_TIMES_ERROR)
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
        if morning and not DOSING_WINDOW_END <= morning < EVENING_NIGHT_STARTS:
            self.add_error("morning_time", _("Choose a morning time from 03:00 to 11:59."))
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

    @staticmethod
    def _quiet_warning(data, dosing_time: str = EVENING, saved: bool = False) -> str:
        """What quiet hours do to the dose reminder of ``dosing_time`` (the plan's: a
        morning doser was warned about the evening reminders the page says they do not
        get, and not about the morning one quiet hours delay; found in review), and to an
        evening doser's morning check-in. ``saved``: said on the page right after the save
        that left no dose reminder ("Saved, but ..."); otherwise the warning says how
        things stand."""
        prefs = _quiet_prefs(data)
        if prefs is None:
            return ""
        start, end = prefs.quiet_start, prefs.quiet_end
        kinds = {slot.kind for slot in slots_for_night(prefs, TYPICAL_NIGHT, dosing_time)}
        lost = _dose_reminder_lost(prefs, dosing_time)
        reminder = dose_reminder_time(prefs, dosing_time)
        swallowed = in_quiet_hours(reminder, start, end)
        if dosing_time == MORNING:
            return _morning_quiet_warning(
                kinds, lost, swallowed, prefs.morning_checkin, reminder, start, end, saved
            )
        warnings = [_evening_quiet_warning(lost, swallowed, reminder, start, end, saved)]
        warnings.append(_evening_checkin_warning(prefs))
        return " ".join(warning for warning in warnings if warning)

    @staticmethod
    def _settings_of(patient) -> dict:
        return {
            "reminder_time": patient.reminder_time,
            "last_call": patient.last_call,
            "last_call_time": patient.last_call_time,
            "morning_checkin": patient.morning_checkin,
            "morning_time": patient.morning_time,
            "quiet_start": patient.quiet_start,
            "quiet_end": patient.quiet_end,
        }

    @classmethod
    def dose_reminder_lost(cls, patient, dosing_time: str = EVENING) -> bool:
        """Whether ``patient``'s settings (as they are on the instance) leave them no dose
        reminder of ``dosing_time``: the settings view asks before and after a save, so
        "Saved, but" is said only by the save that did it."""
        prefs = _quiet_prefs(cls._settings_of(patient))
        return prefs is not None and _dose_reminder_lost(prefs, dosing_time)

    @classmethod
    def warning_for(
        cls, patient, dosing_time: str = EVENING, switch=None, *, saved: bool = False
    ) -> str:
        """The warning for settings already saved, shown whenever the page is opened: how
        things stand ("Your quiet hours cover ..."), as long as they do. ``saved``: this is
        the page right after the save that left no dose reminder, which says "Saved, but
        ..." instead of the confirmation; it said so on every opening of the page, after
        saves that changed nothing and with no save at all.
        ``switch``: the plan's next switch between evening and morning dosing
        (PlanView.next_dosing_time_switch), whose dosing time quiet hours are also checked
        against: a signed switch to mornings with quiet hours over the morning time went
        unwarned until the day it began (found in review)."""
        data = cls._settings_of(patient)
        warnings = [cls._quiet_warning(data, dosing_time, saved=saved)]
        if switch is not None:
            later = cls._quiet_warning(data, switch.position.dosing_time)
            if later:
                warnings.append(_after_switch(later, switch))
        return " ".join(warning for warning in warnings if warning)


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
        raise forms.ValidationError(f"The subscription's {name} key is missing or malformed.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as exc:
        raise forms.ValidationError(f"The subscription's {name} key is not base64url.") from exc
    if len(raw) != length or (name == "p256dh" and raw[0] != 4):
        raise forms.ValidationError(f"The subscription's {name} key has the wrong length.")
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
