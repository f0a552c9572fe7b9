"""Issue 18: a covering clinician for a date range. Whole days in the clinic's zone, first and
last included; while it holds, the one gate lets the coverer see the covered clinician's
patients, the alerts reach them, and their reads are logged as "covering"."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from ldn_journal.accounts.models import AccessLog
from patients import care_team
from patients.clinic import break_glass
from patients.models import (
    BreakGlassGrant,
    Coverage,
    Patient,
    PushSubscription,
    ReminderDelivery,
)
from patients.rules import coverage as rules
from patients.urgent import reports as urgent
from tests.factories import ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in

NY = "America/New_York"
DAY = date(2026, 3, 2)
# Midnight at the start of DAY in New York (EST, UTC-5) and at its end.
NY_START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
NY_END = datetime(2026, 3, 3, 5, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def cover(covering, covered, first=DAY, last=DAY, **extra):
    return Coverage.objects.create(
        covering=covering, covered=covered, first_day=first, last_day=last, reason="Leave", **extra
    )


@pytest.fixture(autouse=True)
def clinic_in_new_york(settings):
    settings.LDN_CLINIC_TIME_ZONE = NY


# --- The dates (pure) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (NY_START - SECOND, rules.UPCOMING),  # 23:59:59 the evening before, in New York
        (NY_START, rules.CURRENT),  # midnight opens the first day
        (NY_END - SECOND, rules.CURRENT),  # the last day counts to its last second
        (NY_END, rules.PAST),  # the day after does not
    ],
)
def test_a_one_day_coverage_runs_from_midnight_to_midnight_in_the_clinic_zone(moment, expected):
    assert rules.phase(DAY, DAY, None, moment, NY) == expected


def test_the_clinic_day_is_not_the_utc_day():
    # 02:00 UTC on 3 March is still the evening of 2 March in New York.
    assert rules.clinic_day(datetime(2026, 3, 3, 2, 0, tzinfo=UTC), NY) == DAY


def test_a_coverage_ended_early_is_past_from_that_moment():
    ended = NY_START + timedelta(hours=9)
    assert rules.phase(DAY, DAY, ended, ended - SECOND, NY) == rules.CURRENT
    assert rules.phase(DAY, DAY, ended, ended, NY) == rules.PAST


@pytest.mark.parametrize(
    ("first", "last", "problems"),
    [
        (DAY, DAY, []),
        (DAY, DAY - timedelta(days=1), ["last_before_first"]),
        (DAY - timedelta(days=3), DAY - timedelta(days=1), ["in_the_past"]),
        (DAY - timedelta(days=3), DAY, []),  # already running: fine, it ends today or later
        (DAY, DAY + timedelta(days=9), ["too_long"]),
        (DAY, DAY + timedelta(days=8), []),  # nine days, both ends counted
        (DAY + timedelta(days=30), DAY + timedelta(days=31), []),  # starts 30 days ahead
        (DAY + timedelta(days=31), DAY + timedelta(days=31), ["too_far_ahead"]),
        (date(9999, 12, 1), date(9999, 12, 31), ["too_far_ahead", "too_long"]),
    ],
)
def test_dates_that_make_no_coverage_are_named(first, last, problems):
    assert rules.date_problems(first, last, DAY, max_days=9, max_lead_days=30) == problems


# --- The gate ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "sees"),
    [
        (NY_START - SECOND, False),
        (NY_START, True),
        (NY_END - SECOND, True),
        (NY_END, False),
    ],
)
def test_the_covering_clinician_sees_the_covered_teams_patients_only_on_the_days(
    clinician_a, clinician_b, patient_a, patient_b, moment, sees
):
    cover(clinician_b, clinician_a)

    visible = Patient.objects.visible_to(clinician_b, now=moment)

    assert visible.filter(pk=patient_a.pk).exists() is sees
    assert visible.filter(pk=patient_b.pk).exists()  # their own team, always


def test_the_gate_reads_the_clock_when_not_told_the_time(clinician_a, clinician_b, patient_a):
    cover(clinician_b, clinician_a)
    with time_machine.travel(NY_START + timedelta(hours=3), tick=False):
        assert Patient.objects.visible_to(clinician_b).filter(pk=patient_a.pk).exists()
    with time_machine.travel(NY_END + timedelta(hours=3), tick=False):
        assert not Patient.objects.visible_to(clinician_b).filter(pk=patient_a.pk).exists()


def test_a_coverage_ended_early_gives_nothing_from_then_on(
    clinician_a, clinician_b, patient_a, admin_user
):
    coverage = cover(clinician_b, clinician_a)
    ended = NY_START + timedelta(hours=10)
    Coverage.objects.filter(pk=coverage.pk).update(ended_at=ended, ended_by=admin_user)

    assert Patient.objects.visible_to(clinician_b, now=ended - SECOND).filter(pk=patient_a.pk)
    assert not Patient.objects.visible_to(clinician_b, now=ended).filter(pk=patient_a.pk)


def test_covering_is_one_way_the_covered_clinician_sees_nothing_more(
    clinician_a, clinician_b, patient_b
):
    cover(clinician_b, clinician_a)
    assert not Patient.objects.visible_to(clinician_a, now=NY_START).filter(pk=patient_b.pk)


def test_a_patient_reached_by_team_coverage_and_grant_appears_once(clinician_a, clinician_b):
    shared = PatientFactory(clinicians=[clinician_a, clinician_b])
    cover(clinician_b, clinician_a)
    BreakGlassGrant.objects.create(
        patient=shared, clinician=clinician_b, reason="x" * 12, starts_at=NY_START, ends_at=NY_END
    )

    visible = list(
        Patient.objects.visible_to(clinician_b, now=NY_START).values_list("pk", flat=True)
    )

    assert visible.count(shared.pk) == 1


def test_the_gate_is_one_query_however_many_coverages_and_grants(
    clinician_b, django_assert_num_queries
):
    for _ in range(3):
        away = ClinicianFactory()
        PatientFactory(clinicians=[away])
        PatientFactory(clinicians=[away])
        cover(clinician_b, away)
        BreakGlassGrant.objects.create(
            patient=PatientFactory(clinicians=[ClinicianFactory()]),
            clinician=clinician_b,
            reason="x" * 12,
            starts_at=NY_START,
            ends_at=NY_END,
        )

    with django_assert_num_queries(1):
        assert len(list(Patient.objects.visible_to(clinician_b, now=NY_START))) == 9


def test_the_covering_clinician_sees_the_patients_in_their_list_and_can_open_them(
    clinician_a, clinician_b, patient_a, patient_b
):
    cover(clinician_b, clinician_a, first=DAY - timedelta(days=1), last=DAY + timedelta(days=1))
    client = signed_in(clinician_b)
    with time_machine.travel(NY_START + timedelta(hours=12), tick=False):
        page = client.get(reverse("clinic:patients")).content.decode()
        assert patient_a.user.name in page
        assert patient_b.user.name in page
        # Only the covered patient is badged: B's own patient is theirs anyway.
        assert page.count(">Covering</span>") == 1
        assert client.get(reverse("clinic:patient", args=[patient_a.pk])).status_code == 200
    with time_machine.travel(NY_END + timedelta(days=1, hours=12), tick=False):
        again = signed_in(clinician_b)
        assert patient_a.user.name not in again.get(reverse("clinic:patients")).content.decode()
        assert again.get(reverse("clinic:patient", args=[patient_a.pk])).status_code == 404


# --- The access log ------------------------------------------------------------------------


def test_reads_by_the_covering_clinician_are_logged_as_covering(
    clinician_a, clinician_b, patient_a
):
    cover(clinician_b, clinician_a)
    with time_machine.travel(NY_START + timedelta(hours=12), tick=False):
        signed_in(clinician_b).get(reverse("clinic:patient", args=[patient_a.pk]))
        signed_in(clinician_a).get(reverse("clinic:patient", args=[patient_a.pk]))

    reads = AccessLog.objects.filter(action="patient.view", patient=patient_a)
    assert reads.get(actor=clinician_b).route == "covering"
    assert reads.get(actor=clinician_a).route == "care_team"


def test_the_patient_and_the_admin_read_covering_in_plain_words(
    clinician_a, clinician_b, patient_a, admin_user
):
    cover(clinician_b, clinician_a)
    with time_machine.travel(NY_START + timedelta(hours=12), tick=False):
        signed_in(clinician_b).get(reverse("clinic:patient", args=[patient_a.pk]))
        mine = signed_in(patient_a.user).get(reverse("journal:access_log")).content.decode()
        log = signed_in(admin_user).get(reverse("manage:access_log")).content.decode()

    assert "covering for a colleague on the care team" in mine
    assert "covering for a colleague on the care team" in log


def test_a_read_reached_several_ways_is_logged_by_the_closest_route(
    clinician_a, clinician_b, patient_a
):
    # Clinician B covers A today and also holds a break-glass grant for A's patient: the
    # read is "covering" (the grant adds nothing); once B joins the team it is "care_team".
    cover(clinician_b, clinician_a)
    BreakGlassGrant.objects.create(
        patient=patient_a,
        clinician=clinician_b,
        reason="x" * 12,
        starts_at=NY_START,
        ends_at=NY_END,
    )
    patient_page = reverse("clinic:patient", args=[patient_a.pk])
    with time_machine.travel(NY_START + timedelta(hours=12), tick=False):
        client = signed_in(clinician_b)
        client.get(patient_page)
        patient_a.care_team.add(clinician_b)
        client.get(patient_page)

    routes = AccessLog.objects.filter(action="patient.view", actor=clinician_b).order_by("pk")
    assert list(routes.values_list("route", flat=True)) == ["covering", "care_team"]


# --- Alerts --------------------------------------------------------------------------------


def test_clinicians_to_alert_is_the_care_team_and_whoever_covers_one_of_them_today(
    clinician_a, clinician_b, patient_a
):
    third = ClinicianFactory()
    cover(clinician_b, clinician_a)
    cover(third, clinician_a, first=DAY + timedelta(days=1), last=DAY + timedelta(days=1))
    cover(ClinicianFactory(is_active=False), clinician_a)  # deactivated: reads nothing

    assert care_team.clinicians_to_alert(patient_a, NY_START) == [clinician_a, clinician_b]
    assert care_team.clinicians_to_alert(patient_a.pk, NY_END) == [clinician_a, third]
    assert care_team.clinicians_to_alert(patient_a, NY_END - timedelta(days=2)) == [clinician_a]


def test_an_urgent_report_alerts_the_covering_clinician_at_once(
    clinician_a, clinician_b, patient_a
):
    cover(clinician_b, clinician_a)
    now = NY_START + timedelta(hours=14)  # 14:00 in New York: nobody's quiet hours

    report = urgent_report(patient_a, now)

    recipients = set(report.deliveries.values_list("recipient_id", flat=True))
    assert recipients == {clinician_a.pk, clinician_b.pk}


def test_an_escalation_reaches_the_covering_clinician(
    clinician_a, clinician_b, patient_a, settings
):
    settings.LDN_URGENT_ESCALATE_TO_ADMINS = False
    cover(clinician_b, clinician_a)
    now = NY_START + timedelta(hours=14)
    report = urgent_report(patient_a, now)

    urgent.escalate_due(now + timedelta(hours=2))

    escalations = report.deliveries.filter(kind=ReminderDelivery.Kind.ESCALATION)
    assert set(escalations.values_list("recipient_id", flat=True)) == {
        clinician_a.pk,
        clinician_b.pk,
    }


def test_a_break_glass_push_to_a_coverer_opens_a_page_that_outlives_the_coverage(
    clinician_a, clinician_b, patient_a, admin_user, monkeypatch
):
    # It opened the record's page, which answers 404 to them once the coverage is over,
    # while the notice stays on their device (found by h1).
    cover(clinician_b, clinician_a)
    opened = {}
    for user in (clinician_a, clinician_b, admin_user):
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example.org/{user.pk}", p256dh="k", auth="a"
        )
    monkeypatch.setattr(
        break_glass, "send_push", lambda subs, push: opened.update({subs[0].user_id: push["url"]})
    )
    grant = BreakGlassGrant.objects.create(
        patient=patient_a,
        clinician=ClinicianFactory(),
        reason="x" * 12,
        starts_at=NY_START,
        ends_at=NY_END,
    )

    break_glass.alert(grant, NY_START + timedelta(hours=2))

    assert opened == {
        admin_user.pk: reverse("manage:access_log"),
        clinician_a.pk: reverse("clinic:patient", args=[patient_a.pk]),
        clinician_b.pk: reverse("clinic:patients"),
    }
    with time_machine.travel(NY_END + timedelta(days=1), tick=False):
        client = signed_in(clinician_b)
        assert client.get(opened[clinician_b.pk]).status_code == 200
        assert client.get(reverse("clinic:patient", args=[patient_a.pk])).status_code == 404


def test_a_break_glass_notice_reaches_the_covering_clinician(
    clinician_a, clinician_b, patient_a, admin_user
):
    cover(clinician_b, clinician_a)
    opener = ClinicianFactory()
    grant = BreakGlassGrant.objects.create(
        patient=patient_a, clinician=opener, reason="x" * 12, starts_at=NY_START, ends_at=NY_END
    )

    break_glass.alert(grant, NY_START + timedelta(hours=2))

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [admin_user.email, clinician_a.email, clinician_b.email]
    )


# --- Overlaps --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("covering_is_a", "first", "last", "refused"),
    [
        (True, DAY, DAY + timedelta(days=3), True),  # the same pair, the same days
        (True, DAY - timedelta(days=5), DAY, True),  # the same pair, one shared day
        (False, DAY + timedelta(days=1), DAY + timedelta(days=2), True),  # each other
        (True, DAY + timedelta(days=4), DAY + timedelta(days=6), False),  # after it: fine
    ],
)
def test_a_coverage_overlapping_one_of_the_same_two_clinicians_is_refused(
    clinician_a, clinician_b, covering_is_a, first, last, refused
):
    """Ending one of two overlapping coverages left the access open through the other, and
    two clinicians covering each other were each both away and covering."""
    from patients import coverage  # noqa: PLC0415

    cover(clinician_a, clinician_b, DAY, DAY + timedelta(days=3))
    covering, covered = (clinician_a, clinician_b) if covering_is_a else (clinician_b, clinician_a)
    found = coverage.problems(covering, covered, first, last, NY_START - timedelta(days=7))
    assert bool(found) is refused, found
    if refused:
        [message] = found[""]
        assert "2 Mar 2026" in message
        assert "5 Mar 2026" in message


def test_a_coverage_ended_early_no_longer_blocks_its_days(clinician_a, clinician_b):
    from patients import coverage  # noqa: PLC0415

    now = NY_START - timedelta(days=7)
    cover(clinician_a, clinician_b, DAY, DAY + timedelta(days=3), ended_at=now - SECOND)
    assert coverage.problems(clinician_a, clinician_b, DAY, DAY, now) == {}
