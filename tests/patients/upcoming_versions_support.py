"""Reading back which signed versions a page marks "Upcoming" (PlanView.upcoming): the
clinician's plan page's lists of versions, for the tests that check the visit report and My
plan mark the same versions as it does."""

import re

import time_machine
from django.urls import reverse

UPCOMING = '<span class="badge badge-moderate">Upcoming</span>'
# The mark of a version replaced before it took effect: struck, and said in words.
REPLACED = (
    r'</s> <span class="badge badge-info">'
    r"replaced by v\d+ \(from [^)]*\) before it took effect</span>"
)


def get_page(client, name, patient, now, params=None):
    """The page ``name`` (for ``patient``) as it reads at ``now``; it answered 200."""
    with time_machine.travel(now, tick=False):
        response = client.get(reverse(name, args=[patient.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def plan_page_groups(html):
    """The plan page's lists of versions, as report_groups reads the report: the shown
    prescription's "Versions", then each of the "Earlier prescriptions", reversed (the page
    lists the newest first, the report the oldest first)."""
    groups = []
    for listing in html.split('<ol class="history-list plan-versions" reversed>')[1:]:
        items = re.findall(
            rf"Version (\d+)</a> · (.*?) · from (.*?)"
            rf"(?:{REPLACED})?({re.escape(' ' + UPCOMING)})?</p>",
            listing.split("</ol>", 1)[0],
        )
        groups.append(
            [(night, number, kind, bool(badge)) for number, kind, night, badge in items][::-1]
        )
    return groups[::-1]
