"""LDN_TEST_NOW (tests/conftest.py): the instant a whole run starts at."""

from datetime import UTC, datetime

import pytest

from tests.conftest import run_starts_at

REAL = datetime(2026, 12, 5, 2, 16, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("01:00", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        ("02:16", datetime(2026, 12, 5, 2, 16, tzinfo=UTC)),
        ("05:30", datetime(2026, 12, 4, 5, 30, tzinfo=UTC)),
        ("2026-12-05T05:30:00Z", datetime(2026, 12, 5, 5, 30, tzinfo=UTC)),
        ("2026-06-05T05:30:00+01:00", datetime(2026, 6, 5, 4, 30, tzinfo=UTC)),
    ],
)
def test_a_time_of_day_is_its_latest_utc_occurrence_and_an_instant_is_itself(raw, expected):
    assert run_starts_at(raw, REAL) == expected


@pytest.mark.parametrize("raw", ["tomorrow", "2026-12-05T05:30:00", "25:00"])
def test_a_value_that_names_no_instant_stops_the_run_saying_what_to_give(raw):
    with pytest.raises(pytest.UsageError, match="LDN_TEST_NOW"):
        run_starts_at(raw, REAL)
