"""Who may use each URL, declared once per view, for the generated access matrix.

Roles: anonymous; patient A and patient B; clinician A (patient A's care team) and clinician B
(another team); an admin; a deactivated user; and clinician A without MFA while the clinic
requires it ("staff_no_mfa"). Objects named in a URL belong to patient A.

Expectations: "allowed" (anything but 403/404/login), "404", "login" (redirect to sign-in),
"mfa" (redirect to MFA setup), "any" (public pages whose answer depends on the input).
"""

from dataclasses import dataclass, field

from tests.factories import AdminFactory, ClinicianFactory, PatientFactory, UserFactory

THIRD_PARTY_PREFIXES = ("accounts/", "admin/")

ALL_ROLES = (
    "anonymous",
    "patient_a",
    "patient_b",
    "clinician_a",
    "clinician_b",
    "admin",
    "inactive",
    "staff_no_mfa",
)
PATIENTS = {"patient_a", "patient_b"}
CLINICIANS = {"clinician_a", "clinician_b"}


@dataclass
class Cast:
    patient_a: object
    patient_b: object
    clinician_a: object
    clinician_b: object
    admin: object
    inactive: object
    objects: dict = field(default_factory=dict)

    def user_for(self, role):
        return {
            "anonymous": None,
            "patient_a": self.patient_a.user,
            "patient_b": self.patient_b.user,
            "clinician_a": self.clinician_a,
            "clinician_b": self.clinician_b,
            "admin": self.admin,
            "inactive": self.inactive,
            "staff_no_mfa": self.clinician_a,
        }[role]


def build_cast():
    clinician_a = ClinicianFactory()
    clinician_b = ClinicianFactory()
    cast = Cast(
        patient_a=PatientFactory(clinicians=[clinician_a]),
        patient_b=PatientFactory(clinicians=[clinician_b]),
        clinician_a=clinician_a,
        clinician_b=clinician_b,
        admin=AdminFactory(),
        inactive=UserFactory(is_active=False),
    )
    for build in OBJECT_BUILDERS:
        build(cast)
    return cast


def _invitation(cast):
    from ldn_journal.accounts.invitations import invite

    cast.objects["invitation_by_clinician_a"] = invite(
        cast.clinician_a, "invited.patient@example.org", "patient"
    ).invitation


OBJECT_BUILDERS = [_invitation]

# Default values for URL parameters: objects of patient A / clinician A's team.
DEFAULT_PARAMS = {
    "patient_id": lambda c: c.patient_a.pk,
    "user_id": lambda c: c.patient_a.user.pk,
    "token": lambda c: "not-a-valid-token",
}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset = frozenset()  # roles allowed; everyone else gets 404 (or login/mfa)
    public: bool = False  # no login needed; answers depend on input
    staff: bool = False  # clinicians/admins: MFA applies when required
    params: dict = field(default_factory=dict)
    post_only: bool = False

    def param(self, name, cast):
        value = self.params.get(name, DEFAULT_PARAMS.get(name))
        if value is None:
            raise KeyError(f"no value for URL parameter {name!r}: declare it in the rule")
        return value(cast) if callable(value) else value

    def expected(self, role, method):
        if self.public:
            return "any"
        if role in ("anonymous", "inactive"):
            return "login"
        if role == "staff_no_mfa":
            return "mfa"
        return "allowed" if role in self.allowed else "404"


def rule(*roles, **kwargs):
    expanded = set()
    for role in roles:
        expanded |= {"patient": PATIENTS, "clinician": CLINICIANS}.get(role, {role})
    return Rule(allowed=frozenset(expanded), **kwargs)


RULES = {
    "home": Rule(public=True),
    "healthz": Rule(public=True),
    "accept_invitation": Rule(public=True),
    # Patient area
    "journal:home": rule("patient"),
    # Clinician area
    "clinic:patients": rule("clinician"),
    "clinic:invite": rule("clinician"),
    "clinic:invitations": rule("clinician"),
    "clinic:invitation_action": rule(
        "clinician_a",
        post_only=True,
        params={"pk": lambda c: c.objects["invitation_by_clinician_a"].pk, "action": "resend"},
    ),
    # Management area
    "manage:people": rule("admin"),
    "manage:set_active": rule("admin", post_only=True),
    "manage:invite": rule("admin"),
    "manage:invitations": rule("admin"),
    "manage:invitation_action": rule(
        "admin",
        post_only=True,
        params={"pk": lambda c: c.objects["invitation_by_clinician_a"].pk, "action": "resend"},
    ),
}
