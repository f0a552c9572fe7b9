"""The page benchmark's ratio to the floor is taken from wrk's microseconds (bench/pages.py)."""

from bench.pages import median_round, ratio_p95


def test_the_ratio_reads_the_microseconds_not_the_rounded_milliseconds():
    """A floor of 850 us was kept as 0.8 or 0.9 ms: a 14.0 ms page read 17.5x or 15.6x."""
    page = {"p95_us": 14_000, "p95_ms": 14.0}
    floor = {"p95_us": 850, "p95_ms": 0.9}
    assert ratio_p95(page, floor) == 16.5


def test_a_floor_of_nothing_does_not_divide_by_zero():
    assert ratio_p95({"p95_us": 5_000}, {"p95_us": 0}) == 5000.0


def _round(ratio, errors=0):
    return {"ratio_p95": ratio, "p95_ms": ratio, "errors": errors}


def test_several_rounds_report_the_round_of_median_ratio_with_every_ratio_beside_it():
    chosen = median_round([_round(20.8), _round(15.6), _round(17.1)])
    assert chosen["ratio_p95"] == 17.1
    assert chosen["p95_ms"] == 17.1  # the figures are that round's, not a mix
    assert chosen["ratios_p95"] == [20.8, 15.6, 17.1]  # in the order run
    assert chosen["ratio_p95_range"] == [15.6, 20.8]


def test_an_even_number_of_rounds_reports_the_lower_middle_round():
    assert median_round([_round(4.0), _round(1.0), _round(3.0), _round(2.0)])["ratio_p95"] == 2.0


def test_one_round_is_reported_as_it_ran():
    assert median_round([_round(16.5, errors=1)]) == {
        **_round(16.5, errors=1),
        "ratios_p95": [16.5],
        "ratio_p95_range": [16.5, 16.5],
    }


def test_an_error_in_any_round_is_counted_in_the_row():
    assert (
        median_round([_round(15.0, errors=2), _round(16.0), _round(17.0, errors=1)])["errors"] == 3
    )
