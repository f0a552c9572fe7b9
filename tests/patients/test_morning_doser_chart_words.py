"""The trend chart's words for a morning doser: days, as the rest of their pages say.

The chart shared by the clinician's patient page and the patient's trends page described a
morning doser's values as "Nightly values from …", "Prescribed dose (mg): 25 nights", and
marked a skipped morning dose "Skipped night". Evening dosers keep their nights."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from patients.models import NightlyEntry
from tests.patients.journal_support import make_plan

pytestmark = pytest.mark.django_db

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
SKIPPED = date(2026, 11, 20)


def _entries(patient):
    """Doses taken from 14 to 24 November, the 20th skipped, each with a pain score."""
    NightlyEntry.objects.bulk_create(
        NightlyEntry(
            patient=patient,
            night=night,
            status="skipped" if night == SKIPPED else "taken",
            dose_mg=None if night == SKIPPED else Decimal("1.5"),
            prescribed_mg=Decimal("1.5"),
            pain=4,
            taken_at=None
            if night == SKIPPED
            else datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=8),
        )
        for night in (date(2026, 11, 14) + timedelta(days=n) for n in range(11))
    )


def _descriptions(page):
    return " ".join(re.findall(r"<desc [^>]*>(.*?)</desc>", page, re.S))


def _patient_page(client, patient):
    with time_machine.travel(AT_09, tick=False):
        return client.get(reverse("clinic:patient", args=[patient.pk])).content.decode()


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_a_morning_dosers_chart_on_the_clinicians_page_counts_days(
    clinician_client, clinician_a, patient_a, language
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    _entries(patient_a)
    clinician_a.language = language
    clinician_a.save()
    page = _patient_page(clinician_client, patient_a)
    desc = _descriptions(page)
    with translation.override(language):
        daily = gettext("Daily values from %(start)s to %(end)s.").split("%")[0]
        nightly = gettext("Nightly values from %(start)s to %(end)s.").split("%")[0]
        prescribed = ngettext(
            "%(series)s: %(count)s day, from %(first)s to %(last)s.",
            "%(series)s: %(count)s days, from %(first)s to %(last)s.",
            25,
        ) % {"series": gettext("Prescribed dose (mg)"), "count": 25, "first": "", "last": ""}
        skipped_day, skipped_night = gettext("Skipped day"), gettext("Skipped night")
    assert daily in desc
    assert nightly not in desc
    assert prescribed.split(",")[0] in desc
    assert skipped_day in page
    assert skipped_night not in page
    if language != "en":  # in the reader's language
        assert "Daily values" not in desc
        assert "Skipped day" not in page


def test_an_evening_dosers_chart_still_counts_nights(clinician_client, clinician_a, patient_a):
    make_plan(patient_a, clinician_a, dosing_time="evening")
    _entries(patient_a)
    page = _patient_page(clinician_client, patient_a)
    desc = _descriptions(page)
    assert "Nightly values from" in desc
    assert "Prescribed dose (mg): 24 nights" in desc  # at 09:00 the night is the 24th
    assert "Skipped night" in page
    assert "Daily values" not in desc
    assert "Skipped day" not in page


@pytest.mark.parametrize(("dosing_time", "said"), [("morning", "day"), ("evening", "night")])
def test_the_patients_trends_page_describes_a_morning_dosers_days(
    patient_client, clinician_a, patient_a, dosing_time, said
):
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    _entries(patient_a)
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(reverse("journal:trends")).content.decode()
    desc = _descriptions(page)
    other = {"day": "night", "night": "day"}[said]
    assert f"{'Daily' if said == 'day' else 'Nightly'} values from" in desc
    assert re.search(rf"Pain: 11 {said}s, from", desc)
    assert not re.search(rf": \d+ {other}s?, from", desc)
    heading = {"day": "Day", "night": "Night"}[said]  # the data table under the panels
    assert f'<th scope="col">{heading}</th>' in page
    assert f'<th scope="col">{heading.replace(said.title(), other.title())}</th>' not in page


# --- the adherence figures' tooltip (patients.clinic.list_rows.adherence_html) ---------------


@pytest.mark.parametrize(("dosing_time", "said"), [("morning", "days"), ("evening", "nights")])
def test_the_adherence_tooltip_counts_a_morning_dosers_days(
    clinician_client, clinician_a, patient_a, dosing_time, said
):
    """The patient page's and the list's "10 of 11 prescribed nights" of a morning doser."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    _entries(patient_a)
    page = _patient_page(clinician_client, patient_a)
    with time_machine.travel(AT_09, tick=False):
        listed = clinician_client.get(reverse("clinic:patients")).content.decode()
    other = {"days": "nights", "nights": "days"}[said]
    for html in (page, listed):
        assert re.search(rf'title="\d+ of \d+ prescribed {said}"', html)
        assert f"prescribed {other}" not in html


# --- the patient page's tables: the chart's data, the entries, the dose levels ----------------


def _two_nights_at_3_mg(patient):
    NightlyEntry.objects.bulk_create(
        NightlyEntry(
            patient=patient,
            night=night,
            status="taken",
            dose_mg=Decimal("3"),
            prescribed_mg=Decimal("1.5"),
            pain=4,
            taken_at=datetime.combine(night, datetime.min.time(), UTC) + timedelta(hours=8),
        )
        for night in (date(2026, 11, 10), date(2026, 11, 11))
    )
    NightlyEntry.objects.filter(patient=patient).update(dreams="vivid")


@pytest.mark.parametrize(
    ("dosing_time", "language", "said", "other"),
    [
        # Morning first, then evening: a header kept by {% once %} must not carry over.
        ("morning", "en", ("Day", "Days", "Too few days", "(2 days)", "of 10 days"), "night"),
        # (each also with "only 10 days at 1.5 mg: read with care", checked below)
        (
            "evening",
            "en",
            ("Night", "Nights", "Too few nights", "(2 nights)", "of 10 nights"),
            "day",
        ),
        (
            "morning",
            "de",
            ("Tag", "Tage", "Zu wenige Tage", "(2 Tage)", "von 10 Tagen"),
            "n[aä]cht",
        ),
        ("morning", "es", ("Día", "Días", "Muy pocos días", "(2 días)", "de 10 días"), "noche"),
    ],
)
def test_a_morning_dosers_tables_on_the_patient_page_count_days(
    clinician_client, clinician_a, patient_a, dosing_time, language, said, other
):
    """The chart's data table and the entries table were headed "Night", the dose levels
    said "Nights", "Too few nights to summarise: 3 mg (2 nights)" and "of 10 nights"."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    _entries(patient_a)
    _two_nights_at_3_mg(patient_a)
    clinician_a.language = language
    clinician_a.save()
    page = _patient_page(clinician_client, patient_a)
    heading, column, too_few, at_3_mg, dreams = said
    assert page.count(f'<th scope="col">{heading}</th>') == 2
    levels = page.split('id="dose-levels"')[1].split("</section>")[0]
    assert f'<th scope="col" class="num">{column}</th>' in levels
    assert too_few in levels
    assert at_3_mg in levels
    assert dreams in levels
    if (dosing_time, language) == ("morning", "en"):
        assert "Only 10 days at 1.5 mg: read with care" in levels
    # The caution under a small level: "only 10 nights at 1.5 mg: read with care" before.
    assert not re.search(other, levels.lower())


@pytest.mark.parametrize(
    ("dosing_time", "language", "caption"),
    [
        ("morning", "en", "Daily values, newest first"),
        ("evening", "en", "Nightly values, newest first"),
        ("morning", "de", "Werte je Tag, neueste zuerst"),
        ("morning", "es", "Valores de cada día, los más recientes primero"),
    ],
)
def test_the_trends_table_caption_names_a_morning_dosers_days(
    patient_client, clinician_a, patient_a, dosing_time, language, caption
):
    """The table under the trend panels said "Nightly values, newest first" to a morning
    doser (a screen reader reads the caption), under its own "Day" column."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    _entries(patient_a)
    patient_a.user.language = language
    patient_a.user.save()
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(reverse("journal:trends")).content.decode()
    found = re.search(r'<caption class="visually-hidden">([^<]*)</caption>', page)
    assert found is not None
    assert found.group(1) == caption
