"""The patient page's own links (chart range, calendar month, entries' pages, notes' pages)
each change one choice and keep the others: the entries' "Next" reset the chart to 12 weeks
and the calendar to this month; a calendar month reset the chart and the entries' page."""

import html
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
TONIGHT = date(2026, 3, 30)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=120), steps=(("4.5", None),))
    give_nights([patient_a], TONIGHT, 100)
    return patient_a


def _links(page_html, anchor_text):
    return [
        html.unescape(href)
        for href, text in re.findall(r'<a[^>]*href="([^"]*)"[^>]*>([^<]*)</a>', page_html)
        if anchor_text in text
    ]


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_each_link_changes_its_own_choice_and_keeps_the_others(clinician_client, journal):
    url = reverse("clinic:patient", args=[journal.pk])
    page = clinician_client.get(url, {"weeks": "52", "month": "2026-02", "page": "2"}).text

    assert _links(page, "Next") == [f"{url}?weeks=52&month=2026-02&page=3"]
    assert _links(page, "Previous") == [f"{url}?weeks=52&month=2026-02&page=1"]
    assert f"{url}?weeks=52&page=2&month=2026-01#calendar" in _links(page, "January")
    assert f"{url}?weeks=52&page=2&month=2026-03#calendar" in _links(page, "March")
    assert _links(page, "4 weeks") == [f"{url}?month=2026-02&page=2&weeks=4"]


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_a_choice_not_made_adds_nothing_to_the_links(clinician_client, journal):
    url = reverse("clinic:patient", args=[journal.pk])
    page = clinician_client.get(url).text

    assert _links(page, "Next") == [f"{url}?page=2"]
    assert _links(page, "4 weeks") == [f"{url}?weeks=4"]
