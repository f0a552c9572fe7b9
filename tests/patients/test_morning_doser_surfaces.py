"""Surfaces that assumed evening dosing for a morning doser: the patient's tab bar
("Tonight"), their page of an older day ("The night of ...") and the offline page ("Tonight's
card"), the clinician's night page ("Night of ...", "Other nights") and the FHIR export (a
skipped morning dose dated 21:00)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from patients.clinic.exports import fhir, rows
from patients.models import NightlyEntry
from prescriptions import plans
from tests.patients.journal_support import a_year_of_nights, make_plan, switch_dosing_time

pytestmark = pytest.mark.django_db

AT_09 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # London is on GMT
AT_22 = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)
# The offline page: the session, the user with their profile, the plan (for the tab bar).
BUDGET_OFFLINE = 3


def _tab_bar(page: str) -> str:
    return page[page.index('<nav class="tab-bar"') :]


def _first_tab(page: str) -> str:
    bar = _tab_bar(page)
    start = bar.index('class="tab tab-1"')
    return bar[bar.index(">", start) + 1 : bar.index("</a>", start)]


# --- the tab bar ------------------------------------------------------------------------------

PATIENT_PAGES = [
    reverse("journal:home"),
    reverse("journal:evening", args=[TODAY]),
    reverse("journal:history"),
    reverse("journal:trends"),
    reverse("journal:plan"),
    reverse("journal:settings"),
    reverse("journal:more"),
    reverse("journal:urgent_report"),
    reverse("account_email"),
]


@pytest.mark.parametrize("url", PATIENT_PAGES)
@pytest.mark.parametrize(
    ("dosing_time", "at", "tab"), [("morning", AT_09, "Today"), ("evening", AT_22, "Tonight")]
)
def test_the_tab_bar_names_the_first_tab_by_the_dosing_time_now(
    patient_client, patient_a, clinician_a, url, dosing_time, at, tab
):
    """A morning doser's tab bar said "Tonight" on every page, the home card's own title
    "Today" among them."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    with time_machine.travel(at, tick=False):
        page = patient_client.get(url).content.decode()
    assert _first_tab(page) == tab


@pytest.mark.parametrize("language", ["de", "es"])
def test_a_morning_dosers_tab_bar_says_today_in_their_language(
    patient_client, patient_a, clinician_a, language
):
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_a.user.language = language
    patient_a.user.save()
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(reverse("journal:history")).content.decode()
    with translation.override(language):
        assert _first_tab(page) == gettext("Today")


def test_the_tab_bar_follows_a_switch_from_morning_to_evening_dosing(
    patient_client, patient_a, clinician_a
):
    """Evening dosing from 25 November: the morning of the 24th is still a morning doser's
    day ("Today"), the evening of the 25th an evening ("Tonight"), on the same rendered bar."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    switch_dosing_time(patient_a, clinician_a, "evening", TODAY, reason="Nausea")
    with time_machine.travel(AT_09 - timedelta(days=1), tick=False):
        before = patient_client.get(reverse("journal:more")).content.decode()
    with time_machine.travel(AT_22, tick=False):
        after = patient_client.get(reverse("journal:more")).content.decode()
    assert (_first_tab(before), _first_tab(after)) == ("Today", "Tonight")


@pytest.mark.parametrize(
    ("name", "budget"), [("journal:home", 5), ("journal:history", 5), ("journal:trends", 4)]
)
def test_a_morning_dosers_pages_read_the_tab_bars_word_from_the_plan_they_read(
    patient_client, patient_a, clinician_a, settings, name, budget, django_assert_max_num_queries
):
    """The pages that read the plan keep their budgets (tests/patients/test_journal.py): the
    tab bar asks the plan the page read, not the database."""
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    make_plan(patient_a, clinician_a, dosing_time="morning")
    a_year_of_nights(patient_a, last=TODAY)
    with time_machine.travel(AT_09, tick=False):
        patient_client.get(reverse(name))
        with django_assert_max_num_queries(budget):
            page = patient_client.get(reverse(name)).content.decode()
    assert _first_tab(page) == "Today"


def _stat_labels(page: str) -> list[str]:
    """The history's three stat labels, without their "(n of m taken)" line."""
    return [
        label.split("<br>", 1)[0].strip()
        for label in re.findall(r'<span class="stat-label">(.*?)</span>', page, re.S)
    ]


@pytest.mark.parametrize(
    ("dosing_time", "at", "language", "labels"),
    [
        ("morning", AT_09, "en-gb", ["last 7 days", "last 30 days", "days in a row"]),
        ("morning", AT_09, "de", ["letzte 7 Tage", "letzte 30 Tage", "Tage in Folge"]),
        ("evening", AT_22, "en-gb", ["last 7 nights", "last 30 nights", "nights in a row"]),
        ("evening", AT_22, "de", ["letzte 7 Nächte", "letzte 30 Nächte", "Nächte in Folge"]),
    ],
)
def test_a_morning_dosers_history_stats_count_days(
    patient_client, patient_a, clinician_a, dosing_time, at, language, labels
):
    """A morning doser's history said "last 7 nights" and "0 nights in a row" under a tab
    bar that says "Today" (found by QA)."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    with time_machine.travel(at, tick=False):
        page = patient_client.get(reverse("journal:history")).content.decode()
    assert _stat_labels(page) == labels


def test_a_page_that_reads_no_plan_reads_no_patient_again_for_the_tab_bar(
    patient_client, patient_a, clinician_a, settings
):
    # The More page reads no plan of its own: the tab bar reads it. Neither reads the
    # patient again: it came with the user (ldn_journal.accounts.backends).
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        patient_client.get(reverse("journal:more"))
        with CaptureQueriesContext(connection) as captured:
            page = patient_client.get(reverse("journal:more")).content.decode()
    assert _first_tab(page) == "Today"
    profile_reads = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "patients_patient"')
    ]
    assert profile_reads == []


# --- the clinician's night page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "day", "night"),
    [
        ("en", "Day of Wednesday 25 November 2026", "Night of Friday 20 November 2026"),
        ("de", "Tag vom Mittwoch, 25. November 2026", "Nacht vom Freitag, 20. November 2026"),
        (
            "es",
            "Día del miércoles 25 de noviembre de 2026",
            "Noche del viernes 20 de noviembre de 2026",
        ),
    ],
)
def test_the_clinicians_night_page_heads_a_morning_dose_with_its_day(
    clinician_client, clinician_a, patient_a, language, day, night
):
    """Morning dosing from 22 November: the page of the 25th said "Night of Wednesday 25
    November 2026"; the 20th, an evening, still says night."""
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22), reason="Sleep")
    clinician_a.language = language
    clinician_a.save()
    with time_machine.travel(AT_09, tick=False):
        pages = {
            when: clinician_client.get(
                reverse("clinic:night", args=[patient_a.pk, when.isoformat()])
            ).content.decode()
            for when in (TODAY, date(2026, 11, 20))
        }
    morning, evening = pages[TODAY], pages[date(2026, 11, 20)]
    assert f'<h1 class="page-title">{day}</h1>' in morning
    assert f'<h1 class="page-title">{night}</h1>' in evening
    with translation.override(language):
        assert gettext("Nothing was logged for this day.") in morning
        assert gettext("Nothing was logged for this night.") in evening


@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_clinicians_night_page_of_a_morning_dose_links_other_days(
    clinician_client, clinician_a, patient_a, language
):
    """The links to the day before and after were labelled "Other nights" on a morning
    dosing day; an evening's page still says nights."""
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22), reason="Sleep")
    clinician_a.language = language
    clinician_a.save()
    with time_machine.travel(AT_09, tick=False):
        morning, evening = (
            clinician_client.get(
                reverse("clinic:night", args=[patient_a.pk, when.isoformat()])
            ).content.decode()
            for when in (TODAY, date(2026, 11, 20))
        )
    with translation.override(language):
        days, nights = gettext("Other days"), gettext("Other nights")
    assert days != nights
    assert f'<nav class="cluster small" aria-label="{days}">' in morning
    assert f'<nav class="cluster small" aria-label="{nights}">' in evening


# --- the patient's own page of an older night --------------------------------------------------


@pytest.mark.parametrize(
    ("language", "empty", "logged", "evening"),
    [
        (
            "en",
            "Day of Sunday 22 November 2026",
            "Day of Monday 23 November 2026",
            "The night of Friday 20 November 2026",
        ),
        (
            "de",
            "Tag vom Sonntag, 22. November 2026",
            "Tag vom Montag, 23. November 2026",
            "Die Nacht vom Freitag, 20. November 2026",
        ),
        (
            "es",
            "Día del domingo 22 de noviembre de 2026",
            "Día del lunes 23 de noviembre de 2026",
            "La noche del viernes 20 de noviembre de 2026",
        ),
    ],
)
def test_the_patients_page_of_an_older_morning_dose_is_headed_with_its_day(
    patient_client, patient_a, clinician_a, language, empty, logged, evening
):
    """Morning dosing from 22 November: on the 25th the patient's pages of the 22nd (nothing
    logged) and the 23rd (an entry), neither today nor yesterday, said "The night of Monday
    23 November 2026"; the clinician's page of the same day says "Day of ...". The 20th, an
    evening, still says night."""
    make_plan(patient_a, clinician_a)
    switch_dosing_time(patient_a, clinician_a, "morning", date(2026, 11, 22), reason="Sleep")
    NightlyEntry.objects.create(
        patient=patient_a, night=date(2026, 11, 23), status="skipped", skip_reason="forgot"
    )
    patient_a.user.language = language
    patient_a.user.save()
    with time_machine.travel(AT_09, tick=False):
        pages = [
            patient_client.get(reverse("journal:night", args=[night]), follow=True)
            for night in (date(2026, 11, 22), date(2026, 11, 23), date(2026, 11, 20))
        ]
    assert pages[1].redirect_chain  # the entry's own page
    headings = [f'<h1 class="page-title">{text}</h1>' for text in (empty, logged, evening)]
    for page, heading in zip(pages, headings, strict=True):
        assert heading in page.content.decode()


def test_the_patients_page_of_a_morning_dose_too_old_to_change_says_day(
    patient_client, patient_a, clinician_a
):
    """It said "This night is more than 7 days ago and can no longer be changed here"."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    with time_machine.travel(AT_09, tick=False):
        page = patient_client.get(reverse("journal:night", args=[date(2026, 11, 10)]))
    text = page.content.decode()
    assert "Day of Tuesday 10 November 2026" in text
    assert "This day is more than 7 days ago and can no longer be changed here." in text
    assert "This night" not in text


# --- the offline page ------------------------------------------------------------------------


def _offline_link(page: str) -> str:
    main = page[page.index('<main id="main"') :]
    start = main.index(f'<a class="text-target" href="{reverse("journal:home")}">')
    return main[main.index(">", start) + 1 : main.index("</a>", start)]


@pytest.mark.parametrize("language", ["en", "de", "es"])
@pytest.mark.parametrize(
    ("dosing_time", "at", "card", "link"),
    [
        (
            "morning",
            AT_09,
            "This page needs a connection. Today's card and the urgent guidance work offline.",
            "Today",
        ),
        (
            "evening",
            AT_22,
            "This page needs a connection. Tonight's card and the urgent guidance work offline.",
            "Tonight",
        ),
    ],
)
def test_the_offline_page_names_the_card_by_the_dosing_time_now(
    patient_client, patient_a, clinician_a, language, dosing_time, at, card, link
):
    """The page the phone shows without a connection told a morning doser "Tonight's card
    ... work offline" with a link "Tonight", under a tab bar saying "Today"."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    patient_a.user.language = language
    patient_a.user.save()
    with time_machine.travel(at, tick=False):
        page = patient_client.get(reverse("journal:offline")).content.decode()
    with translation.override(language):
        assert f"<p>{gettext(card)}</p>" in page
        assert _offline_link(page) == gettext(link) == _first_tab(page)


def test_the_offline_page_reads_the_plan_once_for_its_link_and_the_tab_bar(
    patient_client, patient_a, clinician_a, django_assert_max_num_queries
):
    """Its word comes from the plan the tab bar reads (request_plan.dosing_time_now), not a
    second reading: as many queries as before the page had a word of its own."""
    make_plan(patient_a, clinician_a, dosing_time="morning")
    patient_client.get(reverse("journal:offline"))  # the session's first request
    with time_machine.travel(AT_09, tick=False), django_assert_max_num_queries(BUDGET_OFFLINE):
        page = patient_client.get(reverse("journal:offline")).content.decode()
    assert _offline_link(page) == "Today"


# --- the FHIR export --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dosing_time", "effective"),
    [("morning", "2026-11-20T09:00:00+00:00"), ("evening", "2026-11-20T21:00:00+00:00")],
)
def test_a_skipped_dose_is_dated_at_the_nights_dosing_time(
    patient_a, clinician_a, dosing_time, effective
):
    """A morning doser's skipped day went out dated 21:00 that evening."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    NightlyEntry.objects.create(
        patient=patient_a, night=date(2026, 11, 20), status="skipped", skip_reason="forgot"
    )
    plan = plans.load(patient_a)
    start, end = date(2026, 11, 1), TODAY
    bundle = fhir.bundle(patient_a, plan, rows.nights(patient_a, start, end), AT_09, start, end)
    (given,) = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "MedicationAdministration"
    ]
    assert given["status"] == "not-done"
    assert given["effectiveDateTime"] == effective


@pytest.mark.parametrize("dosing_time", ["morning", "evening"])
def test_a_morning_check_in_with_no_time_saved_is_dated_the_next_morning(
    patient_a, clinician_a, dosing_time
):
    """Checked, not changed: a morning doser's check-in of the 20th is asked on the morning of
    the 21st (schedule.slots_for_night), as an evening doser's is, so a score with no
    morning_logged_at is dated 09:00 on the 21st for both."""
    make_plan(patient_a, clinician_a, dosing_time=dosing_time)
    NightlyEntry.objects.create(
        patient=patient_a, night=date(2026, 11, 20), status="skipped", skip_reason="forgot", pain=4
    )
    plan = plans.load(patient_a)
    start, end = date(2026, 11, 1), TODAY
    bundle = fhir.bundle(patient_a, plan, rows.nights(patient_a, start, end), AT_09, start, end)
    (score,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert score["effectiveDateTime"] == "2026-11-21T09:00:00+00:00"
