"""A clinician's open patient invitations when they are deactivated: handed to the clinician
who takes their patients over, or (nobody does) the admin is told they no longer work."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from ldn_journal.accounts import invitations
from ldn_journal.accounts.accounts_admin import set_user_active
from ldn_journal.accounts.models import Invitation, Role
from patients.models import CareTeamMembership, Patient
from tests.accounts.invitations_support import link_in, sign_up
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory
from tests.security.reauth import signed_in_reauthenticated


@pytest.fixture
def leaving_with_an_invitation(db):
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")
    colleague = ClinicianFactory(display_name="Dr Colleague")
    PatientFactory(user__display_name="Alma Alone", clinicians=[leaving])
    invitation = invitations.invite(leaving, "new.patient@example.org", Role.PATIENT).invitation
    link = link_in(mail.outbox[-1])
    return admin, leaving, colleague, invitation, link


def deactivate(client, user, **extra):
    return client.post(
        reverse("manage:set_active", args=[user.pk]), {"active": "0", **extra}, follow=True
    )


def test_the_taker_receives_the_open_invitations_and_the_admin_is_told(leaving_with_an_invitation):
    admin, leaving, colleague, invitation, _link = leaving_with_an_invitation

    page = deactivate(signed_in_reauthenticated(admin), leaving, taker=colleague.pk)

    html = page.content.decode()
    assert (
        "1 open patient invitation from Dr Leaving now leads to Dr Colleague&#x27;s care team"
        in html
    )
    invitation.refresh_from_db()
    assert invitation.clinician == colleague
    assert invitation.status == Invitation.Status.PENDING


def test_a_handed_over_link_still_works_and_the_patient_joins_the_takers_team(
    leaving_with_an_invitation,
):
    admin, leaving, colleague, _invitation, link = leaving_with_an_invitation
    deactivate(signed_in_reauthenticated(admin), leaving, taker=colleague.pk)

    patient_browser = Client()
    assert patient_browser.get(link).status_code == 302
    assert sign_up(patient_browser, "new.patient@example.org").status_code == 302

    patient = Patient.objects.get(user__email="new.patient@example.org")
    assert list(
        CareTeamMembership.objects.filter(patient=patient).values_list("clinician", flat=True)
    ) == [colleague.pk]


def test_the_taker_sees_the_handed_over_invitation_in_their_list(leaving_with_an_invitation):
    # Only the inviter saw it: nobody but an admin could re-send or revoke it any more.
    _admin, leaving, colleague, invitation, _link = leaving_with_an_invitation
    set_user_active(leaving, False, taker=colleague)

    page = signed_in_reauthenticated(colleague).get(reverse("clinic:invitations"))

    assert "new.patient@example.org" in page.content.decode()
    assert Invitation.objects.visible_to(colleague).get() == invitation


def test_accepted_and_revoked_invitations_keep_their_clinician(leaving_with_an_invitation):
    _admin, leaving, colleague, open_one, _link = leaving_with_an_invitation
    revoked = invitations.invite(leaving, "revoked@example.org", Role.PATIENT).invitation
    invitations.revoke(revoked)

    set_user_active(leaving, False, taker=colleague)

    revoked.refresh_from_db()
    open_one.refresh_from_db()
    assert (open_one.clinician, revoked.clinician) == (colleague, leaving)


def test_without_a_taker_the_admin_is_told_the_invitations_no_longer_work(db):
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")
    PatientFactory(clinicians=[leaving, ClinicianFactory()])  # nobody left alone
    invitation = invitations.invite(leaving, "new.patient@example.org", Role.PATIENT).invitation

    html = deactivate(signed_in_reauthenticated(admin), leaving).content.decode()

    assert "Dr Leaving was deactivated." in html
    assert "1 patient invitation from Dr Leaving can no longer be accepted" in html
    invitation.refresh_from_db()
    assert invitation.clinician == leaving
    assert invitation.status == Invitation.Status.CLINICIAN_LEFT


def test_a_clinician_with_no_open_invitations_gets_no_word_about_them(db):
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")

    html = deactivate(signed_in_reauthenticated(admin), leaving).content.decode()

    assert "Dr Leaving was deactivated." in html
    assert "patient invitation" not in html


def test_the_django_admin_says_the_invitations_no_longer_work_too(db):
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")
    invitations.invite(leaving, "new.patient@example.org", Role.PATIENT)

    response = signed_in_reauthenticated(admin).post(
        f"/admin/accounts/user/{leaving.pk}/change/",
        {"display_name": leaving.display_name, "last_login_0": "", "last_login_1": ""},
        follow=True,
    )

    leaving.refresh_from_db()
    assert not leaving.is_active
    assert "1 patient invitation from Dr Leaving can no longer be accepted" in (
        response.content.decode()
    )


def test_a_handed_over_invitation_sent_again_names_the_taker_not_the_leaver(
    leaving_with_an_invitation,
):
    _admin, leaving, colleague, invitation, _link = leaving_with_an_invitation
    set_user_active(leaving, False, taker=colleague)
    mail.outbox.clear()

    invitations.resend(Invitation.objects.get(pk=invitation.pk))

    [message] = mail.outbox
    assert "Dr Colleague has invited you" in message.body
    assert "Dr Leaving" not in message.body


def test_the_takeover_message_says_how_many_patients_moved(leaving_with_an_invitation):
    admin, leaving, colleague, _invitation, _link = leaving_with_an_invitation

    html = deactivate(signed_in_reauthenticated(admin), leaving, taker=colleague.pk).content
    html = html.decode()

    assert "Dr Colleague took over 1 patient from Dr Leaving." in html


def test_no_takeover_is_claimed_when_no_patient_was_left_alone(db):
    """A taker posted for a clinician whose patients all have another clinician: nothing
    moved, and the page said "X took over Y's patients"."""
    admin = AdminFactory()
    leaving = ClinicianFactory(display_name="Dr Leaving")
    colleague = ClinicianFactory(display_name="Dr Colleague")
    PatientFactory(clinicians=[leaving, colleague])

    html = deactivate(signed_in_reauthenticated(admin), leaving, taker=colleague.pk).content
    html = html.decode()

    assert "took over" not in html
    assert "Dr Leaving was deactivated." in html
