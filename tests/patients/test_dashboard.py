"""The attention-sorted patient list and the patient page: access, ordering, queries."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ldn_journal.accounts.models import AccessLog
from patients.clinic.dashboard import calendar_html
from patients.models import FlagReview, NightlyEntry, Patient
from tests.factories import PatientFactory
from tests.patients.dashboard_factories import give_nights, give_plan, severe_side_effect

pytestmark = pytest.mark.django_db
NOW = "2026-03-31T09:00:00Z"
TONIGHT = date(2026, 3, 30)  # at 09:00 London it is still last night
LIST = reverse("clinic:patients")


def clinic_of(clinician, n, *, nights=60):
    patients = [
        PatientFactory(user__display_name=f"Patient {i:02}", clinicians=[clinician])
        for i in range(n)
    ]
    for patient in patients:
        give_plan(patient, clinician, TONIGHT - timedelta(days=400), steps=(("4.5", None),))
    give_nights(patients, TONIGHT, nights)
    return patients


@time_machine.travel(NOW, tick=False)
def test_the_list_shows_only_the_clinicians_own_patients(clinician_client, patient_a, patient_b):
    response = clinician_client.get(LIST)
    assert response.status_code == 200
    assert patient_a.name in response.text
    assert patient_b.name not in response.text


@time_machine.travel(NOW, tick=False)
def test_patients_needing_attention_come_first(clinician_client, clinician_a):
    calm, missed, severe = clinic_of(clinician_a, 3)
    NightlyEntry.objects.filter(patient=missed, night__gte=TONIGHT - timedelta(days=3)).delete()
    severe_side_effect(NightlyEntry.objects.get(patient=severe, night=TONIGHT - timedelta(days=1)))
    response = clinician_client.get(LIST)
    names = [row.patient.name for row in response.context["page"]]
    assert names == [severe.name, missed.name, calm.name]


@time_machine.travel(NOW, tick=False)
def test_marking_reviewed_drops_a_patient_down_the_list_and_undo_raises_them_again(
    clinician_client, clinician_a
):
    _calm, severe = clinic_of(clinician_a, 2)
    severe_side_effect(NightlyEntry.objects.get(patient=severe, night=TONIGHT - timedelta(days=1)))
    response = clinician_client.post(
        reverse("clinic:mark_reviewed", args=[severe.pk]),
        {"reviewed_through": TONIGHT.isoformat()},
    )
    assert response.status_code == 302
    rows = list(clinician_client.get(LIST).context["page"])
    assert not rows[[r.patient for r in rows].index(severe)].needs_review
    assert AccessLog.objects.filter(action="flags.review", patient=severe).count() == 1

    review = FlagReview.objects.get(patient=severe)
    clinician_client.post(reverse("clinic:undo_review", args=[severe.pk, review.pk]))
    rows = list(clinician_client.get(LIST).context["page"])
    assert rows[0].patient == severe
    assert rows[0].needs_review
    assert AccessLog.objects.filter(action="flags.review_undo", patient=severe).count() == 1


@time_machine.travel(NOW, tick=False)
def test_a_reviewed_flag_raises_the_patient_again_when_a_newer_night_raises_it(
    clinician_client, clinician_a
):
    [patient] = clinic_of(clinician_a, 1)
    severe_side_effect(NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=3)))
    FlagReview.objects.create(
        patient=patient, reviewed_through=TONIGHT - timedelta(days=2), reviewed_by=clinician_a
    )
    assert not clinician_client.get(LIST).context["page"][0].needs_review
    severe_side_effect(NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=1)))
    assert clinician_client.get(LIST).context["page"][0].needs_review


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"kind": "side_effect"}, ["Severe"]),
        ({"kind": "missed"}, []),
        ({"review": "on"}, ["Severe"]),
        ({"q": "calm"}, ["Calm"]),
        ({"q": "nobody"}, []),
        ({"kind": "no-such-flag"}, ["Severe", "Calm"]),
        ({"page": "0"}, ["Severe", "Calm"]),
        ({"page": "-1"}, ["Severe", "Calm"]),
        ({"page": "999999"}, ["Severe", "Calm"]),
        ({"page": "abc"}, ["Severe", "Calm"]),
    ],
)
def test_filters_search_and_bad_page_numbers(clinician_client, clinician_a, params, shown):
    calm, severe = clinic_of(clinician_a, 2)
    calm.user.display_name = "Calm"
    calm.user.save()
    severe.user.display_name = "Severe"
    severe.user.save()
    severe_side_effect(NightlyEntry.objects.get(patient=severe, night=TONIGHT - timedelta(days=1)))
    response = clinician_client.get(LIST, params)
    assert response.status_code == 200
    assert [row.patient.name for row in response.context["page"]] == shown


@time_machine.travel(NOW, tick=False)
def test_an_unknown_flag_filter_says_so(clinician_client, patient_a):
    response = clinician_client.get(LIST, {"kind": "<script>x</script>"})
    assert "Unknown flag filter" in response.text
    assert "<script>x</script>" not in response.text


def _list_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries), len(response.context["page"])


@time_machine.travel(NOW, tick=False)
def test_the_list_takes_the_same_few_queries_at_5_and_50_patients_with_a_year_of_nights(
    clinician_client, clinician_a
):
    clinician_client.get(LIST)  # the first request of a session also saves the session
    clinic_of(clinician_a, 5, nights=365)
    # New patients' attention rows are written once (after their changes commit; here, in
    # the test's one transaction, by the next list view): the views after read them.
    clinician_client.get(LIST)
    at_5 = _list_queries(clinician_client)
    clinic_of(clinician_a, 45, nights=365)
    clinician_client.get(LIST)
    at_50 = _list_queries(clinician_client)
    assert (at_5[1], at_50[1]) == (5, 50)
    # 10 before issue 18 made the banner read the clinician's active emergency grants (+1);
    # since issue 19 they are read in the navigation's query of open urgent reports (-1).
    assert at_5[0] == at_50[0] <= 10


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_shows_the_chart_flags_and_evidence_and_logs_the_read(
    clinician_client, clinician_a
):
    [patient] = clinic_of(clinician_a, 1, nights=365)
    severe_side_effect(NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=1)))
    url = reverse("clinic:patient", args=[patient.pk])
    clinician_client.get(LIST)  # the first request of a session also saves the session
    with CaptureQueriesContext(connection) as queries:
        response = clinician_client.get(url)
    # 10, and the navigation's count of open urgent reports, which also reads the break-glass
    # banner's active grants (tests/patients/test_query_budgets.py; 12 while the banner had
    # its own query). 13 since the page reads only the nights it shows: the record's summary
    # and the by-dose panel's groups are a query each (issue 19).
    assert len(queries) <= 13, "\n".join(q["sql"][:150] for q in queries.captured_queries)
    assert response.status_code == 200
    assert "<svg" in response.text
    assert "trend-chart" in response.text
    assert "Severe headache" in response.text
    assert "Evidence: 1 night" in response.text
    assert AccessLog.objects.filter(action="patient.view", patient=patient).count() == 1


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("weeks", ["4", "12", "26", "52", "7", "abc", ""])
def test_the_chart_range_accepts_4_12_26_52_weeks_and_falls_back_to_12(
    clinician_client, patient_a, weeks
):
    response = clinician_client.get(
        reverse("clinic:patient", args=[patient_a.pk]), {"weeks": weeks}
    )
    assert response.status_code == 200
    assert response.context["weeks"] == (int(weeks) if weeks in ("4", "12", "26", "52") else 12)


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("name", "method", "data"),
    [
        ("clinic:patient", "get", {}),
        ("clinic:report", "get", {}),
        ("clinic:add_note", "post", {"text": "hello"}),
        ("clinic:mark_reviewed", "post", {"reviewed_through": "2026-03-30"}),
        ("clinic:add_scale", "post", {"name": "Brain fog", "low_anchor": "a", "high_anchor": "b"}),
    ],
)
def test_another_teams_patient_is_a_404_and_leaves_no_trace(
    clinician_client, patient_b, name, method, data
):
    response = getattr(clinician_client, method)(reverse(name, args=[patient_b.pk]), data)
    assert response.status_code == 404
    assert not AccessLog.objects.filter(patient=patient_b).exists()
    assert not FlagReview.objects.exists()
    assert not patient_b.clinician_notes.exists()
    assert not patient_b.extra_scales.exists()


@pytest.mark.parametrize(
    "url",
    [
        reverse("clinic:patients"),
        reverse("clinic:patient", args=[1]),
        reverse("clinic:report", args=[1]),
        reverse("clinic:export", args=[1, "csv"]),
    ],
)
def test_a_patient_opening_any_clinician_url_gets_404(patient_client, url):
    assert patient_client.get(url).status_code == 404


@time_machine.travel(NOW, tick=False)
def test_notes_are_escaped_and_a_100000_character_note_is_refused(clinician_client, patient_a):
    url = reverse("clinic:add_note", args=[patient_a.pk])
    response = clinician_client.post(url, {"text": "x" * 100_000}, follow=True)
    assert "at most 5000 characters" in response.text
    assert not patient_a.clinician_notes.exists()
    clinician_client.post(url, {"text": "<script>alert(1)</script>"})
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@time_machine.travel(NOW, tick=False)
def test_a_name_with_markup_is_escaped_in_the_list(clinician_client, clinician_a):
    PatientFactory(user__display_name="<script>bad()</script>", clinicians=[clinician_a])
    text = clinician_client.get(LIST).text
    assert "<script>bad()</script>" not in text
    assert "&lt;script&gt;bad()" in text


@time_machine.travel(NOW, tick=False)
def test_a_review_of_a_future_night_is_refused(clinician_client, patient_a):
    url = reverse("clinic:mark_reviewed", args=[patient_a.pk])
    response = clinician_client.post(url, {"reviewed_through": "2027-01-01"}, follow=True)
    assert "You can review up to the current night" in response.text
    assert not FlagReview.objects.exists()


@pytest.mark.parametrize("night", ["0001-01-01", "2026-02-28"])
@time_machine.travel(NOW, tick=False)
def test_a_review_of_a_night_before_the_journal_began_is_refused(
    clinician_client, patient_a, night
):
    """It would cover no flag at all; "Mark reviewed" took 1 Jan 0001."""
    Patient.objects.filter(pk=patient_a.pk).update(created_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    url = reverse("clinic:mark_reviewed", args=[patient_a.pk])
    response = clinician_client.post(url, {"reviewed_through": night}, follow=True)
    assert "The journal starts on 1 Mar 2026: choose a night from then" in response.text
    assert not FlagReview.objects.exists()
    page = clinician_client.get(reverse("clinic:patient", args=[patient_a.pk])).text
    assert 'min="2026-03-01" max="2026-03-30"' in page


@time_machine.travel(NOW, tick=False)
def test_a_review_may_reach_back_to_the_first_night_logged(clinician_client, patient_a):
    """Nights logged before the patient joined (entered later) can be reviewed too."""
    Patient.objects.filter(pk=patient_a.pk).update(created_at=datetime(2026, 3, 20, 12, tzinfo=UTC))
    give_nights([patient_a], date(2026, 3, 10), 1)
    url = reverse("clinic:mark_reviewed", args=[patient_a.pk])
    clinician_client.post(url, {"reviewed_through": "2026-03-10"})
    assert FlagReview.objects.get().reviewed_through == date(2026, 3, 10)
    clinician_client.post(url, {"reviewed_through": "2026-03-09"})
    assert FlagReview.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_an_extra_scale_is_added_once(clinician_client, patient_a):
    url = reverse("clinic:add_scale", args=[patient_a.pk])
    data = {
        "name": "Brain fog",
        "lower_is_better": "on",
        "low_anchor": "Clear",
        "high_anchor": "Fog",
    }
    clinician_client.post(url, data)
    response = clinician_client.post(url, {**data, "name": "brain  FOG"}, follow=True)
    assert "already has a scale" in response.text
    assert patient_a.extra_scales.count() == 1


def test_undoing_another_teams_review_is_a_404_and_changes_nothing(
    clinician_client, patient_b, clinician_b
):
    review = FlagReview.objects.create(
        patient=patient_b, reviewed_through=TONIGHT, reviewed_by=clinician_b
    )
    url = reverse("clinic:undo_review", args=[patient_b.pk, review.pk])
    assert clinician_client.post(url).status_code == 404
    review.refresh_from_db()
    assert review.undone_at is None
    assert not AccessLog.objects.filter(patient=patient_b).exists()


# The calendar's rows as the template loop wrote them before they were written in Python.
CALENDAR_LOOP = (
    "{% load journal %}{% for week in calendar %}<tr>{% for day in week %}"
    '<td class="night-{{ day.css }}{% if day.night == today %} night-today{% endif %}'
    '{% if day.outside %} night-outside{% endif %}">'
    '<span class="day">{{ day.night|date:"j" }}</span>'
    '<span class="status" aria-hidden="true">{{ day.symbol }}</span>'
    '<span class="status-text">{{ day.night|day:"day_month" }}: {{ day.text }}</span>'
    "</td>{% endfor %}</tr>{% endfor %}"
)


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_the_calendar_rows_are_the_html_the_template_loop_wrote(language):
    first = date(2026, 2, 23)
    days = [
        {"night": first + timedelta(days=i), "css": css, "symbol": symbol, "text": text}
        for i, (css, symbol, text) in enumerate(
            [("taken", "✓", "Taken"), ("missing", "?", "<b>Not</b> logged"), ("future", "", "")] * 7
        )
    ]
    for day in days:
        day["outside"] = day["night"].month != 3
    weeks = [days[:7], days[7:14], days[14:21]]
    today = first + timedelta(days=9)
    with translation.override(language):
        expected = Template(CALENDAR_LOOP).render(Context({"calendar": weeks, "today": today}))
        assert calendar_html(weeks, today) == expected


@time_machine.travel(NOW, tick=False)
def test_the_patient_page_and_the_report_mark_a_reviewed_flag_and_only_that_one(
    clinician_client, clinician_a
):
    """The flag badges of the patient page and the visit report (the clinic tags): a flag
    reviewed through its night is marked "(reviewed)", an open one is not."""
    [patient] = clinic_of(clinician_a, 1)
    severe_side_effect(NightlyEntry.objects.get(patient=patient, night=TONIGHT - timedelta(days=3)))
    pages = (
        reverse("clinic:patient", args=[patient.pk]),
        reverse("clinic:report", args=[patient.pk]),
    )
    for url in pages:
        html = clinician_client.get(url).text
        assert 'class="badge badge-' in html, url
        assert "badge-reviewed" not in html, url
        assert "(reviewed)" not in html, url
    FlagReview.objects.create(
        patient=patient, reviewed_through=TONIGHT - timedelta(days=2), reviewed_by=clinician_a
    )
    for url in pages:
        html = clinician_client.get(url).text
        assert html.count("badge-reviewed") == 1, url
        assert html.count('<span class="small">(reviewed)</span>') == 1, url


def test_the_lists_search_says_it_finds_by_name_or_email(clinician_client, patient_a):
    """It matched emails too under a label that said "Search by name" (exploratory testing)."""
    page = clinician_client.get(LIST).text
    assert "Search by name or email" in page
    found = clinician_client.get(LIST, {"q": patient_a.user.email.split("@")[0]})
    assert [row.patient for row in found.context["page"]] == [patient_a]
