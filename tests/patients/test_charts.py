import re
import time
import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.safestring import SafeString

from ldn_journal.local_dates import STYLES, local_date
from patients.journal.charts import (
    _CHAR_WIDTH,
    Marker,
    Series,
    _format_value,
    day_labels,
    small_multiples,
    sparkline,
    table_body,
    table_rows,
    trend_chart,
)

NS = "{http://www.w3.org/2000/svg}"
START = date(2025, 3, 3)


def nights(count, start=START):
    return [start + timedelta(days=i) for i in range(count)]


def render(series, start=START, end=None, **kwargs):
    end = end or START + timedelta(days=6)
    kwargs.setdefault("title", "Trend")
    return ET.fromstring(str(trend_chart(series, start, end, **kwargs)))


def polylines_of(root, key):
    group = next(g for g in root.iter(f"{NS}g") if f"series-{key}" in g.get("class", "").split())
    return group.findall(f"{NS}polyline")


def parse_points(polyline):
    return [tuple(float(n) for n in pair.split(",")) for pair in polyline.get("points").split()]


def pain(values, start=START):
    return Series(
        "pain",
        "Pain (0–10, lower is better)",
        list(zip(nights(len(values), start), values, strict=True)),
    )


def test_the_trend_chart_is_a_safe_string_of_valid_svg():
    chart = trend_chart([pain([3, 4, 5])], START, START + timedelta(days=2), title="Pain")
    assert isinstance(chart, SafeString)
    assert ET.fromstring(str(chart)).tag == f"{NS}svg"


def test_the_chart_is_responsive_by_viewbox_and_never_wider_than_its_container():
    root = render([pain([3, 4, 5])])
    assert root.get("width") == "100%"
    assert root.get("viewBox").startswith("0 0 720 ")
    assert root.get("preserveAspectRatio") == "xMidYMid meet"
    assert root.get("height") is None


def test_the_chart_is_an_image_labelled_by_its_title_and_description():
    root = render([pain([3, 4, 5])], title="Pain trend", description="Pain fell from 5 to 3.")
    assert root.get("role") == "img"
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.text == "Pain trend"
    assert desc.text == "Pain fell from 5 to 3."
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_a_chart_without_a_description_describes_itself():
    desc = render([pain([5, 4, 3])]).find(f"{NS}desc").text
    assert "3 Mar 2025" in desc
    assert "Pain (0–10, lower is better): 3 nights, from 5 to 3." in desc


def test_a_chart_of_one_night_says_one_night_in_each_language():
    """It said "1 nights" (exploratory testing: a new patient's first logged night)."""
    for language, expected in (
        ("en", ": 1 night, from 5 to 5."),
        ("de", ": 1 Nacht, von 5 bis 5."),
        ("es", ": 1 noche, de 5 a 5."),
    ):
        with translation.override(language):
            desc = render([pain([5])]).find(f"{NS}desc").text
        assert expected in desc, (language, desc)


def test_a_description_says_the_lowest_and_highest_when_they_lie_outside_first_and_last():
    """ "Dose taken (mg): 76 nights, from 4.5 to 4.5" hid a night at 3 mg, and "Pain: 106
    nights, from 6 to 6" read as no change beside a table of 6.6 falling to 5.7 (read on the
    demo clinician's patient page and visit report)."""
    desc = render([pain([6, 3, 8, 6])]).find(f"{NS}desc").text
    assert "Pain (0–10, lower is better): 4 nights, from 6 to 6; lowest 3, highest 8." in desc
    for language, expected in (
        ("de", ": 4 Nächte, von 6 bis 6; niedrigster Wert 3, höchster Wert 8."),
        ("es", ": 4 noches, de 6 a 6; mínimo 3, máximo 8."),
    ):
        with translation.override(language):
            desc = render([pain([6, 3, 8, 6])]).find(f"{NS}desc").text
        assert expected in desc, (language, desc)


def test_a_description_whose_first_and_last_span_every_value_says_no_more():
    desc = render([pain([5, 4, 3])]).find(f"{NS}desc").text
    assert "3 nights, from 5 to 3. " in desc
    assert "lowest" not in desc


def test_a_script_in_the_title_comes_out_as_text_never_as_an_element():
    chart = str(trend_chart([], START, START, title="<script>alert(1)</script>"))
    root = ET.fromstring(chart)
    assert "<script>" not in chart
    assert root.find(f"{NS}title").text == "<script>alert(1)</script>"
    assert not [el for el in root.iter() if el.tag.endswith("script")]


def test_labels_and_marker_tooltips_are_escaped():
    series = [Series("pain", 'Pain <b>"&"</b>', [(START, 3)])]
    markers = [Marker(START, "plan_change", "<img src=x onerror=alert(1)>")]
    chart = str(trend_chart(series, START, START, markers=markers, title="t"))
    root = ET.fromstring(chart)
    assert "<b>" not in chart
    assert "<img" not in chart
    texts = [el.text for el in root.iter(f"{NS}text")]
    assert 'Pain <b>"&"</b>' in texts
    assert not [el for el in root.iter() if el.tag in (f"{NS}b", f"{NS}img")]


def test_no_element_carries_a_style_attribute_or_a_style_element():
    series = [
        pain([3, None, 5, 6]),
        Series(
            "dose",
            "Dose (mg)",
            list(zip(nights(4), [Decimal("1.5")] * 4, strict=True)),
            "dose",
            True,
        ),
    ]
    markers = [Marker(START, kind, kind) for kind in ("skipped", "plan_change", "hold", "flag")]
    for svg in (
        render(series, markers=markers),
        ET.fromstring(str(sparkline([1, None, 3], label="Pain"))),
    ):
        assert all("style" not in el.attrib for el in svg.iter())
        assert svg.find(f".//{NS}style") is None


def test_a_missing_night_breaks_the_pain_line_into_two_segments():
    root = render([pain([3, 4, None, 5, 6])])
    lines = polylines_of(root, "pain")
    assert len(lines) == 2
    assert [len(parse_points(line)) for line in lines] == [2, 2]


def test_a_lone_value_between_gaps_is_drawn_as_a_dot():
    root = render([pain([None, 4, None])])
    group = next(g for g in root.iter(f"{NS}g") if "series-pain" in g.get("class", ""))
    assert group.findall(f"{NS}polyline") == []
    assert len(group.findall(f"{NS}circle")) == 1


def test_nights_with_no_record_break_the_line_as_nights_without_a_value_do():
    """The demo's Jo Williams: "Dose taken" and Pain ran straight across the ten unlogged
    nights of a hold, drawing values nobody recorded."""
    points = [(night, 4) for night in nights(10) if night not in nights(4, START + timedelta(3))]
    root = render([Series("pain", "Pain", points)], end=START + timedelta(days=9))
    assert [len(parse_points(line)) for line in polylines_of(root, "pain")] == [3, 3]


def test_a_lone_recorded_night_between_unrecorded_ones_is_a_dot():
    points = [(night, 4) for night in nights(7) if night not in (nights(7)[2], nights(7)[4])]
    root = render([Series("taken", "Dose taken", points, axis="dose")])
    group = next(g for g in root.iter(f"{NS}g") if "series-taken" in g.get("class", ""))
    assert [len(parse_points(line)) for line in group.findall(f"{NS}polyline")] == [2, 2]
    assert len(group.findall(f"{NS}circle")) == 1


def test_a_stepped_line_does_not_hold_its_dose_across_unrecorded_nights():
    points = [(night, Decimal("3")) for night in nights(7) if night != nights(7)[3]]
    dose = Series("dose", "Dose", points, axis="dose", stepped=True)
    lines = polylines_of(render([dose]), "dose")
    night_x = [40 + i / 6 * (720 - 40 - 44) for i in range(7)]
    ends = [(parse_points(line)[0][0], parse_points(line)[-1][0]) for line in lines]
    assert ends == [
        pytest.approx((night_x[0], night_x[2])),
        pytest.approx((night_x[4], night_x[6])),
    ]


def test_a_chart_with_unrecorded_nights_is_the_chart_with_those_nights_blank():
    """Only the drawing changes: the description, the legend and the data table say what they
    said (the nights, the values, first to last), and the SVG is the same as that of the same
    series with None on the unrecorded nights."""
    values = [3, 4, None, None, None, 5, 6, None, 7, 2]
    blank = [pain(values), Series("taken", "Dose taken", [(START, 3)], axis="dose")]
    absent = [
        Series("pain", blank[0].label, [(n, v) for n, v in blank[0].points if v is not None]),
        blank[1],
    ]
    end = START + timedelta(days=len(values) - 1)
    drawn = [str(trend_chart(s, START, end, title="T", chart_id="c")) for s in (blank, absent)]
    assert drawn[0] == drawn[1]
    assert "Pain (0–10, lower is better): 6 nights, from 3 to 2; lowest 2, highest 7." in drawn[1]
    assert table_rows(absent, START, end) == table_rows(blank, START, end)


def test_each_small_panel_breaks_its_line_across_unrecorded_nights_and_says_the_same():
    values = [3, 4, None, None, 5, 6, None, 7]
    blank = pain(values)
    absent = Series("pain", blank.label, [(n, v) for n, v in blank.points if v is not None])
    end = START + timedelta(days=len(values) - 1)
    (panel,) = small_multiples([absent], START, end)
    svg = ET.fromstring(str(panel.svg))
    assert [len(parse_points(line)) for line in svg.findall(f"{NS}polyline")] == [2, 2]
    assert len(svg.findall(f"{NS}circle")) == 1
    same = str(small_multiples([blank], START, end)[0].svg)
    ids = re.compile(r"chart-[0-9a-f]{10}")  # made of the number of points, among others
    assert ids.sub("chart-id", str(panel.svg)) == ids.sub("chart-id", same)


def test_a_sparkline_still_joins_its_evenly_spaced_values():
    svg = ET.fromstring(str(sparkline([1, 2, 3, None, 4, 5], label="Pain")))
    assert [len(parse_points(line)) for line in svg.findall(f"{NS}polyline")] == [3, 2]


def test_a_stepped_dose_line_goes_across_then_up():
    doses = [Decimal("1.5"), Decimal("1.5"), Decimal("3.0"), Decimal("4.5")]
    dose = Series(
        "dose", "Dose (mg)", list(zip(nights(4), doses, strict=True)), axis="dose", stepped=True
    )
    (line,) = polylines_of(render([dose], end=START + timedelta(days=3)), "dose")
    points = parse_points(line)
    segments = list(pairwise(points))
    assert len(segments) == 4
    for index, ((x0, y0), (x1, y1)) in enumerate(segments):
        if index % 2 == 0:
            assert y0 == y1, "horizontal first"
            assert x1 > x0, "horizontal first"
        else:
            assert x0 == x1, "then vertical"
            assert y1 < y0, "upwards for a higher dose"


def test_the_dose_is_scaled_to_the_right_axis_up_to_dose_max():
    dose = Series("dose", "Dose (mg)", [(START, Decimal("5")), (START + timedelta(1), 0)], "dose")
    (line,) = polylines_of(render([dose], end=START + timedelta(days=1)), "dose")
    score = render([pain([10, 0])], end=START + timedelta(days=1))
    assert parse_points(line) == parse_points(polylines_of(score, "pain")[0])


def test_series_differ_by_dash_pattern_as_well_as_colour():
    keys = ["pain", "fatigue", "mood", "sleep", "dreams"]
    series = [Series(k, k, [(START, 1), (START + timedelta(1), 2)]) for k in keys]
    root = render(series, end=START + timedelta(days=1))
    styles = {
        (line.get("stroke"), line.get("stroke-dasharray"))
        for key in keys
        for line in polylines_of(root, key)
    }
    assert len({colour for colour, _ in styles}) == len(keys)
    assert len({dash for _, dash in styles}) == len(keys)


def test_the_legend_names_every_series():
    series = [pain([1, 2]), Series("mood", "Mood & more", [(START, 5)])]
    legend = next(g for g in render(series).iter(f"{NS}g") if g.get("class") == "chart-legend")
    assert [t.text for t in legend.iter(f"{NS}text")] == [
        "Pain (0–10, lower is better)",
        "Mood & more",
    ]


def test_markers_appear_with_their_tooltips():
    markers = [
        Marker(START + timedelta(days=1), "skipped", "Dose skipped"),
        Marker(START + timedelta(days=2), "plan_change", "Step up to 3.0 mg"),
        Marker(START + timedelta(days=3), "hold", "Hold for surgery"),
        Marker(START + timedelta(days=4), "flag", "Vivid dreams"),
    ]
    root = render([pain([3, 4, 5, 6, 7])], markers=markers)
    drawn = {
        el.get("class"): el.find(f"{NS}title").text
        for el in root.iter()
        if "marker" in (el.get("class") or "").split()
    }
    assert drawn == {
        "marker marker-skipped": "4 Mar 2025: Dose skipped",
        "marker marker-plan-change": "5 Mar 2025: Step up to 3.0 mg",
        "marker marker-hold": "6 Mar 2025: Hold for surgery",
        "marker marker-flag": "7 Mar 2025: Vivid dreams",
    }


def test_plan_changes_and_holds_are_dashed_vertical_lines():
    markers = [Marker(START + timedelta(days=2), kind, kind) for kind in ("plan_change", "hold")]
    root = render([pain([3, 4, 5])], markers=markers)
    lines = [el for el in root.iter(f"{NS}line") if "marker" in (el.get("class") or "")]
    assert len(lines) == 2
    for line in lines:
        assert line.get("x1") == line.get("x2")
        assert line.get("y1") != line.get("y2")
        assert line.get("stroke-dasharray")


def test_markers_outside_the_range_are_left_out():
    markers = [Marker(START - timedelta(days=1), "skipped", "before")]
    root = render([pain([3, 4])], markers=markers)
    assert not [el for el in root.iter() if "marker-skipped" in (el.get("class") or "")]


def test_weekly_ticks_label_the_x_axis_up_to_twelve_weeks():
    root = render([], end=START + timedelta(weeks=8))
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-x" in (g.get("class") or ""))
    labels = [t.text for t in axis.iter(f"{NS}text")]
    assert labels == [
        "3 Mar",
        "10 Mar",
        "17 Mar",
        "24 Mar",
        "31 Mar",
        "7 Apr",
        "14 Apr",
        "21 Apr",
        "28 Apr",
    ]


def test_monthly_ticks_label_the_x_axis_beyond_twelve_weeks():
    root = render([], end=START + timedelta(weeks=20))
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-x" in (g.get("class") or ""))
    assert [t.text for t in axis.iter(f"{NS}text")] == ["1 Apr", "1 May", "1 Jun", "1 Jul"]


def test_monthly_ticks_name_the_year_where_a_new_year_begins():
    root = render([], start=date(2025, 10, 15), end=date(2026, 3, 15))
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-x" in (g.get("class") or ""))
    assert [t.text for t in axis.iter(f"{NS}text")] == [
        "1 Nov 2025",
        "1 Dec",
        "1 Jan 2026",
        "1 Feb",
        "1 Mar",
    ]


def date_label_boxes(root):
    """(text, left, right) of each date label, as wide as the chart guesses its text."""
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-x" in (g.get("class") or ""))
    boxes = []
    for text in axis.iter(f"{NS}text"):
        x, width = float(text.get("x")), len(text.text) * _CHAR_WIDTH
        left = {"start": x, "middle": x - width / 2, "end": x - width}[text.get("text-anchor")]
        boxes.append((text.text, left, left + width))
    return boxes


@pytest.mark.parametrize("language", ["en-gb", "de", "es"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 11, 6), date(2026, 12, 3)),  # 4 weeks
        (date(2026, 9, 12), date(2026, 12, 3)),  # 12 weeks: "12 Sep" ran into "19 Sep"
        (date(2026, 6, 6), date(2026, 12, 3)),  # 26 weeks
        (date(2025, 12, 5), date(2026, 12, 3)),  # 52 weeks across a new year
        (date(2026, 1, 1), date(2026, 12, 30)),  # a year from the 1st: ticks at both edges
        (date(2024, 12, 4), date(2026, 12, 3)),  # two years
    ],
)
def test_no_two_date_labels_run_into_each_other_nor_out_of_the_chart(language, start, end):
    """An exploratory pass at 1280 px: under the demo's 12-week chart "12 Sep", anchored at
    the plot's left edge, ran into "19 Sep" (and in German "1. Dez", anchored at the right
    edge of the 52-week chart, into "1. Nov")."""
    with translation.override(language):
        boxes = date_label_boxes(render([], start=start, end=end))
    assert len(boxes) >= 4
    assert boxes[0][1] >= 0
    assert boxes[-1][2] <= 720
    close = [(a, b) for (a, _, right), (b, left, _) in pairwise(boxes) if left - right < 6]
    assert close == []


def test_labels_too_wide_for_every_tick_go_on_every_other_and_the_year_moves_with_them():
    with translation.override("de"):
        root = render([], start=date(2025, 12, 5), end=date(2026, 12, 3))
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-x" in (g.get("class") or ""))
    ticks = [float(line.get("x1")) for line in axis.iter(f"{NS}line")]
    labels = [(t.text, float(t.get("x"))) for t in axis.iter(f"{NS}text")]
    assert len(ticks) == 12  # every 1st of the month keeps its tick
    assert [text for text, _ in labels] == [
        "1. Jan 2026",
        "1. Mär",
        "1. Mai",
        "1. Jul",
        "1. Sep",
        "1. Nov",
    ]
    assert [x for _, x in labels] == ticks[::2]


def test_the_right_axis_runs_from_zero_to_dose_max_in_mg():
    dose = Series("dose", "Dose", [(START, Decimal("3"))], axis="dose")
    root = render([dose], dose_max=Decimal("4.5"))
    axis = next(g for g in root.iter(f"{NS}g") if "chart-axis-dose" in (g.get("class") or ""))
    assert [t.text for t in axis.iter(f"{NS}text")] == [
        "Dose (mg)",
        "0",
        "0.9",
        "1.8",
        "2.7",
        "3.6",
        "4.5",
    ]


@pytest.mark.parametrize(
    "series",
    [
        [],
        [pain([])],
        [pain([None, None, None])],
        [pain([4])],
    ],
    ids=["no series", "empty series", "all none", "single point"],
)
def test_thin_data_still_renders_a_valid_chart(series):
    root = render(series)
    assert root.find(f"{NS}title").text == "Trend"


def test_a_chart_of_a_single_night_puts_it_in_the_middle():
    root = render([pain([4])], end=START)
    (dot,) = [c for c in root.iter(f"{NS}circle") if c.get("class") == "series-point"]
    assert float(dot.get("cx")) == pytest.approx((40 + 720 - 44) / 2, abs=0.1)


def test_a_year_of_six_series_renders_fast_and_rounds_numbers_to_one_decimal():
    days = nights(365)
    series = [
        Series(key, key, [(d, (i * 7 % 11) / 1.1 if i % 13 else None) for i, d in enumerate(days)])
        for key in ("pain", "fatigue", "mood", "sleep", "dreams")
    ]
    series.append(
        Series(
            "dose",
            "Dose",
            [(d, Decimal("1.5") + i // 60) for i, d in enumerate(days)],
            "dose",
            True,
        )
    )
    began = time.perf_counter()
    chart = str(trend_chart(series, days[0], days[-1], title="A year"))
    assert time.perf_counter() - began < 0.5
    root = ET.fromstring(chart)
    for line in root.iter(f"{NS}polyline"):
        for x, y in parse_points(line):
            assert round(x, 1) == x
            assert round(y, 1) == y
    assert "0.30000" not in chart


def test_two_charts_of_different_patients_get_different_ids():
    one = render([pain([1, 2])], title="Ann")
    two = render([pain([1, 2])], title="Bob")
    assert one.find(f"{NS}title").get("id") != two.find(f"{NS}title").get("id")


def test_sparkline_draws_a_line_with_a_gap():
    svg = ET.fromstring(str(sparkline([1, 2, None, 4, 5], label="Pain")))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Pain"
    assert len(svg.findall(f"{NS}polyline")) == 2


def test_a_sparkline_of_nothing_but_none_is_empty_but_valid():
    chart = sparkline([None, None, None], label="No <entries>")
    svg = ET.fromstring(str(chart))
    assert isinstance(chart, SafeString)
    assert svg.find(f"{NS}title").text == "No <entries>"
    assert svg.findall(f"{NS}polyline") == []
    assert svg.findall(f"{NS}circle") == []


def test_a_sparkline_of_no_values_is_empty_but_valid():
    svg = ET.fromstring(str(sparkline([], label="Pain")))
    assert list(svg) == [svg.find(f"{NS}title")]


def test_table_rows_give_one_row_per_night_and_blank_cells_for_none():
    dose = Series(
        "dose", "Dose", [(START, Decimal("1.50")), (START + timedelta(1), Decimal("1.75"))], "dose"
    )
    rows = table_rows([pain([3, None, 6.5]), dose], START, START + timedelta(days=3))
    assert rows == [
        (START, ["3", "1.5"]),
        (START + timedelta(days=1), ["", "1.75"]),
        (START + timedelta(days=2), ["6.5", ""]),
        (START + timedelta(days=3), ["", ""]),
    ]


def test_table_rows_of_a_single_night_is_one_row():
    assert table_rows([pain([4])], START, START) == [(START, ["4"])]


@pytest.mark.parametrize(
    ("blank", "template_cell"), [("", "{{ cell }}"), ("—", '{{ cell|default:"—" }}')]
)
def test_table_body_is_the_html_the_template_loop_wrote(blank, template_cell):
    """The patient page and the trends page render the table in Python (a year is 365 rows)."""

    dose = Series("dose", "Dose <mg>", [(START, Decimal("1.50"))], "dose")
    rows = table_rows([pain([3, None, 6.5]), dose], START, START + timedelta(days=3))[::-1]
    rows.append((START - timedelta(days=1), ["<b>&", ""]))
    loop = Template(
        '{% for night, cells in rows %}<tr><th scope="row">{{ night|date:"D j M" }}</th>'
        '{% for cell in cells %}<td class="num">' + template_cell + "</td>{% endfor %}</tr>"
        "{% endfor %}"
    )
    html = table_body(rows, blank=blank)
    assert isinstance(html, SafeString)
    assert html == loop.render(Context({"rows": rows}))
    assert '<tr><th scope="row">Thu 6 Mar</th><td class="num">' + blank in html
    assert "&lt;b&gt;&amp;" in html


# The styles of a date alone (a night); the styles with a time are for moments.
DATE_STYLES = sorted(s for s, formats in STYLES.items() if "H" not in formats["en"])


@pytest.mark.parametrize("language", ["en-gb", "es", "de"])
@pytest.mark.parametrize("style", DATE_STYLES)
def test_day_labels_are_what_local_date_writes_in_every_language(language, style):
    with translation.override(language):
        label = day_labels(style)
        for night in nights(400, start=date(2024, 1, 1)):
            assert label(night) == local_date(night, style)


def test_table_rows_format_each_value_as_the_single_value_formatter_does():
    values = [3, 3.0, Decimal("3"), Decimal("3.50"), 3.5, 3.25, Decimal("1.005"), None, 0, -0.0]
    score = Series("pain", "Pain", list(zip(nights(len(values)), values, strict=True)))
    dose = Series("dose", "Dose", list(zip(nights(len(values)), values, strict=True)), "dose")
    rows = table_rows([score, dose], START, START + timedelta(days=len(values) - 1))
    assert [cells for _, cells in rows] == [
        [_format_value(v, "score"), _format_value(v, "dose")] for v in values
    ]
