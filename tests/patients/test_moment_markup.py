"""A moment's datetime attribute and zone abbreviation (patient_time, logged_moment, every
"date_time" style and zoned_text) are Django's ``date:"c"`` and ``date:"T"``, except that the
abbreviation is also written in the hour the clocks go back, where Django writes nothing."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation

from ldn_journal import local_dates
from patients.templatetags import journal

MOMENTS = [
    datetime(2026, 12, 5, 21, 30, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),  # just before the UK clocks change
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # just after
    datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
]
ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Etc/GMT-5", "UTC"]
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: m.isoformat())
def test_the_datetime_and_abbreviation_are_the_date_filters(zone, moment):
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(zone))
    assert journal._iso(local) == date_filter(local, "c")
    assert journal._abbreviation(local) == date_filter(local, "T")


class Patient:
    tz = LONDON
    zone_name = "Europe/London"


@pytest.mark.parametrize(
    ("moment", "zone"),
    [
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "BST"),  # the first 01:30
        (datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "GMT"),  # the second
    ],
)
def test_the_hour_read_twice_says_which_one_it_is_on_every_surface(moment, zone):
    local = timezone.localtime(moment, LONDON)
    assert date_filter(local, "T") == ""  # Django's: nothing, where it is needed most
    with translation.override("en"):
        assert "01:30 <abbr" in journal.patient_time_html(Patient(), moment, "date_time")
        assert f'title="Europe/London">{zone}</abbr>' in journal.patient_time_html(
            Patient(), moment, "date_time"
        )
        assert local_dates.zoned_text(moment, LONDON, "date_time").endswith(f"01:30 {zone}")
        assert journal._moment_in_zone("Europe/London", LONDON, moment, "time").endswith(
            f">{zone}</abbr></time>"
        )
