"""Template filters for the journal pages."""

import zoneinfo

from django import template
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext

from ldn_journal.local_dates import dated_style, local_date, zone_abbreviation
from patients import wording
from patients.rules import nights
from patients.rules.nights import zone_label

register = template.Library()


@register.filter
def zone_key(key):
    """A zone's key as a clinician reads it, with the real UTC offset beside a fixed-offset
    zone whose POSIX name says the opposite ("Etc/GMT+12 (UTC−12)"; nights.zone_choice_label)."""
    return nights.zone_choice_label(key or "")


@register.filter(expects_localtime=True)
def day(value, style="day"):
    """A date or moment as the page's language writes it ({{ night|day:"long_day" }})."""
    return local_date(value, style)


@register.filter(expects_localtime=True)
def dated(value, style="day"):
    """The style to write ``value`` in on a list that keeps old items: ``style``, with the
    year when ``value`` is in another year than today in the page's zone
    ({% with style=report.created_at|dated:"day_time" %}{{ report.created_at|day:style }})."""
    return dated_style(value, style, timezone.localdate())


def patient_time_html(patient, moment, style) -> str:
    """The moment in the patient's own zone, written in ``style`` (ldn_journal.local_dates),
    with the zone's abbreviation: what the _patient_time.html partial wrote, without an
    include per moment (the patient page's timeline, the list's "last reviewed")."""
    local = timezone.localtime(moment, patient.tz)
    shown = conditional_escape(local_date(local, style))
    zone = conditional_escape(patient.zone_name)
    return (
        f'<time datetime="{_iso(local)}">{shown} '
        f'<abbr class="tz" title="{zone}">{_abbreviation(local)}</abbr>'
        # No newline after it (the partial's file ended in one): a ")" or "." set after the
        # moment read "09:23 GMT )" on the plan page's ended-prescription line.
        "</time>"
    )


def _entry_zone(entry):
    """(key, zone) of the zone a night's times were logged in, or None when the entry names
    none (or one this machine does not know). logged_zone and logged_time read it."""
    key = getattr(entry, "time_zone", "")
    if key:
        try:
            return key, zoneinfo.ZoneInfo(key)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return None


def logged_zone(entry, patient):
    """The zone a night's (or an urgent report's) times were logged in, the row's own, else
    the patient's; the zone active for the page when no patient is given."""
    found = _entry_zone(entry)
    if patient is None:
        if found is not None:
            return found
        viewer = timezone.get_current_timezone()
        return getattr(viewer, "key", str(viewer)), viewer
    if found is not None and found[0] != patient.zone_name:
        return found
    return patient.zone_name, patient.tz


def _moment_in_zone(key, zone, moment, style):
    local = timezone.localtime(moment, zone)
    shown = conditional_escape(local_date(local, style))
    return mark_safe(  # noqa: S308 - every value escaped
        f'<time datetime="{_iso(local)}">{shown} '
        f'<abbr class="tz" title="{conditional_escape(key)}">{_abbreviation(local)}</abbr></time>'
    )


def _iso(local) -> str:
    """An aware moment as the ``date:"c"`` filter writes it (DateFormat.c: isoformat()),
    escaped, without building a DateFormat (patient_time is on every timeline row)."""
    return conditional_escape(local.isoformat())


def _abbreviation(local) -> str:
    """The zone's abbreviation at the moment (local_dates.zone_abbreviation), escaped."""
    return conditional_escape(zone_abbreviation(local))


@register.simple_tag
def logged_moment(patient, entry, field, style):
    """{% logged_moment patient entry "taken_at" "day_time" %}: a time of the night in the zone
    it was logged in, with that zone's abbreviation (as patient_time writes the patient's):
    a patient who moves never moves a past dose. Nothing when the time is not set. An urgent
    report's times too ({% logged_moment patient report "created_at" "day_time" %}): it
    keeps the zone it was made in."""
    moment = getattr(entry, field, None)
    if moment is None:
        return ""
    return _moment_in_zone(*logged_zone(entry, patient), moment, style)


@register.simple_tag
def moment_in_logged_zone(patient, row, moment, style):
    """{% moment_in_logged_zone patient report delivery.sent_at "day_time" %}: another moment
    that belongs with ``row`` (an alert sent about a report) in the zone ``row`` was logged
    in, written as logged_moment writes the row's own. Nothing for no moment."""
    if moment is None or moment == "":
        return ""
    return _moment_in_zone(*logged_zone(row, patient), moment, style)


@register.simple_tag
def patient_time(patient, moment, style):
    """{% patient_time patient moment "date_time" %}: patient_time_html; nothing for no moment
    (localtime(None) would be now)."""
    if moment is None or moment == "":
        return ""
    return mark_safe(patient_time_html(patient, moment, style))  # noqa: S308 - escaped above


@register.filter
def amount(value):
    """A dose or volume as people write it: 1.50 -> "1.5" ("1,5" in es and de), 3.00 -> "3"
    (wording.amount, which the plan changes' messages use too)."""
    return wording.amount(value)


@register.filter
def nights_ago(count):
    """How long ago a night was, said as people say it: tonight, last night, 3 nights ago."""
    if count in (None, ""):
        return ""
    count = int(count)
    if count <= 0:
        return gettext("tonight")
    if count == 1:
        return gettext("last night")
    return ngettext("%(count)d night ago", "%(count)d nights ago", count) % {"count": count}


# How long ago a night was, in the patient's own word for it (nights.relative_night): the
# clinician list's "last entry" said "last night" for a night before the one still open.
_SAID = {
    nights.TONIGHT: gettext_lazy("tonight"),
    nights.LAST_NIGHT: gettext_lazy("last night"),
    nights.TODAY: gettext_lazy("today"),
    nights.YESTERDAY: gettext_lazy("yesterday"),
}


def night_said_on(night, local_today, dosing_time=nights.EVENING) -> str:
    """``night`` as said on the patient's calendar day ``local_today``: "last night" while
    an evening doser's night is still open the next morning, "today" / "yesterday" for a
    morning doser, "3 nights ago" for an older night ("3 days ago" for a morning doser; "" for
    a night after ``local_today``)."""
    if not night:
        return ""
    word = _SAID.get(nights.relative_night(night, local_today, dosing_time))
    if word is not None:
        return str(word)
    count = (local_today - night).days
    if count <= 1:
        return ""
    # A morning doser's nights are days: "9 days ago", as their own pages count them.
    if dosing_time == nights.MORNING:
        return ngettext("%(count)d day ago", "%(count)d days ago", count) % {"count": count}
    return nights_ago(count)


@register.simple_tag
def night_said(night, patient, dosing_time=nights.EVENING, now=None):
    """night_said_on at ``now`` (the clock by default) on the patient's own calendar day."""
    if not night:
        return ""
    today = timezone.localtime(now or timezone.now(), patient.tz).date()
    return night_said_on(night, today, dosing_time)


# The clinician's plan panel names tonight's night with the patient's own word for it
# (nights.relative_night), so a morning doser's panel says "Today", as their pages do.
_HEADINGS = {
    nights.TONIGHT: gettext_lazy("Tonight (%(when)s)"),
    nights.LAST_NIGHT: gettext_lazy("Last night (%(when)s)"),
    nights.TODAY: gettext_lazy("Today (%(when)s)"),
    nights.YESTERDAY: gettext_lazy("Yesterday (%(when)s)"),
}


def night_heading(night, patient, dosing_time=nights.EVENING, now=None):
    """ "Tonight (29 Nov)", "Last night (29 Nov)" while an evening doser's night is still
    open the next morning, "Today (29 Nov)" / "Yesterday (29 Nov)" for a morning doser: the
    word the patient's own pages use (nights.relative_night), with the night's day."""
    if not night:
        return ""
    today = timezone.localtime(now or timezone.now(), patient.tz).date()
    return night_heading_on(night, today, dosing_time)


def night_heading_on(night, local_today, dosing_time=nights.EVENING):
    """night_heading on the patient's calendar day ``local_today``: the patient page's header
    and every plan form that names the first night a change can take effect read it, so at
    09:00 both say "Last night (4 Dec)" (the End form said "tonight (4 Dec)", found by QA)."""
    when = local_date(night, "day_month")
    heading = _HEADINGS.get(nights.relative_night(night, local_today, dosing_time))
    return heading % {"when": when} if heading is not None else when


@register.filter
def logged_time(entry, field="taken_at"):
    """A time of a night in the zone it was logged in ("22:15"), labelled with that zone when
    the viewer is in another one ("22:15 London"): moving zones never moves a past dose."""
    moment = getattr(entry, field, None)
    if moment is None:
        return ""
    viewer = timezone.get_current_timezone()
    found = _entry_zone(entry)
    # Compared by the zone's key: Django's current zone *name* is the abbreviation for a
    # fixed-offset zone ("+02" for Etc/GMT-2), which is no key, so it labelled every time of
    # such a patient as logged elsewhere (and looked the abbreviation up on every call).
    if found is None or found[0] == getattr(viewer, "key", None):
        return timezone.localtime(moment, viewer).strftime("%H:%M")
    key, zone = found
    return f"{timezone.localtime(moment, zone).strftime('%H:%M')} {zone_label(key)}"
