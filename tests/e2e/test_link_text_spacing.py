"""A link's words read as written on a phone: every link on a patient page was an inline
flex box (a 44 px target), which drops the space between the link's text and an element
inside it, so the history page read "Bad reaction reportedTue 24 Nov, 13:56 GMT". The
targets are inline blocks now; the text flows as text."""

import re

import pytest

from patients.models import Patient, UrgentReport
from tests.e2e.browser_support import PHONE, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_link_with_a_time_in_it_keeps_its_space_and_is_still_a_thumb_target(browser, live_server):
    patient = Patient.objects.get(user__email="patient@example.com")
    assert UrgentReport.objects.filter(patient=patient).exists(), "the demo patient reported"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "patient@example.com")
    page.goto(f"{live_server.url}/journal/history/")
    link = page.locator(".history-list a").first
    text = " ".join(link.inner_text().split())
    assert re.fullmatch(r"Bad reaction reported \w{3} \d{1,2} \w{3}, \d\d:\d\d \w+", text), text
    # Laid out as one run of text: the words flow on (a flex box put the time on a line of
    # its own, innerText "reported\nTue ...").
    assert "\n" not in link.inner_text()
    assert link.bounding_box()["height"] >= 44
    context.close()
