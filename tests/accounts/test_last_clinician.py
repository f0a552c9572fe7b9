"""Deactivating the last active clinician of any patient is refused, with the patients listed
and a way to hand them over in the same step."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.forms.models import inlineformset_factory

from ldn_journal.accounts.accounts_admin import LastClinician, set_user_active
from ldn_journal.accounts.admin import UserAdminForm
from ldn_journal.accounts.models import AccessLog
from patients.admin import CareTeamFormSet, CareTeamInline
from patients.models import CareTeamMembership
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.patients.urgent_support import urgent_report
from tests.security.reauth import signed_in_reauthenticated


@pytest.fixture
def clinic(db):
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")
    colleague = ClinicianFactory(display_name="Dr Colleague")
    alone = PatientFactory(user__display_name="Alma Alone", clinicians=[leaving])
    shared = PatientFactory(user__display_name="Sam Shared", clinicians=[leaving, colleague])
    return admin, leaving, colleague, alone, shared


def deactivate(client, user, **extra):
    return client.post(f"/manage/people/{user.pk}/active/", {"active": "0", **extra})


def test_the_last_clinician_of_a_patient_cannot_be_deactivated(clinic):
    admin, leaving, _colleague, _alone, _shared = clinic
    response = deactivate(signed_in_reauthenticated(admin), leaving)
    html = response.content.decode()
    assert response.status_code == 409
    assert "Dr Leaving is the only active clinician of 1 patient (Alma Alone)" in html
    assert "Sam Shared" not in html.split("Clinician who takes them over")[0]
    assert "Hand over and deactivate Dr Leaving" in html
    leaving.refresh_from_db()
    assert leaving.is_active


def test_the_refusal_is_in_the_admins_language(clinic):
    # The page's title, explanation and button were English whatever the language (found by
    # exploratory testing).
    admin, leaving, _colleague, _alone, _shared = clinic
    admin.language = "de"
    admin.save(update_fields=["language"])
    html = deactivate(signed_in_reauthenticated(admin), leaving).content.decode()
    assert "Dr Leaving kann noch nicht deaktiviert werden" in html
    assert "Dr Leaving ist die einzige aktive behandelnde Person von 1 Patient (Alma Alone)" in html
    assert "Übergeben und Dr Leaving deaktivieren" in html
    assert "cannot be deactivated" not in html
    assert "only active clinician" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "ist Admin, keine behandelnde Person"),
        ("es", "es administrador, no profesional sanitario"),
    ],
)
def test_an_admin_cannot_take_the_patients_over_said_in_the_admins_language(
    clinic, language, expected
):
    admin, leaving, _colleague, _alone, _shared = clinic
    admin.language = language
    admin.save(update_fields=["language"])
    html = deactivate(signed_in_reauthenticated(admin), leaving, taker=admin.pk).content.decode()
    assert expected in html


def test_the_last_clinician_cannot_be_deactivated_while_a_report_is_open(clinic):
    _admin, leaving, _colleague, alone, _shared = clinic
    urgent_report(alone, datetime(2026, 11, 26, 2, 0, tzinfo=UTC), symptoms=["vomiting"], since="")
    with pytest.raises(LastClinician):
        set_user_active(leaving, False)
    leaving.refresh_from_db()
    assert leaving.is_active


def test_choosing_a_taker_hands_the_patients_over_and_deactivates_in_one_step(clinic):
    admin, leaving, colleague, alone, _shared = clinic
    response = deactivate(signed_in_reauthenticated(admin), leaving, taker=str(colleague.pk))
    assert response.status_code == 302
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert CareTeamMembership.objects.filter(patient=alone, clinician=colleague).exists()
    handover = AccessLog.objects.get(action="care_team.assign")
    assert (handover.actor, handover.patient) == (admin, alone)
    assert AccessLog.objects.filter(action="account_deactivated").exists()


@pytest.mark.parametrize("who", ["admin", "deactivated", "the leaver"])
def test_a_taker_who_cannot_take_patients_is_refused_and_nothing_changes(clinic, who):
    admin, leaving, _colleague, alone, _shared = clinic
    taker = {
        "admin": lambda: AdminFactory(),
        "deactivated": lambda: ClinicianFactory(is_active=False),
        "the leaver": lambda: leaving,
    }[who]()
    response = deactivate(signed_in_reauthenticated(admin), leaving, taker=str(taker.pk))
    html = response.content.decode()
    assert response.status_code == 409
    leaving.refresh_from_db()
    assert leaving.is_active
    assert CareTeamMembership.objects.filter(patient=alone).count() == 1
    if who == "the leaver":
        assert "Dr Leaving is the only active clinician" in html
    else:
        assert "Choose an active clinician" in html


def test_a_clinician_whose_patients_all_have_another_clinician_can_be_deactivated(db):
    admin = AdminFactory()
    leaving, colleague = ClinicianFactory(), ClinicianFactory()
    PatientFactory(clinicians=[leaving, colleague])
    assert deactivate(signed_in_reauthenticated(admin), leaving).status_code == 302
    leaving.refresh_from_db()
    assert not leaving.is_active


def test_a_clinician_of_only_deactivated_patients_can_be_deactivated(db):
    admin, leaving = AdminFactory(), ClinicianFactory()
    PatientFactory(clinicians=[leaving], user__is_active=False)
    assert deactivate(signed_in_reauthenticated(admin), leaving).status_code == 302


def test_reactivating_a_patient_whose_clinicians_all_left_says_they_have_none(db):
    # A deactivated patient does not keep their clinician from leaving; reactivated, they
    # came back with nobody to read their journal and the admin was not told (found by QA).
    admin, leaving = AdminFactory(), ClinicianFactory()
    patient = PatientFactory(
        clinicians=[leaving], user__is_active=False, user__display_name="Rowan Away"
    )
    assert deactivate(signed_in_reauthenticated(admin), leaving).status_code == 302

    client = signed_in_reauthenticated(admin)
    page = client.post(
        f"/manage/people/{patient.user.pk}/active/", {"active": "1"}, follow=True
    ).content.decode()

    assert "Rowan Away was reactivated." in page
    assert "Rowan Away has no active clinician on their care team" in page


def test_reactivating_a_patient_with_a_clinician_says_nothing_more(db):
    admin, clinician = AdminFactory(), ClinicianFactory()
    patient = PatientFactory(clinicians=[clinician], user__is_active=False)

    page = (
        signed_in_reauthenticated(admin)
        .post(f"/manage/people/{patient.user.pk}/active/", {"active": "1"}, follow=True)
        .content.decode()
    )

    assert "was reactivated." in page
    assert "has no active clinician" not in page


def test_the_django_admin_refuses_the_same_deactivation(clinic):
    _admin, leaving, *_rest = clinic
    form = UserAdminForm(
        data={
            "email": leaving.email,
            "display_name": leaving.display_name,
            "role": leaving.role,
            "is_active": "",
        },
        instance=leaving,
    )
    form.is_valid()
    assert "is_active" in form.errors
    assert "only active clinician" in form.errors["is_active"][0]


def _care_team_formset(patient, delete):
    """The Patient admin's care-team inline, as Django's admin binds it, deleting `delete`."""
    formset_class = inlineformset_factory(
        type(patient),
        CareTeamMembership,
        formset=CareTeamFormSet,
        fk_name="patient",
        fields=["clinician"],
        extra=0,
        can_delete=True,
    )
    links = list(CareTeamMembership.objects.filter(patient=patient).order_by("pk"))
    prefix = formset_class.get_default_prefix()
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(links)),
        f"{prefix}-INITIAL_FORMS": str(len(links)),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, link in enumerate(links):
        data[f"{prefix}-{index}-id"] = str(link.pk)
        data[f"{prefix}-{index}-patient"] = str(patient.pk)
        data[f"{prefix}-{index}-clinician"] = str(link.clinician_id)
        if link.clinician in delete:
            data[f"{prefix}-{index}-DELETE"] = "on"
    return formset_class(data, instance=patient)


def test_the_patient_admin_cannot_remove_the_last_active_clinician_either(clinic):
    """Django's admin (the Patient's care-team inline) let an admin delete a patient's only
    clinician, which /manage/ refuses (found by exploratory testing)."""
    _admin, leaving, colleague, alone, shared = clinic
    assert CareTeamInline.formset is CareTeamFormSet  # what the Patient admin edits with
    refused = _care_team_formset(alone, delete=[leaving])
    assert not refused.is_valid()
    assert "no active clinician" in str(refused.non_form_errors())
    # One of two may go; the colleague stays.
    allowed = _care_team_formset(shared, delete=[leaving])
    assert allowed.is_valid(), allowed.errors
    # Removing a deactivated one beside an active one is fine.
    colleague.is_active = False
    colleague.save(update_fields=["is_active"])
    assert _care_team_formset(shared, delete=[colleague]).is_valid()
    assert not _care_team_formset(shared, delete=[leaving]).is_valid()


@pytest.mark.parametrize("value", ["²", "①", "\u0661", "abc"])
def test_a_taker_that_names_no_clinician_is_refused_not_a_500(clinic, value):
    """A posted taker of digits that are not ASCII ("²", "①", Arabic-Indic) answered 500:
    str.isdigit() let them through to the id lookup (ldn_journal.ids.posted_id)."""
    admin, leaving, _colleague, alone, _shared = clinic
    response = deactivate(signed_in_reauthenticated(admin), leaving, taker=value)
    assert response.status_code == 409
    assert (
        "Choose a clinician from the list to take the patients over." in response.content.decode()
    )
    leaving.refresh_from_db()
    assert leaving.is_active
    assert CareTeamMembership.objects.filter(patient=alone).count() == 1


@pytest.mark.parametrize("value", ["²", "①", "12x", ""])
def test_the_transfer_page_with_a_source_that_is_no_id_opens(clinic, value):
    admin, *_rest = clinic
    response = signed_in_reauthenticated(admin).get(
        "/manage/care-team/transfer/", {"source": value}
    )
    assert response.status_code == 200


def test_deactivating_an_already_deactivated_clinician_changes_nothing_and_says_so(db):
    # A second tab (or a double tap) deactivated them again: a new deactivation time and a
    # second audit row (found by QA).
    admin = AdminFactory()
    leaving, colleague = ClinicianFactory(display_name="Dr Leaving"), ClinicianFactory()
    PatientFactory(clinicians=[leaving, colleague])
    client = signed_in_reauthenticated(admin)
    client.get(deactivate(client, leaving)["Location"])  # reads its message
    leaving.refresh_from_db()
    first_time = leaving.deactivated_at

    with time_machine.travel(first_time + timedelta(minutes=5), tick=False):
        response = client.post(f"/manage/people/{leaving.pk}/active/", {"active": "0"}, follow=True)

    leaving.refresh_from_db()
    assert (leaving.is_active, leaving.deactivated_at) == (False, first_time)
    assert AccessLog.objects.filter(action="account_deactivated").count() == 1
    page = response.content.decode()
    assert "Dr Leaving was already deactivated. Nothing was changed." in page
    assert "Dr Leaving was deactivated." not in page


def test_set_user_active_tells_whether_it_changed_anything(db):
    leaving = ClinicianFactory()

    assert set_user_active(leaving, False) is True
    assert set_user_active(leaving, False) is False
    assert set_user_active(leaving, True) is True
    assert set_user_active(leaving, True) is False
