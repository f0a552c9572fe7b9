"""Audit completeness (in the spirit of Zulip's audit-log tests).

Every clinician/admin read of a patient's data leaves an access-log row with the right actor,
patient, action and object; every write of patient data leaves an access-log row or a history
row (django-simple-history, or the immutable numbered plan versions) with the actor and the
old and new values; security events (sign-in, failed sign-in, MFA added and removed, password
changed, denied object access, deactivation) are logged too. Grow the tables as features land.
"""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.utils import timezone

from ldn_journal.accounts.models import AccessLog
from patients.models import ClinicianNote, FlagReview, NightlyEntry, SymptomScale, UrgentReport
from prescriptions.models import PlanTemplate, PlanVersion
from tests import figures
from tests.factories import PASSWORD, ClinicianFactory, PatientFactory
from tests.prescriptions.factories import make_prescription
from tests.security.reauth import signed_in_reauthenticated


@pytest.fixture
def clinic(patient_a, clinician_a, clinician_b, admin_user):
    """Patient A on a plan, with a logged night, a review and an urgent report."""
    night = timezone.localdate(timezone=patient_a.tz) - timedelta(days=1)
    prescription = make_prescription(patient_a, clinician_a, start=night - timedelta(days=20))
    entry = NightlyEntry.objects.create(
        patient=patient_a,
        night=night - timedelta(days=3),
        status="taken",
        dose_mg=Decimal("1.5"),
        prescribed_mg=Decimal("1.5"),
        taken_at=timezone.now() - timedelta(days=3),
    )
    return {
        "night": night,
        "entry": entry,
        "version": prescription.versions.get(number=1),
        "review": FlagReview.objects.create(
            patient=patient_a, reviewed_through=night, reviewed_by=clinician_a
        ),
        "report": UrgentReport.objects.create(
            patient=patient_a, symptoms=["rash_swelling"], severity="severe"
        ),
    }


def latest_row(**filters):
    return AccessLog.objects.filter(**filters).order_by("-pk").first()


# --- Reads -----------------------------------------------------------------------------------

READS = [
    # (name, url, action, object type or "" for any)
    ("patient page", "/clinic/patients/{p}/", "patient.view", "patient"),
    ("entry history", "/clinic/patients/{p}/entries/{entry}/history/", "entry.history", ""),
    ("visit report", "/clinic/patients/{p}/report/", "report.view", ""),
    ("CSV export", "/clinic/patients/{p}/export/csv/", "export.csv", "patient"),
    ("FHIR export", "/clinic/patients/{p}/export/fhir/", "export.fhir", "patient"),
    ("plan", "/clinic/patients/{p}/plan/", "plan.read", "prescription"),
    ("plan version", "/clinic/patients/{p}/plan/versions/{version}/", "plan.version.read", ""),
    ("urgent report", "/clinic/reports/{report}/", "urgent.read", "urgentreport"),
]


@pytest.mark.parametrize(("name", "url", "action", "object_type"), READS, ids=[r[0] for r in READS])
def test_every_clinician_read_of_patient_data_is_in_the_access_log(
    clinic, patient_a, clinician_a, name, url, action, object_type
):
    client = signed_in_reauthenticated(clinician_a)
    url = url.format(
        p=patient_a.pk,
        entry=clinic["entry"].pk,
        version=clinic["version"].pk,
        report=clinic["report"].pk,
    )
    before = AccessLog.objects.count()
    response = client.get(url)
    assert response.status_code == 200, url
    row = latest_row(action=action)
    assert row is not None, f"{name}: no {action!r} row"
    assert AccessLog.objects.count() > before, f"{name}: no {action!r} row"
    assert row.actor == clinician_a
    assert row.actor_role == "clinician"
    assert row.patient == patient_a
    if object_type:
        assert row.object_type == object_type
    assert row.request_id
    assert row.ip
    figures.add("audit", "reads proven logged")


def test_the_urgent_report_list_logs_which_reports_were_shown(clinic, clinician_a):
    signed_in_reauthenticated(clinician_a).get("/clinic/reports/")
    row = latest_row(action="urgent.list", actor=clinician_a)
    assert clinic["report"].pk in row.detail["reports"]
    figures.add("audit", "reads proven logged")


def test_the_dashboard_list_logs_which_patients_were_shown(clinic, patient_a, clinician_a):
    signed_in_reauthenticated(clinician_a).get("/clinic/")
    row = latest_row(actor=clinician_a)
    assert row is not None, "the dashboard read no log"
    assert row.action.startswith("dashboard"), "the dashboard read no log"
    assert patient_a.pk in row.detail["patients"]
    figures.add("audit", "reads proven logged")


def test_the_admins_unassigned_urgent_list_logs_which_reports_were_shown(admin_user):
    """The generated read check covers clinicians' pages only, and patient A's report has a
    clinician to go to: without this, dropping the admins' list from the log passed."""
    orphan = PatientFactory(clinicians=[ClinicianFactory(is_active=False)])
    waiting = UrgentReport.objects.create(
        patient=orphan, symptoms=["rash_swelling"], severity="severe"
    )
    response = signed_in_reauthenticated(admin_user).get("/manage/urgent/")
    assert orphan.user.name in response.content.decode()
    row = latest_row(action="urgent.unassigned_list", actor=admin_user)
    assert row is not None, "the admins' unassigned urgent list read no log"
    assert row.detail["reports"] == [waiting.pk]
    figures.add("audit", "reads proven logged")


def test_the_new_prescription_page_for_a_patient_without_a_plan_logs_the_read(
    patient_a, clinician_a
):
    """It names the patient, but patient A of the generated read check has a plan already,
    so that check never saw it: dropping its log passed."""
    response = signed_in_reauthenticated(clinician_a).get(
        f"/clinic/patients/{patient_a.pk}/plan/new/"
    )
    assert response.status_code == 200
    assert patient_a.user.name in response.content.decode()
    row = latest_row(action="plan.read", actor=clinician_a)
    assert row is not None, "the new prescription page read no log"
    assert (row.patient, row.detail["page"]) == (patient_a, "prescription_new")
    figures.add("audit", "reads proven logged")


# --- Writes by clinicians -------------------------------------------------------------------


def test_a_clinician_note_is_logged_with_its_history(clinic, patient_a, clinician_a):
    client = signed_in_reauthenticated(clinician_a)
    client.post(f"/clinic/patients/{patient_a.pk}/notes/", {"text": "Call about dreams"})
    note = ClinicianNote.objects.get(patient=patient_a)
    row = latest_row(action="note.add")
    assert (row.actor, row.patient, row.object_id) == (clinician_a, patient_a, str(note.pk))
    created = note.history.get()
    assert (created.history_type, created.history_user, created.text) == (
        "+",
        clinician_a,
        "Call about dreams",
    )
    figures.add("audit", "writes proven logged")


def test_marking_reviewed_and_undoing_it_are_logged(clinic, patient_a, clinician_a):
    client = signed_in_reauthenticated(clinician_a)
    client.post(
        f"/clinic/patients/{patient_a.pk}/review/",
        {"reviewed_through": clinic["night"].isoformat()},
    )
    row = latest_row(action="flags.review")
    assert (row.actor, row.patient) == (clinician_a, patient_a)
    review = FlagReview.objects.filter(patient=patient_a).order_by("-pk").first()
    client.post(f"/clinic/patients/{patient_a.pk}/review/{review.pk}/undo/")
    row = latest_row(action="flags.review_undo")
    assert (row.actor, row.patient, row.object_id) == (clinician_a, patient_a, str(review.pk))
    figures.add("audit", "writes proven logged", 2)


def test_adding_a_symptom_scale_is_logged(clinic, patient_a, clinician_a):
    signed_in_reauthenticated(clinician_a).post(
        f"/clinic/patients/{patient_a.pk}/scales/",
        {"name": "Brain fog", "low_anchor": "clear", "high_anchor": "foggy"},
    )
    row = latest_row(action="scale.add")
    assert (row.actor, row.patient) == (clinician_a, patient_a)
    figures.add("audit", "writes proven logged")


def test_stopping_and_asking_a_symptom_scale_again_are_logged_once(clinic, patient_a, clinician_a):
    scale = SymptomScale.objects.create(patient=patient_a, name="Brain fog")
    client = signed_in_reauthenticated(clinician_a)
    for _tap in range(2):
        client.post(f"/clinic/patients/{patient_a.pk}/scales/{scale.pk}/stop/")
    for _tap in range(2):
        client.post(f"/clinic/patients/{patient_a.pk}/scales/{scale.pk}/ask/")
    for action in ("scale.stop", "scale.ask_again"):
        rows = AccessLog.objects.filter(action=action)
        assert [(r.actor, r.patient, r.object_id) for r in rows] == [
            (clinician_a, patient_a, str(scale.pk))
        ], action
    figures.add("audit", "writes proven logged", 2)


def _signed(**fields):
    return {"based_on": "1", "reason": "Vivid dreams", "patient_note": "", **fields}


@pytest.mark.parametrize(
    ("path", "data", "kind"),
    [
        (
            "plan/hold/",
            lambda night: _signed(hold_from=night, hold_until="", hold_reason="planned_surgery"),
            "hold",
        ),
        (
            "plan/dosing-time/",
            # Mornings start on a day whose morning is still ahead: tomorrow's.
            lambda night: _signed(
                dosing_time="morning",
                effective_night=(date.fromisoformat(night) + timedelta(days=1)).isoformat(),
            ),
            "",
        ),
        ("plan/end/", lambda night: _signed(confirm="on"), "ended"),
    ],
    ids=["hold", "dosing time", "end"],
)
def test_a_plan_change_is_a_signed_version_and_an_access_log_row(
    clinic, patient_a, clinician_a, path, data, kind
):
    client = signed_in_reauthenticated(clinician_a)
    tonight = (clinic["night"] + timedelta(days=1)).isoformat()
    response = client.post(f"/clinic/patients/{patient_a.pk}/{path}", data(tonight))
    assert response.status_code == 302, response.content.decode()[:2000]
    version = PlanVersion.objects.filter(prescription__patient=patient_a).order_by("-number")[0]
    assert version.number == 2
    assert version.author == clinician_a
    assert "Vivid dreams" in version.reason
    old = PlanVersion.objects.get(prescription__patient=patient_a, number=1)
    assert old.as_plain() != version.as_plain()  # old and new values both kept
    row = latest_row(action="plan.change")
    assert (row.actor, row.patient, row.detail["version"]) == (clinician_a, patient_a, 2)
    if kind:
        assert row.detail["kind"] == kind
    figures.add("audit", "writes proven logged")


def test_acknowledging_an_urgent_report_is_logged_with_its_history(clinic, patient_a, clinician_a):
    report = clinic["report"]
    signed_in_reauthenticated(clinician_a).post(
        f"/clinic/reports/{report.pk}/acknowledge/",
        {"note": "Called the patient", "decision": "continue"},
    )
    row = latest_row(action="urgent.acknowledge")
    assert (row.actor, row.patient, row.object_id) == (clinician_a, patient_a, str(report.pk))
    change = report.history.order_by("-history_id").first()
    assert change.history_user == clinician_a
    assert change.acknowledged_at is not None
    assert change.prev_record.acknowledged_at is None
    figures.add("audit", "writes proven logged")


def test_a_plan_template_keeps_its_history(clinician_a):
    client = signed_in_reauthenticated(clinician_a)
    client.post(
        "/clinic/templates/new/",
        {
            "name": "Slow start",
            "description": "",
            "steps-TOTAL_FORMS": "2",
            "steps-INITIAL_FORMS": "0",
            "steps-0-dose_mg": "1",
            "steps-0-days": "14",
            "steps-1-dose_mg": "1.5",
            "steps-1-days": "",
        },
    )
    template = PlanTemplate.objects.get(name="Slow start")
    assert template.history.get().history_user == clinician_a
    figures.add("audit", "writes proven logged")


# --- Writes by patients ----------------------------------------------------------------------


def test_each_change_to_a_nightly_entry_keeps_who_and_the_old_and_new_values(
    clinic, patient_a, patient_client
):
    night = clinic["night"]

    def submission(path):
        return patient_client.get(path).context["form"]["submission_id"].value()

    dose_url = f"/journal/night/{night}/dose/"
    for dose in ("1.5", "3"):
        patient_client.post(
            dose_url,
            {"submission_id": submission(dose_url), "dose": dose, "taken_at": f"{night}T22:15"},
        )
    entry = NightlyEntry.objects.get(patient=patient_a, night=night)
    history = list(entry.history.order_by("history_id"))
    assert [h.history_type for h in history][:2] == ["+", "~"]
    assert {h.history_user for h in history} == {patient_a.user}
    assert (history[0].dose_mg, history[-1].dose_mg) == (Decimal("1.5"), Decimal("3"))
    figures.add("audit", "writes proven logged", 2)


def test_a_patients_urgent_report_keeps_its_history(clinic, patient_a, patient_client):
    patient_client.post(
        "/journal/reaction/",
        {"submission_id": str(uuid.uuid4()), "symptoms": ["vomiting"], "severity": "severe"},
    )
    report = UrgentReport.objects.filter(patient=patient_a).order_by("-pk").first()
    assert report.symptoms == ["vomiting"]
    assert report.history.get().history_user == patient_a.user
    figures.add("audit", "writes proven logged")


# --- Security events -------------------------------------------------------------------------


def test_sign_in_and_failed_sign_in_are_logged_without_the_address(client, patient_a):
    client.post("/accounts/login/", {"login": patient_a.user.email, "password": "nope"})
    failed = latest_row(action="login_failed")
    assert failed.actor is None
    assert patient_a.user.email not in str(failed.detail)
    client.post("/accounts/login/", {"login": patient_a.user.email, "password": PASSWORD})
    assert latest_row(action="login").actor == patient_a.user
    figures.add("audit", "security events proven logged", 2)


def test_adding_and_removing_a_second_factor_are_logged(
    client, clinician_a, django_capture_on_commit_callbacks
):
    # The clock stands still: a code computed just before a 30-second step ends was refused
    # when allauth checked it in the next step (seen once in a loaded full run).
    with time_machine.travel(timezone.now(), tick=False):
        _add_and_remove_a_second_factor(client, clinician_a, django_capture_on_commit_callbacks)


def _add_and_remove_a_second_factor(client, clinician_a, django_capture_on_commit_callbacks):
    client.post("/accounts/login/", {"login": clinician_a.email, "password": PASSWORD})
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    secret = client.get("/accounts/2fa/totp/activate/").context["form"].secret
    code = format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))
    # allauth announces MFA changes after the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert latest_row(action="mfa_added").actor == clinician_a
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/2fa/totp/deactivate/", {})
    assert latest_row(action="mfa_removed").actor == clinician_a
    figures.add("audit", "security events proven logged", 2)


def test_changing_the_password_is_logged(client, patient_a):
    client.post("/accounts/login/", {"login": patient_a.user.email, "password": PASSWORD})
    client.post(
        "/accounts/password/change/",
        {
            "oldpassword": PASSWORD,
            "password1": "amber-lighthouse-91x",
            "password2": "amber-lighthouse-91x",
        },
    )
    assert latest_row(action="password_changed").actor == patient_a.user
    figures.add("audit", "security events proven logged")


def test_another_teams_clinician_asking_for_a_patient_is_logged_server_side(
    clinic, patient_a, clinician_b, patient_b
):
    client = signed_in_reauthenticated(clinician_b)
    response = client.get(f"/clinic/patients/{patient_a.pk}/")
    assert response.status_code == 404
    row = latest_row(action="access_denied")
    assert row.actor == clinician_b
    assert row.detail == {"url": "clinic:patient", "ids": {"pk": str(patient_a.pk)}}
    # Not tied to the patient: it never shows on patient A's "who viewed my data" page,
    # and the 404 page is the same as for an id that does not exist.
    assert row.patient is None
    missing = client.get("/clinic/patients/999999/")
    assert missing.content == response.content
    figures.add("audit", "security events proven logged")


def test_deactivating_an_account_is_logged(patient_a, admin_user):
    signed_in_reauthenticated(admin_user).post(
        f"/manage/people/{patient_a.user.pk}/active/", {"active": "0"}
    )
    row = latest_row(action="account_deactivated")
    assert row.actor == admin_user
    figures.add("audit", "security events proven logged")
