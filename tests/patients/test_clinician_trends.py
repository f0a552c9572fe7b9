"""The clinician's trend on the patient page (issue 16): the taken dose beside the prescribed
step line, then the same small multiples the patient sees (one panel per measure, the dose
steps shaded), with the data table kept; the printed report keeps its one chart."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from patients.models import SymptomScale
from tests.patients.dashboard_factories import give_nights, give_plan

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)


@pytest.fixture
def journal(patient_a, clinician_a):
    give_plan(patient_a, clinician_a, TONIGHT - timedelta(days=40))
    give_nights([patient_a], TONIGHT, 30, dose="4.5")
    return patient_a


def _chart(page: str) -> str:
    return page.split('aria-labelledby="trend-title"', 1)[1].split("</figure>", 1)[0]


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("weeks", [4, 12, 26, 52])
def test_the_patient_page_draws_one_panel_per_measure_after_the_dose_chart(
    clinician_client, journal, weeks
):
    SymptomScale.objects.create(patient=journal, name="Brain fog")
    page = clinician_client.get(reverse("clinic:patient", args=[journal.pk]), {"weeks": weeks})
    chart = _chart(page.text)
    panels = re.findall(r'<svg[^>]*class="chart-panel".*?<title id="[^"]+">([^<]+)</title>', chart)
    assert panels == ["Pain", "Fatigue", "Mood", "Sleep quality", "Dream intensity", "Brain fog"]
    assert 'class="dose-band"' in chart  # the plan's dose steps behind each panel
    dose_chart = chart.split('<div class="multiples">', 1)[0]
    assert f"Dose prescribed and taken over {weeks} weeks" in dose_chart
    assert "series-taken" in dose_chart
    assert "series-dose" in dose_chart
    assert "series-pain" not in dose_chart  # the scores moved to their own panels
    assert "Show the data as a table" in chart


@time_machine.travel(NOW, tick=False)
def test_the_printed_report_keeps_its_single_chart(clinician_client, journal):
    page = clinician_client.get(reverse("clinic:report", args=[journal.pk])).text
    assert 'class="chart-panel"' not in page
    assert "series-pain" in page
