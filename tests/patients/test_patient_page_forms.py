"""The patient page's small forms (review, note, extra scale) refused: the page itself again.

Refused input came back as a flash message over a redirect: the typed note or scale name was
gone, and two "This field is required." of the scale's anchor words were joined with no field
named. A refused form now answers the patient page (400) with the bound form, each error
beside its field and the typed text kept; nothing is stored, and a valid form still redirects.
"""

import html
import re
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients.models import ClinicianNote, FlagReview, SymptomScale
from tests.patients.dashboard_factories import give_nights, give_plan
from tests.patients.query_budgets_support import BUDGETS

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"

LONG_NOTE = "Discussed the vivid dreams after the step up; " * 120  # 5,520 characters
SCALE_WITHOUT_WORDS = {"name": "Brain fog", "low_anchor": "", "high_anchor": ""}


def field_row(page, field_id):
    """The HTML of one field's row (label, widget, help, errors) on the page."""
    rows = re.findall(r'<div class="field[^"]*">.*?</div>', page, flags=re.DOTALL)
    found = [row for row in rows if f'id="{field_id}"' in row]
    assert len(found) == 1, f"no single row for {field_id}"
    return found[0]


def _post(client, name, patient, data):
    return client.post(reverse(name, args=[patient.pk]), data)


@time_machine.travel(NOW, tick=False)
def test_a_refused_note_answers_the_page_with_the_typed_note_and_its_error(
    clinician_client, patient_a
):
    response = _post(clinician_client, "clinic:add_note", patient_a, {"text": LONG_NOTE})
    assert response.status_code == 400
    page = response.content.decode()
    row = field_row(page, "id_text")
    assert 'class="field has-error"' in row
    assert "at most 5000 characters" in html.unescape(row)
    assert html.escape(LONG_NOTE.strip(), quote=False) in row
    assert not ClinicianNote.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_refused_review_answers_the_page_with_the_typed_note_and_night(
    clinician_client, patient_a
):
    data = {"reviewed_through": "2027-01-01", "note": "Phoned her about the dreams"}
    response = _post(clinician_client, "clinic:mark_reviewed", patient_a, data)
    assert response.status_code == 400
    page = response.content.decode()
    night = field_row(page, "id_reviewed_through")
    assert 'class="field has-error"' in night
    assert "You can review up to the current night (30 Mar 2026), not later." in night
    assert 'value="2027-01-01"' in night
    assert 'value="Phoned her about the dreams"' in field_row(page, "id_note")
    assert not FlagReview.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_refused_scale_answers_the_page_with_the_typed_name_and_each_words_error(
    clinician_client, patient_a
):
    response = _post(clinician_client, "clinic:add_scale", patient_a, SCALE_WITHOUT_WORDS)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Brain fog"' in field_row(page, "id_name")
    for field_id in ("id_low_anchor", "id_high_anchor"):
        row = field_row(page, field_id)
        assert 'class="field has-error"' in row
        assert "This field is required." in row
    # Beside its field, and once more in the summary at the top as a link to that field: no
    # flash message joining the two.
    assert page.count("This field is required.") == 4
    assert 'class="message' not in page
    (summary,) = error_summaries(page)
    for field_id in ("id_low_anchor", "id_high_anchor"):
        assert summary.count(f'href="#{field_id}"') == 1
    assert not SymptomScale.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("clinic:add_note", {"text": "   "}),
        ("clinic:mark_reviewed", {"reviewed_through": "31/03/2026", "note": "x"}),
        ("clinic:add_scale", SCALE_WITHOUT_WORDS),
    ],
)
def test_a_refused_form_is_a_read_of_the_patient_and_leaves_no_message_for_the_next_page(
    clinician_client, patient_a, name, data
):
    response = _post(clinician_client, name, patient_a, data)
    assert response.status_code == 400
    assert response.context["patient"] == patient_a
    reads = AccessLog.objects.filter(action="patient.view", patient=patient_a)
    assert reads.count() == 1
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    assert 'class="message error"' not in page
    assert "has-error" not in page


@time_machine.travel(NOW, tick=False)
def test_the_refused_pages_links_lead_to_the_patient_page_not_the_forms_address(
    clinician_client, patient_a
):
    """The page answers at the form's address (POST only): its ?weeks= and ?month= links were
    relative, so they led to a 405 there."""
    # A record from February: the calendar offers its previous month (none before a record).
    give_nights([patient_a], date(2026, 3, 30), 50)
    response = _post(clinician_client, "clinic:add_note", patient_a, {"text": " "})
    page = response.content.decode()
    here = reverse("clinic:patient", args=[patient_a.pk])
    assert f'href="{here}?weeks=4"' in page
    assert f'href="{here}?month=2026-02#calendar"' in page
    assert 'href="?' not in page


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "data", "anchor", "model"),
    [
        ("clinic:add_note", {"text": "Spoke on the phone"}, "#notes", ClinicianNote),
        ("clinic:mark_reviewed", {"reviewed_through": "2026-03-30"}, "#flags", FlagReview),
        (
            "clinic:add_scale",
            {"name": "Brain fog", "low_anchor": "Clear", "high_anchor": "Fog"},
            "#scales",
            SymptomScale,
        ),
    ],
)
def test_a_valid_form_still_redirects_to_its_section(
    clinician_client, patient_a, name, data, anchor, model
):
    response = _post(clinician_client, name, patient_a, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:patient", args=[patient_a.pk]) + anchor
    assert model.objects.count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "data", "own_reads"),
    [
        ("clinic:add_note", {"text": " "}, 0),
        # The plan and the first and last nights logged, which the review is judged by.
        ("clinic:mark_reviewed", {"reviewed_through": "x", "note": "n"}, 2),
        # Whether the patient already has a scale of that name.
        ("clinic:add_scale", {"name": "Fog", "low_anchor": ""}, 1),
    ],
)
def test_a_refused_forms_page_reads_what_the_patient_page_reads_and_its_own_check(
    clinician_client, clinician_a, patient_a, settings, name, data, own_reads
):
    settings.USERSESSIONS_TRACK_ACTIVITY = False
    give_plan(patient_a, clinician_a, date(2026, 1, 1))
    give_nights([patient_a], date(2026, 3, 30), 30)
    url = reverse(name, args=[patient_a.pk])
    clinician_client.post(url, data)
    with CaptureQueriesContext(connection) as queries:
        assert clinician_client.post(url, data).status_code == 400
    assert len(queries) <= BUDGETS["clinic:patient"] + own_reads


def error_summaries(page):
    return re.findall(r'<div class="error-summary"[^>]*>.*?</div>', page, flags=re.DOTALL)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "data", "field_id"),
    [
        ("clinic:add_note", {"text": "   "}, "id_text"),
        (
            "clinic:mark_reviewed",
            {"reviewed_through": "2027-01-01", "note": "x"},
            "id_reviewed_through",
        ),
        ("clinic:add_scale", SCALE_WITHOUT_WORDS, "id_low_anchor"),
        # "Higher is better" left with the lower-is-better words (the box unticked).
        (
            "clinic:add_scale",
            {"name": "Itch", "low_anchor": "None", "high_anchor": "Severe"},
            "id_low_anchor",
        ),
    ],
)
def test_a_refused_form_is_told_at_the_top_of_the_page_with_a_link_to_its_field(
    clinician_client, patient_a, name, data, field_id
):
    """The error sat beside the form only, far below (the bottom of the page on a phone),
    and the page opened at its top: the clinician saw nothing happen (exploratory QA)."""
    response = _post(clinician_client, name, patient_a, data)
    assert response.status_code == 400
    page = response.content.decode()
    summaries = error_summaries(page)
    assert len(summaries) == 1
    summary = summaries[0]
    # Focused on load (no script: autofocus), and above every section of the page.
    assert " autofocus" in summary
    assert page.index(summary) < page.index('id="flags"') < page.index('id="notes"')
    assert page.index(summary) < page.index('<div class="grid stats">')
    assert f'href="#{field_id}"' in summary
    assert f'id="{field_id}"' in page


@time_machine.travel(NOW, tick=False)
def test_a_duplicate_scale_name_is_told_at_the_top_with_a_link_to_the_name(
    clinician_client, clinician_a, patient_a
):
    SymptomScale.objects.create(
        patient=patient_a, name="Brain fog", low_anchor="Clear", high_anchor="Fog"
    )
    data = {"name": "brain  fog", "low_anchor": "Clear", "high_anchor": "Fog"}
    response = _post(clinician_client, "clinic:add_scale", patient_a, data)
    assert response.status_code == 400
    (summary,) = error_summaries(response.content.decode())
    assert 'href="#id_name"' in summary
    assert SymptomScale.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_unrefused_shows_no_error_summary(clinician_client, patient_a):
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).content.decode()
    assert not error_summaries(page)
    assert "autofocus" not in page
