"""Flag rules as pure-function tables: no database, no clock."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from patients.rules import flags
from patients.rules.flags import NightRecord, SideEffectRecord, UrgentRecord
from patients.rules.scales import Scale
from prescriptions.titration import PlainVersion, Step

TODAY = date(2026, 3, 31)
TZ = "Europe/London"
PLAN = (PlainVersion(1, date(2025, 1, 1), date(2025, 1, 1), (Step(D("1.5"), None),)),)


def night(n):
    """The night `n` nights before today."""
    return TODAY - timedelta(days=n)


def taken(n, dose="1.5", at=None, **scores):
    when = at or datetime.combine(night(n), datetime.min.time(), UTC).replace(hour=21, minute=30)
    return NightRecord(night(n), "taken", D(dose), when, scores)


def skipped(n, **scores):
    return NightRecord(night(n), "skipped", None, None, scores)


def every_night(*, days=40, **scores):
    return [taken(n, **scores) for n in range(days, -1, -1)]


def kinds(result):
    return [flag.kind for flag in result]


def run(records, versions=PLAN, **kwargs):
    kwargs.setdefault("tz", TZ)
    return flags.evaluate(records, versions, TODAY, **kwargs)


def test_a_patient_who_takes_every_dose_on_time_has_no_flags():
    assert run(every_night(pain=4, fatigue=4, mood=6, sleep_quality=6)) == []


# --- Missed nights ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "expected"),
    [
        ({1: "skipped"}, []),
        ({1: "skipped", 2: "skipped"}, [flags.MISSED]),
        ({2: "missing", 3: "missing"}, [flags.MISSED]),
        ({2: "skipped", 3: "missing", 4: "skipped"}, [flags.MISSED]),
        ({2: "skipped", 4: "skipped"}, []),
        ({0: "missing", 1: "skipped"}, []),  # tonight is still open
    ],
)
def test_two_or_more_prescribed_nights_in_a_row_without_a_dose_raise_missed_nights(gap, expected):
    records = [
        skipped(n) if gap.get(n) == "skipped" else taken(n)
        for n in range(40, -1, -1)
        if gap.get(n) != "missing"
    ]
    assert kinds(run(records)) == expected


def test_missed_nights_flag_names_every_night_of_the_run_as_evidence():
    records = [r for r in every_night() if r.night not in (night(3), night(2))]
    records.append(skipped(1))
    [flag] = run(records)
    assert flag.first_night == night(3)
    assert flag.evidence == (night(3), night(2), night(1))
    assert "3 nights in a row" in flag.explanation
    assert "1 skipped, 2 not logged" in flag.explanation


def test_nights_on_hold_are_neither_missed_nor_quiet():
    on_hold = PlainVersion(
        2, night(10), date(2025, 1, 1), (Step(D("1.5"), None),), hold_from=night(10)
    )
    records = [r for r in every_night() if r.night < night(10)]
    assert kinds(run(records, versions=(*PLAN, on_hold))) == []


def test_nights_before_the_plan_starts_are_not_missed_nights():
    later = (PlainVersion(1, night(3), night(3), (Step(D("1.5"), None),)),)
    assert kinds(run([taken(n) for n in (2, 1, 0)], versions=later)) == []


# --- Side effects -----------------------------------------------------------------------------


def with_effect(n, kind="headache", severity=1):
    record = taken(n)
    return NightRecord(
        record.night,
        "taken",
        record.dose_mg,
        record.taken_at,
        {},
        (SideEffectRecord(kind, severity),),
    )


@pytest.mark.parametrize(
    ("severity", "first_reported_ago", "expected_severity"),
    [
        (3, None, flags.HIGH),  # severe and new
        (3, 200, flags.HIGH),  # severe, reported long ago
        (2, None, flags.MEDIUM),  # moderate but never reported before
        (1, None, flags.MEDIUM),  # mild but new
        (1, 200, None),  # mild and known: nothing to look at
        (2, 200, None),
    ],
)
def test_a_severe_or_never_reported_side_effect_raises_a_flag(
    severity, first_reported_ago, expected_severity
):
    records = [*every_night(days=40)[:-3], with_effect(2, severity=severity), taken(1), taken(0)]
    first = {"headache": night(first_reported_ago)} if first_reported_ago else None
    result = [f for f in run(records, first_reported=first) if f.kind == flags.SIDE_EFFECT]
    if expected_severity is None:
        assert result == []
    else:
        [flag] = result
        assert flag.severity == expected_severity
        assert flag.evidence == (night(2),)
        assert "headache" in flag.explanation


def test_a_side_effect_reported_before_in_the_fetched_nights_is_not_new():
    records = [*every_night(days=40)[:-3], with_effect(2), taken(1), taken(0)]
    records[0] = with_effect(40)
    assert [f for f in run(records) if f.kind == flags.SIDE_EFFECT] == []


def test_a_severe_side_effect_older_than_the_event_window_no_longer_raises_a_flag():
    old = flags.RECENT_EVENT_NIGHTS + 1
    records = [with_effect(n, severity=3) if n == old else taken(n) for n in range(40, -1, -1)]
    assert kinds(run(records, first_reported={"headache": night(100)})) == []


# --- Worsening --------------------------------------------------------------------------------


def scored(baseline, recent, key="pain"):
    """28 baseline nights with one value, then 7 recent nights with another."""
    return [taken(n, **{key: baseline}) for n in range(34, 6, -1)] + [
        taken(n, **{key: recent}) for n in range(6, -1, -1)
    ]


@pytest.mark.parametrize(
    ("key", "baseline", "recent", "worse"),
    [
        ("pain", 4, 6, True),  # 2 points
        ("pain", 4, 5, False),  # 1 point, 25 %
        ("pain", 3, 4, True),  # 1 point but 33 %
        ("pain", 6, 7, False),  # 1 point, 17 %
        ("pain", 6, 4, False),  # better
        ("pain", 0, 1, False),  # from 0 only the points rule applies
        ("pain", 0, 2, True),
        ("mood", 7, 5, True),  # higher is better: a drop is worse
        ("mood", 5, 7, False),
        ("sleep_quality", 8, 6, True),
        ("fatigue", 5, 7, True),
    ],
)
def test_worsening_compares_last_7_nights_with_the_28_before_by_scale_direction(
    key, baseline, recent, worse
):
    result = [f for f in run(scored(baseline, recent, key)) if f.kind == flags.WORSENING]
    assert bool(result) is worse
    if worse:
        assert result[0].key == key
        assert result[0].evidence[0] == night(6)
        assert len(result[0].evidence) == 7


def test_worsening_needs_enough_scores_in_both_periods():
    records = scored(4, 8)
    sparse = [r for r in records if r.night < night(6) or r.night > night(2)]  # 2 recent scores
    assert [f for f in run(sparse) if f.kind == flags.WORSENING] == []


def test_worsening_watches_an_extra_scale_in_its_own_direction():
    fog = Scale("scale-7", "Brain fog", "lower", "Clear", "Dense fog")
    records = scored(2, 5, key="scale-7")
    [flag] = [f for f in run(records, scales=[fog]) if f.kind == flags.WORSENING]
    assert flag.explanation.startswith("Brain fog worse")


# --- Dose deviation, window, hold -------------------------------------------------------------


@pytest.mark.parametrize(
    ("dose", "flagged"), [("1.5", False), ("1.50", False), ("3", True), ("1", True)]
)
def test_a_dose_other_than_the_prescribed_dose_raises_a_deviation(dose, flagged):
    records = [*every_night()[:-2], taken(1, dose=dose), taken(0)]
    result = [f for f in run(records) if f.kind == flags.DEVIATION]
    assert bool(result) is flagged
    if flagged:
        assert result[0].evidence == (night(1),)
        assert "1.5 mg prescribed" in result[0].explanation


@pytest.mark.parametrize(
    ("ago", "flagged"),
    [(flags.RECENT_EVENT_NIGHTS, True), (flags.RECENT_EVENT_NIGHTS + 1, False)],
)
def test_a_deviation_is_watched_for_the_event_window_and_not_a_night_longer(ago, flagged):
    """The window counts back RECENT_EVENT_NIGHTS nights from tonight, both ends included."""
    records = [taken(n, dose="3" if n == ago else "1.5") for n in range(40, -1, -1)]
    result = [f for f in run(records) if f.kind == flags.DEVIATION]
    assert [f.evidence for f in result] == ([(night(ago),)] if flagged else [])


def test_deviation_follows_the_plan_version_in_effect_that_night():
    step_up = PlainVersion(2, night(5), night(5), (Step(D("3"), None),))
    records = [taken(n, dose="1.5" if n > 5 else "3") for n in range(40, -1, -1)]
    assert kinds(run(records, versions=(*PLAN, step_up))) == []


@pytest.mark.parametrize(
    ("utc_time", "flagged"),
    [
        ("2026-03-29T20:00", False),  # 21:00 BST
        ("2026-03-29T19:59", True),  # 20:59 BST
        ("2026-03-30T02:00", False),  # 03:00 BST
        ("2026-03-30T02:01", True),  # 03:01 BST
        ("2026-03-29T16:00", True),  # 17:00 BST
    ],
)
def test_an_evening_dose_outside_21_to_03_local_is_out_of_window(utc_time, flagged):
    moment = datetime.fromisoformat(utc_time).replace(tzinfo=UTC)
    records = [*every_night()[:-3], taken(2, at=moment), taken(1), taken(0)]
    result = [f for f in run(records) if f.kind == flags.OUT_OF_WINDOW]
    assert bool(result) is flagged


SYD = "Australia/Sydney"


def test_doses_logged_in_london_stay_in_window_after_the_patient_moves_to_sydney():
    # Every night logged in London at 21:30 UTC (21:30 or 22:30 there, 08:30 in Sydney).
    records = [replace(record, time_zone="Europe/London") for record in every_night()]
    assert flags.OUT_OF_WINDOW in kinds(run([replace(r, time_zone="") for r in records], tz=SYD))
    result = run(records, tz=SYD)
    assert flags.OUT_OF_WINDOW not in kinds(result)


def test_an_out_of_window_doses_evidence_says_the_time_where_it_was_taken():
    # 05:10 in London (out of the window), logged there; the patient now lives in New York,
    # where that moment is 00:10, inside it. The card and its evidence say one time: London's.
    late = datetime(2026, 3, 29, 4, 10, tzinfo=UTC)
    records = [*every_night()[:-3], taken(2, at=late), taken(1), taken(0)]
    records = [replace(record, time_zone="Europe/London") for record in records]
    [flag] = [f for f in run(records, tz="America/New_York") if f.kind == flags.OUT_OF_WINDOW]
    assert "05:10" in str(flag.explanation)
    [evidence] = flag.details
    assert str(evidence.values) == "taken at 05:10 BST"


def test_a_morning_dosing_plan_has_no_evening_window():
    morning = (
        PlainVersion(1, date(2025, 1, 1), date(2025, 1, 1), (Step(D("1.5"), None),), "morning"),
    )
    at = datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    records = [*every_night()[:-3], taken(2, at=at), taken(1), taken(0)]
    assert kinds(run(records, versions=morning)) == []


def test_a_dose_logged_while_the_plan_is_on_hold_is_a_high_flag():
    hold = PlainVersion(2, night(3), date(2025, 1, 1), (Step(D("1.5"), None),), hold_from=night(3))
    records = [*every_night()[:-4], taken(2)]
    [flag] = run(records, versions=(*PLAN, hold))
    assert (flag.kind, flag.severity, flag.evidence) == (
        flags.DOSE_ON_HOLD,
        flags.HIGH,
        (night(2),),
    )


# --- Gone quiet and urgent --------------------------------------------------------------------


@pytest.mark.parametrize(("silent", "quiet"), [(6, False), (7, True), (30, True)])
def test_no_entry_for_7_nights_is_gone_quiet(silent, quiet):
    records = [taken(n) for n in range(60, silent - 1, -1)]
    result = [f for f in run(records) if f.kind == flags.QUIET]
    assert bool(result) is quiet
    if quiet:
        assert result[0].first_night == night(silent) + timedelta(days=7)


def test_a_patient_who_never_logged_goes_quiet_7_nights_after_joining():
    assert kinds(run([], versions=(), joined=night(7))) == [flags.QUIET]
    assert kinds(run([], versions=(), joined=night(6))) == []


def test_an_open_urgent_report_is_always_the_top_flag():
    records = [*every_night()[:-3], skipped(2), skipped(1)]
    result = run(records, urgent=[UrgentRecord(night(1), "severe")])
    assert kinds(result) == [flags.URGENT, flags.MISSED]
    assert result[0].severity == flags.TOP
    assert not result[0].is_reviewed(TODAY)


# --- Reviews and ordering ---------------------------------------------------------------------


def test_a_review_through_the_last_evidence_night_covers_a_flag_until_a_newer_night():
    records = [*every_night()[:-4], skipped(3), skipped(2), taken(1), taken(0)]
    [flag] = run(records)
    assert flag.is_reviewed(night(2))
    assert not flag.is_reviewed(night(3))
    later = [*every_night()[:-4], skipped(3), skipped(2), skipped(1)]
    [again] = run(later)
    assert not again.is_reviewed(night(2))


def test_attention_puts_unreviewed_severity_first_then_the_longest_silence():
    high = flags.Flag(flags.SIDE_EFFECT, flags.HIGH, night(1), (night(1),), "x")
    medium = flags.Flag(flags.MISSED, flags.MEDIUM, night(1), (night(1),), "x")
    keys = {
        "high": flags.attention_key([high], None, 0),
        "medium, silent long": flags.attention_key([medium], None, 9),
        "medium": flags.attention_key([medium], None, 1),
        "reviewed high": flags.attention_key([high], night(0), 3),
        "none": flags.attention_key([], None, 1),
    }
    assert sorted(keys, key=keys.get) == [
        "high",
        "medium, silent long",
        "medium",
        "reviewed high",
        "none",
    ]


def test_flags_come_most_severe_first_and_every_kind_has_a_label():
    records = [*every_night()[:-4], skipped(3), skipped(2), with_effect(1, severity=3)]
    result = run(records, urgent=[UrgentRecord(night(0), "moderate")])
    assert [f.severity for f in result] == sorted((f.severity for f in result), reverse=True)
    assert set(flags.KINDS) == set(flags.KIND_LABELS)


# --- Evidence: each night with the values that raised the flag --------------------------------


def test_a_deviation_lists_each_night_with_the_dose_taken_and_prescribed():
    records = [*every_night()[:-3], taken(2, dose="3"), taken(1), taken(0)]
    [flag] = run(records)
    assert [(e.night, e.values) for e in flag.details] == [
        (night(2), "3 mg taken, 1.5 mg prescribed")
    ]


def test_missed_nights_say_which_were_skipped_and_which_had_nothing_logged():
    records = [r for r in every_night() if r.night not in (night(3), night(2))]
    records.append(NightRecord(night(3), "skipped", skip_reason="Out of medication"))
    [flag] = run(records)
    assert [(e.values, e.logged) for e in flag.details] == [
        ("skipped (out of medication)", True),
        ("nothing logged", False),
    ]


def test_a_skip_reason_said_by_the_patient_keeps_its_capital_i():
    """The reason "I forgot" read "skipped (i forgot)" in the missed-nights evidence."""
    records = [r for r in every_night() if r.night not in (night(3), night(2))]
    records.append(NightRecord(night(3), "skipped", skip_reason="I forgot"))
    [flag] = run(records)
    assert flag.details[0].values == "skipped (I forgot)"


def test_worsening_lists_the_recent_scores_that_raised_it():
    records = [taken(n, pain=3) for n in range(40, 7, -1)] + [
        taken(n, pain=7) for n in range(6, -1, -1)
    ]
    [flag] = run(records)
    assert flag.kind == flags.WORSENING
    assert flag.details[0].values == "Pain 7"
    assert len(flag.details) == 7


def test_gone_quiet_shows_the_last_entry_and_the_silent_span():
    records = [taken(n) for n in range(40, 8, -1)]
    [flag] = [f for f in run(records) if f.kind == flags.QUIET]
    # Each silent night (tonight too, for an evening doser), so the count is the evidence's.
    assert [(e.night, e.values) for e in flag.details] == [
        (night(n), "nothing logged") for n in range(8, -1, -1)
    ]
    assert "No entry for 9 nights (last entry 22 Mar; silent 23 Mar to 31 Mar" in flag.explanation


def test_an_urgent_flag_carries_its_report_and_says_to_open_it():
    urgent = UrgentRecord(night(0), "severe", None, 1, report_id=42)
    [flag] = run(every_night(), urgent=[urgent])
    assert flag.report_id == 42
    assert "open the report to acknowledge it" in flag.explanation


def test_a_closed_account_raises_no_silence_flags_but_keeps_the_others():
    records = [*[taken(n) for n in range(60, 9, -1)], with_effect(10, severity=3)]
    opened = kinds(run(records))
    assert {flags.QUIET, flags.MISSED} <= set(opened)
    closed = kinds(run(records, account_open=False))
    assert flags.QUIET not in closed
    assert flags.MISSED not in closed
    urgent = run(records, account_open=False, urgent=[UrgentRecord(night(12), "severe")])
    assert kinds(urgent)[0] == flags.URGENT


MORNING_PLAN = (replace(PLAN[0], dosing_time="morning"),)


def test_a_morning_dosers_gone_quiet_leaves_out_today_whose_dose_may_not_be_due():
    """Patient 5 of the demo: "No entry for 9 days (…; silent 26 Nov to 4 Dec)" beside
    "8 days in a row without a taken dose … 26 Nov to 3 Dec" and "Evidence: 1 day" (found by
    QA). Today is open (its morning dose may not be due yet), as for the missed days; the
    evidence names each silent day, so its count is the flag's."""
    records = [taken(n) for n in range(40, 8, -1)]  # the last entry is night(9)
    flagged = {f.kind: f for f in run(records, versions=MORNING_PLAN)}
    quiet, missed = flagged[flags.QUIET], flagged[flags.MISSED]
    assert quiet.explanation.startswith("No entry for 8 days (last entry 22 Mar;")
    assert "silent 23 Mar to 30 Mar" in quiet.explanation
    assert [e.night for e in quiet.details] == [night(n) for n in range(8, 0, -1)]
    assert [e.night for e in quiet.details] == list(missed.evidence)
    assert all(not e.logged and e.values == "nothing logged" for e in quiet.details)


@pytest.mark.parametrize(("silent", "quiet"), [(7, False), (8, True)])
def test_a_morning_doser_goes_quiet_after_7_whole_silent_days(silent, quiet):
    records = [taken(n) for n in range(60, silent - 1, -1)]
    result = [f for f in run(records, versions=MORNING_PLAN) if f.kind == flags.QUIET]
    assert bool(result) is quiet


def test_an_out_of_window_flag_names_the_night_and_when_the_dose_was_taken():
    """A dose at 05:10 on 31 Mar is the night of 30 Mar's: "last 30 Mar at 05:10" read as
    the 30th at 05:10 (found by QA)."""
    late = taken(1, at=datetime(2026, 3, 31, 4, 10, tzinfo=UTC))  # 05:10 in London (BST)
    [flag] = run([*every_night()[:-2], late])
    assert flag.kind == flags.OUT_OF_WINDOW
    assert flag.explanation == (
        "Evening dose outside 21:00–03:00 on 1 night; last on the night of 30 Mar, "
        "taken 31 Mar at 05:10."
    )


@pytest.mark.parametrize(
    ("versions", "said"),
    [
        (PLAN, "Open urgent report (severe) from the night of 30 Mar:"),
        (MORNING_PLAN, "Open urgent report (severe) from 30 Mar:"),
    ],
)
def test_an_urgent_flag_dates_the_report_by_its_night_or_day(versions, said):
    """A report made on 31 Mar before noon is the night of 30 Mar's for an evening doser:
    "from 30 Mar" read as the day it was made (found by QA)."""
    urgent = UrgentRecord(night(1), "severe", datetime(2026, 3, 31, 10, 36, tzinfo=UTC))
    [flag] = [
        f for f in run(every_night(), versions=versions, urgent=[urgent]) if f.kind == "urgent"
    ]
    assert flag.explanation.startswith(said)


@pytest.mark.parametrize(("silent", "shown"), [(8, 8), (28, 28), (300, 28)])
def test_a_long_silences_evidence_is_its_last_four_weeks(silent, shown):
    """Each silent night is evidence, so the count agrees with the flag, but a year's silence
    carried 365 rows in the flag (and in the stored attention row); the explanation keeps the
    whole span."""
    today = date(2026, 12, 3)
    [flag] = flags.gone_quiet(today - timedelta(days=silent), today, None)
    assert len(flag.details) == shown
    assert flag.details[-1].night == today
    assert flag.details[0].night == today - timedelta(days=shown - 1)
    assert f"No entry for {silent} nights" in flag.explanation
