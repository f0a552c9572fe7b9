"""Demo accounts and care teams for `manage.py seed_demo` (idempotent).

Later parts of the demo (plans, nights, flags) are seeded by the apps that own them; this
module owns the people.
"""

from allauth.account.models import EmailAddress
from django.db import transaction

from ldn_journal.accounts.models import Role, User
from patients.clinic.demo import seed_access_log, seed_attention, seed_reviews
from patients.journal.demo import seed_journal
from patients.models import CareTeamMembership, Patient
from patients.urgent.demo import seed_urgent
from prescriptions.demo import seed_plans

DEMO_PASSWORD = "ldn-demo-2026"

STAFF = [
    ("admin@example.com", "Alex Admin", Role.ADMIN),
    ("clinician@example.com", "Dr Casey Morgan", Role.CLINICIAN),
    ("clinician2@example.com", "Dr Robin Patel", Role.CLINICIAN),
]

# (email, name, clinician email, time zone, conditions)
PATIENTS = [
    ("patient@example.com", "Pat Jones", "clinician@example.com", "Europe/London", "Fibromyalgia"),
    (
        "patient2@example.com",
        "Sam Taylor",
        "clinician@example.com",
        "America/New_York",
        "Crohn's disease",
    ),
    (
        "patient3@example.com",
        "Jo Williams",
        "clinician@example.com",
        "Europe/London",
        "Multiple sclerosis",
    ),
    ("patient4@example.com", "Chris Brown", "clinician@example.com", "Asia/Kolkata", "CRPS"),
    (
        "patient5@example.com",
        "Morgan Davies",
        "clinician@example.com",
        "Australia/Lord_Howe",
        "Fibromyalgia",
    ),
    (
        "patient6@example.com",
        "Jamie Wilson",
        "clinician2@example.com",
        "Europe/London",
        "Long COVID fatigue",
    ),
    (
        "patient7@example.com",
        "Taylor Evans",
        "clinician2@example.com",
        "America/Chicago",
        "Fibromyalgia",
    ),
    (
        "patient8@example.com",
        "Riley Thomas",
        "clinician2@example.com",
        "Europe/Berlin",
        "Crohn's disease",
    ),
    (
        "patient9@example.com",
        "Avery Roberts",
        "clinician2@example.com",
        "Europe/London",
        "Hashimoto's thyroiditis",
    ),
]


def _user(email, name, role):
    user, created = User.objects.get_or_create(
        email=email, defaults={"display_name": name, "role": role}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
    user.display_name, user.role, user.is_active = name, role, True
    user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed_people():
    """Create or refresh the demo accounts; returns {email: User} and {email: Patient}."""

    users = {email: _user(email, name, role) for email, name, role in STAFF}
    patients = {}
    for email, name, clinician_email, tz, conditions in PATIENTS:
        user = _user(email, name, Role.PATIENT)
        patient, _ = Patient.objects.update_or_create(
            user=user, defaults={"time_zone": tz, "conditions": conditions}
        )
        # Each demo patient is on exactly one team.
        CareTeamMembership.objects.filter(patient=patient).exclude(
            clinician=users[clinician_email]
        ).delete()
        CareTeamMembership.objects.get_or_create(
            patient=patient,
            clinician=users[clinician_email],
            defaults={"added_by": users[clinician_email]},
        )
        users[email] = user
        patients[email] = patient
    return users, patients


def extra_steps():
    """Seeding steps owned by the other apps, in dependency order (plans before nights)."""
    return [seed_plans, seed_journal, seed_reviews, seed_urgent, seed_access_log, seed_attention]
