"""Every form a patient or clinician can submit, fed hostile values by hypothesis.

Never a 5xx; nothing stored when refused; no script echoed back. See tests/security/hostile.py
for the harness and the strategies. Add a HostileForm here whenever a new form lands.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection, transaction
from hypothesis import strategies as st

from ldn_journal.accounts.forms import CareTeamLinkForm, InvitedSignupForm, InviteForm
from patients.clinic.forms import (
    ChartForm,
    ExtraScaleForm,
    NoteForm,
    PatientIdentifiersForm,
    PatientListForm,
    ReviewForm,
)
from patients.journal.forms import EveningForm, MorningForm, PatientSettingsForm, SkipForm
from patients.models import ClinicianNote, ClinicianPreferences, PushSubscription
from patients.notifications.forms import DigestSettingsForm
from patients.urgent.forms import AcknowledgeForm, UrgentReportForm
from prescriptions.forms import (
    DismissForm,
    DosingTimeForm,
    EndForm,
    HoldForm,
    PlanStepsForm,
    PrescriptionForm,
    ResumeForm,
    TemplateForm,
)
from tests.security.access_rules import build_cast
from tests.security.hostile import HostileForm, check_form, hostile_strings, table_snapshot

INVITE_MODELS = (
    "accounts.Invitation",
    "accounts.User",
    "patients.CareTeamMembership",
    "patients.CareTeamRequest",
)
JOURNAL_MODELS = (
    "patients.NightlyEntry",
    "patients.SideEffect",
    "patients.SymptomScore",
    "patients.Submission",
)
PLAN_MODELS = ("prescriptions.Prescription", "prescriptions.PlanVersion", "prescriptions.PlanStep")
DOSES = ["1", "1.5", "1,5", "3", "4.5", "5", "0.5", "4.50"]


# --- Plausible values, so that some examples are accepted and the refusals are near misses --


def uuids():
    return st.uuids().map(str)


def nights(cast, before=8, after=20):
    night = cast.objects["night"]
    return st.integers(-before, after).map(lambda d: (night + timedelta(days=d)).isoformat())


def night_fields(cast):
    """The one tap's "night" field: near the night, absent (an older form), or anything."""
    return st.one_of(nights(cast, after=2), st.just(""), st.text(max_size=12))


def night_times(cast):
    night = cast.objects["night"]
    return st.builds(
        lambda d, h, m: f"{night + timedelta(days=d)}T{h:02d}:{m:02d}",
        st.integers(-1, 1),
        st.integers(0, 23),
        st.sampled_from([0, 15, 30, 59]),
    )


def clock_times():
    return st.sampled_from(["21:00", "07:30", "00:00", "23:59", "9pm", "21:00:00"])


def step_rows(prefix="steps", rows=3):
    data = {
        f"{prefix}-TOTAL_FORMS": st.sampled_from(["1", "2", "3", "0", "40", "1000"]),
        f"{prefix}-INITIAL_FORMS": st.just("0"),
    }
    for i in range(rows):
        data[f"{prefix}-{i}-dose_mg"] = st.sampled_from(DOSES)
        data[f"{prefix}-{i}-days"] = st.sampled_from(["14", "7", "", "0", "-7", "365"])
    return data


def signed(cast):
    """What every plan change carries: the version it was built from, reason and note."""
    return {"based_on": st.sampled_from(["1", "0", "2"]), "reason": st.just("Dreams too vivid")}


def _patient_a_url(suffix):
    return lambda cast: f"/clinic/patients/{cast.patient_a.pk}/{suffix}"


def _night_url(suffix):
    return lambda cast: f"/journal/night/{cast.objects['night'].isoformat()}/{suffix}"


def _password():
    return st.one_of(
        st.just("a-long-enough-passphrase-2026"),
        st.sampled_from(["password1234", "123456789012", "short", "invited.patient@example.org"]),
        hostile_strings(),
    )


def _push_keys():
    return st.fixed_dictionaries(
        {
            "p256dh": st.sampled_from(["B" + "A" * 86, "", "not-base64!"]),
            "auth": st.sampled_from(["A" * 22, "", "=="]),
        }
    )


FORMS = [
    # --- Invitations (clinicians and admins) ---
    HostileForm(
        name="clinician invites a patient",
        role="clinician_a",
        url=lambda cast: "/clinic/invite/",
        form_class=InviteForm,
        form_kwargs=lambda cast: {"inviter": cast.clinician_a},
        extra=lambda cast: {
            "email": st.sampled_from(["new.patient@example.org", cast.patient_b.user.email])
        },
        models=INVITE_MODELS,
    ),
    HostileForm(
        name="admin invites a clinician",
        role="admin",
        url=lambda cast: "/manage/invite/",
        form_class=InviteForm,
        form_kwargs=lambda cast: {"inviter": cast.admin},
        models=INVITE_MODELS,
    ),
    HostileForm(
        name="admin links a clinician to a care team",
        role="admin",
        url=lambda cast: "/manage/care-team/",
        form_class=CareTeamLinkForm,
        extra=lambda cast: {
            "patient_email": st.sampled_from([cast.patient_b.user.email, "nobody@example.org"]),
            "clinician": st.sampled_from(
                [str(cast.clinician_a.pk), str(cast.patient_b.user.pk), "0", "-1", "x"]
            ),
        },
        # The log's writes (care_team.add), not the list's read the refused page records.
        models=(*INVITE_MODELS, ("accounts.AccessLog", "t.action <> 'care_team.list'")),
    ),
    # --- The patient's journal ---
    HostileForm(
        name="journal: taken now",
        role="patient_a",
        url=lambda cast: "/journal/taken/",
        extra=lambda cast: {"submission_id": uuids(), "night": night_fields(cast)},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: taken offline, sent later",
        role="patient_a",
        url=lambda cast: "/journal/taken/",
        headers={"HTTP_X_LDN_REPLAY": "1"},
        extra=lambda cast: {
            "submission_id": uuids(),
            "night": night_fields(cast),
            "acted_at": st.text(max_size=40),
        },
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: when did you take it",
        role="patient_a",
        url=_night_url("taken-at/"),
        extra=lambda cast: {"submission_id": uuids(), "time": clock_times()},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: different dose or time",
        role="patient_a",
        url=_night_url("dose/"),
        form_class=EveningForm,
        extra=lambda cast: {
            "submission_id": uuids(),
            "dose": st.sampled_from(DOSES),
            "unit": st.sampled_from(["mg", "ml"]),
            "taken_at": night_times(cast),
            "bedtime": night_times(cast),
        },
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: undo taken",
        role="patient_a",
        url=lambda cast: f"/journal/entry/{cast.objects['entry'].pk}/undo/",
        extra=lambda cast: {"submission_id": uuids()},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: skip",
        role="patient_a",
        url=_night_url("skip/"),
        form_class=SkipForm,
        extra=lambda cast: {"submission_id": uuids()},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: morning check-in",
        role="patient_a",
        url=_night_url("morning/"),
        form_class=MorningForm,
        form_kwargs=lambda cast: {"extra_scales": ()},
        extra=lambda cast: {"submission_id": uuids()},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal: settings",
        role="patient_a",
        url=lambda cast: "/journal/settings/",
        form_class=PatientSettingsForm,
        form_kwargs=lambda cast: {"instance": cast.patient_a},
        extra=lambda cast: {
            "time_zone": st.sampled_from(["Europe/London", "Australia/Lord_Howe", "Mars/Base"]),
            **{
                name: clock_times()
                for name in (
                    "reminder_time",
                    "last_call_time",
                    "morning_time",
                    "quiet_start",
                    "quiet_end",
                )
            },
        },
        models=("patients.Patient", "accounts.User"),
    ),
    HostileForm(
        name="push subscription (JSON)",
        role="patient_a",
        url=lambda cast: "/journal/reminders/push/",
        json_body=True,
        extra=lambda cast: {
            "endpoint": st.sampled_from(
                ["https://push.example.org/abc", "http://push.example.org/x", "https://"]
            ),
            "keys": _push_keys(),
            "label": st.just("Phone"),
        },
        models=("patients.PushSubscription",),
    ),
    HostileForm(
        name="urgent report",
        role="patient_a",
        url=lambda cast: "/journal/reaction/",
        form_class=UrgentReportForm,
        extra=lambda cast: {"submission_id": uuids()},
        models=("patients.UrgentReport", "patients.ReminderDelivery"),
    ),
    # --- The clinician's patient page ---
    HostileForm(
        name="clinician note",
        role="clinician_a",
        url=_patient_a_url("notes/"),
        form_class=NoteForm,
        models=("patients.ClinicianNote",),
    ),
    HostileForm(
        name="mark reviewed",
        role="clinician_a",
        url=_patient_a_url("review/"),
        form_class=ReviewForm,
        extra=lambda cast: {"reviewed_through": nights(cast, before=30, after=3)},
        models=("patients.FlagReview",),
    ),
    HostileForm(
        name="extra symptom scale",
        role="clinician_a",
        url=_patient_a_url("scales/"),
        form_class=ExtraScaleForm,
        form_kwargs=lambda cast: {"patient": cast.patient_a},
        models=("patients.SymptomScale",),
    ),
    HostileForm(
        name="patient identifiers",
        role="clinician_a",
        url=_patient_a_url("identifiers/"),
        form_class=PatientIdentifiersForm,
        form_kwargs=lambda cast: {"instance": cast.patient_a, "today": cast.objects["night"]},
        extra=lambda cast: {
            "date_of_birth": st.sampled_from(["1971-04-02", "2099-01-01", "1899-12-31", "x"]),
            "phone": st.sampled_from(["+44 20 7946 0958", "12", "+1 (555) 010-0222"]),
        },
        models=("patients.Patient",),
    ),
    HostileForm(
        name="acknowledge urgent report",
        role="clinician_a",
        url=lambda cast: f"/clinic/reports/{cast.objects['urgent_report'].pk}/acknowledge/",
        form_class=AcknowledgeForm,
        models=("patients.UrgentReport", *PLAN_MODELS),
    ),
    HostileForm(
        name="clinician digest settings",
        role="clinician_a",
        url=lambda cast: "/clinic/settings/",
        form_class=DigestSettingsForm,
        extra=lambda cast: {"digest_time": clock_times()},
        # The page creates the defaults on first visit; a refused POST must not change them.
        setup=lambda cast: ClinicianPreferences.objects.get_or_create(user=cast.clinician_a),
        models=("patients.ClinicianPreferences",),
    ),
    # --- Plans ---
    HostileForm(
        name="plan: change steps",
        role="clinician_a",
        url=_patient_a_url("plan/change/"),
        form_class=PlanStepsForm,
        extra=lambda cast: {
            **signed(cast),
            "effective_night": nights(cast, before=2),
            "start_date": nights(cast, before=2),
            **step_rows(),
        },
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: apply a template",
        role="clinician_a",
        url=lambda cast: (
            f"/clinic/patients/{cast.patient_a.pk}/plan/templates/"
            f"{cast.objects['template'].pk}/apply/"
        ),
        form_class=PlanStepsForm,
        extra=lambda cast: {
            **signed(cast),
            "effective_night": nights(cast, before=2),
            "start_date": nights(cast, before=2),
            **step_rows(),
        },
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: new prescription",
        role="clinician_b",
        url=lambda cast: f"/clinic/patients/{cast.patient_b.pk}/plan/new/",
        form_class=PrescriptionForm,
        extra=lambda cast: {
            **signed(cast),
            "based_on": st.just("0"),
            "start_date": nights(cast, before=2),
            "strengths_text": st.sampled_from(["1.5, 3, 4.5", "1.5", "", "0, 99"]),
            "concentration_mg_per_ml": st.sampled_from(["1", "0.5", "", "0"]),
            **step_rows(),
        },
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: hold",
        role="clinician_a",
        url=_patient_a_url("plan/hold/"),
        form_class=HoldForm,
        extra=lambda cast: {
            **signed(cast),
            "hold_from": nights(cast, before=2),
            "hold_until": nights(cast, before=2),
        },
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: resume",
        role="clinician_a",
        url=_patient_a_url("plan/resume/"),
        form_class=ResumeForm,
        extra=lambda cast: {
            **signed(cast),
            "resume_on": nights(cast, before=2),
            "step": st.sampled_from(["0", "1", "2", "9"]),
        },
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: end the prescription",
        role="clinician_a",
        url=_patient_a_url("plan/end/"),
        form_class=EndForm,
        extra=lambda cast: {**signed(cast), "confirm": st.sampled_from(["on", "", "off"])},
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: dosing time",
        role="clinician_a",
        url=_patient_a_url("plan/dosing-time/"),
        form_class=DosingTimeForm,
        extra=lambda cast: {**signed(cast), "effective_night": nights(cast, before=2)},
        models=PLAN_MODELS,
    ),
    HostileForm(
        name="plan: dismiss suggestion",
        role="clinician_a",
        url=_patient_a_url("plan/suggestions/dismiss/"),
        form_class=DismissForm,
        extra=lambda cast: {
            "kind": st.sampled_from(["vivid_dreams", "step_up", "nonsense"]),
            "key": st.just("2026-11-01"),
        },
        models=("prescriptions.SuggestionDismissal",),
    ),
    HostileForm(
        name="plan template",
        role="clinician_a",
        url=lambda cast: "/clinic/templates/new/",
        form_class=TemplateForm,
        extra=lambda cast: step_rows(),
        models=("prescriptions.PlanTemplate",),
    ),
]


# --- Filter forms (GET): never a 5xx, never a write ------------------------------------------

PAGE = st.sampled_from(["1", "2", "0", "-1", "last", "99999999999999999999"])
MONTHS = st.sampled_from(["2026-13", "2026-00", "abc", "0000-01", "9999-12", "2026-02", "-1-01"])


def _dates(cast):
    return nights(cast, before=400, after=30)


FORMS += [
    HostileForm(
        name="dashboard filters (GET)",
        role="clinician_a",
        method="get",
        url=lambda cast: "/clinic/",
        form_class=PatientListForm,
        extra=lambda cast: {"page": PAGE},
        models=PLAN_MODELS + JOURNAL_MODELS,
    ),
    HostileForm(
        name="patient page chart and range (GET)",
        role="clinician_a",
        method="get",
        url=_patient_a_url(""),
        form_class=ChartForm,
        # The calendar's month and the notes' page too (a 40-digit notes page was a 500).
        extra=lambda cast: {"page": PAGE, "notes_page": PAGE, "month": MONTHS},
        models=PLAN_MODELS + JOURNAL_MODELS,
    ),
    HostileForm(
        name="visit report range (GET)",
        role="clinician_a",
        method="get",
        url=_patient_a_url("report/"),
        extra=lambda cast: {"start": _dates(cast), "end": _dates(cast)},
        models=PLAN_MODELS + JOURNAL_MODELS,
    ),
    HostileForm(
        name="export range (GET)",
        role="clinician_a",
        method="get",
        url=_patient_a_url("export/csv/"),
        extra=lambda cast: {"start": _dates(cast), "end": _dates(cast)},
        models=PLAN_MODELS + JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal history (GET)",
        role="patient_a",
        method="get",
        url=lambda cast: "/journal/history/",
        extra=lambda cast: {
            "month": st.sampled_from(["2026-11", "2026-13", "0000-01", "9999-12", "2026-1"]),
            "page": PAGE,
            "weeks": st.sampled_from(["4", "12", "26", "0", "-4", "1000"]),
        },
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="journal trends (GET)",
        role="patient_a",
        method="get",
        url=lambda cast: "/journal/history/trends/",
        extra=lambda cast: {"weeks": st.sampled_from(["4", "12", "26", "0", "-4", "1e3"])},
        models=JOURNAL_MODELS,
    ),
    HostileForm(
        name="admin access log filters (GET)",
        role="admin",
        method="get",
        url=lambda cast: "/manage/access-log/",
        extra=lambda cast: {
            "user": st.sampled_from(["", "Dr", "clinician"]),
            "patient": st.sampled_from(["", "Patient", "%"]),
            "start": _dates(cast),
            "end": _dates(cast),
            "page": PAGE,
            "format": st.sampled_from(["", "csv", "json"]),
        },
        models=PLAN_MODELS + JOURNAL_MODELS,
    ),
]


def _open_invitation_in_session(client):
    def setup(cast):
        invitation = cast.objects["invitation_by_clinician_a"]
        token = invitation.new_token()
        invitation.save()
        response = client.get(f"/invite/{token}/")
        assert response.status_code == 302

    return setup


def _signup_form(client):
    return HostileForm(
        name="invited person signs up",
        role="anonymous",
        url=lambda cast: "/accounts/signup/",
        form_class=InvitedSignupForm,
        extra=lambda cast: {
            "email": st.sampled_from(["invited.patient@example.org", "someone.else@example.org"]),
            "password1": _password(),
            "password2": _password(),
        },
        setup=_open_invitation_in_session(client),
        models=(*INVITE_MODELS, "patients.Patient", "account.EmailAddress"),
    )


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    # Rate limits would turn most examples into a 429 and test nothing else; they have their
    # own tests (tests/security/test_hardening.py).
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.mark.parametrize("spec", FORMS, ids=[f.name for f in FORMS])
def test_hostile_values_never_break_a_form_or_store_anything_when_refused(spec, client, db):
    assert check_form(spec, client, build_cast()) > 0


def test_hostile_values_never_break_the_invited_sign_up(client, db):
    assert check_form(_signup_form(client), client, build_cast()) > 0


# --- Bugs the examples found (each keeps the test that would have caught it) ---------------


def test_a_push_subscription_with_nul_bytes_is_refused_or_cleaned(patient_client, patient_a):

    keys = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
        "keys": keys,
        "label": "Pho\x00ne",
    }
    response = patient_client.post(
        "/journal/reminders/push/", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    assert PushSubscription.objects.get().label == "Phone"
    for bad in (
        {**body, "endpoint": "https://fcm.googleapis.com/fcm/send/\x00"},
        {
            **body,
            "keys": {**keys, "auth": "A" * 21 + "\x00A"},
        },
    ):
        response = patient_client.post(
            "/journal/reminders/push/", json.dumps(bad), content_type="application/json"
        )
        assert response.status_code == 400


@pytest.mark.parametrize("path", ["report/", "export/csv/"])
def test_a_date_range_ending_in_the_year_9999_ends_today_instead_of_overflowing(
    clinician_client, patient_a, path
):
    response = clinician_client.get(
        f"/clinic/patients/{patient_a.pk}/{path}", {"start": "9999-01-01", "end": "9999-12-31"}
    )
    assert response.status_code < 500


# --- The harness itself -----------------------------------------------------------------------


def test_the_table_snapshot_sees_an_insert_a_changed_value_and_a_delete(patient_a, clinician_a):
    note = ClinicianNote.objects.create(patient=patient_a, author=clinician_a, text="First")
    notes = ClinicianNote.objects.filter(pk=note.pk)
    changes = [
        lambda: ClinicianNote.objects.create(patient=patient_a, author=clinician_a, text="More"),
        lambda: notes.update(text="Firs"),
        lambda: notes.update(created_at=note.created_at.replace(year=2020)),
        lambda: notes.delete(),
    ]
    # The one-statement digest (PostgreSQL only), and the plain rows any database gives.
    for digest in {connection.vendor == "postgresql", False}:
        snapshot = table_snapshot(("patients.ClinicianNote", "patients.FlagReview"), digest=digest)
        before = snapshot()
        assert snapshot() == before
        for change in changes:
            with transaction.atomic():
                change()
                assert snapshot() != before
                transaction.set_rollback(True)
            assert snapshot() == before
