"""A night's time is shown in the zone it was logged in, labelled only when that is not the
zone the page is shown in (patients/templatetags/journal.py::logged_time)."""

from datetime import UTC, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from patients.templatetags.journal import logged_time

TAKEN = datetime(2026, 3, 2, 21, 15, tzinfo=UTC)
ZONES = ["Europe/London", "Asia/Kolkata", "America/New_York", "UTC", "Etc/UTC", "Etc/GMT-2"]


def entry(zone):
    return SimpleNamespace(taken_at=TAKEN, time_zone=zone)


@pytest.mark.parametrize("zone", ZONES)
def test_a_time_logged_in_the_pages_zone_carries_no_label(zone):
    local = TAKEN.astimezone(ZoneInfo(zone)).strftime("%H:%M")
    with timezone.override(ZoneInfo(zone)):
        assert logged_time(entry(zone)) == local
        assert logged_time(entry("")) == local  # older entries hold no zone: the page's


@pytest.mark.parametrize("zone", ZONES)
def test_a_time_logged_in_another_zone_is_shown_there_and_says_where(zone):
    elsewhere = "Australia/Sydney"
    with timezone.override(ZoneInfo(zone)):
        assert logged_time(entry(elsewhere)) == "08:15 Sydney"


def test_an_unknown_stored_zone_falls_back_to_the_pages_zone_without_a_label():
    with timezone.override(ZoneInfo("Etc/GMT-2")):
        assert logged_time(entry("Not/AZone")) == "23:15"
        assert logged_time(entry("../etc")) == "23:15"


def test_no_time_shows_nothing():
    assert logged_time(SimpleNamespace(taken_at=None, time_zone="UTC")) == ""
