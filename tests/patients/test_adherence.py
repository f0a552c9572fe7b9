"""Adherence and streaks from plain night records: no database, no clock."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from patients.rules import adherence as adherence_rules
from patients.rules.adherence import (
    AdherenceNight,
    NightsBetween,
    adherence,
    night_mark,
    night_records,
    streak,
)
from prescriptions import titration

TONIGHT = date(2026, 3, 31)


def nights(pattern, tonight=TONIGHT):
    """Records from a string, oldest first, ending tonight: T taken, S skipped, . not logged,
    H not prescribed (hold / no plan)."""
    records = []
    for offset, char in enumerate(reversed(pattern)):
        night = tonight - timedelta(days=offset)
        status = {"T": "taken", "S": "skipped"}.get(char, "")
        records.append(AdherenceNight(night, status, prescribed=char != "H"))
    return records


@pytest.mark.parametrize(
    ("pattern", "taken", "prescribed"),
    [
        ("TTTTTTT", 7, 7),
        ("TTTTTT.", 6, 6),  # tonight not logged yet: still open, not missed
        ("TTTTTTS", 6, 7),  # tonight skipped: counts
        ("TT.TTTT", 6, 7),  # a night not logged counts as missed
        ("TTSTTTT", 6, 7),
        ("HHHTTTT", 4, 4),  # a hold neither helps nor hurts
        ("HHHHHHH", 0, 0),
        ("TTTTTTTTTTTTS", 6, 7),  # only the last 7 nights
    ],
)
def test_seven_night_adherence_counts_taken_over_prescribed(pattern, taken, prescribed):
    result = adherence(nights(pattern), TONIGHT, 7)
    assert (result.taken, result.prescribed) == (taken, prescribed)


def test_percent_is_rounded_and_none_without_prescribed_nights():
    assert adherence(nights("TT.TTTT"), TONIGHT, 7).percent == 86
    assert adherence(nights("HHHHHHH"), TONIGHT, 7).percent is None


def test_thirty_night_adherence_with_missing_records_before_the_first_entry():
    assert adherence(nights("TTTTT"), TONIGHT, 30).prescribed == 5


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("TTTT", 4),
        ("TTT.", 3),  # tonight open: the streak runs to last night
        ("TTTS", 0),  # tonight skipped ends it
        ("STTT", 3),
        ("T.TT", 2),
        ("TTHHTT", 4),  # a hold is stepped over
        ("", 0),
        (".", 0),
    ],
)
def test_streak_counts_prescribed_nights_taken_in_a_row(pattern, expected):
    assert streak(nights(pattern), TONIGHT) == expected


def test_streak_ends_where_the_records_end():
    records = nights("TTT", tonight=TONIGHT - timedelta(days=2))
    assert streak(records, TONIGHT) == 0


class _Plan:
    """A plan as night_records asks it (PlanView.status_on): its state by night, active on
    any night not listed."""

    def __init__(self, states=None):
        self.states = states or {}
        self.asked = []

    def status_on(self, night):
        self.asked.append(night)
        return self.states.get(night, titration.ACTIVE)


def test_every_night_between_is_read_once_with_its_status_and_whether_it_was_prescribed():
    """The one reading of "a prescribed night" (the journal's history and the clinician's
    pages both build their records with it): active only; on hold, ended, not begun or no
    plan is not prescribed."""
    first, last = date(2026, 3, 1), date(2026, 3, 6)
    plan = _Plan(
        {
            date(2026, 3, 3): titration.ON_HOLD,
            date(2026, 3, 4): titration.ENDED,
            date(2026, 3, 5): titration.NOT_STARTED,
            date(2026, 3, 6): titration.NO_PLAN,
        }
    )
    records = night_records(
        plan, {date(2026, 3, 1): "taken", date(2026, 3, 3): "skipped"}, first, last
    )
    assert list(records.values()) == [
        AdherenceNight(date(2026, 3, 1), "taken", True),
        AdherenceNight(date(2026, 3, 2), "", True),
        AdherenceNight(date(2026, 3, 3), "skipped", False, held=True),
        AdherenceNight(date(2026, 3, 4), "", False),
        AdherenceNight(date(2026, 3, 5), "", False),
        AdherenceNight(date(2026, 3, 6), "", False),
    ]
    assert sorted(plan.asked) == list(records)


MARK_TONIGHT = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("night", "status", "state", "mark"),
    [
        (date(2026, 3, 9), "taken", titration.ACTIVE, adherence_rules.TAKEN),
        (date(2026, 3, 9), "skipped", titration.ACTIVE, adherence_rules.SKIPPED),
        (date(2026, 3, 9), "", titration.ACTIVE, adherence_rules.MISSING),
        (MARK_TONIGHT, "", titration.ACTIVE, adherence_rules.OPEN),
        (date(2026, 3, 11), "", titration.ACTIVE, adherence_rules.FUTURE),
        # Logged ahead of tonight (further east before a move west): what was logged.
        (date(2026, 3, 11), "taken", titration.ACTIVE, adherence_rules.TAKEN),
        (date(2026, 3, 9), "", titration.ON_HOLD, adherence_rules.HELD),
        (MARK_TONIGHT, "", titration.ON_HOLD, adherence_rules.HELD),
        (date(2026, 3, 11), "", titration.ON_HOLD, adherence_rules.FUTURE),
        (date(2026, 3, 9), "taken", titration.ON_HOLD, adherence_rules.TAKEN),
        # No prescription (ended, not begun, no plan): no mark, never "?".
        (date(2026, 3, 9), "", titration.ENDED, adherence_rules.NO_DOSE),
        (MARK_TONIGHT, "", titration.ENDED, adherence_rules.NO_DOSE),
        (date(2026, 3, 9), "", titration.NOT_STARTED, adherence_rules.NO_DOSE),
        (date(2026, 3, 9), "", titration.NO_PLAN, adherence_rules.NO_DOSE),
        (date(2026, 3, 9), "skipped", titration.ENDED, adherence_rules.SKIPPED),
    ],
)
def test_a_nights_calendar_mark_follows_what_was_logged_and_the_plans_state(
    night, status, state, mark
):
    records = night_records(_Plan({night: state}), {night: status} if status else {}, night, night)
    assert night_mark(records[night], MARK_TONIGHT) == mark


def test_the_nights_marked_missing_are_exactly_the_nights_counted_and_not_taken():
    """ "?" on a calendar and a missed night in the figures are one reading: a night with no
    prescription (ended) is neither."""
    first = MARK_TONIGHT - timedelta(days=6)
    plan = _Plan({first + timedelta(days=n): titration.ENDED for n in (4, 5, 6)})
    logged = {
        first: "taken",
        first + timedelta(days=1): "skipped",
        first + timedelta(days=5): "taken",
    }
    records = night_records(plan, logged, first, MARK_TONIGHT)
    marks = [night_mark(record, MARK_TONIGHT) for record in records.values()]
    assert marks == ["taken", "skipped", "missing", "missing", "no_dose", "taken", "no_dose"]
    week = adherence(records, MARK_TONIGHT, 7)
    not_taken = sum(mark in (adherence_rules.MISSING, adherence_rules.SKIPPED) for mark in marks)
    assert (week.taken, week.prescribed - week.taken) == (1, not_taken)


# A night logged ahead of tonight (further east, before a move west): the figures run
# through the last night of record; a night after tonight not logged is open, like tonight.
# The patterns end on THROUGH: their last three nights are tonight and the two after it.
THROUGH = TONIGHT + timedelta(days=2)


@pytest.mark.parametrize(
    ("pattern", "taken", "prescribed"),
    [
        ("TTTTT.T", 6, 6),  # the night after tonight open, the one after that logged
        ("TTTT..T", 5, 5),  # tonight and the night after it both open
        ("TTTT.ST", 5, 6),  # tonight open; a night after it skipped counts
        ("STTTT..", 4, 5),  # nothing logged after tonight: the week still ends on `through`
    ],
)
def test_adherence_through_a_night_logged_ahead_of_tonight(pattern, taken, prescribed):
    result = adherence(nights(pattern, THROUGH), TONIGHT, 7, through=THROUGH)
    assert (result.taken, result.prescribed) == (taken, prescribed)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("TTTT..T", 5),  # the open nights neither count nor break it
        ("TTTT.ST", 1),  # a night after tonight skipped breaks it
        ("TTSTT.T", 3),
    ],
)
def test_the_streak_through_a_night_logged_ahead_of_tonight(pattern, expected):
    assert streak(nights(pattern, THROUGH), TONIGHT, through=THROUGH) == expected


# Random histories: each night T taken, S skipped, . not logged, H not prescribed.
_HISTORIES = st.lists(st.sampled_from("TTTTTTS.H"), min_size=0, max_size=80)


@given(pattern=_HISTORIES, ahead=st.integers(min_value=0, max_value=2))
def test_the_figures_read_from_nights_made_when_asked_are_those_of_the_whole_list(pattern, ahead):
    """The history reads its records as NightsBetween (each night made when first asked
    for); adherence and the streak must give what they give over the whole list."""
    through = TONIGHT + timedelta(days=ahead)
    first = through - timedelta(days=len(pattern) - 1)
    statuses, held = {}, set()
    for offset, char in enumerate(pattern):
        night = first + timedelta(days=offset)
        if char in "TS":
            statuses[night] = {"T": "taken", "S": "skipped"}[char]
        held |= {night} if char == "H" else set()

    def status_on(night):
        return titration.ON_HOLD if night in held else titration.ACTIVE

    whole = list(NightsBetween(statuses, status_on, first, through).values())
    for days in (7, 30):
        assert adherence(
            NightsBetween(statuses, status_on, first, through), TONIGHT, days, through=through
        ) == adherence(whole, TONIGHT, days, through=through)
    assert streak(
        NightsBetween(statuses, status_on, first, through), TONIGHT, through=through
    ) == streak(whole, TONIGHT, through=through)


def test_the_streak_asks_the_plan_only_for_the_nights_up_to_its_first_break():
    """The history's streak looks back a year: each night made asks the plan for its state,
    so it stops making them where the streak ends (three nights here, not 366)."""
    asked = []

    def status_on(night):
        asked.append(night)
        return titration.ACTIVE

    first = TONIGHT - timedelta(days=365)
    statuses = {TONIGHT: "taken", TONIGHT - timedelta(days=1): "taken"}
    assert streak(NightsBetween(statuses, status_on, first, TONIGHT), TONIGHT) == 2
    assert sorted(asked) == [TONIGHT - timedelta(days=n) for n in (2, 1, 0)]
