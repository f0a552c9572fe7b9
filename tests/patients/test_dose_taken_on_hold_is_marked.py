"""A dose taken on a night the plan was on hold showed no mark on the patient's own pages
(history list, calendar, entry page, home after logging: "1.5 mg at 21:30" like any night),
while the clinician's night page said "‖ On hold" and the dose-on-hold flag named the night.
Each of the patient's surfaces now says so calmly ("Taken while your plan was on hold"), from
the plan's state on that night (PlanView.status_on, titration through plans), the one the
clinician's pages read: the two sides name the same nights."""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.clinic import dashboard
from patients.journal.charts import day_labels
from patients.models import NightlyEntry
from patients.rules import flags as flag_rules
from tests.patients.journal_support import NOW, TONIGHT, make_plan, sign_hold, visible_text
from tests.security.reauth import signed_in, signed_in_reauthenticated

pytestmark = pytest.mark.django_db

TAKEN = {date(2026, 11, d) for d in (18, 19, 20, 22, 23, 24, 25)}
SKIPPED = {date(2026, 11, 21)}
HELD = {date(2026, 11, d) for d in (20, 21, 22, 25)}  # 20–22 dated; from tonight, open-ended
WAS = "Taken while your plan was on hold."
IS = "Taken while your plan is on hold."


def _at(night, hour, minute=0):
    return datetime(night.year, night.month, night.day, hour, minute, tzinfo=UTC)  # London: GMT


def _journal_with_holds(patient, clinician):
    make_plan(patient, clinician, steps=(("1.5", None),))
    sign_hold(
        patient,
        clinician,
        date(2026, 11, 20),
        date(2026, 11, 22),
        signed=_at(date(2026, 11, 19), 20),
    )
    sign_hold(patient, clinician, TONIGHT, signed=_at(TONIGHT, 20))
    for night in sorted(TAKEN | SKIPPED):
        taken = night in TAKEN
        at = _at(night, 21, 30)
        NightlyEntry.objects.create(
            patient=patient,
            night=night,
            status="taken" if taken else "skipped",
            dose_mg=Decimal("1.5") if taken else None,
            prescribed_mg=None if night in HELD else Decimal("1.5"),
            taken_at=at if taken else None,
            skip_reason="" if taken else "told_to_pause",
            evening_logged_at=at,
            time_zone="Europe/London",
        )


def _get(client, url, at=NOW):
    with time_machine.travel(at, tick=False):
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _marked_in_the_list(client):
    html = _get(client, reverse("journal:history_list"))
    nights = {e.pk: e.night for e in NightlyEntry.objects.all()}
    cards = re.findall(r'<article class="entry-card">(.*?)</article>', html, re.S)
    marked = set()
    for card in cards:
        pk = int(re.search(r'href="/journal/entry/(\d+)/"', card).group(1))
        if "Taken while your plan" in card:
            marked.add(nights[pk])
    assert len(cards) == len(nights)
    return marked


def _marked_on_entry_pages(client):
    return {
        entry.night
        for entry in NightlyEntry.objects.all()
        if "Taken while your plan" in _get(client, reverse("journal:entry", args=[entry.pk]))
    }


def _calendar_cells(client):
    html = _get(client, reverse("journal:history"))
    return {
        date.fromisoformat(night): visible_text(cell)
        for night, cell in re.findall(r'href="/journal/night/([0-9-]+)/">(.*?)</a>', html, re.S)
    }


def _csv_rows(client):
    """The patient's own CSV export of November, by night."""
    url = reverse("journal:export_format", args=["csv"]) + "?start=2026-11-01&end=2026-11-30"
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {date.fromisoformat(row["night"]): row for row in csv.DictReader(io.StringIO(text))}


def _marked_in_trends(client):
    """The nights the trends table marks "‖" (its dose cell), as their row labels, and
    whether the table's legend says what the mark means."""
    html = _get(client, reverse("journal:trends") + "?weeks=4")
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td>', html)
    assert rows
    return {label for label, dose in rows if "‖" in dose}, "‖ plan on hold" in visible_text(html)


def _marked_in_the_entries_table(client, patient):
    """The nights whose row in the patient page's entries table says "plan on hold"."""
    html = _get(client, reverse("clinic:patient", args=[patient.pk]))
    body = html.split('aria-label="Entries table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<a href="/clinic/patients/\d+/nights/([0-9-]+)/">(.*?)</tr>', body, re.S)
    assert len(rows) == NightlyEntry.objects.filter(patient=patient).count()
    return {date.fromisoformat(night) for night, row in rows if "plan on hold" in row}


def test_the_patients_pages_and_the_clinicians_name_the_same_nights_a_dose_was_taken_on_hold(
    patient_a, clinician_a
):
    _journal_with_holds(patient_a, clinician_a)
    patient = signed_in(patient_a.user)
    clinician = signed_in_reauthenticated(clinician_a)

    # The clinician: the night page's plan says "On hold", and the dose-on-hold flag.
    held_on_night_pages = {
        night
        for night in TAKEN | SKIPPED
        if '<span aria-hidden="true">‖</span> On hold'
        in _get(clinician, reverse("clinic:night", args=[patient_a.pk, night.isoformat()]))
    }
    assert held_on_night_pages == HELD
    with time_machine.travel(NOW, tick=False):
        page = dashboard.patient_page(patient_a, [clinician_a], NOW)
    (flag,) = [f for f in page.flags if f.kind == flag_rules.DOSE_ON_HOLD]
    clinicians = set(flag.evidence)
    assert clinicians == held_on_night_pages & TAKEN

    # The patient: the list, each entry page and the calendar mark exactly those nights.
    assert _marked_in_the_list(patient) == clinicians
    assert _marked_on_entry_pages(patient) == clinicians
    cells = _calendar_cells(patient)
    assert {n for n, text in cells.items() if "taken" in text and "plan on hold" in text} == (
        clinicians
    )
    assert {n for n, text in cells.items() if "plan on hold" in text} == HELD
    # The patient's CSV says the plan's state of each night: on hold on exactly those nights.
    csv_rows = _csv_rows(signed_in_reauthenticated(patient_a.user))
    assert {n for n, row in csv_rows.items() if row["plan_status"] == "on_hold"} == HELD
    # The plan began on 1 November: each night to tonight has a row, logged or not.
    assert {n for n, row in csv_rows.items() if row["plan_status"] == "active"} == (
        {date(2026, 11, 1) + timedelta(days=d) for d in range(25)} - HELD
    )
    assert {n for n, row in csv_rows.items() if row["status"]} == TAKEN | SKIPPED
    # The trends table too (it wrote "1.5" on them like any night), with the legend.
    label = day_labels("day")
    assert _marked_in_trends(patient) == ({label(night) for night in clinicians}, True)

    # The clinician's entries table marks the nights logged on hold (it wrote a plain
    # "1.5 mg" on them; seen in exploratory QA).
    assert _marked_in_the_entries_table(clinician, patient_a) == HELD

    # The clinician's calendar marks the same nights (it wrote a plain "✓ Taken" on them).
    with time_machine.travel(NOW, tick=False):
        weeks = dashboard.calendar_month(page, date(2026, 11, 1))
    days = [day for week in weeks for day in week if not day["outside"]]
    assert {d["night"] for d in days if d["symbol"] == "✓‖"} == clinicians
    assert {d["night"] for d in days if "‖" in d["symbol"]} == HELD
    assert {d["text"] for d in days if d["symbol"] == "✕‖"} == {"Skipped, plan on hold"}
    assert {d["text"] for d in days if d["symbol"] == "✓‖"} == {"Taken, plan on hold"}


def test_an_earlier_nights_dose_on_hold_says_was_and_tonights_says_is(patient_a, clinician_a):
    _journal_with_holds(patient_a, clinician_a)
    patient = signed_in(patient_a.user)
    earlier = NightlyEntry.objects.get(night=date(2026, 11, 22))
    tonight = NightlyEntry.objects.get(night=TONIGHT)
    assert WAS in visible_text(_get(patient, reverse("journal:entry", args=[earlier.pk])))
    page = visible_text(_get(patient, reverse("journal:entry", args=[tonight.pk])))
    assert IS in page
    assert WAS not in page


@pytest.mark.parametrize("minutes", [5, 30], ids=["while it can be undone", "after that"])
def test_the_home_card_after_logging_tonights_dose_on_hold_says_it_was_taken_on_hold(
    patient_a, clinician_a, minutes
):
    _journal_with_holds(patient_a, clinician_a)
    card = visible_text(
        _get(
            signed_in(patient_a.user),
            reverse("journal:home"),
            _at(TONIGHT, 21, 30) + timedelta(minutes=minutes),
        )
    )
    assert "1.5 mg at 21:30" in card
    assert IS in card


@pytest.mark.parametrize(
    ("language", "words", "cell"),
    [
        ("de", "Eingenommen, während Ihr Plan pausiert war.", "eingenommen 1,5 mg, Plan pausiert"),
        ("es", "Tomada mientras su plan estaba en pausa.", "tomada 1,5 mg, plan en pausa"),
    ],
)
def test_the_mark_reads_in_german_and_spanish(patient_a, clinician_a, language, words, cell):
    _journal_with_holds(patient_a, clinician_a)
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])
    patient = signed_in(patient_a.user)
    earlier = NightlyEntry.objects.get(night=date(2026, 11, 22))
    assert words in visible_text(_get(patient, reverse("journal:entry", args=[earlier.pk])))
    assert _calendar_cells(patient)[earlier.night] == f"22 ✓‖ {cell}"


def test_a_calendar_without_a_held_night_has_no_hold_in_its_legend(patient_a, clinician_a):
    make_plan(patient_a, clinician_a)
    html = visible_text(_get(signed_in(patient_a.user), reverse("journal:history")))
    assert "plan on hold" not in html
