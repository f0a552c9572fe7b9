"""The patient's export page says where a download with no start begins: the beginning of
their journal, at most two years back (export_default_start). It said "from when you
joined", while a journal longer than two years was cut to its last two with nothing said,
and a plan signed before they joined began before it (found by exploratory QA)."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.clinic.forms import MAX_RANGE_DAYS
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
TONIGHT = date(2026, 3, 30)
SAID = "Leave empty to start from the beginning of your journal (at most two years back)."


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
def test_the_page_says_where_a_download_with_no_start_begins_and_it_does(
    patient_client, patient_a, clinician_a
):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=1000))
    give_nights([patient_a], TONIGHT, 10)
    page = patient_client.get(reverse("journal:export")).text
    assert SAID in page
    assert "when you joined" not in page
    response = patient_client.get(reverse("journal:export_format", args=["csv"]))
    first = re.search(r"ldn-journal-(\S+?)_", response["Content-Disposition"]).group(1)
    assert date.fromisoformat(first) == TONIGHT - timedelta(days=MAX_RANGE_DAYS - 1)


@time_machine.travel("2026-03-31T09:00:00Z", tick=False)
@pytest.mark.parametrize(
    ("language", "said"),
    [
        (
            "de",
            "Leer lassen, um mit dem Anfang Ihres Tagebuchs zu beginnen "
            "(h\u00f6chstens zwei Jahre zur\u00fcck).",
        ),
        (
            "es",
            "D\u00e9jelo vac\u00edo para empezar desde el principio de su diario "
            "(como m\u00e1ximo dos a\u00f1os atr\u00e1s).",
        ),
    ],
)
def test_the_words_are_translated(patient_client, patient_a, language, said):
    patient_a.user.language = language
    patient_a.user.save()
    page = patient_client.get(reverse("journal:export"), HTTP_ACCEPT_LANGUAGE=language).text
    assert said in page
