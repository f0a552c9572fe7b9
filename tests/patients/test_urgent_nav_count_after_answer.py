"""The clinician's navigation counts open urgent reports only: an answered report leaves
the count at once, and with none open the badge is gone. (Counting every report the
clinician reaches passed every earlier test outside the browser journeys: found by
break-checking.)"""

from datetime import timedelta

import pytest
import time_machine

from patients.urgent import reports as urgent
from tests.patients.urgent_support import NOW, report
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db


def test_an_answered_report_leaves_the_navigation_count(looked_after):
    patient, clinician = looked_after
    first = report(patient)
    second = report(patient, now=NOW + timedelta(minutes=5))
    client = signed_in_reauthenticated(clinician)

    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        urgent.acknowledge(first, clinician, "Seen", NOW + timedelta(minutes=10))
        html = client.get("/clinic/").content.decode()
    assert 'nav-count">1<span class="visually-hidden"> open</span>' in html

    with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
        urgent.acknowledge(second, clinician, "Seen", NOW + timedelta(minutes=11))
        html = client.get("/clinic/").content.decode()
    assert "nav-count" not in html
