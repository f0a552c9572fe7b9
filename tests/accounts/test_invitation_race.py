"""Two browsers accepting the same invitation at the same moment end with one account."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test import Client

from ldn_journal.accounts import invitations
from ldn_journal.accounts.models import Invitation, User
from patients.models import Patient
from tests.factories import ClinicianFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks (set DATABASE_URL)"
    ),
]


def test_an_invitation_accepted_twice_at_once_creates_one_user():
    clinician = ClinicianFactory()
    invitations.invite(clinician, "twice@example.org", "patient")
    link = mail.outbox[-1].body.split("127.0.0.1:8000")[1].split()[0]
    browsers = [Client(raise_request_exception=False) for _ in range(2)]
    for browser in browsers:
        assert browser.get(link).status_code == 302
    start = threading.Barrier(len(browsers))
    statuses = []

    def sign_up(browser):
        try:
            start.wait()
            response = browser.post(
                "/accounts/signup/",
                {
                    "email": "twice@example.org",
                    "display_name": "Twice",
                    "password1": "a-long-new-password-2026",
                    "password2": "a-long-new-password-2026",
                    "time_zone": "Europe/London",
                    "time_zone_confirmed": "on",
                },
            )
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(b,)) for b in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert User.objects.filter(email="twice@example.org").count() == 1
    assert Patient.objects.filter(user__email="twice@example.org").count() == 1
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED
    assert sorted(statuses) == [302, 404]  # one signed up; the other was told the link is used
    assert all(status < 500 for status in statuses), statuses


def test_a_sign_up_while_the_clinician_is_being_deactivated_waits_and_joins_no_empty_team():
    # accept() read the clinician without their row lock: while a deactivation held it (not
    # yet committed, and it had already counted the patients it would leave alone) the
    # sign-up saw them active and made a patient whose only clinician was leaving.
    clinician = ClinicianFactory()
    invitation = invitations.invite(clinician, "racing@example.org", "patient").invitation
    locked, release = threading.Event(), threading.Event()

    def deactivation_in_progress():
        try:
            with transaction.atomic():
                User.objects.select_for_update().filter(pk=clinician.pk).update(is_active=False)
                locked.set()
                release.wait(timeout=5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=deactivation_in_progress)
    thread.start()
    assert locked.wait(timeout=10)
    threading.Timer(1.0, release.set).start()
    try:
        with pytest.raises(invitations.InvitationNoLongerValid):
            invitations.accept(invitation.pk, User(display_name="Racing"))
    finally:
        release.set()
        thread.join(timeout=30)

    assert not Patient.objects.filter(user__email="racing@example.org").exists()
    assert Invitation.objects.get().accepted_at is None
