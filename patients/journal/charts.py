"""Accessible server-side SVG charts (trend chart, sparkline) and their data-table rows.

Pure: plain series in, SafeString out. No styles (the CSP forbids them): only presentation
attributes and classes, so the stylesheet can override any colour or stroke.
"""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from itertools import pairwise
from operator import itemgetter

from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, gettext_lazy, ngettext

from ldn_journal.local_dates import date_writer, local_date, style_format
from patients.rules.nights import EVENING, MORNING

SVG_NS = "http://www.w3.org/2000/svg"

Value = Decimal | float | int | None


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    points: Sequence[tuple[date, Value]]
    axis: str = "score"  # "score": 0–10 on the left axis; "dose": mg on the right axis
    stepped: bool = False


@dataclass(frozen=True)
class Marker:
    night: date
    kind: str  # "skipped", "plan_change", "hold", "end", "flag"
    label: str


@dataclass(frozen=True)
class _Style:
    colour: str
    dash: str | None  # stroke-dasharray; colour is never the only cue
    width: float = 2.0


# Okabe–Ito palette (colour-blind safe); yellow is left out, it vanishes on white.
_STYLES: dict[str, _Style] = {
    "pain": _Style("#D55E00", None),
    "fatigue": _Style("#0072B2", "7 4"),
    "mood": _Style("#009E73", "2 3"),
    "sleep": _Style("#CC79A7", "9 3 2 3"),
    "dreams": _Style("#E69F00", "4 2"),
    "dose": _Style("#000000", None, 2.5),
    # The dose actually taken, drawn beside the prescribed step line: dotted sky blue, so a
    # deviation shows as the two lines parting.
    "taken": _Style("#56B4E9", "1 3", 3.0),
}
_SPARE_STYLES = (
    _Style("#56B4E9", "1 2"),
    _Style("#7F7F7F", "6 2 1 2 1 2"),
    _Style("#0072B2", "12 4"),
    _Style("#D55E00", "3 6"),
)

_TEXT = "#333333"
_MUTED = "#666666"
_GRID = "#E3E3E3"
_AXIS = "#8C8C8C"
_MARKERS = {
    "skipped": ("#555555", None, gettext_lazy("Skipped night")),
    "skipped_day": ("#555555", None, gettext_lazy("Skipped day")),
    "plan_change": ("#555555", "5 3", gettext_lazy("Plan change")),
    "hold": ("#B00020", "2 2", gettext_lazy("Plan on hold")),
    # Not the hold's: its legend said "Plan on hold" under a prescription that had ended.
    "end": ("#B00020", "8 3", gettext_lazy("Prescription ended")),
    "flag": ("#B00020", None, gettext_lazy("Flag")),
}
_FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# Layout of the trend chart, in viewBox units.
_LEFT, _RIGHT, _TOP, _BOTTOM = 40.0, 44.0, 24.0, 26.0
_FONT_SIZE = 11
_LEGEND_ROW = 18.0
_LEGEND_SAMPLE = 26.0
_CHAR_WIDTH = 6.1  # rough advance of an 11 px sans-serif glyph, for legend wrapping


# ---------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits in the SVG, and how nights and values map onto it."""

    start: date
    end: date
    x0: float
    x1: float
    y0: float
    y1: float
    dose_top: float

    @property
    def span(self) -> int:
        return (self.end - self.start).days

    def x_of(self, night: date) -> float:
        if self.span == 0:
            return self.x0 + (self.x1 - self.x0) / 2
        return self.x0 + (night - self.start).days / self.span * (self.x1 - self.x0)

    def y_of(self, value: float, axis: str) -> float:
        top = self.dose_top if axis == "dose" else 10.0
        frac = min(max(value / top, 0.0), 1.0)
        return self.y1 - frac * (self.y1 - self.y0)

    def tick_y(self, k: int) -> float:
        """The k-th of six horizontal grid lines, from the bottom."""
        return self.y1 - k / 5 * (self.y1 - self.y0)


def trend_chart(
    series: Sequence[Series],
    start: date,
    end: date,
    *,
    markers: Sequence[Marker] = (),
    title: str,
    description: str = "",
    dose_max: Decimal = Decimal("5"),
    width: int = 720,
    height: int = 280,
    chart_id: str | None = None,
    dosing_time: str = EVENING,
) -> SafeString:
    """Nightly scores (left axis, 0–10) and dose (right axis, mg) from start to end.

    `height` is the plot with its axes; the legend adds rows beneath it. `chart_id` makes
    the title/desc ids unique when one page shows two charts with the same content.
    `dosing_time`: the patient's (PlanPosition.dosing_time); a morning doser's description
    and skipped markers say days, as their pages do.
    """
    if end < start:
        start, end = end, start
    width = max(int(width), 200)
    height = max(int(height), 120)
    frame = _Frame(
        start=start,
        end=end,
        x0=_LEFT,
        x1=width - _RIGHT,
        y0=_TOP,
        y1=height - _BOTTOM,
        dose_top=float(dose_max) if dose_max and float(dose_max) > 0 else 5.0,
    )
    uid = chart_id or _chart_id(series, start, end, title, markers)
    styles = _assign_styles(series)
    # Every series of a year's chart is drawn over the same 365 nights and a dozen values:
    # each night's x and each coordinate's text are worked out once per chart.
    xs: dict[date, float] = {}
    numbers: dict[float, str] = {}

    in_range = [m for m in markers if start <= m.night <= end]
    legend_items = [("series", s, styles[i]) for i, s in enumerate(series)]
    legend_items += [
        ("marker", _legend_kind(kind, dosing_time), None)
        for kind in _MARKERS
        if any(m.kind == kind for m in in_range)
    ]
    legend_rows = _legend_layout(legend_items, frame.x0, frame.x1)
    total_h = height + (
        len({row for row, _ in legend_rows}) * _LEGEND_ROW + 6 if legend_rows else 0
    )

    described = "" if description else _describe(series, start, end, dosing_time)
    out: list[str] = [
        f'<svg xmlns="{SVG_NS}" class="chart trend-chart" role="img" '
        f'aria-labelledby="{uid}-title {uid}-desc" width="100%" '
        f'viewBox="0 0 {width} {_n(total_h)}" preserveAspectRatio="xMidYMid meet" '
        f'font-family="{_e(_FONT)}" font-size="{_FONT_SIZE}" fill="{_TEXT}">',
        f'<title id="{uid}-title">{_e(title)}</title>',
        f'<desc id="{uid}-desc">{_e(description or described)}</desc>',
        *_grid_svg(frame),
        *_score_axis_svg(frame),
        *(_dose_axis_svg(frame) if any(s.axis == "dose" for s in series) else ()),
        *_date_axis_svg(frame, width),
        # Plan changes and holds go under the data, skipped nights and flags on top of it.
        *_marker_lines_svg(frame, [m for m in in_range if m.kind not in ("skipped", "flag")]),
        *(_series_svg(s, styles[i], frame, xs, numbers) for i, s in enumerate(series)),
        *_marker_dots_svg(frame, [m for m in in_range if m.kind in ("skipped", "flag")]),
        *_legend_svg(legend_rows, height + 4),
        "</svg>",
    ]
    # Safe: every piece of caller text went through _e(); the rest is our own markup.
    return mark_safe("".join(out))  # noqa: S308


def _grid_svg(frame: _Frame) -> list[str]:
    out = ['<g class="chart-grid" aria-hidden="true">']
    for k in range(6):
        y = frame.tick_y(k)
        colour = _AXIS if k == 0 else _GRID
        out.append(
            f'<line x1="{_n(frame.x0)}" y1="{_n(y)}" x2="{_n(frame.x1)}" y2="{_n(y)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
    out.append("</g>")
    return out


def _score_axis_svg(frame: _Frame) -> list[str]:
    out = [
        '<g class="chart-axis chart-axis-score" aria-hidden="true">',
        f'<text class="chart-axis-title" x="{_n(frame.x0 - 6)}" y="{_n(frame.y0 - 10)}" '
        f'text-anchor="start" fill="{_MUTED}">{_e(gettext("Score"))}</text>',
    ]
    for k in range(6):
        out.append(
            f'<text x="{_n(frame.x0 - 6)}" y="{_n(frame.tick_y(k) + 4)}" '
            f'text-anchor="end">{k * 2}</text>'
        )
    out.append("</g>")
    return out


def _dose_axis_svg(frame: _Frame) -> list[str]:
    out = [
        '<g class="chart-axis chart-axis-dose" aria-hidden="true">',
        f'<text class="chart-axis-title" x="{_n(frame.x1 + 6)}" y="{_n(frame.y0 - 10)}" '
        f'text-anchor="end" fill="{_MUTED}">{_e(gettext("Dose (mg)"))}</text>',
    ]
    for k in range(6):
        out.append(
            f'<text x="{_n(frame.x1 + 6)}" y="{_n(frame.tick_y(k) + 4)}" text-anchor="start">'
            f"{_e(_tick_mg(frame.dose_top * k / 5))}</text>"
        )
    out.append("</g>")
    return out


def _date_axis_svg(frame: _Frame, width: float) -> list[str]:
    out = ['<g class="chart-axis chart-axis-x" aria-hidden="true">']
    ticks = _date_ticks(frame.start, frame.end)
    xs = [frame.x_of(tick) for tick in ticks]
    for x in xs:
        out.append(
            f'<line x1="{_n(x)}" y1="{_n(frame.y1)}" x2="{_n(x)}" y2="{_n(frame.y1 + 4)}" '
            f'stroke="{_AXIS}" stroke-width="1"/>'
        )
    for x, anchor, text in _date_labels(ticks, xs, frame, width):
        out.append(
            f'<text x="{_n(x)}" y="{_n(frame.y1 + 17)}" text-anchor="{anchor}">{_e(text)}</text>'
        )
    out.append("</g>")
    return out


def _marker_lines_svg(frame: _Frame, markers: Sequence[Marker]) -> list[str]:
    if not markers:
        return []
    out = ['<g class="chart-markers">']
    tip = _marker_tips()
    for m in markers:
        colour, dash, _ = _MARKERS.get(m.kind, ("#555555", "5 3", ""))
        x = frame.x_of(m.night)
        out.append(
            f'<line class="marker marker-{_css(m.kind)}" x1="{_n(x)}" y1="{_n(frame.y0)}" '
            f'x2="{_n(x)}" y2="{_n(frame.y1)}" stroke="{colour}" stroke-width="1.5" '
            f'stroke-dasharray="{dash or "5 3"}"><title>{_e(tip(m))}</title></line>'
        )
    out.append("</g>")
    return out


def _marker_dots_svg(frame: _Frame, markers: Sequence[Marker]) -> list[str]:
    if not markers:
        return []
    out = ['<g class="chart-markers">']
    tip = _marker_tips()
    for m in markers:
        x = frame.x_of(m.night)
        css = f"marker marker-{_css(m.kind)}"
        if m.kind == "skipped":
            out.append(_cross(x, frame.y1 - 6, 3.5, css, tip(m)))
        else:
            out.append(_triangle(x, frame.y0 + 5, 4.5, css, tip(m)))
    out.append("</g>")
    return out


def sparkline(
    values: Sequence[float | Decimal | None],
    *,
    label: str,
    width: int = 120,
    height: int = 28,
    max_value: float = 10,
) -> SafeString:
    """A tiny line of evenly spaced values (0..max_value); None leaves a gap."""
    pad = 2.5
    top = float(max_value) if max_value and float(max_value) > 0 else 10.0
    n = len(values)
    inner_w, inner_h = width - 2 * pad, height - 2 * pad

    def point(i: int, v: float) -> tuple[float, float]:
        x = pad + (inner_w / 2 if n == 1 else i / (n - 1) * inner_w)
        y = pad + inner_h - min(max(v / top, 0.0), 1.0) * inner_h
        return x, y

    out = [
        f'<svg xmlns="{SVG_NS}" class="sparkline" role="img" aria-label="{_e(label)}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="none">',
        f"<title>{_e(label)}</title>",
    ]
    last = None
    for segment in _segments(enumerate(values)):
        pts = [point(i, v) for i, v in segment]
        last = pts[-1]
        if len(pts) == 1:
            out.append(_dot(pts[0], 1.5, "sparkline-point", "currentColor"))
        else:
            out.append(
                f'<polyline class="sparkline-line" points="{_pts(pts)}" fill="none" '
                f'stroke="currentColor" stroke-width="1.5" stroke-linejoin="round" '
                f'stroke-linecap="round"/>'
            )
    if last is not None and values and values[-1] is not None:
        out.append(_dot(last, 2.2, "sparkline-last", "currentColor"))
    out.append("</svg>")
    # Safe: every piece of caller text went through _e(); the rest is our own markup.
    return mark_safe("".join(out))  # noqa: S308


def table_rows(series: Sequence[Series], start: date, end: date) -> list[tuple[date, list[str]]]:
    """One row per night from start to end, one formatted cell per series ("" = no value)."""
    if end < start:
        return []
    lookups = [{night: value for night, value in s.points} for s in series]
    # A year is 365 nights × 7 cells of a dozen distinct values: each is formatted once.
    formatters = [_value_formatter(s.axis) for s in series]
    rows = []
    night = start
    one_day = timedelta(days=1)
    while night <= end:
        cells = [fmt(lookup.get(night)) for fmt, lookup in zip(formatters, lookups, strict=True)]
        rows.append((night, cells))
        night += one_day
    return rows


def table_body(rows: Iterable[tuple[date, list[str]]], *, blank: str = "") -> SafeString:
    """The rows of the data table under a chart, as HTML: the night, then a cell per series.

    Written here rather than as a template loop: a year is 365 rows of seven cells, which took
    the template engine most of the time of the clinician's patient page at 52 weeks.
    """
    label = day_labels("day")
    # A dozen distinct values fill the cells: each one's cell is written once.
    done: dict = {}

    def td(cell):
        key = (type(cell), cell)
        text = done.get(key)
        if text is None:
            text = done[key] = f'<td class="num">{conditional_escape(cell or blank)}</td>'
        return text

    html = [
        f'<tr><th scope="row">{conditional_escape(label(night))}</th>'
        + "".join([td(cell) for cell in cells])
        + "</tr>"
        for night, cells in rows
    ]
    # Safe: every value went through conditional_escape(); the rest is our own markup.
    return mark_safe("".join(html))  # noqa: S308


def day_labels(style: str):
    """``local_date(night, style)`` for many nights (a style of ldn_journal.local_dates, "day"
    or "day_month": the order and small words are the language's), with the style's format
    and the language read once per call, not once per night (a page of a year's nights
    writes hundreds): local_dates.format_date writes each."""
    fmt, lower_case = style_format(style)
    if "T" in fmt:  # a zone's abbreviation keeps its case: local_date writes it apart
        return lambda night: local_date(night, style)
    write = date_writer(fmt, get_language())
    if lower_case:
        return lambda night: write(night).lower()
    return write


# ---------------------------------------------------------------------------------------
# Drawing pieces


_first = itemgetter(0)  # a point's night: the sort key of a series' points
_ONE_NIGHT = timedelta(days=1)


def _series_svg(s: Series, style: _Style, frame: _Frame, xs: dict, numbers: dict) -> str:
    """One series as polylines (a dot for a lone night), broken where a night has no value:
    a None, or no point at all for it (a night with no record: a line straight across a
    hold's unlogged nights drew values nobody recorded).

    One pass over the points with the frame's arithmetic inlined (frame.x_of and y_of, to
    the same floats): a year's chart draws some 2,500 points. ``xs`` and ``numbers`` carry
    each night's x and each coordinate's text across the chart's series."""
    cls = f"series series-{_css(s.key)}"
    dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
    out = [f'<g class="{cls}" aria-hidden="true">']
    start, end = frame.start, frame.end
    in_order = sorted((p for p in s.points if start <= p[0] <= end), key=_first)
    top = frame.dose_top if s.axis == "dose" else 10.0
    y1, height = frame.y1, frame.y1 - frame.y0
    # A series has a dozen distinct values: each one's y (None: no finite number) is
    # worked out once (equal values, as 5 and Decimal("5.00"), give the same float).
    ys: dict = {None: None}
    segments, run = [], []
    after = None  # the night after the run's last
    for night, value in in_order:
        try:
            y = ys[value]
        except KeyError:
            number = float(value)
            y = ys[value] = (
                y1 - min(max(number / top, 0.0), 1.0) * height if math.isfinite(number) else None
            )
        if run and (y is None or night != after):
            segments.append(run)
            run = []
        if y is None:
            continue
        x = xs.get(night)
        if x is None:
            x = xs[night] = frame.x_of(night)
        run.append((x, y))
        after = night + _ONE_NIGHT
    if run:
        segments.append(run)
    for pts in segments:
        if len(pts) == 1:
            out.append(_dot(pts[0], 2.6, "series-point", style.colour))
            continue
        if s.stepped:
            pts = _steps(pts)
        out.append(
            f'<polyline points="{_pts(pts, numbers)}" fill="none" stroke="{style.colour}" '
            f'stroke-width="{_n(style.width)}"{dash} stroke-linejoin="round" '
            f'stroke-linecap="butt"/>'
        )
    out.append("</g>")
    return "".join(out)


def _segments(points: Iterable[tuple[date | int, Value]]):
    """Runs of points with a value on consecutive keys (nights, or a sparkline's indices),
    in order: a None ends the run, and so does a key skipped (a night with no record), as
    _series_svg breaks the trend chart's lines."""
    run: list[tuple[date | int, float]] = []
    after = None  # the key after the run's last
    for key, value in points:
        number = _as_float(value)
        if run and (number is None or key != after):
            yield run
            run = []
        if number is not None:
            run.append((key, number))
            after = key + (_ONE_NIGHT if isinstance(key, date) else 1)
    if run:
        yield run


def _steps(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # Hold each value until the next night, then jump: horizontal first, then vertical.
    stepped = [pts[0]]
    for (_, y0), (x1, y1) in pairwise(pts):
        if y1 == y0:
            stepped.append((x1, y1))
        else:
            stepped.append((x1, y0))
            stepped.append((x1, y1))
    # Drop interior points on a straight horizontal run to keep the SVG small.
    slim = [stepped[0]]
    for i in range(1, len(stepped) - 1):
        prev, cur, nxt = slim[-1], stepped[i], stepped[i + 1]
        if prev[1] == cur[1] == nxt[1]:
            continue
        slim.append(cur)
    if len(stepped) > 1:
        slim.append(stepped[-1])
    return slim


def _dot(pt: tuple[float, float], r: float, cls: str, colour: str) -> str:
    return f'<circle class="{cls}" cx="{_n(pt[0])}" cy="{_n(pt[1])}" r="{_n(r)}" fill="{colour}"/>'


def _cross(x: float, y: float, r: float, cls: str, tip: str) -> str:
    colour = _MARKERS["skipped"][0]
    d = (
        f"M{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y + r)}"
        f"M{_n(x - r)} {_n(y + r)}L{_n(x + r)} {_n(y - r)}"
    )
    return (
        f'<path class="{cls}" d="{d}" stroke="{colour}" stroke-width="1.6" fill="none" '
        f'stroke-linecap="round"><title>{_e(tip)}</title></path>'
    )


def _triangle(x: float, y: float, r: float, cls: str, tip: str) -> str:
    colour = _MARKERS["flag"][0]
    d = f"M{_n(x)} {_n(y + r)}L{_n(x - r)} {_n(y - r)}L{_n(x + r)} {_n(y - r)}Z"
    return f'<path class="{cls}" d="{d}" fill="{colour}"><title>{_e(tip)}</title></path>'


def _legend_layout(items, x0: float, x1: float):
    """Place legend items left to right, wrapping into rows: [(row, (x, item)), ...]."""
    placed = []
    row, x = 0, x0
    for item in items:
        text = item[1].label if item[0] == "series" else _MARKERS[item[1]][2]
        w = _LEGEND_SAMPLE + 6 + len(text) * _CHAR_WIDTH + 18
        if x > x0 and x + w > x1:
            row, x = row + 1, x0
        placed.append((row, (x, item, text)))
        x += w
    return placed


def _legend_svg(rows, y0: float) -> list[str]:
    if not rows:
        return []
    out = ['<g class="chart-legend" aria-hidden="true">']
    for row, (x, item, text) in rows:
        y = y0 + row * _LEGEND_ROW + _LEGEND_ROW / 2
        kind, what, style = item
        if kind == "series":
            dash = f' stroke-dasharray="{style.dash}"' if style.dash else ""
            if what.stepped:
                d = (
                    f"M{_n(x)} {_n(y + 4)}H{_n(x + _LEGEND_SAMPLE / 2)}"
                    f"V{_n(y - 4)}H{_n(x + _LEGEND_SAMPLE)}"
                )
            else:
                d = f"M{_n(x)} {_n(y)}H{_n(x + _LEGEND_SAMPLE)}"
            out.append(
                f'<g class="legend-item series-{_css(what.key)}">'
                f'<path d="{d}" fill="none" stroke="{style.colour}" '
                f'stroke-width="{_n(style.width)}"{dash}/>'
            )
        else:
            colour, dash, _ = _MARKERS[what]
            mid = x + _LEGEND_SAMPLE / 2
            marker_css = "skipped" if what == "skipped_day" else _css(what)
            out.append(f'<g class="legend-item marker-{marker_css}">')
            if what in ("skipped", "skipped_day"):
                out.append(_cross(mid, y, 3.5, "legend-glyph", text))
            elif what == "flag":
                out.append(_triangle(mid, y, 4.5, "legend-glyph", text))
            else:
                out.append(
                    f'<line x1="{_n(mid)}" y1="{_n(y - 7)}" x2="{_n(mid)}" y2="{_n(y + 7)}" '
                    f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="{dash}"/>'
                )
        out.append(f'<text x="{_n(x + _LEGEND_SAMPLE + 6)}" y="{_n(y + 4)}">{_e(text)}</text></g>')
    out.append("</g>")
    return out


# ---------------------------------------------------------------------------------------
# Ticks, text and numbers


def _date_ticks(start: date, end: date) -> list[date]:
    """The nights the date axis marks: each night or every other up to two weeks, each week
    up to twelve, then the 1st of each month (of every few months past about a year)."""
    span = (end - start).days
    if span <= 13:
        return [start + timedelta(days=i) for i in range(0, span + 1, 1 if span <= 7 else 2)]
    if span <= 12 * 7:
        return [start + timedelta(days=i) for i in range(0, span + 1, 7)]
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    every = max(1, math.ceil(months / 13))
    y, m = start.year, start.month
    if start.day != 1:
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    ticks = []
    index = 0
    while date(y, m, 1) <= end:
        if index % every == 0:
            ticks.append(date(y, m, 1))
        index += 1
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return ticks


# The least room between two date labels, in viewBox units (about two spaces of the 11 px
# text), and how far from the SVG's edge a label may reach.
_LABEL_GAP = 7.0
_LABEL_EDGE = 2.0


def _date_labels(
    ticks: Sequence[date], xs: Sequence[float], frame: _Frame, width: float
) -> list[tuple[float, str, str]]:
    """(x, text-anchor, text) for the ticks that are labelled: every tick, else every second,
    third…, the fewest left out so that no two labels (as wide as _CHAR_WIDTH guesses) come
    closer than _LABEL_GAP. Each label is centred under its tick (the first and last ones
    too: "12 Sep" anchored at the plot's left edge ran into "19 Sep"), and moved inwards only
    where it would leave the SVG. Across a new year the first labelled tick of each year says
    which year it is."""
    if not ticks:
        return []
    label = day_labels("day_month")  # as the page's language writes it
    texts = [label(tick) for tick in ticks]
    new_years = frame.start.year != frame.end.year
    for every in range(1, len(ticks) + 1):
        placed, right = [], -math.inf
        for index in range(0, len(ticks), every):
            tick, text = ticks[index], texts[index]
            if new_years and (not placed or placed[-1][0].year != tick.year):
                text = f"{text} {tick.year}"
            half = len(text) * _CHAR_WIDTH / 2
            x, anchor = xs[index], "middle"
            if x - half < _LABEL_EDGE:
                x, anchor = _LABEL_EDGE, "start"
            elif x + half > width - _LABEL_EDGE:
                x, anchor = width - _LABEL_EDGE, "end"
            left = x if anchor == "start" else x - 2 * half if anchor == "end" else x - half
            if left - right < _LABEL_GAP:
                break
            right = left + 2 * half
            placed.append((tick, x, anchor, text))
        else:
            return [(x, anchor, text) for _tick, x, anchor, text in placed]
    return []


def _day_label(d: date) -> str:
    return local_date(d, "day_month")  # as the page's language writes it


def skipped_label(dosing_time: str) -> str:
    """A skipped dose's marker text: "Skipped night", or "Skipped day" for a morning doser."""
    return str(_MARKERS[_legend_kind("skipped", dosing_time)][2])


def _legend_kind(kind: str, dosing_time: str) -> str:
    return "skipped_day" if kind == "skipped" and dosing_time == MORNING else kind


def _describe(series: Sequence[Series], start: date, end: date, dosing_time: str = EVENING) -> str:
    morning = dosing_time == MORNING
    parts = [
        (
            gettext("Daily values from %(start)s to %(end)s.")
            if morning
            else gettext("Nightly values from %(start)s to %(end)s.")
        )
        % {"start": _long_date(start), "end": _long_date(end)}
    ]
    for s in series:
        values = [(night, v) for night, v in s.points if v is not None and start <= night <= end]
        if not values:
            parts.append(gettext("%(series)s: no values.") % {"series": s.label})
            continue
        values.sort(key=_first)
        first, last = _as_float(values[0][1]), _as_float(values[-1][1])
        numbers = [n for n in (_as_float(v) for _, v in values) if n is not None]
        ends = [n for n in (first, last) if n is not None]
        said = {
            "series": s.label,
            "count": len(values),
            "first": _format_value(first, s.axis),
            "last": _format_value(last, s.axis),
        }
        if ends and (min(numbers) < min(ends) or max(numbers) > max(ends)):
            # First and last alone hid the nights between ("Dose taken (mg): 76 nights, from
            # 4.5 to 4.5" over a night at 3 mg): the lowest and highest are said too.
            said["low"] = _format_value(min(numbers), s.axis)
            said["high"] = _format_value(max(numbers), s.axis)
            text = (
                ngettext(
                    "%(series)s: %(count)s day, from %(first)s to %(last)s; lowest %(low)s, "
                    "highest %(high)s.",
                    "%(series)s: %(count)s days, from %(first)s to %(last)s; lowest %(low)s, "
                    "highest %(high)s.",
                    len(values),
                )
                if morning
                else ngettext(
                    "%(series)s: %(count)s night, from %(first)s to %(last)s; lowest %(low)s, "
                    "highest %(high)s.",
                    "%(series)s: %(count)s nights, from %(first)s to %(last)s; lowest %(low)s, "
                    "highest %(high)s.",
                    len(values),
                )
            )
        else:
            text = (
                ngettext(
                    "%(series)s: %(count)s day, from %(first)s to %(last)s.",
                    "%(series)s: %(count)s days, from %(first)s to %(last)s.",
                    len(values),
                )
                if morning
                else ngettext(
                    "%(series)s: %(count)s night, from %(first)s to %(last)s.",
                    "%(series)s: %(count)s nights, from %(first)s to %(last)s.",
                    len(values),
                )
            )
        parts.append(text % said)
    parts.append(gettext("The same values are in the data table."))
    return " ".join(parts)


def _long_date(d: date) -> str:
    return local_date(d, "date")


def _marker_tips():
    """A marker's tooltip ("12 Mar 2026: Skipped night"), the dates written by day_labels:
    a year's chart has dozens of skipped nights."""
    long_date = day_labels("date")
    return lambda m: f"{long_date(m.night)}: {m.label}"


def _assign_styles(series: Sequence[Series]) -> list[_Style]:
    spare = iter(_SPARE_STYLES * (len(series) // len(_SPARE_STYLES) + 1))
    return [_STYLES.get(s.key) or next(spare) for s in series]


def _chart_id(series, start, end, title, markers) -> str:
    digest = hashlib.sha1(
        repr((title, start, end, [(s.key, len(s.points)) for s in series], len(markers))).encode(),
        usedforsecurity=False,
    )
    return f"chart-{digest.hexdigest()[:10]}"


def _format_value(value: Value, axis: str) -> str:
    """A value as the page's language writes it (1,5 in es and de)."""
    return _plain_number(value, axis).replace(".", get_format("DECIMAL_SEPARATOR"))


def _value_formatter(axis: str):
    """_format_value for one axis, remembering each distinct value it has formatted."""
    separator = get_format("DECIMAL_SEPARATOR")
    done: dict = {}

    def format_value(value: Value) -> str:
        key = (type(value), value)
        text = done.get(key)
        if text is None:
            text = done[key] = _plain_number(value, axis).replace(".", separator)
        return text

    return format_value


def _plain_number(value: Value, axis: str) -> str:
    if value is None:
        return ""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        return ""
    if axis == "dose":
        text = f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):f}"
        return text[:-1] if text.endswith("0") else text
    if number == number.to_integral_value():
        return f"{int(number)}"
    return f"{number.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):f}"


def _tick_mg(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return (text or "0").replace(".", get_format("DECIMAL_SEPARATOR"))


def _as_float(value: Value) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _n(x: float) -> str:
    text = f"{x:.1f}"
    if text.endswith(".0"):
        text = text[:-2]
    return "0" if text == "-0" else text


def _pts(pts: list[tuple[float, float]], numbers: dict[float, str] | None = None) -> str:
    """ "x,y x,y …"; ``numbers`` remembers each coordinate's text across a chart's series."""
    if numbers is None:
        return " ".join(f"{_n(x)},{_n(y)}" for x, y in pts)
    out = []
    for x, y in pts:
        tx = numbers.get(x)
        if tx is None:
            tx = numbers[x] = _n(x)
        ty = numbers.get(y)
        if ty is None:
            ty = numbers[y] = _n(y)
        out.append(f"{tx},{ty}")
    return " ".join(out)


@lru_cache(maxsize=1024)  # a handful of series keys, asked for by every segment
def _css(key: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in key.lower())


def _e(text: str) -> str:
    return html.escape(str(text), quote=True)


# ---------------------------------------------------------------------------------------
# Small multiples: one small panel per measure, the dose steps as shaded bands behind it.

_PANEL_LEFT, _PANEL_RIGHT, _PANEL_TOP, _PANEL_BOTTOM = 28.0, 8.0, 26.0, 22.0
_PANEL_FONT = 14


@dataclass(frozen=True)
class Panel:
    series: Series
    svg: SafeString


def dose_steps(dose: Series, start: date, end: date) -> list[tuple[date, date, Value]]:
    """Runs of nights on the same logged dose, as (first night, last night, mg)."""
    runs: list[tuple[date, date, Value]] = []
    for night, value in sorted(p for p in dose.points if start <= p[0] <= end):
        if value is None:
            continue
        if runs and runs[-1][2] == value:
            runs[-1] = (runs[-1][0], night, value)
        else:
            runs.append((night, night, value))
    return runs


def small_multiples(
    series: Sequence[Series],
    start: date,
    end: date,
    *,
    dose: Series | None = None,
    width: float = 360.0,
    height: float = 120.0,
    dosing_time: str = EVENING,
) -> list[Panel]:
    """One SVG per 0–10 measure, readable on a 390 px phone at any period (4 to 52 weeks):
    14 px labels, the 0/5/10 grid, the line, and the dose steps as alternating shaded bands
    labelled with their mg. The data table beside it carries the exact values."""
    span = max((end - start).days, 1)
    x0, x1 = _PANEL_LEFT, width - _PANEL_RIGHT
    y0, y1 = _PANEL_TOP, height - _PANEL_BOTTOM
    steps = dose_steps(dose, start, end) if dose is not None else []

    def x_of(night: date) -> float:
        return x0 + (x1 - x0) * (night - start).days / span

    def y_of(value: float) -> float:
        return y1 - (y1 - y0) * value / 10

    panels = []
    # The same nights on every panel: their labels and coordinates' text are made once.
    first_label, last_label = _day_label(start), _day_label(end)
    numbers: dict[float, str] = {}
    for s in series:
        ident = f"{_chart_id([s], start, end, s.label, [])}"
        parts = [
            f'<svg xmlns="{SVG_NS}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
            f'aria-labelledby="{ident}-t {ident}-d" class="chart-panel" '
            f'font-family="{_e(_FONT)}" font-size="{_PANEL_FONT}">',
            f'<title id="{ident}-t">{_e(s.label)}</title>',
            f'<desc id="{ident}-d">{_e(_describe([s], start, end, dosing_time))}</desc>',
        ]
        for index, (first, last, mg) in enumerate(steps):
            left = x_of(first)
            right = x_of(min(last + timedelta(days=1), end)) if last < end else x1
            parts.append(
                f'<rect class="dose-band" x="{_n(left)}" y="{_n(y0)}" '
                f'width="{_n(max(right - left, 1))}" height="{_n(y1 - y0)}" '
                f'fill="{"#E8EEF6" if index % 2 == 0 else "#F4F6FA"}"/>'
            )
            if right - left >= 44:
                parts.append(
                    f'<text x="{_n(left + 3)}" y="{_n(y1 - 5)}" fill="{_MUTED}" '
                    f'font-size="12">{_tick_mg(float(mg))} mg</text>'
                )
        for value in (0, 5, 10):
            y = y_of(value)
            parts.append(
                f'<line x1="{_n(x0)}" x2="{_n(x1)}" y1="{_n(y)}" y2="{_n(y)}" '
                f'stroke="{_GRID}" stroke-width="1"/>'
                f'<text x="{_n(x0 - 6)}" y="{_n(y + 5)}" text-anchor="end" '
                f'fill="{_MUTED}">{value}</text>'
            )
        colour = _STYLES.get(s.key, _SPARE_STYLES[0]).colour
        points = sorted(p for p in s.points if start <= p[0] <= end)
        for segment in _segments(points):
            pts = [(x_of(night), y_of(float(v))) for night, v in segment]
            if len(pts) == 1:
                parts.append(_dot(pts[0], 2.5, f"series-{_css(s.key)}", colour))
            else:
                parts.append(
                    f'<polyline points="{_pts(pts, numbers)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2" class="series-{_css(s.key)}"/>'
                )
        values = [v for _night, v in points if v is not None]
        latest = _format_value(values[-1], s.axis) if values else "—"
        parts.append(
            f'<text x="{_n(x0)}" y="16" font-weight="600" fill="{_TEXT}">{_e(s.label)}</text>'
            f'<text x="{_n(x1)}" y="16" text-anchor="end" fill="{_TEXT}">{_e(latest)}</text>'
            f'<text x="{_n(x0)}" y="{_n(height - 4)}" fill="{_MUTED}">{first_label}</text>'
            f'<text x="{_n(x1)}" y="{_n(height - 4)}" text-anchor="end" '
            f'fill="{_MUTED}">{last_label}</text>'
        )
        parts.append("</svg>")
        panels.append(Panel(s, mark_safe("".join(parts))))  # noqa: S308 - every value escaped
    return panels
