"""A patient's closed account (they asked, an admin completed it: accounts.closure) stayed in
the clinician's list and on the patient page as an active patient called "closed-7" (the
placeholder address's local part), with the reversible deactivation's badge, live flags
sorting it near the top, an active plan ("Next change 4 Dec") and every plan, note, review
and scale form still offered; a search for "closed" found every closed account, and the CSV
export listed every night since the closure as missed (found by exploratory QA).

Now every clinic surface names it "Closed account" (in the reader's language) and badges it
"Account closed on <date> — the record is kept, read-only"; the search does not read the
placeholder address; the record is read-only (its forms are not offered, and posted anyway
they are refused with a message, nothing stored); it raises no flag and is listed after every
open account (the stored row still equals a fresh evaluation); the export ends at the night
it was closed on. All of it reads one function, accounts.models.is_closed."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts import closure
from ldn_journal.accounts.accounts_admin import set_user_active
from patients.models import ClinicianNote, FlagReview, SymptomScale
from prescriptions.models import PlanVersion
from tests.factories import PatientFactory
from tests.patients.attention_support import assert_stored_equals_fresh
from tests.patients.dashboard_factories import give_nights
from tests.patients.journal_support import make_plan
from tests.security.reauth import signed_in_reauthenticated

pytestmark = pytest.mark.django_db

LIST = reverse("clinic:patients")
# Closed on the morning of 20 November (London): the night of the 19th is its last.
CLOSED_AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
CLOSURE_NIGHT = date(2026, 11, 19)
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
TONIGHT = date(2026, 11, 25)
NAME = {"en": "Closed account", "es": "Cuenta cerrada", "de": "Geschlossenes Konto"}
BADGE = {
    "en": "Account closed on 20 Nov 2026 — the record is kept, read-only",
    "es": "Cuenta cerrada el 20 nov 2026: el historial se conserva, solo lectura",
    "de": "Konto am 20. Nov 2026 geschlossen – die Akte bleibt erhalten, nur lesbar",
}
DEACTIVATED = "Account deactivated — no reminders, cannot sign in"
# The apostrophe before it is escaped in a flashed message, not in a page's own words.
READ_ONLY = "account is closed: the record is kept read-only and can no longer be changed"


def _journal(patient, clinician):
    """A plan stepping up on 4 December, and ten nights up to the closure night logged at
    3 mg while 1.5 mg was prescribed: open dose-deviation flags."""
    make_plan(patient, clinician, steps=(("1.5", 33), ("3", None)), start=date(2026, 11, 1))
    give_nights([patient], CLOSURE_NIGHT, 10, dose="3")


def _close(patient, admin):
    with time_machine.travel(CLOSED_AT, tick=False):
        closure.close_account(patient.user, by=admin, request=None, now=CLOSED_AT)
    patient.user.refresh_from_db()


@pytest.fixture
def closed(patient_a, clinician_a, admin_user):
    _journal(patient_a, clinician_a)
    _close(patient_a, admin_user)
    return patient_a


def _speaking(clinician, language):
    clinician.language = language
    clinician.save(update_fields=["language"])


def _get(client, url, **params):
    with time_machine.travel(NOW, tick=False):
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _row_of(html, patient):
    link = f'href="{reverse("clinic:patient", args=[patient.pk])}"'
    start = html.index(link)
    return html[html.rindex("<tr", 0, start) : html.index("</tr>", start)]


# --- 1 and 2: its name and its badge ----------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_list_row_names_a_closed_patient_closed_account_with_the_closed_badge(
    clinician_client, clinician_a, closed, language
):
    _speaking(clinician_a, language)

    row = _row_of(_get(clinician_client, LIST), closed)

    assert f">{NAME[language]}</a>" in row
    assert BADGE[language] in row
    assert f"closed-{closed.user.pk}" not in row
    assert "Konto deaktiviert" not in row
    assert "Cuenta desactivada" not in row
    assert DEACTIVATED not in row


@pytest.mark.parametrize("language", ["en", "es", "de"])
def test_the_patient_page_names_a_closed_patient_in_its_title_and_header_with_the_badge(
    clinician_client, clinician_a, closed, language
):
    _speaking(clinician_a, language)

    html = _get(clinician_client, reverse("clinic:patient", args=[closed.pk]))

    start = html.index('<header class="stack patient-header">')
    header = html[start : html.index("</header>", start)]
    assert f'<h1 class="page-title">{NAME[language]}</h1>' in header
    assert BADGE[language] in header
    assert f"<title>{NAME[language]}" in html
    assert f"closed-{closed.user.pk}" not in html
    assert DEACTIVATED not in html


@pytest.mark.parametrize(
    "name",
    ["clinic:plan", "clinic:report", "clinic:plan_version"],
    ids=["plan", "report", "version"],
)
def test_the_plan_pages_and_the_visit_report_name_a_closed_patient_closed_account(
    clinician_client, closed, name
):
    args = [closed.pk]
    if name == "clinic:plan_version":
        args.append(PlanVersion.objects.get(prescription__patient=closed).pk)

    html = _get(clinician_client, reverse(name, args=args))

    assert "Closed account" in html
    assert f"closed-{closed.user.pk}" not in html


def test_a_deactivated_patient_keeps_the_deactivation_badge_and_their_name(
    clinician_client, patient_a
):
    set_user_active(patient_a.user, False)

    row = _row_of(_get(clinician_client, LIST), patient_a)

    assert DEACTIVATED in row
    assert patient_a.user.display_name in row
    assert "Account closed" not in row


@pytest.mark.parametrize("search", ["closed", "closed.invalid", "CLOSED-"])
def test_the_clinicians_search_does_not_match_a_closed_accounts_placeholder_address(
    clinician_client, clinician_a, closed, search
):
    other = PatientFactory(clinicians=[clinician_a])

    html = _get(clinician_client, LIST, q=search)

    assert reverse("clinic:patient", args=[closed.pk]) not in html
    assert reverse("clinic:patient", args=[other.pk]) not in html


def test_the_search_still_finds_an_open_patient_by_their_address(
    clinician_client, clinician_a, closed
):
    other = PatientFactory(clinicians=[clinician_a])

    html = _get(clinician_client, LIST, q=other.user.email.split("@")[0])

    assert reverse("clinic:patient", args=[other.pk]) in html


# --- 3: read-only -----------------------------------------------------------------------------


def test_the_patient_page_of_a_closed_patient_offers_no_form_and_says_why(clinician_client, closed):
    html = _get(clinician_client, reverse("clinic:patient", args=[closed.pk]))

    for name in (
        "clinic:mark_reviewed",
        "clinic:add_note",
        "clinic:add_scale",
        "clinic:plan_change",
        "clinic:plan_hold",
        "clinic:plan_end",
        "clinic:plan_dosing_time",
        "clinic:plan_template_choose",
    ):
        assert reverse(name, args=[closed.pk]) not in html, name
    assert READ_ONLY in html
    # Nothing is planned for it any more: no "Next change 4 Dec" in the header.
    start = html.index('<header class="stack patient-header">')
    header = html[start : html.index("</header>", start)]
    assert "Next change" in header
    assert "4 Dec" not in header
    # Still readable and exportable.
    assert reverse("clinic:export", args=[closed.pk, "csv"]) in html


def test_the_plan_page_of_a_closed_patient_offers_no_change(clinician_client, closed):
    html = _get(clinician_client, reverse("clinic:plan", args=[closed.pk]))

    assert READ_ONLY in html
    for name in ("clinic:plan_change", "clinic:plan_hold", "clinic:plan_end"):
        assert reverse(name, args=[closed.pk]) not in html, name


WRITES = {
    "clinic:add_note": {
        "text": "Called the patient",
        "submission_id": "0b7c7f3e-1111-4e2e-9e21-1b2c3d4e5f60",
    },
    "clinic:mark_reviewed": {"reviewed_through": "2026-11-19", "note": ""},
    "clinic:add_scale": {"name": "Itch", "low_anchor": "none", "high_anchor": "worst"},
    "clinic:plan_change": {},
    "clinic:plan_hold": {"hold_from": "2026-11-26", "reason": "Surgery", "hold_reason": "surgery"},
    "clinic:plan_resume": {},
    "clinic:plan_end": {"reason": "Closed"},
    "clinic:plan_dosing_time": {},
    "clinic:prescription_new": {},
    "clinic:suggestion_dismiss": {"kind": "maintenance_review", "key": "x", "reason": "no"},
}


def _stored(patient):
    return (
        PlanVersion.objects.filter(prescription__patient=patient).count(),
        ClinicianNote.objects.filter(patient=patient).count(),
        FlagReview.objects.filter(patient=patient).count(),
        SymptomScale.objects.filter(patient=patient).count(),
    )


POST_ONLY = ("clinic:add_note", "clinic:mark_reviewed", "clinic:add_scale")


@pytest.mark.parametrize(
    ("name", "method"),
    [(name, "post") for name in WRITES]
    + [(name, "get") for name in WRITES if name not in POST_ONLY],
)
def test_every_change_to_a_closed_patients_record_is_refused_with_a_message(
    clinician_a, closed, name, method
):
    client = signed_in_reauthenticated(clinician_a)
    before = _stored(closed)
    url = reverse(name, args=[closed.pk])

    with time_machine.travel(NOW, tick=False):
        response = getattr(client, method)(url, WRITES[name] if method == "post" else None)
        page = client.get(response.url) if response.status_code == 302 else None

    assert response.status_code == 302
    assert response.url.startswith(reverse("clinic:patient", args=[closed.pk]))
    assert READ_ONLY in page.content.decode()
    assert _stored(closed) == before


@pytest.mark.parametrize("name", ["clinic:stop_scale", "clinic:ask_scale_again"])
def test_a_closed_patients_scales_are_not_changed(clinician_client, clinician_a, closed, name):
    scale = SymptomScale.objects.create(
        patient=closed,
        name="Itch",
        low_anchor="none",
        high_anchor="worst",
        created_by=clinician_a,
        active=name == "clinic:stop_scale",
    )

    with time_machine.travel(NOW, tick=False):
        response = clinician_client.post(reverse(name, args=[closed.pk, scale.pk]))

    assert response.status_code == 302
    scale.refresh_from_db()
    assert scale.active is (name == "clinic:stop_scale")


# --- 4: out of the attention sort, and the export ends at the closure ------------------------


def test_a_closed_patient_has_no_flags_and_is_listed_after_every_open_patient(
    clinician_client, clinician_a, patient_a, admin_user
):
    _journal(patient_a, clinician_a)
    quiet = PatientFactory(user__display_name="Aaron Quiet", clinicians=[clinician_a])
    make_plan(quiet, clinician_a, steps=(("1.5", None),), start=date(2026, 11, 1))
    give_nights([quiet], TONIGHT, 25, dose="1.5")  # every night of its plan: no flag
    before = _get(clinician_client, LIST)
    assert "needs-review" not in _row_of(before, quiet)
    # Its open flags put it first while the account was open.
    assert before.index(f"/clinic/patients/{patient_a.pk}/") < before.index(
        f"/clinic/patients/{quiet.pk}/"
    )
    assert "needs-review" in _row_of(before, patient_a)

    _close(patient_a, admin_user)
    after = _get(clinician_client, LIST)

    assert after.index(f"/clinic/patients/{quiet.pk}/") < after.index(
        f"/clinic/patients/{patient_a.pk}/"
    )
    row = _row_of(after, patient_a)
    assert "needs-review" not in row
    # No flag badge in its cells (the name's cell has the closed badge).
    assert 'class="badge badge-' not in row.split("</th>")[1]
    with time_machine.travel(NOW, tick=False):
        assert_stored_equals_fresh(patient_a, NOW)


def _csv_nights(client, patient, **params):
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("clinic:export", args=[patient.pk, "csv"]), params)
        assert response.status_code == 200
        text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [date.fromisoformat(row["night"]) for row in csv.DictReader(io.StringIO(text))]


def test_the_csv_export_of_a_closed_patient_ends_at_the_night_it_was_closed_on(clinician_a, closed):
    client = signed_in_reauthenticated(clinician_a)

    nights = _csv_nights(client, closed)

    assert max(nights) == CLOSURE_NIGHT
    assert nights[0] == date(2026, 11, 1)


def test_an_export_of_a_closed_patient_asked_past_the_closure_still_ends_there(clinician_a, closed):
    client = signed_in_reauthenticated(clinician_a)

    nights = _csv_nights(client, closed, start="2026-11-15", end="2026-11-25")

    assert max(nights) == CLOSURE_NIGHT


def test_the_list_reads_the_same_queries_for_two_or_eight_patients_some_closed(
    clinician_client, clinician_a, admin_user
):
    def queries():
        with time_machine.travel(NOW, tick=False):
            clinician_client.get(LIST)  # rows written; the session saved
            with CaptureQueriesContext(connection) as captured:
                response = clinician_client.get(LIST)
        assert response.status_code == 200
        return len(captured), response.content.decode()

    first = [PatientFactory(clinicians=[clinician_a]) for _ in range(2)]
    _close(first[0], admin_user)
    at_two, _ = queries()
    more = [PatientFactory(clinicians=[clinician_a]) for _ in range(6)]
    for patient in more[:3]:
        _close(patient, admin_user)

    at_eight, html = queries()

    # The closure comes with the page's patients (attention.stored_columns), not a query
    # per row.
    assert at_eight == at_two
    with translation.override("en"):
        assert html.count("Account closed on") == 4
