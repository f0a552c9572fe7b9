"""Who may use each URL, declared once per view, for the generated access matrix.

Roles: anonymous; patient A and patient B; clinician A (patient A's care team) and clinician B
(another team); an admin; a deactivated user; and clinician A without MFA while the clinic
requires it ("staff_no_mfa"). Objects named in a URL belong to patient A.

Expectations: "allowed" (anything but 403/404/login), "404", "login" (redirect to sign-in),
"mfa" (redirect to MFA setup), "any" (public pages whose answer depends on the input).
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from ldn_journal.accounts.bulk_invitations import build_batch
from ldn_journal.accounts.invitations import invite
from ldn_journal.accounts.models import AccountClosure
from patients.models import (
    CareTeamRequest,
    Coverage,
    FlagReview,
    NightlyEntry,
    PushSubscription,
    SymptomScale,
    UrgentReport,
)
from prescriptions.models import PlanTemplate
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory, UserFactory
from tests.prescriptions.factories import make_prescription

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

    cast.objects["invitation_by_clinician_a"] = invite(
        cast.clinician_a, "invited.patient@example.org", "patient"
    ).invitation


def _night(cast):
    """A recent night of patient A's that every journal form accepts (yesterday, local)."""

    cast.objects["night"] = timezone.localdate(timezone=cast.patient_a.tz) - timedelta(days=1)


def _plan(cast):

    prescription = make_prescription(
        cast.patient_a, cast.clinician_a, start=cast.objects["night"] - timedelta(days=30)
    )
    cast.objects["plan_version"] = prescription.versions.order_by("-number").first()


def _template(cast):

    cast.objects["template"] = PlanTemplate.objects.create(
        name="Access matrix template",
        steps=[{"dose_mg": "1.5", "days": 14}, {"dose_mg": "4.5", "days": None}],
        updated_by=cast.clinician_a,
    )


def _patient_a_records(cast):

    night = cast.objects["night"] - timedelta(days=2)
    cast.objects["entry"] = NightlyEntry.objects.create(
        patient=cast.patient_a,
        night=night,
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=datetime(night.year, night.month, night.day, 22, tzinfo=UTC),
    )
    cast.objects["review"] = FlagReview.objects.create(
        patient=cast.patient_a, reviewed_through=night, reviewed_by=cast.clinician_a
    )
    cast.objects["scale"] = SymptomScale.objects.create(patient=cast.patient_a, name="Brain fog")
    cast.objects["urgent_report"] = UrgentReport.objects.create(
        patient=cast.patient_a, symptoms=["rash_swelling"], severity="severe"
    )
    cast.objects["push_subscription"] = PushSubscription.objects.create(
        user=cast.patient_a.user,
        endpoint="https://push.example.org/send/patient-a",
        p256dh="BPatientA",
        auth="patient-a-auth",
    )


def _care_team_request(cast):
    """Clinician B asks to join patient A's care team: only patient A may decide it."""
    cast.objects["care_team_request"] = CareTeamRequest.objects.create(
        patient=cast.patient_a, clinician=cast.clinician_b, requested_by=cast.clinician_b
    )


def _coverage(cast):
    """Clinician B will cover clinician A from tomorrow: an admin may end it, nobody else sees it
    (upcoming, so it grants clinician B nothing in the matrix)."""
    today = timezone.localdate()
    cast.objects["coverage"] = Coverage.objects.create(
        covering=cast.clinician_b,
        covered=cast.clinician_a,
        first_day=today + timedelta(days=1),
        last_day=today + timedelta(days=2),
        reason="Annual leave",
        created_by=cast.admin,
    )


def _closure_request(cast):
    """Patient A asked for the account to be closed: only admins see or complete it."""
    cast.objects["closure"] = AccountClosure.objects.create(
        user=cast.patient_a.user, role="patient", requested_by=cast.patient_a.user
    )


def _bulk_invitation(cast):
    """A previewed CSV upload of the admin's: only admins may see or send it."""
    cast.objects["bulk_invitation"] = build_batch(
        cast.admin, b"email,role,name,clinician,country,language\nnew@example.org,admin,,,,\n"
    )


OBJECT_BUILDERS = [
    _coverage,
    _invitation,
    _night,
    _plan,
    _template,
    _patient_a_records,
    _care_team_request,
    _closure_request,
    _bulk_invitation,
]

# Default values for URL parameters: objects of patient A / clinician A's team.
DEFAULT_PARAMS = {
    "patient_id": lambda c: c.patient_a.pk,
    "user_id": lambda c: c.patient_a.user.pk,
    "token": lambda c: "not-a-valid-token",
    "night": lambda c: c.objects["night"].isoformat(),
    "fmt": "csv",
}


@dataclass(frozen=True)
class Rule:
    allowed: frozenset = frozenset()  # roles allowed; everyone else gets 404 (or login/mfa)
    public: bool = False  # no login needed; answers depend on input
    staff: bool = False  # clinicians/admins: MFA applies when required
    params: dict = field(default_factory=dict)
    post_only: bool = False
    get_only: bool = False  # the other method is refused (404 or 405) for everyone
    # The view asks for the password again (allauth's reauthentication_required): the matrix
    # requests it as someone who just did, and test_hardening proves the prompt.
    reauth: bool = False

    def serves(self, method):
        return not ((self.post_only and method == "get") or (self.get_only and method == "post"))

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


def _obj(key):
    return lambda c: c.objects[key].pk


PATIENT_A_ID = {"pk": lambda c: c.patient_a.pk}

RULES = {
    "home": Rule(public=True),
    "healthz": Rule(public=True),
    # No session gives access: only the bearer token (404 without it, tests/operations).
    "metrics": Rule(public=True, get_only=True),
    "accept_invitation": Rule(public=True),
    "webmanifest": Rule(public=True),
    "service_worker": Rule(public=True),
    "reminders_unsubscribe": Rule(public=True),
    # Patient area: each patient's own journal (the night in the URL is theirs).
    "journal:home": rule("patient"),
    "journal:taken_now": rule("patient", post_only=True),
    "journal:night": rule("patient"),
    "journal:evening": rule("patient"),
    "journal:skip": rule("patient"),
    "journal:taken_at": rule("patient", post_only=True),
    "journal:morning": rule("patient"),
    "journal:entry": rule("patient_a", params={"pk": _obj("entry")}),
    "journal:undo": rule("patient_a", post_only=True, params={"pk": _obj("entry")}),
    "journal:history": rule("patient"),
    "journal:history_list": rule("patient"),
    "journal:trends": rule("patient"),
    "journal:settings": rule("patient"),
    "journal:more": rule("patient", get_only=True),
    "journal:offline": rule("patient", get_only=True),
    # The session's CSRF token for the phone's outbox (same-origin JSON, never kept).
    "journal:outbox_token": rule("patient", get_only=True),
    "journal:plan": rule("patient", get_only=True),
    # Issue 15: a clinician joins a care team only when the patient accepts (or an admin links).
    "journal:care_team": rule("patient"),
    "journal:care_team_decide": rule(
        "patient_a",
        post_only=True,
        params={"pk": _obj("care_team_request"), "decision": "decline"},
    ),
    "journal:urgent_report": rule("patient"),
    "journal:urgent_guidance": rule("patient"),
    "journal:urgent_detail": rule("patient_a", params={"pk": _obj("urgent_report")}),
    "journal:reminders": rule("patient"),
    "journal:push_subscribe": rule("patient", post_only=True),
    "journal:push_remove": rule(
        "patient_a", post_only=True, params={"pk": _obj("push_subscription")}
    ),
    "journal:access_log": rule("patient"),
    "journal:export": rule("patient", reauth=True),
    "journal:export_format": rule("patient", reauth=True),
    # Issue 18: a patient asks for the account to be closed (an admin completes it).
    "journal:close_account": rule("patient", reauth=True),
    # Clinician area: patient A is on clinician A's team only.
    "clinic:patients": rule("clinician"),
    "clinic:patient": rule("clinician_a", params=PATIENT_A_ID),
    # Break-glass: any clinician (the team's own is sent to the record); others 404.
    "clinic:break_glass": rule("clinician", params=PATIENT_A_ID),
    "clinic:add_note": rule("clinician_a", post_only=True, params=PATIENT_A_ID),
    "clinic:mark_reviewed": rule("clinician_a", post_only=True, params=PATIENT_A_ID),
    "clinic:undo_review": rule(
        "clinician_a", post_only=True, params={**PATIENT_A_ID, "review_pk": _obj("review")}
    ),
    "clinic:add_scale": rule("clinician_a", post_only=True, params=PATIENT_A_ID),
    "clinic:stop_scale": rule(
        "clinician_a", post_only=True, params={**PATIENT_A_ID, "scale_pk": _obj("scale")}
    ),
    "clinic:ask_scale_again": rule(
        "clinician_a", post_only=True, params={**PATIENT_A_ID, "scale_pk": _obj("scale")}
    ),
    "clinic:entry_history": rule("clinician_a", params={**PATIENT_A_ID, "entry_pk": _obj("entry")}),
    "clinic:report": rule("clinician_a", params=PATIENT_A_ID),
    "clinic:identifiers": rule("clinician_a", params=PATIENT_A_ID),
    # A night of patient A's record (a night outside it is 404).
    "clinic:night": rule("clinician_a", params={**PATIENT_A_ID, "night": DEFAULT_PARAMS["night"]}),
    "clinic:export": rule("clinician_a", params=PATIENT_A_ID, reauth=True),
    "clinic:invite": rule("clinician"),
    "clinic:invitations": rule("clinician"),
    "clinic:invitation_action": rule(
        "clinician_a",
        post_only=True,
        params={"pk": lambda c: c.objects["invitation_by_clinician_a"].pk, "action": "resend"},
    ),
    "clinic:plan": rule("clinician_a"),
    "clinic:prescription_new": rule("clinician_a"),
    "clinic:plan_change": rule("clinician_a"),
    "clinic:plan_hold": rule("clinician_a", reauth=True),
    "clinic:plan_resume": rule("clinician_a", reauth=True),
    "clinic:plan_end": rule("clinician_a", reauth=True),
    "clinic:plan_dosing_time": rule("clinician_a"),
    "clinic:plan_version": rule("clinician_a", params={"version_id": _obj("plan_version")}),
    "clinic:plan_template_choose": rule("clinician_a"),
    "clinic:plan_template_apply": rule("clinician_a", params={"template_id": _obj("template")}),
    "clinic:suggestion_dismiss": rule("clinician_a", post_only=True),
    # Plan templates are clinic-wide: every clinician and the admins manage them.
    "clinic:templates": rule("clinician", "admin"),
    "clinic:template_new": rule("clinician", "admin"),
    "clinic:template_edit": rule("clinician", "admin", params={"template_id": _obj("template")}),
    "clinic:digest_settings": rule("clinician"),
    "clinic:urgent_reports": rule("clinician"),
    "clinic:urgent_report": rule("clinician_a", params={"pk": _obj("urgent_report")}),
    # An alert's link: the report for whoever may see it; a page saying why not for a
    # clinician once alerted (a coverage that ended); 404 for anyone never alerted.
    "clinic:urgent_alert": rule("clinician_a", params={"pk": _obj("urgent_report")}),
    "clinic:urgent_acknowledge": rule(
        "clinician_a", post_only=True, params={"pk": _obj("urgent_report")}
    ),
    # Management area
    "manage:people": rule("admin"),
    "manage:set_active": rule("admin", post_only=True),
    "manage:mfa_reset": rule("admin", reauth=True, params={"user_id": lambda c: c.clinician_b.pk}),
    "manage:close_person": rule("admin", reauth=True),
    "manage:closures": rule("admin"),
    "manage:closure_complete": rule("admin", reauth=True, params={"pk": _obj("closure")}),
    "manage:invite": rule("admin"),
    "manage:invitations": rule("admin"),
    "manage:bulk_invitations": rule("admin"),
    "manage:bulk_invitation_template": rule("admin", get_only=True),
    "manage:bulk_invitation": rule("admin", get_only=True, params={"pk": _obj("bulk_invitation")}),
    "manage:bulk_invitation_send": rule(
        "admin", post_only=True, params={"pk": _obj("bulk_invitation")}
    ),
    "manage:invitation_action": rule(
        "admin",
        post_only=True,
        params={"pk": lambda c: c.objects["invitation_by_clinician_a"].pk, "action": "resend"},
    ),
    "manage:access_log": rule("admin"),
    "manage:patient_identifiers": rule("admin", params=PATIENT_A_ID),
    "manage:care_team": rule("admin"),
    "manage:care_team_remove": rule(
        "admin",
        post_only=True,
        params={"patient_id": lambda c: c.patient_a.pk, "clinician_id": lambda c: c.clinician_a.pk},
    ),
    "manage:care_team_transfer": rule("admin"),
    "manage:coverage": rule("admin"),
    "manage:coverage_new": rule("admin"),
    "manage:coverage_end": rule("admin", post_only=True, params={"pk": _obj("coverage")}),
    # Admins route urgent reports (no health details on these pages).
    "manage:urgent_unassigned": rule("admin"),
    "manage:urgent_report": rule("admin", params={"pk": _obj("urgent_report")}),
    "manage:urgent_assign": rule("admin", post_only=True, params={"pk": _obj("urgent_report")}),
    "reminder_failures": rule("admin"),
}
