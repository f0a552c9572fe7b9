"""Issue 18, item 1: an admin sets up, lists and ends covering clinicians under
/manage/coverage/; bad input gets a clear message and stores nothing; every change audited."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients import coverage
from patients.models import Coverage
from tests.factories import ClinicianFactory

LIST_URL = reverse("manage:coverage")
NEW_URL = reverse("manage:coverage_new")
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 15:00 in London, 2 March
TODAY = date(2026, 3, 2)


def end_url(coverage):
    return reverse("manage:coverage_end", args=[coverage.pk])


def form(covering, covered, first=TODAY, last=TODAY, reason="Annual leave"):
    return {
        "covering": covering.pk,
        "covered": covered.pk,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "reason": reason,
    }


@pytest.fixture(autouse=True)
def clock(settings):
    settings.LDN_CLINIC_TIME_ZONE = "Europe/London"
    with time_machine.travel(NOW, tick=False) as clock:
        yield clock


def test_an_admin_sets_up_a_one_day_coverage_and_it_is_audited(
    admin_client_, admin_user, clinician_a, clinician_b
):
    response = admin_client_.post(NEW_URL, form(clinician_b, clinician_a))

    assert response["Location"] == LIST_URL
    coverage = Coverage.objects.get()
    assert (coverage.covering, coverage.covered) == (clinician_b, clinician_a)
    assert (coverage.first_day, coverage.last_day) == (TODAY, TODAY)
    assert coverage.created_by == admin_user
    row = AccessLog.objects.get(action="coverage.create")
    assert row.actor == admin_user
    assert (row.object_type, row.object_id) == ("coverage", str(coverage.pk))
    assert row.detail["before"] is None
    assert row.detail["after"] == {
        "covering": clinician_b.pk,
        "covered": clinician_a.pk,
        "first_day": "2026-03-02",
        "last_day": "2026-03-02",
        "ended_at": None,
    }


def test_the_list_shows_current_upcoming_and_past_apart(admin_client_, clinician_a, clinician_b):
    day = timedelta(days=1)
    Coverage.objects.create(
        covering=clinician_b,
        covered=clinician_a,
        first_day=TODAY,
        last_day=TODAY,
        reason="Now-reason",
    )
    Coverage.objects.create(
        covering=clinician_a,
        covered=clinician_b,
        first_day=TODAY + day,
        last_day=TODAY + 3 * day,
        reason="Soon-reason",
    )
    Coverage.objects.create(
        covering=clinician_a,
        covered=clinician_b,
        first_day=TODAY - 3 * day,
        last_day=TODAY - day,
        reason="Over-reason",
    )

    page = admin_client_.get(LIST_URL).content.decode()

    now_at, soon_at, over_at = (page.index(r) for r in ("Now-reason", "Soon-reason", "Over-reason"))
    assert page.index("Covering now") < now_at < page.index("Upcoming") < soon_at
    assert page.index("Past") < over_at


def test_the_list_costs_the_same_queries_for_many_coverages(
    admin_client_, clinician_a, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            Coverage.objects.create(
                covering=ClinicianFactory(),
                covered=clinician_a,
                first_day=TODAY,
                last_day=TODAY,
                reason="Leave",
            )

    add(2)
    with django_assert_max_num_queries(12) as few:
        admin_client_.get(LIST_URL)
    add(15)
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client_.get(LIST_URL)


def test_ending_early_ends_it_now_once_and_is_audited(
    admin_client_, admin_user, clinician_a, clinician_b
):
    coverage = Coverage.objects.create(
        covering=clinician_b, covered=clinician_a, first_day=TODAY, last_day=TODAY, reason="x"
    )

    assert admin_client_.post(end_url(coverage))["Location"] == LIST_URL
    admin_client_.post(end_url(coverage))  # a double tap

    coverage.refresh_from_db()
    assert (coverage.ended_at, coverage.ended_by) == (NOW, admin_user)
    [row] = AccessLog.objects.filter(action="coverage.end")
    assert row.detail["before"]["ended_at"] is None
    assert row.detail["after"]["ended_at"] == NOW.isoformat()
    assert not Coverage.objects.active(NOW).exists()


def test_ending_a_coverage_that_has_not_started_says_it_was_cancelled(
    admin_client_, clinician_a, clinician_b
):
    Coverage.objects.create(
        covering=clinician_b,
        covered=clinician_a,
        first_day=TODAY + timedelta(days=3),
        last_day=TODAY + timedelta(days=5),
        reason="x",
    )
    planned = Coverage.objects.get()

    page = admin_client_.post(end_url(planned), follow=True).content.decode()

    planned.refresh_from_db()
    assert planned.ended_at == NOW
    assert (
        f"The planned coverage of {clinician_a.name} by {clinician_b.name} from 5 Mar 2026 "
        "to 7 Mar 2026 was cancelled." in page
    )
    assert "no longer covers" not in page


def test_the_past_list_says_a_cancelled_coverage_was_cancelled_not_ended_early(
    admin_client_, clinician_a, clinician_b
):
    planned = Coverage.objects.create(
        covering=clinician_b,
        covered=clinician_a,
        first_day=TODAY + timedelta(days=3),
        last_day=TODAY + timedelta(days=5),
        reason="Cancelled-reason",
    )
    current = Coverage.objects.create(
        covering=clinician_a,
        covered=clinician_b,
        first_day=TODAY,
        last_day=TODAY + timedelta(days=1),
        reason="Ended-reason",
    )
    admin_client_.post(end_url(planned))
    admin_client_.post(end_url(current))

    page = admin_client_.get(LIST_URL).content.decode()

    past = page.split('id="past-title"')[1]
    cancelled_row = past.split("Cancelled-reason")[0].rsplit("<tr>", 1)[1]
    ended_row = past.split("Ended-reason")[0].rsplit("<tr>", 1)[1]
    assert "Cancelled before it started" in cancelled_row
    assert "Ended early" not in cancelled_row
    assert "Ended early" in ended_row


def test_an_upcoming_coverage_is_offered_to_cancel_and_a_current_one_to_end(
    admin_client_, clinician_a, clinician_b
):
    Coverage.objects.create(
        covering=clinician_b, covered=clinician_a, first_day=TODAY, last_day=TODAY, reason="x"
    )
    Coverage.objects.create(
        covering=clinician_a,
        covered=clinician_b,
        first_day=TODAY + timedelta(days=3),
        last_day=TODAY + timedelta(days=5),
        reason="y",
    )

    page = admin_client_.get(LIST_URL).content.decode()

    current, upcoming = page.split('id="upcoming-title"')
    upcoming = upcoming.split('id="past-title"')[0]
    assert ">End now</button>" in current
    assert ">Cancel coverage</button>" in upcoming
    assert "End now" not in upcoming


def test_ending_a_current_coverage_says_the_coverer_no_longer_covers(
    admin_client_, clinician_a, clinician_b
):
    current = Coverage.objects.create(
        covering=clinician_b, covered=clinician_a, first_day=TODAY, last_day=TODAY, reason="x"
    )

    page = admin_client_.post(end_url(current), follow=True).content.decode()

    assert f"{clinician_b.name} no longer covers {clinician_a.name}." in page


def test_a_past_coverage_cannot_be_ended_again(admin_client_, clinician_a, clinician_b):
    old = Coverage.objects.create(
        covering=clinician_b,
        covered=clinician_a,
        first_day=TODAY - timedelta(days=5),
        last_day=TODAY - timedelta(days=4),
        reason="x",
    )

    admin_client_.post(end_url(old))

    old.refresh_from_db()
    assert old.ended_at is None
    assert not AccessLog.objects.filter(action="coverage.end").exists()


def test_ending_a_coverage_that_does_not_exist_is_404(admin_client_):
    assert admin_client_.post(reverse("manage:coverage_end", args=[999_999])).status_code == 404


# --- Bad input: a clear message, nothing stored ------------------------------------------------


def deactivated():
    return ClinicianFactory(is_active=False, display_name="Dr Gone")


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda a, b: form(a, deactivated()), "Dr Gone is deactivated"),
        (lambda a, b: form(deactivated(), a), "Dr Gone is deactivated"),
        (lambda a, b: form(a, a), "cannot cover themselves"),
        (
            lambda a, b: form(b, a, first=TODAY + timedelta(days=2), last=TODAY),
            "The last day is before the first day.",
        ),
        (
            lambda a, b: form(b, a, first=TODAY - timedelta(days=9), last=TODAY - timedelta(1)),
            "These days are over",
        ),
        (lambda a, b: form(b, a, last=TODAY + timedelta(days=400)), "at most 92 days"),
        (
            lambda a, b: form(b, a, first=date(9999, 12, 1), last=date(9999, 12, 31)),
            "A coverage can start at most 365 days from today: the first day must be 2 Mar "
            "2027 or earlier.",
        ),
        (lambda a, b: {**form(b, a), "covering": 999_999}, "Select a valid choice"),
        (lambda a, b: {**form(b, a), "first_day": "31/02/2026"}, "Enter the day as YYYY-MM-DD."),
        (lambda a, b: {**form(b, a), "reason": ""}, "This field is required"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_stored(
    admin_client_, clinician_a, clinician_b, build, message
):
    response = admin_client_.post(NEW_URL, build(clinician_a, clinician_b))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Coverage.objects.exists()
    assert not AccessLog.objects.filter(action="coverage.create").exists()


def test_an_admin_cannot_be_chosen_to_cover(admin_client_, admin_user, clinician_a):
    response = admin_client_.post(NEW_URL, form(admin_user, clinician_a))

    assert "Select a valid choice" in response.content.decode()  # not among the clinicians
    with pytest.raises(coverage.CoverageError, match="only clinicians can cover"):
        coverage.create(
            covering=admin_user,
            covered=clinician_a,
            first_day=TODAY,
            last_day=TODAY,
            reason="x",
            admin=admin_user,
            request=None,
            now=NOW,
        )
    assert not Coverage.objects.exists()


@pytest.mark.parametrize(
    ("first", "last", "same"),
    [(TODAY, TODAY - timedelta(days=1), False), (TODAY, TODAY, True)],
)
def test_the_database_refuses_backwards_dates_and_covering_oneself(
    clinician_a, clinician_b, first, last, same
):
    with pytest.raises(IntegrityError):
        Coverage.objects.create(
            covering=clinician_a,
            covered=clinician_a if same else clinician_b,
            first_day=first,
            last_day=last,
            reason="x",
        )


def test_the_admin_navigation_leads_to_covering_clinicians_and_marks_it_current(admin_client_):
    html = admin_client_.get(LIST_URL).content.decode()
    assert f'<a href="{LIST_URL}" aria-current="page"' in html
    people = admin_client_.get(reverse("manage:people")).content.decode()
    assert f'href="{LIST_URL}"' in people


@pytest.mark.parametrize("typed", ["03/04/2026", "2026-3-4", "\u0662\u0660\u0662\u0666-03-04"])
@pytest.mark.parametrize("field", ["first_day", "last_day"])
def test_a_day_typed_otherwise_than_yyyy_mm_dd_is_refused_saying_how(
    admin_client_, clinician_a, clinician_b, field, typed
):
    # "03/04/2026" was 4 March in English (month first) and 3 April in Spanish.
    response = admin_client_.post(NEW_URL, {**form(clinician_b, clinician_a), field: typed})

    assert response.status_code == 200
    assert "Enter the day as YYYY-MM-DD." in response.content.decode()
    assert not Coverage.objects.exists()
