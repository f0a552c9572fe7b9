"""The patient's history: month calendar, list, trends with their data table, adherence."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.patients.journal_support import NOW, TONIGHT, a_year_of_nights, make_plan, sign_hold

pytestmark = pytest.mark.django_db
ONE_DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def _fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(patient_a, clinician_a):
    return make_plan(patient_a, clinician_a)


# --- History -----------------------------------------------------------------------------------


def _cell(page, night):
    """The words of one night's calendar cell."""
    cell = re.search(rf'href="/journal/night/{night.isoformat()}/">(.*?)</a>', page, re.S)
    return re.sub(r"<[^>]+>", " ", cell.group(1)).split()


def test_tonight_on_hold_is_not_a_night_to_log_on_the_calendar(
    patient_client, plan, patient_a, clinician_a
):
    """On hold tonight the home card says "do not take LDN" and the clinician's calendar "On
    hold", and the patient's calendar said "tonight, not logged yet" (read on the demo
    patient on hold): it says the plan is on hold, with the clinician's mark "‖", as for the
    hold's earlier nights (it said "? no dose prescribed", the mark of a night not logged)."""
    sign_hold(patient_a, clinician_a, TONIGHT - ONE_DAY, signed=NOW - ONE_DAY)
    page = patient_client.get(reverse("journal:history")).content.decode()
    assert "not logged yet" not in page
    assert _cell(page, TONIGHT) == ["25", "‖", "plan", "on", "hold"]
    assert _cell(page, TONIGHT - ONE_DAY) == ["24", "‖", "plan", "on", "hold"]


def test_the_calendar_marks_each_night_with_a_symbol_and_words(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=20)
    page = patient_client.get(reverse("journal:history")).content.decode()
    assert "November 2026" in page
    assert "✓" in page
    assert "taken 1.5 mg" in page
    assert "✕" in page
    assert "skipped" in page
    assert "tonight, not logged yet" in page


def test_the_calendar_shows_adherence_and_the_streak(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=30)
    page = patient_client.get(reverse("journal:history")).content.decode()
    # Nights 1..9 before tonight taken, the 10th skipped; plan started 1 Nov (24 nights).
    assert '9</span> <span class="stat-label">nights in a row' in page
    assert "(6 of 6 taken)" in page


def test_the_history_list_and_trends_render(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=120)
    page = patient_client.get(reverse("journal:history_list")).content.decode()
    assert page.count('class="entry-card"') == 30
    for weeks in (4, 12, 26):
        page = patient_client.get(reverse("journal:trends"), {"weeks": weeks}).content.decode()
        assert "<svg" in page
        assert f"last {weeks} weeks" in page
        assert "<table" in page


@pytest.mark.parametrize("month", ["2026-13", "abc", "99999999999999999999-01", "0001-01"])
def test_a_malformed_month_falls_back_to_the_current_month(patient_client, plan, month):
    # A year of twenty digits was a 500 (an overflow building the date).
    page = patient_client.get(reverse("journal:history"), {"month": month})
    assert page.status_code == 200
    assert "November 2026" in page.content.decode()


@pytest.mark.parametrize("night", ["0001-01-01", "1899-12-31", "9999-12-31"])
def test_a_night_outside_the_nights_a_page_shows_is_404(patient_client, plan, night):
    for name in ("journal:night", "journal:evening", "journal:morning"):
        assert (
            patient_client.get(
                f"{reverse(name, args=['2026-01-01'])}".replace("2026-01-01", night)
            ).status_code
            == 404
        ), name


def test_a_calendar_night_links_to_its_entry_or_to_an_empty_night(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=3)
    entry = patient_a.entries.first()
    response = patient_client.get(reverse("journal:night", args=[entry.night]))
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:entry", args=[entry.pk])
    empty = patient_client.get(reverse("journal:night", args=["2026-11-10"])).content.decode()
    assert "Nothing was logged for this night." in empty


def test_a_night_older_than_the_retro_window_is_shown_read_only(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=30)
    old = patient_a.entries.get(night="2026-11-05")
    page = patient_client.get(reverse("journal:entry", args=[old.pk])).content.decode()
    assert "can no longer be changed here" in page
    assert reverse("journal:evening", args=[old.night]) not in page


def test_months_before_and_after_can_be_browsed_but_not_into_the_future(
    patient_client, plan, patient_a
):
    a_year_of_nights(patient_a, nights=60)  # the journal reaches back into September
    page = patient_client.get(reverse("journal:history"), {"month": "2026-10"}).content.decode()
    assert "October 2026" in page
    assert "?month=2026-11" in page
    page = patient_client.get(reverse("journal:history"), {"month": "2027-03"}).content.decode()
    assert "November 2026" in page
    assert "?month=2026-12" not in page


def test_each_calendar_night_links_to_that_nights_page(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=40)
    page = patient_client.get(reverse("journal:history")).content.decode()
    linked = re.findall(r'<td class="night-[^"]*"><a href="([^"]+)"><span class="day">(\d+)<', page)
    # November 2026 up to tonight (the 25th), each cell linked to its own night.
    assert [int(day) for _url, day in linked] == list(range(1, 26))
    for url, day in linked:
        assert url == reverse("journal:night", args=[date(2026, 11, int(day))])


@pytest.mark.parametrize(
    ("view", "current"),
    [
        ("journal:history", "Calendar"),
        ("journal:history_list", "List"),
        ("journal:trends", "Trends"),
    ],
)
def test_each_history_view_marks_its_own_tab_and_period(patient_client, plan, view, current):
    page = patient_client.get(reverse(view), {"weeks": 26}).content.decode()
    tabs = page[page.index('aria-label="History views"') :]
    tabs = tabs[: tabs.index("</nav>")]
    assert re.findall(r'aria-current="page">([^<]+)</a>', tabs) == [current]
    if view == "journal:trends":
        period = page[page.index('aria-label="Period"') :]
        period = period[: period.index("</nav>")]
        assert re.findall(r'aria-current="page">([^<]+)</a>', period) == ["26 weeks"]


def test_the_stats_without_a_prescribed_night_say_so(patient_client, patient_a):
    """With no plan yet (or a week on hold) they read "— last 7 nights (0 of 0 taken)"."""
    page = patient_client.get(reverse("journal:history")).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "(0 of 0 taken)" not in text
    assert "— last 7 nights (no dose prescribed)" in text
    assert "— last 30 nights (no dose prescribed)" in text


def test_the_stats_with_prescribed_nights_count_them(patient_client, plan, patient_a):
    a_year_of_nights(patient_a, nights=20)
    page = patient_client.get(reverse("journal:history")).content.decode()
    assert re.search(r"\(\d+ of \d+ taken\)", page)
    assert "(no dose prescribed)" not in page
