"""Run by tests/test_migrations_sqlite.py inside `manage.py shell` on a seeded SQLite demo:
every role's main pages answer 200 (make run's fallback database, no PostgreSQL arrays)."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts.models import Role, User
from patients.models import Patient

settings.ALLOWED_HOSTS = ["*"]
settings.LDN_REQUIRE_STAFF_MFA = False
failures = []


def visit(user, urls):
    client = Client()
    client.force_login(user)
    for url in urls:
        status = client.get(url, follow=True).status_code
        if status != 200:
            failures.append(f"{status} {url} as {user.role}")


clinician = User.objects.get(email="clinician@example.com")
patient = Patient.objects.visible_to(clinician).first()
visit(
    clinician,
    [reverse("clinic:patients"), reverse("clinic:patients") + "?q=a&kind=missed"]
    + [reverse(f"clinic:{name}", args=[patient.pk]) for name in ("patient", "report", "plan")]
    + [reverse("clinic:export", args=[patient.pk, fmt]) for fmt in ("csv", "fhir")],
)
visit(
    patient.user,
    [
        reverse("journal:home"),
        reverse("journal:history"),
        reverse("journal:trends"),
        reverse("journal:export_format", args=["csv"]),
    ],
)
visit(
    User.objects.filter(role=Role.ADMIN).first(),
    [reverse("manage:people"), reverse("manage:coverage"), reverse("manage:closures")],
)
print("FAILURES:", failures if failures else "none")
