"""Point 12: seed_demo creates exactly the DESIGN.md §5 accounts, idempotently."""

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client

from ldn_journal.accounts.models import Role, User
from ldn_journal.demo import DEMO_PASSWORD
from patients.models import CareTeamMembership, Patient

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
