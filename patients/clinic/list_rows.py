"""The clinician list's table rows as HTML, written in Python (the list's hot loop).

The list shows up to a page of patients, each row five small pieces (the plan position,
two adherence figures, the open flags' badges, the last review's time): through the
template engine that was ~200 template includes and ~150 translation tags per page, most
of the page's time. This writes the same markup as ``patient_list.html``'s row did with
the shared partials (``_position``, ``_adherence``, ``_flag_badge``) and the journal
library's ``patient_time`` tag, the same way: the same msgids through gettext, values
localized and escaped as a template variable is (``render_value_in_context``), dates through
the ``date`` filter.

The pieces are the other pages' markup too (patient page, night, visit report), through the
``clinic`` tag library (patients/templatetags/clinic.py): one writer for each.
tests/patients/test_list_rows.py holds the partials' sources and renders each piece both ways
over every branch.
"""

from __future__ import annotations

from django.core.signals import setting_changed
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from ldn_journal.forms_renderer import render_value
from ldn_journal.local_dates import dated_style, local_date
from patients import wording
from patients.rules.nights import EVENING, MORNING, as_zone
from patients.templatetags.journal import night_said_on, patient_time_html

# A value as ``{{ value }}`` writes it: localized, then escaped.
_v = render_value


def _t(msgid: str) -> str:
    """``{% translate "msgid" %}``: the translation, escaped."""
    return conditional_escape(gettext(msgid))


def position_html(position) -> str:
    """``_position.html``."""
    status = position.status
    if status == "active":
        step = gettext("step %(step)s of %(steps)s") % {
            "step": _v(position.step_number),
            "steps": _v(position.step_total),
        }
        return (
            f"<strong>{_v(position.dose_mg.normalize())} mg</strong> "
            f'<span class="small muted">{step}</span>\n'
        )
    if status == "on_hold":
        # The mark in its own box, as a flag badge's: beside the words, the badge may wrap
        # between them but never after the mark (in the list at 768-1023 px a German
        # "‖ Pausiert" put the "‖" on a line of its own), and a screen reader says "On hold".
        return (
            '<span class="badge badge-severe"><span aria-hidden="true">‖</span> '
            f"{_t('On hold')}</span>\n"
        )
    if status == "not_started" or (status == "ended" and position.next_step_night):
        night = {"night": _v(local_date(position.next_step_night, "day_month"))}
        # Ended, with a later prescription signed whose steps begin on a later night: no
        # LDN until then, as the plan panel says; "Starts 6 Dec" alone, as of a patient new
        # to LDN, hid that the last prescription had ended (found in QA).
        if status == "ended":
            starts = gettext("No LDN · starts %(night)s") % night
        else:
            starts = gettext("Starts %(night)s") % night
        return f'<span class="muted">{starts}</span>\n'
    # Ended with no new prescription: the plan panel's word for it (its steps table's row),
    # not "No plan", which the list said as of a patient never prescribed LDN.
    if status == "ended":
        return f'<span class="muted">{_t("Prescription ended")}</span>\n'
    return f'<span class="muted">{_t("No plan")}</span>\n'


def adherence_html(a, dosing_time: str = EVENING) -> str:
    """``_adherence.html``; the percent sign kept on the figure's line (a no-break space: at
    390 px "83 %" had wrapped its sign to the next line). ``dosing_time``: the patient's
    (their plan position's); a morning doser's tooltip counts days."""
    percent = a.percent
    morning = dosing_time == MORNING
    if percent is None:
        none = _t("No prescribed days") if morning else _t("No prescribed nights")
        return f'<span class="muted" title="{none}">—</span>\n'
    title = (
        gettext("%(taken)s of %(prescribed)s prescribed days")
        if morning
        else gettext("%(taken)s of %(prescribed)s prescribed nights")
    ) % {
        "taken": _v(a.taken),
        "prescribed": _v(a.prescribed),
    }
    return f'<span title="{title}">{_v(percent)}&nbsp;%</span>\n'


def flag_badge_html(flag, t=_t, *, reviewed=False) -> str:
    """``_flag_badge.html``: a flag's badge, marked when it was reviewed (the patient page and
    the visit report show those too; the list shows open flags only)."""
    title = f"{t(flag.severity_label)}: {_v(wording.translate(flag.explanation))}"
    if reviewed:
        css, note = " badge-reviewed", f' <span class="small">{t("(reviewed)")}</span>'
    else:
        css = note = ""
    badge = (
        f'<span class="badge {_v(flag.badge)}{css}" title="{title}">'
        f'<span aria-hidden="true">{_v(flag.icon)}</span> {t(flag.label)}{note}</span>'
    )
    if flag.report_id:
        href = conditional_escape(reverse("clinic:urgent_report", args=[flag.report_id]))
        badge = f'<a class="flag-link" href="{href}">{badge}</a>'
    return badge + "\n"


# --- The list's memo: a piece written once per process for each language and value -----------
#
# View after view, in one language at a time, the same labels, plan positions, adherence
# figures, dates, reviews and flags come back. Each piece is remembered by everything that
# decides its text, the active language included. A flags cell is remembered by the stored
# JSON text of the row's flags (attention.stored_row), which decides them exactly (an
# equality of flags would not do: Decimal("1.0") and Decimal("1.00") are equal but written
# differently, and a phrase equals its English text), and the night they are reviewed
# through; a row without that text (a fresh evaluation) has its flags written afresh.
# Forgotten when a setting changes (formats, languages: tests override them).


class _Memo:
    """Values by key, at most `size` of them (all forgotten when full: a clinic's rows are
    far fewer). Safe across threads: a race only writes a piece twice."""

    def __init__(self, size: int = 4096):
        self.size = size
        self.values = {}
        _MEMOS.append(self)

    def get(self, key, make, *args):
        value = self.values.get(key)
        if value is None:
            if len(self.values) >= self.size:
                self.values.clear()
            value = self.values[key] = make(*args)
        return value


_MEMOS: list[_Memo] = []
_WORDS, _POSITIONS, _ADHERENCE, _DAYS, _REVIEWS = (_Memo() for _ in range(5))
_FLAGS = _Memo(1024)  # keyed by the flags' stored text, a kilobyte or two each


def _forget(**_kwargs):
    for memo in _MEMOS:
        memo.values.clear()


setting_changed.connect(_forget, dispatch_uid="list_rows_forget")


class _Words:
    """The row's fixed words in one language."""

    def __init__(self):
        self.covering = _t("Covering")
        self.emergency = _t("Emergency access")
        # includes/account_state_badge.html, as the patient page writes it.
        self.deactivated = (
            ' <span class="badge badge-moderate badge-sentence">'
            f"{_t('Account deactivated — no reminders, cannot sign in')}</span>"
        )
        self.closed = (
            ' <span class="badge badge-info badge-sentence">'
            f"{_t('Account closed on %(date)s — the record is kept, read-only')}</span>"
        )
        self.dose = _t("Dose")
        self.last_entry = _t("Last entry")
        self.never = _t("Never")
        # The adherence and pain cells' labels (shown beside them on a phone) count the
        # row's own unit: a morning doser's are days.
        self.adherence = {
            EVENING: _t("Adherence 7 / 30 nights"),
            MORNING: _t("Adherence 7 / 30 days"),
        }
        self.flags = _t("Flags")
        self.reviewed = _t("✓ Reviewed")
        self.none = _t("None")
        self.last_reviewed = _t("Last reviewed")
        self.pain = {EVENING: _t("Pain, 30 nights"), MORNING: _t("Pain, 30 days")}


def _day(night) -> str:
    """The night as the reader's language writes a day and month ("30 Nov", "30 nov", "30. Nov")."""
    return _v(local_date(night, "day_month"))


def _flags_html(row, words) -> str:
    if row.open_flags:
        return "".join(flag_badge_html(flag) for flag in row.open_flags)
    if row.flags:
        return f'<span class="badge badge-ok">{words.reviewed}</span>'
    return f'<span class="muted small">{words.none}</span>'


def _reviewed_html(patient, reviewer, moment, style) -> str:
    return f"{_v(reviewer)}, {patient_time_html(patient, moment, style)}"


def _row_html(row, language, words: _Words, href, local_today) -> str:
    patient = row.patient
    route = getattr(patient, "access_route", "")
    if route == "covering":
        badge = f' <span class="badge badge-info">{words.covering}</span>'
    elif route == "break_glass":
        badge = f' <span class="badge badge-urgent">{words.emergency}</span>'
    else:
        badge = ""
    closed_on = row.closed_on
    if closed_on is not None:
        day = _v(local_date(closed_on, "date"))
        badge += words.closed.replace("%(date)s", day)
    elif not patient.user.is_active:
        badge += words.deactivated
    conditions = (
        f'<div class="small muted">{_v(patient.conditions)}</div>' if patient.conditions else ""
    )
    if row.last_entry:
        day = _DAYS.get((language, row.last_entry), _day, row.last_entry)
        # The patient's own word for the night on their calendar day (not the count of
        # nights silent: at 04:40 that counts from last night, still open, and said "last
        # night" of the night before). The dosing time is the plan's on the row's night.
        said = night_said_on(
            row.last_entry, local_today(patient.zone_name), row.position.dosing_time
        )
        last_entry = f'{day} <span class="small muted">({_v(said)})</span>' if said else day
    else:
        last_entry = f'<span class="muted">{words.never}</span>'
    if row.flags_state:
        key = (language, row.flags_state, row.reviewed_through)
        flags = _FLAGS.get(key, _flags_html, row, words)
    else:
        flags = _flags_html(row, words)
    reviewed_at = getattr(patient, "reviewed_at", None)
    if reviewed_at:
        reviewer = patient.reviewed_by_name or patient.reviewed_by_email
        # With its year when made in another year than today (it read as this year's date).
        style = dated_style(
            timezone.localtime(reviewed_at, patient.tz),
            "day_month_time",
            local_today(patient.zone_name),
        )
        key = (language, reviewer, reviewed_at, patient.zone_name, style)
        reviewed = _REVIEWS.get(key, _reviewed_html, patient, reviewer, reviewed_at, style)
    else:
        reviewed = f'<span class="muted small">{words.never}</span>'
    position = row.position
    # 4.5 and 4.50 are equal, not written alike: the dose's text is part of the key.
    position = _POSITIONS.get((language, position, str(position.dose_mg)), position_html, position)
    adherence = [
        _ADHERENCE.get(
            (language, a.taken, a.prescribed, row.position.dosing_time),
            adherence_html,
            a,
            row.position.dosing_time,
        )
        for a in (row.adherence_7, row.adherence_30)
    ]
    needs_review = ' class="needs-review"' if row.needs_review else ""
    unit = MORNING if row.position.dosing_time == MORNING else EVENING
    return (
        f"<tr{needs_review}>\n"
        f'          <th scope="row"><a href="{str(patient.pk).join(href)}">{_v(patient.name)}</a>'
        f"{badge}\n"
        f"            {conditions}</th>\n"
        f'          <td data-label="{words.flags}"><div class="cluster flag-badges">\n'
        f"            {flags}\n"
        f"          </div></td>\n"
        f'          <td data-label="{words.dose}">{position}</td>\n'
        f'          <td data-label="{words.last_entry}">{last_entry}</td>\n'
        f'          <td class="num nowrap" data-label="{words.adherence[unit]}">'
        f"{adherence[0]} / {adherence[1]}</td>\n"
        f'          <td data-label="{words.last_reviewed}">{reviewed}</td>\n'
        f'          <td class="sparkline-cell" data-label="{words.pain[unit]}">'
        f"{row.sparkline}</td>\n"
        f"        </tr>"
    )


def headings_unit(rows) -> str:
    """What the page's adherence and pain headings count: the rows' nights (evening
    dosers), days (morning dosers), or both ("mixed"), as each row's own cells do."""
    units = {MORNING if row.position.dosing_time == MORNING else EVENING for row in rows}
    return units.pop() if len(units) == 1 else "mixed"


def rows_html(rows, now=None) -> list[SafeString]:
    """Each row's ``<tr>`` at ``now`` (the clock by default; every value escaped above, the
    rest is our own markup)."""
    language = get_language()
    now = now or timezone.now()
    days = {}

    def local_today(zone):  # once per time zone on the page, not per row
        if zone not in days:
            days[zone] = timezone.localtime(now, as_zone(zone)).date()
        return days[zone]

    words = _WORDS.get(language, _Words)
    # The patient's link, reversed once: the pk goes between the two (escaped) halves.
    href = [
        conditional_escape(part)
        for part in reverse("clinic:patient", args=[999999999]).split("999999999")
    ]
    return [mark_safe(_row_html(row, language, words, href, local_today)) for row in rows]  # noqa: S308
