"""Symptoms by dose level: examples and properties (hypothesis), no database."""

import re
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.clinic.dashboard import dose_level_rows_html
from patients.rules import dose_response as dr
from patients.rules.flags import NightRecord
from patients.rules.scales import MOOD, PAIN

START = date(2026, 1, 1)


def nights_at(dose, count, *, offset=0, pain=5, mood=5, dreams="normal", status="taken"):
    return [
        dr.Night(
            START + timedelta(days=offset + i),
            status,
            D(dose) if dose is not None and status == "taken" else None,
            {"pain": pain, "mood": mood, "fatigue": None, "sleep_quality": None},
            dreams,
        )
        for i in range(count)
    ]


def test_three_dose_levels_are_compared_with_the_first_step():
    nights = (
        nights_at("1.5", 14, pain=6)
        + nights_at("3", 14, offset=14, pain=5)
        + nights_at("4.5", 30, offset=28, pain=4, dreams="vivid")
    )
    result = dr.by_dose_level(nights)
    assert [level.label for level in result.levels] == ["1.5 mg", "3 mg", "4.5 mg"]
    assert result.baseline.label == "1.5 mg"
    assert result.levels[0].is_baseline
    pain_at_45 = result.levels[2].scales[0]
    assert pain_at_45.spread.median == D("4.0")
    assert pain_at_45.change_percent == 33
    assert pain_at_45.improved
    assert result.levels[1].scales[0].change_percent == 17
    assert not result.levels[1].scales[0].improved
    assert result.levels[2].vivid_percent == 100


def test_nights_logged_before_the_first_dose_are_the_baseline_when_there_are_seven():
    nights = nights_at(None, 7, pain=8, status="") + nights_at("1.5", 10, offset=7, pain=4)
    result = dr.by_dose_level(nights)
    assert result.baseline.label == "Before LDN"
    assert result.levels[0].scales[0].change_percent == 50


def test_a_level_with_few_nights_says_so_plainly():
    nights = nights_at("1.5", 20) + nights_at("4.5", 9, offset=20)
    level = dr.by_dose_level(nights).levels[-1]
    assert level.caution == "only 9 nights at 4.5 mg: read with care"


def test_a_morning_dosers_level_with_few_days_says_days():
    """It said "only 9 nights at 4.5 mg" of a patient dosing in the morning."""
    nights = nights_at("1.5", 20) + nights_at("4.5", 9, offset=20)
    level = dr.by_dose_level(nights, dosing_time="morning").levels[-1]
    assert level.caution == "only 9 days at 4.5 mg: read with care"


def test_a_dose_taken_on_fewer_than_seven_nights_is_listed_but_not_summarised():
    nights = nights_at("1.5", 20) + nights_at("3", 6, offset=20)
    result = dr.by_dose_level(nights)
    assert [level.label for level in result.levels] == ["1.5 mg"]
    assert result.too_few == ((D("3"), 6),)


def test_a_higher_is_better_scale_improves_when_it_rises():
    nights = nights_at("1.5", 10, mood=4) + nights_at("3", 10, offset=10, mood=6)
    mood = dr.by_dose_level(nights, scales=(MOOD,)).levels[1].scales[0]
    assert (mood.change_percent, mood.improved) == (50, True)


def test_the_spread_is_the_interquartile_range():
    assert dr.spread([1, 2, 3, 4, 5]) == dr.Spread(5, D("3.0"), D("2.0"), D("4.0"))


# --- properties -----------------------------------------------------------------------------

DOSES = st.sampled_from([D("1.5"), D("3"), D("4.5"), D("2.25")])
SCORE = st.one_of(st.none(), st.integers(0, 10))


@st.composite
def journals(draw):
    count = draw(st.integers(0, 80))
    out = []
    for i in range(count):
        status = draw(st.sampled_from(["taken", "taken", "taken", "skipped", ""]))
        out.append(
            dr.Night(
                START + timedelta(days=i),
                status,
                draw(DOSES) if status == "taken" else None,
                {"pain": draw(SCORE), "fatigue": draw(SCORE), "mood": draw(SCORE)},
                draw(st.sampled_from(["", "none", "normal", "vivid", "nightmares"])),
            )
        )
    return out


@settings(max_examples=60, deadline=None)
@given(journals())
def test_every_summarised_level_has_enough_nights_and_every_taken_night_is_counted(nights):
    result = dr.by_dose_level(nights)
    taken = sum(1 for n in nights if n.status == "taken")
    doses = [lv for lv in result.levels if lv.dose_mg is not None]
    assert all(level.nights >= dr.MIN_NIGHTS for level in result.levels)
    assert sum(level.nights for level in doses) + sum(n for _, n in result.too_few) == taken


@settings(max_examples=60, deadline=None)
@given(journals())
def test_quartiles_bracket_the_median_within_the_scale(nights):
    for level in dr.by_dose_level(nights).levels:
        for summary in level.scales:
            if summary.spread is not None:
                s = summary.spread
                assert 0 <= s.q1 <= s.median <= s.q3 <= 10


@settings(max_examples=60, deadline=None)
@given(journals())
def test_the_improvement_mark_means_at_least_30_percent_better(nights):
    for level in dr.by_dose_level(nights).levels:
        for summary in level.scales:
            expected = summary.change_percent is not None and summary.change_percent >= 30
            assert summary.improved == expected
            if level.is_baseline:
                assert summary.change_percent is None


@settings(max_examples=40, deadline=None)
@given(journals(), st.randoms())
def test_the_order_of_the_nights_does_not_matter(nights, rng):
    shuffled = list(nights)
    rng.shuffle(shuffled)
    assert dr.by_dose_level(shuffled) == dr.by_dose_level(nights)


def test_pain_lower_is_better_change_is_negative_when_worse():
    assert dr.change_percent(PAIN, D("4"), D("6")) == -50


# The by-dose table's rows as the template loop wrote them before they were written in Python.
with open(Path(__file__).with_name("dose_levels_loop.html"), encoding="utf-8") as loop_file:
    DOSE_LEVEL_LOOP = "{% load i18n wording journal %}" + loop_file.read().strip()


@pytest.mark.parametrize("language", ["en-gb", "es", "de"])
def test_the_dose_level_rows_are_the_html_the_template_loop_wrote(language):
    spread = dr.Spread(count=9, median=D("4.5"), q1=D("3"), q3=D("6.25"))
    summaries = (
        dr.ScaleSummary(PAIN, spread, D("35"), True),
        dr.ScaleSummary(MOOD, spread, D("-12"), False),
        dr.ScaleSummary(PAIN, spread, D("0"), False),
        dr.ScaleSummary(MOOD, spread, None, False),
        dr.ScaleSummary(PAIN, None, None, False),
    )
    first, last = date(2025, 12, 30), date(2026, 1, 14)
    levels = (
        dr.Level(dr.gettext_noop("Before LDN"), None, 8, first, last, summaries, None, 0, True),
        dr.Level(
            dr.dose_label(D("1.5")),
            D("1.5"),
            7,
            first,
            last,
            summaries,
            D("12.5"),
            1,
            caution=dr.ngettext_lazy(
                "only %(count)s night at %(level)s: read with care",
                "only %(count)s nights at %(level)s: read with care",
                7,
                level=dr.dose_label(D("1.5")),
            ),
        ),
        dr.Level(dr.dose_label(D("4.5")), D("4.5"), 30, first, last, summaries, D("0"), 12),
    )
    response = dr.DoseResponse(baseline=levels[0], levels=levels, too_few=())
    with translation.override(language):
        expected = Template(DOSE_LEVEL_LOOP).render(Context({"dr": response}))
        # The no-break space between a change's figure and its sign goes in after translating
        # (a msgid holding one was dropped by `make makemessages`).
        expected = re.sub(r'(<div class="small">\d+) %', "\\1\u00a0%", expected)
        assert dose_level_rows_html(response) == expected
    # Translated, and each sign kept with its figure by a no-break space (it wrapped alone).
    better, worse = {"en-gb": ("better", "worse"), "es": ("mejor", "peor")}.get(
        language, ("besser", "schlechter")
    )
    assert f"35\u00a0% {better}" in expected
    assert f"12\u00a0% {worse}" in expected


@settings(max_examples=60, deadline=None)
@given(journals())
def test_the_clinicians_records_give_what_nights_give(nights):
    """The night records patients.records reads (flags.NightRecord) summarise as
    dose_response.Night copies do: the panel's groups from the database are checked against
    by_dose_level over those records (tests/patients/test_dose_levels_sql.py)."""
    records = [
        NightRecord(
            night=n.night, status=n.status, dose_mg=n.dose_mg, scores=n.scores, dreams=n.dreams
        )
        for n in nights
    ]
    assert dr.by_dose_level(records) == dr.by_dose_level(nights)
