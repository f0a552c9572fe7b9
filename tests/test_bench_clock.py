"""The page benchmark meets the same evening whatever hour it runs (bench/pages.py)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bench.pages import EVENING_HOUR, bench_zone
from patients.rules import nights


@pytest.mark.parametrize("hour", range(24))
@pytest.mark.parametrize("minute", [0, 30, 59])
def test_the_bench_patients_evening_is_the_same_at_every_hour(hour, minute):
    """Built at any moment, the clinic's zone reads EVENING_HOUR:xx, and for the next two
    hours (a whole run) "Taken now" stays inside tonight's dosing window, on the same night.
    With a fixed zone, morning runs measured the refusal instead of the save."""
    built = datetime(2026, 3, 29, hour, minute, tzinfo=UTC)  # a summer-time change in Europe
    zone = ZoneInfo(bench_zone(built))
    assert built.astimezone(zone).hour == EVENING_HOUR
    night = nights.tonight(built, zone, nights.EVENING)
    end = nights.dosing_window_end(night, zone, nights.EVENING, time(14))
    for later in (timedelta(0), timedelta(hours=2)):
        assert nights.tonight(built + later, zone, nights.EVENING) == night
        assert built + later < end
