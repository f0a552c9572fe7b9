"""The new-prescription page has two forms, each with its "Please check this form" summary.
When both were refused, both summaries had the title id form-errors-title and both carried
autofocus: duplicate ids (each summary's aria-labelledby named either title) and two focus
targets. Each summary now has its own title id, and only the first on the page takes focus."""

from collections import Counter
from datetime import date
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from prescriptions.models import Prescription

TONIGHT = date(2026, 3, 10)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_time")]


@pytest.fixture
def frozen_time():
    with time_machine.travel("2026-03-10 14:00Z", tick=False):
        yield


class Page(HTMLParser):
    """Every id on the page, and the error summaries in order (id of what labels them, and
    whether they take focus); also every element with autofocus."""

    def __init__(self, html):
        super().__init__()
        self.ids = Counter()
        self.summaries = []
        self.autofocus = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if "autofocus" in attrs:
            self.autofocus.append((tag, attrs.get("class", "")))
        if "error-summary" in attrs.get("class", "").split():
            self.summaries.append((attrs.get("aria-labelledby"), "autofocus" in attrs))


def new_prescription(**overrides):
    return {
        "based_on": "0",
        "formulation": "capsule",
        "strengths_text": "1.5, 3.0, 4.5",
        "concentration_mg_per_ml": "",
        "dosing_time": "evening",
        "start_date": str(TONIGHT),
        "instructions": "",
        "reason": "Fibromyalgia, starting LDN",
        "patient_note": "",
        "steps-TOTAL_FORMS": "1",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "1000",
        "steps-0-dose_mg": "1.5",
        "steps-0-days": "",
        **overrides,
    }


def posted(client, patient, **overrides):
    response = client.post(
        reverse("clinic:prescription_new", args=[patient.pk]), new_prescription(**overrides)
    )
    assert response.status_code == 200
    assert not Prescription.objects.exists()
    return Page(response.content.decode())


# A strength the prescription form refuses, and no reason, which the plan form refuses.
BOTH_REFUSED = {"strengths_text": "lots", "reason": ""}


def test_both_summaries_shown_have_ids_unique_on_the_page(clinician_client, patient_a):
    page = posted(clinician_client, patient_a, **BOTH_REFUSED)
    assert len(page.summaries) == 2
    assert [name for name, count in page.ids.items() if count > 1] == []
    titles = [title for title, _focus in page.summaries]
    assert len(set(titles)) == 2
    assert all(page.ids[title] == 1 for title in titles)


def test_only_the_first_of_two_summaries_takes_focus(clinician_client, patient_a):
    page = posted(clinician_client, patient_a, **BOTH_REFUSED)
    assert [focus for _title, focus in page.summaries] == [True, False]
    assert len(page.autofocus) == 1


@pytest.mark.parametrize(
    "refused",
    [{"strengths_text": "lots"}, {"reason": ""}],
    ids=["prescription form only", "plan form only"],
)
def test_a_summary_shown_alone_takes_focus(clinician_client, patient_a, refused):
    page = posted(clinician_client, patient_a, **refused)
    assert len(page.summaries) == 1
    assert page.summaries[0][1] is True
    assert len(page.autofocus) == 1
