"""Which night a moment belongs to, across noon, midnight, zones and DST changes."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from patients.rules import nights as nights_rules
from patients.rules.nights import (
    EVENING,
    MORNING,
    clock_change_days,
    clock_changes_in_year,
    is_in_dosing_window,
    last_night_of_record,
    moment_on_night,
    night_of,
    night_window,
    tonight,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
KOLKATA = ZoneInfo("Asia/Kolkata")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")

# DST days used below (checked against the tz database):
# New York springs forward 2024-03-10 02:00 -> 03:00 and falls back 2024-11-03 02:00 -> 01:00.
# London springs forward 2024-03-31 01:00 -> 02:00 and falls back 2024-10-27 02:00 -> 01:00.
# Lord Howe moves 30 minutes: forward 2024-10-06 02:00 -> 02:30, back 2024-04-07 02:00 -> 01:30.
# Sao Paulo (until 2019) jumped at midnight: 2018-11-04 00:00 -> 01:00, so that midnight
# never happened. Samoa skipped all of 2011-12-30.
US_SPRING = date(2024, 3, 10)
US_FALL = date(2024, 11, 3)
UK_SPRING = date(2024, 3, 31)
UK_FALL = date(2024, 10, 27)
LH_SPRING = date(2024, 10, 6)
LH_FALL = date(2024, 4, 7)

HOUR = timedelta(hours=1)


def local(zone, *args, fold=0):
    return datetime(*args, tzinfo=zone, fold=fold)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --- night_of ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "night"),
    [
        (datetime(2024, 5, 13, 21, 0), date(2024, 5, 13)),
        (datetime(2024, 5, 13, 23, 59), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 0, 0), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 1, 30), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 11, 59), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 11, 59, 59, 999999), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 12, 0), date(2024, 5, 14)),
        (datetime(2024, 5, 14, 12, 0, 1), date(2024, 5, 14)),
        (datetime(2024, 5, 14, 18, 0), date(2024, 5, 14)),
    ],
)
def test_evening_dosing_night_changes_at_local_noon(wall, night):
    assert night_of(wall.replace(tzinfo=LONDON), LONDON, EVENING) == night


def test_dose_taken_at_0130_belongs_to_the_previous_night():
    tuesday_0130 = local(NEW_YORK, 2024, 5, 14, 1, 30)
    assert night_of(tuesday_0130, NEW_YORK, EVENING) == date(2024, 5, 13)


@pytest.mark.parametrize(
    ("wall", "night"),
    [
        (datetime(2024, 5, 13, 23, 59), date(2024, 5, 13)),
        (datetime(2024, 5, 14, 0, 0), date(2024, 5, 14)),
        (datetime(2024, 5, 14, 7, 30), date(2024, 5, 14)),
        (datetime(2024, 5, 14, 11, 59), date(2024, 5, 14)),
        (datetime(2024, 5, 14, 12, 0), date(2024, 5, 14)),
    ],
)
def test_morning_dosing_night_is_the_local_calendar_date(wall, night):
    assert night_of(wall.replace(tzinfo=NEW_YORK), NEW_YORK, MORNING) == night


def test_night_is_computed_in_the_patient_zone_not_the_moment_zone():
    # 06:00 UTC is 01:00 EST (Monday's night) but 11:30 IST (also Monday's night, for now)
    # and 12:00 in Kolkata half an hour later.
    moment = utc(2024, 1, 16, 6, 0)
    assert night_of(moment, NEW_YORK, EVENING) == date(2024, 1, 15)
    assert night_of(moment, KOLKATA, EVENING) == date(2024, 1, 15)
    assert night_of(moment + timedelta(minutes=30), KOLKATA, EVENING) == date(2024, 1, 16)


def test_a_patient_who_changes_time_zone_files_the_same_moment_under_a_different_night():
    # 16:30 UTC: 11:30 in New York (still Sunday's night), 22:00 in Kolkata (Monday's night).
    moment = utc(2024, 1, 15, 16, 30)
    assert night_of(moment, NEW_YORK, EVENING) == date(2024, 1, 14)
    assert night_of(moment, KOLKATA, EVENING) == date(2024, 1, 15)


def test_kolkata_half_hour_offset_moves_the_noon_boundary_to_0630_utc():
    assert night_of(utc(2024, 6, 2, 6, 29, 59), KOLKATA, EVENING) == date(2024, 6, 1)
    assert night_of(utc(2024, 6, 2, 6, 30), KOLKATA, EVENING) == date(2024, 6, 2)


@pytest.mark.parametrize(
    ("moment", "zone", "night"),
    [
        # New York spring forward: 01:59 EST is followed by 03:00 EDT, both in Saturday's night.
        (utc(2024, 3, 10, 6, 59), NEW_YORK, date(2024, 3, 9)),
        (utc(2024, 3, 10, 7, 0), NEW_YORK, date(2024, 3, 9)),
        # Noon after the change is 16:00 UTC, not 17:00.
        (utc(2024, 3, 10, 15, 59), NEW_YORK, date(2024, 3, 9)),
        (utc(2024, 3, 10, 16, 0), NEW_YORK, date(2024, 3, 10)),
        # New York fall back: both 01:30s belong to Saturday's night.
        (utc(2024, 11, 3, 5, 30), NEW_YORK, date(2024, 11, 2)),
        (utc(2024, 11, 3, 6, 30), NEW_YORK, date(2024, 11, 2)),
        (utc(2024, 11, 3, 16, 59), NEW_YORK, date(2024, 11, 2)),
        (utc(2024, 11, 3, 17, 0), NEW_YORK, date(2024, 11, 3)),
        # London: noon BST is 11:00 UTC, noon GMT is 12:00 UTC.
        (utc(2024, 3, 31, 10, 59), LONDON, date(2024, 3, 30)),
        (utc(2024, 3, 31, 11, 0), LONDON, date(2024, 3, 31)),
        (utc(2024, 10, 27, 11, 59), LONDON, date(2024, 10, 26)),
        (utc(2024, 10, 27, 12, 0), LONDON, date(2024, 10, 27)),
        # Lord Howe: +11 in summer, +10:30 in winter.
        (utc(2024, 10, 6, 0, 59), LORD_HOWE, date(2024, 10, 5)),
        (utc(2024, 10, 6, 1, 0), LORD_HOWE, date(2024, 10, 6)),
        (utc(2024, 4, 7, 1, 29), LORD_HOWE, date(2024, 4, 6)),
        (utc(2024, 4, 7, 1, 30), LORD_HOWE, date(2024, 4, 7)),
    ],
)
def test_evening_night_boundary_follows_local_noon_across_dst(moment, zone, night):
    assert night_of(moment, zone, EVENING) == night


def test_fall_back_hour_is_still_the_same_night_for_both_occurrences():
    first = local(NEW_YORK, 2024, 11, 3, 1, 30, fold=0)
    second = local(NEW_YORK, 2024, 11, 3, 1, 30, fold=1)
    assert second - first == timedelta(0)  # same wall time ...
    assert second.astimezone(UTC) - first.astimezone(UTC) == HOUR  # ... an hour apart
    assert night_of(first, NEW_YORK, EVENING) == night_of(second, NEW_YORK, EVENING)


def test_night_of_accepts_an_iana_name_string():
    assert night_of(utc(2024, 5, 14, 5, 0), "America/New_York", EVENING) == date(2024, 5, 13)


def test_naive_moment_is_refused():
    with pytest.raises(ValueError, match="naive"):
        night_of(datetime(2024, 5, 14, 1, 30), NEW_YORK, EVENING)


def test_unknown_time_zone_name_is_a_value_error_with_a_clear_message():
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus_Mons'"):
        night_of(utc(2024, 5, 14), "Mars/Olympus_Mons", EVENING)


@pytest.mark.parametrize("bad", ["", "../etc/passwd", "Europe/"])
def test_malformed_time_zone_name_is_a_value_error(bad):
    with pytest.raises(ValueError, match="Unknown time zone"):
        night_window(date(2024, 5, 14), bad, EVENING)


def test_unknown_dosing_time_is_refused():
    with pytest.raises(ValueError, match="dosing time"):
        night_of(utc(2024, 5, 14), NEW_YORK, "noon")


def test_tonight_is_the_night_of_now():
    now = local(LONDON, 2024, 5, 14, 2, 15)
    assert tonight(now, LONDON, EVENING) == date(2024, 5, 13)
    assert tonight(now, LONDON, MORNING) == date(2024, 5, 14)


# --- night_window -----------------------------------------------------------------------


def test_evening_window_runs_from_local_noon_to_next_local_noon():
    start, end = night_window(date(2024, 5, 13), NEW_YORK, EVENING)
    assert (start, end) == (utc(2024, 5, 13, 16, 0), utc(2024, 5, 14, 16, 0))
    assert start.tzinfo is UTC
    assert end.tzinfo is UTC


def test_morning_window_runs_from_local_midnight_to_next_midnight():
    assert night_window(date(2024, 5, 13), KOLKATA, MORNING) == (
        utc(2024, 5, 12, 18, 30),
        utc(2024, 5, 13, 18, 30),
    )


@pytest.mark.parametrize(
    ("night", "zone", "dosing_time", "hours"),
    [
        (date(2024, 3, 9), NEW_YORK, EVENING, 23),  # spring forward in the small hours
        (date(2024, 3, 10), NEW_YORK, EVENING, 24),
        (date(2024, 3, 10), NEW_YORK, MORNING, 23),
        (date(2024, 11, 2), NEW_YORK, EVENING, 25),
        (date(2024, 11, 3), NEW_YORK, MORNING, 25),
        (date(2024, 3, 30), LONDON, EVENING, 23),
        (date(2024, 10, 26), LONDON, EVENING, 25),
        (date(2024, 10, 27), LONDON, MORNING, 25),
        (date(2024, 10, 5), LORD_HOWE, EVENING, 23.5),
        (date(2024, 4, 6), LORD_HOWE, EVENING, 24.5),
        (date(2024, 4, 7), LORD_HOWE, MORNING, 24.5),
        (date(2024, 3, 10), KOLKATA, EVENING, 24),  # no DST
    ],
)
def test_window_length_is_23_or_25_hours_across_dst(night, zone, dosing_time, hours):
    start, end = night_window(night, zone, dosing_time)
    assert end - start == timedelta(hours=hours)


def test_window_boundary_in_a_midnight_gap_is_the_instant_of_the_jump():
    # Sao Paulo went from 23:59:59 on 3 Nov 2018 straight to 01:00 on 4 Nov.
    start, end = night_window(date(2018, 11, 4), "America/Sao_Paulo", MORNING)
    assert start == utc(2018, 11, 4, 3, 0)
    assert end - start == timedelta(hours=23)
    assert night_of(start - timedelta(microseconds=1), "America/Sao_Paulo", MORNING) == date(
        2018, 11, 3
    )


def test_a_skipped_calendar_day_still_gives_contiguous_windows():
    # Samoa jumped from 29 Dec 2011 23:59:59 to 31 Dec 00:00. Night 30 Dec (evening) is the
    # half day from that jump to noon on the 31st; the morning-dosing night 30 Dec is empty.
    apia = "Pacific/Apia"
    n29, n30, n31 = date(2011, 12, 29), date(2011, 12, 30), date(2011, 12, 31)
    assert night_window(n29, apia, EVENING)[1] == night_window(n30, apia, EVENING)[0]
    assert night_window(n30, apia, EVENING) == (utc(2011, 12, 30, 10), utc(2011, 12, 30, 22))
    assert night_window(n30, apia, EVENING)[1] == night_window(n31, apia, EVENING)[0]
    start, end = night_window(n30, apia, MORNING)
    assert start == end == utc(2011, 12, 30, 10)


# --- moment_on_night --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local_time", "expected"),
    [
        (time(21, 0), utc(2024, 5, 14, 1, 0)),  # Monday 21:00 EDT
        (time(23, 59), utc(2024, 5, 14, 3, 59)),
        (time(0, 0), utc(2024, 5, 14, 4, 0)),  # Tuesday 00:00
        (time(1, 30), utc(2024, 5, 14, 5, 30)),  # Tuesday 01:30
        (time(11, 59), utc(2024, 5, 14, 15, 59)),
        (time(12, 0), utc(2024, 5, 13, 16, 0)),  # Monday noon: the start of the night
    ],
)
def test_evening_wall_times_before_noon_are_on_the_next_calendar_day(local_time, expected):
    assert moment_on_night(date(2024, 5, 13), local_time, NEW_YORK, EVENING) == expected


def test_morning_wall_times_are_on_the_night_date():
    assert moment_on_night(date(2024, 5, 13), time(7, 30), NEW_YORK, MORNING) == utc(
        2024, 5, 13, 11, 30
    )


def test_evening_reminder_at_2100_is_exact_either_side_of_dst():
    assert moment_on_night(date(2024, 3, 9), time(21), NEW_YORK, EVENING) == utc(2024, 3, 10, 2)
    assert moment_on_night(date(2024, 3, 10), time(21), NEW_YORK, EVENING) == utc(2024, 3, 11, 1)
    assert moment_on_night(date(2024, 10, 26), time(21), LONDON, EVENING) == utc(2024, 10, 26, 20)
    assert moment_on_night(date(2024, 10, 27), time(21), LONDON, EVENING) == utc(2024, 10, 27, 21)


@pytest.mark.parametrize(
    ("night", "local_time", "zone", "dosing_time", "expected"),
    [
        # Skipped wall times map to the instant the clocks jump (03:00 EDT = 07:00 UTC) ...
        (date(2024, 3, 9), time(2, 0), NEW_YORK, EVENING, utc(2024, 3, 10, 7, 0)),
        (date(2024, 3, 9), time(2, 30), NEW_YORK, EVENING, utc(2024, 3, 10, 7, 0)),
        (date(2024, 3, 9), time(2, 59, 59), NEW_YORK, EVENING, utc(2024, 3, 10, 7, 0)),
        (date(2024, 3, 10), time(2, 30), NEW_YORK, MORNING, utc(2024, 3, 10, 7, 0)),
        # ... and the first valid wall time after the gap is itself.
        (date(2024, 3, 9), time(3, 0), NEW_YORK, EVENING, utc(2024, 3, 10, 7, 0)),
        (date(2024, 3, 9), time(3, 15), NEW_YORK, EVENING, utc(2024, 3, 10, 7, 15)),
        (date(2024, 3, 9), time(1, 59), NEW_YORK, EVENING, utc(2024, 3, 10, 6, 59)),
        # London 01:00 -> 02:00 BST (01:00 UTC).
        (date(2024, 3, 30), time(1, 30), LONDON, EVENING, utc(2024, 3, 31, 1, 0)),
        # Lord Howe 02:00 -> 02:30 (+11:00): 02:15 is skipped.
        (date(2024, 10, 5), time(2, 15), LORD_HOWE, EVENING, utc(2024, 10, 5, 15, 30)),
        (date(2024, 10, 5), time(2, 30), LORD_HOWE, EVENING, utc(2024, 10, 5, 15, 30)),
    ],
)
def test_a_wall_time_skipped_by_spring_forward_is_the_instant_of_the_jump(
    night, local_time, zone, dosing_time, expected
):
    assert moment_on_night(night, local_time, zone, dosing_time) == expected


def test_skipped_wall_times_do_not_overtake_later_wall_times():
    # zoneinfo's fold=0 would put 02:30 at 03:30 EDT, after a 03:15 reminder.
    at_0230 = moment_on_night(US_SPRING - timedelta(days=1), time(2, 30), NEW_YORK, EVENING)
    at_0315 = moment_on_night(US_SPRING - timedelta(days=1), time(3, 15), NEW_YORK, EVENING)
    assert at_0230 < at_0315


@pytest.mark.parametrize(
    ("night", "local_time", "zone", "expected"),
    [
        (date(2024, 11, 2), time(1, 30), NEW_YORK, utc(2024, 11, 3, 5, 30)),  # 01:30 EDT
        (date(2024, 11, 2), time(1, 0), NEW_YORK, utc(2024, 11, 3, 5, 0)),
        (date(2024, 11, 2), time(2, 0), NEW_YORK, utc(2024, 11, 3, 7, 0)),  # only once: EST
        (date(2024, 10, 26), time(1, 30), LONDON, utc(2024, 10, 27, 0, 30)),  # 01:30 BST
        (date(2024, 4, 6), time(1, 45), LORD_HOWE, utc(2024, 4, 6, 14, 45)),  # 01:45 +11:00
    ],
)
def test_a_wall_time_repeated_by_fall_back_is_its_first_occurrence(
    night, local_time, zone, expected
):
    assert moment_on_night(night, local_time, zone, EVENING) == expected


def test_moment_on_night_refuses_an_aware_time():
    with pytest.raises(ValueError, match="naive"):
        moment_on_night(date(2024, 5, 13), time(21, tzinfo=UTC), NEW_YORK, EVENING)


def test_night_window_start_is_the_moment_of_the_boundary_wall_time():
    night = date(2024, 3, 10)
    assert night_window(night, NEW_YORK, EVENING)[0] == moment_on_night(
        night, time(12), NEW_YORK, EVENING
    )
    assert night_window(night, NEW_YORK, MORNING)[0] == moment_on_night(
        night, time(0), NEW_YORK, MORNING
    )


# --- is_in_dosing_window ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        (time(20, 59, 59), False),
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(2, 59), True),
        (time(3, 0), True),
        (time(3, 0, 1), False),
        (time(11, 59), False),
        (time(12, 0), False),
    ],
)
def test_default_dosing_window_is_2100_to_0300_local_wrapping_midnight(wall, inside):
    moment = datetime.combine(date(2024, 5, 14), wall, tzinfo=KOLKATA)
    assert is_in_dosing_window(moment.astimezone(UTC), KOLKATA) is inside


@pytest.mark.parametrize(
    ("wall", "inside"),
    [(time(5, 59), False), (time(6, 0), True), (time(9, 0), True), (time(9, 1), False)],
)
def test_a_daytime_window_does_not_wrap(wall, inside):
    moment = datetime.combine(date(2024, 5, 14), wall, tzinfo=LONDON)
    assert is_in_dosing_window(moment, "Europe/London", time(6), time(9)) is inside


def test_dosing_window_uses_the_patient_zone():
    moment = utc(2024, 1, 15, 16, 30)  # 11:30 in New York, 22:00 in Kolkata
    assert not is_in_dosing_window(moment, NEW_YORK)
    assert is_in_dosing_window(moment, KOLKATA)


def test_dosing_window_refuses_a_naive_moment():
    with pytest.raises(ValueError, match="naive"):
        is_in_dosing_window(datetime(2024, 5, 14, 22, 0), NEW_YORK)


# --- properties -------------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
    "America/Santiago",
    "Pacific/Chatham",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Apia",
    "America/St_Johns",
    "Europe/Dublin",
]

DST_DAYS = [
    US_SPRING,
    US_FALL,
    UK_SPRING,
    UK_FALL,
    LH_SPRING,
    LH_FALL,
    date(2018, 11, 4),  # Sao Paulo midnight jump
    date(2019, 2, 17),  # Sao Paulo midnight fall back
    date(2011, 12, 30),  # Samoa's missing day
]

zones = st.sampled_from(ZONES)
dosing_times = st.sampled_from([EVENING, MORNING])
moments = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1), timezones=st.just(UTC)
)
# Nights near DST changes are rare among random dates; draw them on purpose too.
nights = st.one_of(
    st.sampled_from(DST_DAYS).flatmap(
        lambda day: st.integers(-2, 1).map(lambda shift: day + timedelta(days=shift))
    ),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 1, 1)),
)
wall_times = st.one_of(
    st.sampled_from(
        [time(0), time(0, 30), time(1, 30), time(2, 15), time(2, 30), time(11, 59), time(12)]
    ),
    st.times(),
)


def _around_dst_changes(moment_strategy):
    near = st.sampled_from(DST_DAYS).flatmap(
        lambda day: st.integers(-36 * 3600, 36 * 3600).map(
            lambda seconds: datetime.combine(day, time(12), tzinfo=UTC) + timedelta(seconds=seconds)
        )
    )
    return st.one_of(near, moment_strategy)


@settings(max_examples=500)
@given(moment=_around_dst_changes(moments), zone=zones, dosing_time=dosing_times)
def test_every_moment_lies_within_the_window_of_its_night(moment, zone, dosing_time):
    start, end = night_window(night_of(moment, zone, dosing_time), zone, dosing_time)
    assert start <= moment < end


@settings(max_examples=500)
@given(night=nights, zone=zones, dosing_time=dosing_times)
def test_windows_of_consecutive_nights_are_contiguous(night, zone, dosing_time):
    this_start, this_end = night_window(night, zone, dosing_time)
    next_start, _ = night_window(night + timedelta(days=1), zone, dosing_time)
    assert this_end == next_start
    assert this_start <= this_end


@settings(max_examples=1000)
@given(night=nights, local_time=wall_times, zone=zones, dosing_time=dosing_times)
def test_a_wall_time_on_a_night_maps_back_to_that_night(night, local_time, zone, dosing_time):
    start, end = night_window(night, zone, dosing_time)
    # Samoa's calendar jumped from 29 Dec 2011 23:59:59 to 31 Dec 00:00: the morning night
    # of 30 Dec has no instants at all, and the evening night of 29 Dec lost its small hours
    # (they map to the jump, which is on the next night). No other zone here loses a night.
    if start == end or (zone == "Pacific/Apia" and night == date(2011, 12, 29)):
        return
    moment = moment_on_night(night, local_time, zone, dosing_time)
    assert night_of(moment, zone, dosing_time) == night
    assert start <= moment < end


@settings(max_examples=300)
@given(
    night=nights,
    earlier=wall_times,
    later=wall_times,
    zone=zones,
    dosing_time=dosing_times,
)
def test_a_later_wall_time_on_a_night_is_never_an_earlier_instant(
    night, earlier, later, zone, dosing_time
):
    def order(t):
        # Evening nights run noon to noon, so the small hours come after the evening.
        return (t < time(12), t) if dosing_time == EVENING else (False, t)

    if order(earlier) > order(later):
        earlier, later = later, earlier
    first = moment_on_night(night, earlier, zone, dosing_time)
    second = moment_on_night(night, later, zone, dosing_time)
    assert first <= second


@pytest.mark.parametrize(
    ("newest_logged", "last"),
    [
        (None, date(2026, 12, 1)),  # nothing logged: tonight
        (date(2026, 11, 28), date(2026, 12, 1)),  # the usual: tonight
        (date(2026, 12, 1), date(2026, 12, 1)),
        (date(2026, 12, 3), date(2026, 12, 3)),  # logged further east, then moved west
    ],
)
def test_a_range_may_reach_the_later_of_tonight_and_the_newest_night_logged(newest_logged, last):
    assert last_night_of_record(date(2026, 12, 1), newest_logged) == last


@pytest.mark.parametrize(
    ("zone", "first", "changes"),
    [
        ("Europe/Berlin", date(2026, 1, 1), (date(2026, 3, 29), date(2026, 10, 25))),
        ("America/New_York", date(2026, 3, 9), (date(2026, 11, 1),)),  # 14 Mar 2027: too far
        ("Australia/Lord_Howe", date(2026, 1, 1), (date(2026, 4, 5), date(2026, 10, 4))),
        ("UTC", date(2026, 1, 1), ()),
        ("America/Sao_Paulo", date(2018, 10, 1), (date(2018, 11, 4), date(2019, 2, 16))),
    ],
)
def test_clock_change_days_are_the_local_dates_the_offset_changes(zone, first, changes):
    """Sao Paulo jumped at midnight (4 Nov 2018 00:00 -> 01:00: that date) and went back at
    the next one (17 Feb 2019 00:00 -> 16 Feb 23:00: the date whose hour is repeated)."""
    assert clock_change_days(zone, first, 366) == changes


@pytest.mark.parametrize(
    "zone", ["Europe/London", "America/Chicago", "Australia/Sydney", "UTC", "Asia/Tokyo"]
)
def test_clock_change_days_read_from_each_years_changes_are_the_day_by_day_walk(zone):
    """The settings page asks for a year of clock changes on every opening; they are read
    once per zone and year (clock_changes_in_year) and must be what walking the dates one by
    one finds, from any first date (a change on it, at a year's end, a leap day) and for
    any length, a zone given by name or as a ZoneInfo."""
    firsts = (
        date(2026, 1, 1),
        date(2026, 3, 8),  # Chicago springs forward that day
        date(2026, 3, 29),  # London springs forward that day
        date(2026, 4, 5),  # Sydney goes back that day
        date(2026, 10, 4),  # Sydney springs forward that day
        date(2026, 11, 21),
        date(2026, 12, 31),
        date(2028, 2, 29),
    )
    for first in firsts:
        for days in (0, 1, 2, 30, 366, 800):
            walked = nights_rules._walk_clock_changes(ZoneInfo(zone), first, days)
            assert clock_change_days(zone, first, days) == walked, (first, days)
            assert clock_change_days(ZoneInfo(zone), first, days) == walked, (first, days)


def test_a_zones_clock_changes_are_walked_once_per_year(monkeypatch):
    """Three openings of the settings page (a year ahead each) walk 2026 and 2027 once:
    they walked 366 days on each (about 1 ms a page)."""
    clock_changes_in_year.cache_clear()
    walks = []
    walk = nights_rules._walk_clock_changes

    def counted(*args):
        walks.append(args[1].year)
        return walk(*args)

    monkeypatch.setattr(nights_rules, "_walk_clock_changes", counted)
    for _ in range(3):
        assert clock_change_days("Europe/London", date(2026, 11, 21), 366) == (
            date(2027, 3, 28),
            date(2027, 10, 31),
        )
    assert walks == [2026, 2027]


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-12", date(2026, 12, 1)),
        ("2026-1", date(2026, 1, 1)),
        ("\u0662\u0660\u0662\u0666-12", None),  # Arabic-Indic digits: int() read them
        ("2026-\u0661\u0662", None),
        (" 2026-12", None),
        ("+2026-12", None),
        ("2026-13", None),
        ("abc", None),
        ("", None),
        (None, None),
    ],
)
def test_a_month_is_named_in_ascii_digits_only(text, month):
    assert nights_rules.month_named(text) == month


@pytest.mark.parametrize(
    ("text", "night"),
    [
        ("2026-03-28", date(2026, 3, 28)),
        ("1900-01-01", date(1900, 1, 1)),
        ("9998-12-31", date(9998, 12, 31)),
        # Other ISO 8601 spellings date.fromisoformat reads: a night's address has one form.
        ("20260328", None),
        ("2026-W13-6", None),
        ("2026W136", None),
        ("2026-3-28", None),
        ("\u0662\u0660\u0662\u0666-03-28", None),  # Arabic-Indic digits
        (" 2026-03-28", None),
        ("2026-02-30", None),
        ("1899-12-31", None),  # not nameable: the night before it is no date a page shows
        ("9999-12-31", None),
        ("", None),
        (None, None),
    ],
)
def test_a_night_is_named_as_yyyy_mm_dd_in_ascii_digits_only(text, night):
    assert nights_rules.night_named(text) == night
