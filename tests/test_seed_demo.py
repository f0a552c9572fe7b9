"""Point 12: seed_demo creates exactly the DESIGN.md §5 accounts, idempotently."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from ldn_journal.accounts.models import AccessLog, Role, User
from ldn_journal.demo import DEMO_PASSWORD
from patients.models import CareTeamMembership, FlagReview, NightlyEntry, Patient, UrgentReport
from prescriptions.models import PlanVersion
from tests.patients.attention_support import assert_stored_equals_fresh

PATIENTS = ["patient@example.com"] + [f"patient{n}@example.com" for n in range(2, 10)]
EXPECTED_ROLES = {
    "admin@example.com": Role.ADMIN,
    "clinician@example.com": Role.CLINICIAN,
    "clinician2@example.com": Role.CLINICIAN,
    **{email: Role.PATIENT for email in PATIENTS},
}


@pytest.fixture
def seeded(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)


def test_seed_demo_creates_exactly_the_demo_accounts(seeded):
    assert dict(User.objects.values_list("email", "role")) == EXPECTED_ROLES
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 12


def test_every_demo_patient_is_on_exactly_one_team_spread_over_both(seeded):
    teams = {}
    for email in PATIENTS:
        [clinician] = Patient.objects.get(user__email=email).care_team.all()
        teams.setdefault(clinician.email, []).append(email)
    assert "patient@example.com" in teams["clinician@example.com"]
    assert set(teams) == {"clinician@example.com", "clinician2@example.com"}
    assert all(len(members) >= 2 for members in teams.values())


def test_seed_demo_is_idempotent(seeded):
    def snapshot():
        return (
            sorted(User.objects.values_list("email", "role", "is_active")),
            sorted(
                CareTeamMembership.objects.values_list("patient__user__email", "clinician__email")
            ),
            EmailAddress.objects.count(),
        )

    before = snapshot()
    call_command("seed_demo", verbosity=0)
    assert snapshot() == before


def test_seed_demo_repairs_a_changed_demo_account(seeded):
    user = User.objects.get(email="patient@example.com")
    user.is_active = False
    user.save()
    call_command("seed_demo", verbosity=0)
    user.refresh_from_db()
    assert user.is_active


def test_every_demo_account_signs_in_with_the_published_password_and_lands_in_its_area(
    seeded,
):
    area = {Role.PATIENT: "/journal/", Role.CLINICIAN: "/clinic/", Role.ADMIN: "/manage/"}
    for email, role in EXPECTED_ROLES.items():
        client = Client()
        response = client.post("/accounts/login/", {"login": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, (email, response.content.decode()[:1000])
        assert client.get("/")["Location"] == area[role], email
        assert client.get(area[role]).status_code == 200, email


def test_seed_demo_refuses_with_debug_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run with DEBUG off"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists()


def test_seed_demo_runs_with_debug_off_when_forced(db, settings):
    settings.DEBUG = False
    call_command("seed_demo", "--force", verbosity=0)
    assert User.objects.count() == len(EXPECTED_ROLES)


def test_after_seeding_every_stored_list_row_equals_a_fresh_evaluation(seeded):
    """The journal's nights are bulk inserted (no signal): two of Dr Patel's patients were
    listed as never logged, 0 % / 0 %, while their own pages said 100 %."""
    now = timezone.now()
    for patient in Patient.objects.all():
        assert_stored_equals_fresh(patient, now)


def test_the_demo_hold_is_one_the_app_would_have_signed(seeded):
    """Jo's hold is signed before the first dose logged under it, and those doses have no
    prescribed dose, as the app stores a dose logged on a held night (the CSV said 4.50 mg
    where the pages said "on hold", for a dose logged before the hold existed)."""
    patient = Patient.objects.get(user__email="patient3@example.com")
    hold = PlanVersion.objects.filter(
        prescription__patient=patient, kind=PlanVersion.Kind.HOLD
    ).latest("number")
    held = NightlyEntry.objects.filter(patient=patient, night__gte=hold.hold_from)
    assert held.filter(status="taken").exists()
    for entry in held:
        assert entry.prescribed_mg is None
        assert entry.evening_logged_at is None or entry.evening_logged_at > hold.created_at
        assert entry.taken_at is None or entry.taken_at > hold.created_at


def test_the_demo_patient_sees_the_clinic_visits_the_demo_tells_of(seeded):
    """The demo wrote no access-log rows: Pat's "Who viewed my data" said "Nobody from the
    clinic has viewed your data yet" beside an urgent report marked "Seen by your clinician",
    two care-team notes and a flag review."""
    client = Client()
    client.force_login(User.objects.get(email="patient@example.com"))
    page = client.get("/journal/access/").content.decode()
    assert "Nobody from the clinic has viewed your data yet" not in page
    for said in (
        "Dr Casey Morgan",
        "Opened your journal",
        "Started a prescription for you",
        "Added a care-team note",
        "Reviewed your flags",
        "Read your urgent report",
        "Answered your urgent report",
    ):
        assert said in page, said


def test_the_demo_access_log_rows_are_care_team_reads_at_the_moments_of_the_demo(seeded):
    seeded_at = timezone.now()
    rows = AccessLog.objects.exclude(patient=None).select_related("patient")
    assert rows.filter(action="plan.change").exists()
    for row in rows:
        assert row.at < seeded_at
        assert row.actor_role == Role.CLINICIAN
        assert row.route == "care_team"
        assert row.patient.care_team.filter(pk=row.actor_id).exists()
    pat = Patient.objects.get(user__email="patient@example.com")
    review = FlagReview.objects.get(patient=pat)
    answered = UrgentReport.objects.get(patient=pat, acknowledged_at__isnull=False)
    assert rows.get(action="flags.review", object_id=str(review.pk)).at == review.at
    assert rows.get(action="urgent.acknowledge").at == answered.acknowledged_at


def test_seed_demo_twice_writes_the_access_log_rows_once(seeded):
    before = AccessLog.objects.count()
    assert before
    call_command("seed_demo", verbosity=0)
    assert AccessLog.objects.count() == before
