"""The clinician list's table rows as HTML, written in Python (the list's hot loop).

The list shows up to a page of patients, each row five small pieces (the plan position,
two adherence figures, the open flags' badges, the last review's time): through the
template engine that was ~200 template includes and ~150 translation tags per page, most
of the page's time. This writes the same markup as ``patient_list.html``'s row did with
the shared partials (``_position``, ``_adherence``, ``_flag_badge``, ``_patient_time``),
the same way: the same msgids through gettext, values localized and escaped as a template
variable is (``render_value_in_context``), dates through the ``date`` filter.

The partials stay the markup of the other pages (patient page, night, visit report);
tests/patients/test_list_rows.py renders each piece both ways over every branch and
asserts they are the same text, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from patients import wording
from patients.rules.wording import Label, Phrase
from patients.templatetags.journal import nights_ago


def _v(value) -> str:
    """A value as ``{{ value }}`` writes it: localized, then escaped."""
    if type(value) is str:  # localize() leaves text as it is
        return conditional_escape(value)
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def _t(msgid: str) -> str:
    """``{% translate "msgid" %}``: the translation, escaped."""
    return conditional_escape(gettext(msgid))


def _add_one(value):
    """``value|add:1`` (an empty string when it is not a number, as the filter does)."""
    try:
        return int(value) + 1
    except (ValueError, TypeError):
        return ""


def position_html(position) -> str:
    """``_position.html``."""
    status = position.status
    if status == "active":
        step = gettext("step %(step)s of %(steps)s") % {
            "step": _v(_add_one(position.step_index)),
            "steps": _v(position.step_count),
        }
        return (
            f"<strong>{_v(position.dose_mg.normalize())} mg</strong> "
            f'<span class="small muted">{step}</span>\n'
        )
    if status == "on_hold":
        return f'<span class="badge badge-severe">{_t("‖ On hold")}</span>\n'
    if status == "not_started":
        starts = gettext("Starts %(night)s") % {
            "night": _v(date_filter(position.next_step_night, "j M"))
        }
        return f'<span class="muted">{starts}</span>\n'
    return f'<span class="muted">{_t("No plan")}</span>\n'


def adherence_html(a) -> str:
    """``_adherence.html``."""
    percent = a.percent
    if percent is None:
        return f'<span class="muted" title="{_t("No prescribed nights")}">—</span>\n'
    title = gettext("%(taken)s of %(prescribed)s prescribed nights") % {
        "taken": _v(a.taken),
        "prescribed": _v(a.prescribed),
    }
    return f'<span title="{title}">{_v(percent)} %</span>\n'


def flag_badge_html(flag, t=_t) -> str:
    """``_flag_badge.html`` for an open flag (the list never sets ``reviewed``)."""
    title = f"{t(flag.severity_label)}: {_v(wording.translate(flag.explanation))}"
    badge = (
        f'<span class="badge {_v(flag.badge)}" title="{title}">'
        f'<span aria-hidden="true">{_v(flag.icon)}</span> {t(flag.label)}</span>'
    )
    if flag.report_id:
        href = conditional_escape(reverse("clinic:urgent_report", args=[flag.report_id]))
        badge = f'<a class="flag-link" href="{href}">{badge}</a>'
    return badge + "\n"


# --- One page's memo: a translation or a badge written once per page --------------------------
#
# Within one page (one language, one request) the same label, and often the same flag
# sentence (the same nights missed, the same silence), comes back row after row. A badge is
# remembered by everything that decides its text; a value of any other type than these
# plain ones makes the flag written afresh (never a guess at equality: Decimal("1.0") and
# Decimal("1.00") are equal but written differently, so a Decimal is keyed by its text).

_PLAIN = (int, str, date)


def _value_key(value):
    kind = type(value)
    if kind in _PLAIN:
        return (kind, value)
    if kind is Decimal:
        return (kind, str(value))
    if kind is Label:
        return (kind, str.__str__(value), value.lower)
    if kind is tuple:
        items = tuple(_value_key(item) for item in value)
        return None if None in items else (kind, items)
    if kind is Phrase:
        return _phrase_key(value)
    return None


def _phrase_key(phrase):
    if type(phrase) is str:
        return (str, phrase)
    if type(phrase) is not Phrase:
        return None
    params = tuple((name, _value_key(value)) for name, value in phrase.params)
    if any(key is None for _name, key in params):
        return None
    return (Phrase, phrase.msgid, phrase.plural, phrase.count, params)


class _Page:
    """The row's fixed words and the page's memo (the active language's): a piece written
    once per page for each distinct value it is written from."""

    def __init__(self):
        self._texts = {}
        self._badges = {}
        self._positions = {}
        self._adherence = {}
        self._days = {}
        self.covering = self.t("Covering")
        self.emergency = self.t("Emergency access")
        self.dose = self.t("Dose")
        self.last_entry = self.t("Last entry")
        self.never = self.t("Never")
        self.adherence = self.t("Adherence 7 / 30")
        self.flags = self.t("Flags")
        self.reviewed = self.t("✓ Reviewed")
        self.none = self.t("None")

    def t(self, msgid):
        text = self._texts.get(msgid)
        if text is None:
            text = self._texts[msgid] = _t(msgid)
        return text

    def position_of(self, position):
        key = (position, str(position.dose_mg))  # 4.5 and 4.50 are equal, not written alike
        html = self._positions.get(key)
        if html is None:
            html = self._positions[key] = position_html(position)
        return html

    def adherence_of(self, a):
        key = (a.taken, a.prescribed)
        html = self._adherence.get(key)
        if html is None:
            html = self._adherence[key] = adherence_html(a)
        return html

    def day(self, night):
        """``night|date:"j M"``, escaped."""
        if type(night) is not date:
            return _v(date_filter(night, "j M"))
        text = self._days.get(night)
        if text is None:
            text = self._days[night] = _v(date_filter(night, "j M"))
        return text

    def badge(self, flag):
        explanation = _phrase_key(flag.explanation)
        if explanation is None:
            return flag_badge_html(flag, self.t)
        key = (flag.kind, flag.severity, flag.report_id, explanation)
        html = self._badges.get(key)
        if html is None:
            html = self._badges[key] = flag_badge_html(flag, self.t)
        return html


def patient_time_html(patient, moment, fmt) -> str:
    """``_patient_time.html``: the moment in the patient's own zone."""
    local = timezone.localtime(moment, patient.tz)
    shown = date_filter(local, fmt) or ""
    return (
        f'<time datetime="{_v(date_filter(local, "c"))}">{_v(shown)} '
        f'<abbr class="tz" title="{_v(patient.time_zone)}">{_v(date_filter(local, "T"))}</abbr>'
        "</time>\n"
    )


def _row_html(row, words: _Page) -> str:
    patient = row.patient
    href = conditional_escape(reverse("clinic:patient", args=[patient.pk]))
    route = getattr(patient, "access_route", "")
    if route == "covering":
        badge = f' <span class="badge badge-info">{words.covering}</span>'
    elif route == "break_glass":
        badge = f' <span class="badge badge-urgent">{words.emergency}</span>'
    else:
        badge = ""
    conditions = (
        f'<div class="small muted">{_v(patient.conditions)}</div>' if patient.conditions else ""
    )
    if row.last_entry:
        last_entry = (
            f"{words.day(row.last_entry)} "
            f'<span class="small muted">({_v(nights_ago(row.nights_silent))})</span>'
        )
    else:
        last_entry = f'<span class="muted">{words.never}</span>'
    if row.open_flags:
        flags = "".join(words.badge(flag) for flag in row.open_flags)
    elif row.flags:
        flags = f'<span class="badge badge-ok">{words.reviewed}</span>'
    else:
        flags = f'<span class="muted small">{words.none}</span>'
    reviewed_at = getattr(patient, "reviewed_at", None)
    if reviewed_at:
        reviewer = patient.reviewed_by_name or patient.reviewed_by_email
        reviewed = f"{_v(reviewer)}, {patient_time_html(patient, reviewed_at, 'j M H:i')}"
    else:
        reviewed = '<span class="muted small">Never</span>'
    needs_review = ' class="needs-review"' if row.needs_review else ""
    return (
        f"<tr{needs_review}>\n"
        f'          <th scope="row"><a href="{href}">{_v(patient.name)}</a>{badge}\n'
        f"            {conditions}</th>\n"
        f'          <td data-label="{words.dose}">{words.position_of(row.position)}</td>\n'
        f'          <td data-label="{words.last_entry}">{last_entry}</td>\n'
        f'          <td class="num" data-label="{words.adherence}">'
        f"{words.adherence_of(row.adherence_7)} / {words.adherence_of(row.adherence_30)}</td>\n"
        f'          <td data-label="{words.flags}"><div class="cluster flag-badges">\n'
        f"            {flags}\n"
        f"          </div></td>\n"
        f'          <td data-label="Last reviewed">{reviewed}</td>\n'
        f'          <td class="sparkline-cell" data-label="Pain, 30 nights">{row.sparkline}</td>\n'
        f"        </tr>"
    )


def rows_html(rows) -> list[SafeString]:
    """Each row's ``<tr>`` (every value escaped above; the rest is our own markup)."""
    words = _Page()
    return [mark_safe(_row_html(row, words)) for row in rows]  # noqa: S308
