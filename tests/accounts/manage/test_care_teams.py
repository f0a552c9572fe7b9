"""Issue 18, item 1: admins see and change care teams under /manage/, every change audited."""

import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from ldn_journal.accounts import views
from ldn_journal.accounts.models import AccessLog
from patients import care_team
from patients.models import CareTeamMembership, CareTeamRequest, ClinicianNote
from tests.factories import ClinicianFactory, PatientFactory

CARE_TEAM_URL = reverse("manage:care_team")
TRANSFER_URL = reverse("manage:care_team_transfer")


def remove_url(patient, clinician):
    return reverse("manage:care_team_remove", args=[patient.pk, clinician.pk])


def team_of(patient):
    return set(
        CareTeamMembership.objects.filter(patient=patient).values_list("clinician_id", flat=True)
    )


def test_the_care_team_page_lists_every_patients_clinicians_and_each_clinicians_count(
    admin_client_, patient_a, clinician_a, clinician_b
):
    shared = PatientFactory(user__display_name="Ada Shared", clinicians=[clinician_a, clinician_b])

    page = admin_client_.get(CARE_TEAM_URL).content.decode()

    assert "Ada Shared" in page
    assert patient_a.user.name in page
    assert remove_url(shared, clinician_b) in page
    by_clinician = page.split("by-clinician-title")[2]
    assert re.search(r"Dr A</td>\s*<td>2</td>", by_clinician)
    assert re.search(r"Dr B</td>\s*<td>1</td>", by_clinician)


@pytest.fixture
def pages_of_three(monkeypatch):
    monkeypatch.setattr(views, "CARE_TEAM_PER_PAGE", 3)


def patient_rows(html):
    return re.findall(r"Pat (\d\d) <span", html)


def test_the_care_teams_patient_list_is_paged(admin_client_, clinician_a, pages_of_three):
    # It listed every patient on one page (hundreds in a clinic), and each clinician's row
    # named all of theirs again.
    for number in range(7):
        PatientFactory(user__display_name=f"Pat {number:02d}", clinicians=[clinician_a])

    first = admin_client_.get(CARE_TEAM_URL).content.decode()
    last = admin_client_.get(CARE_TEAM_URL, {"page": 3}).content.decode()

    assert patient_rows(first) == ["00", "01", "02"]
    assert "Page 1 of 3" in first
    assert patient_rows(last) == ["06"]
    assert first.count("Pat 0") == 3  # the clinician's row counts them, not names them


def test_the_care_teams_search_finds_a_patient_and_its_pages_keep_it(
    admin_client_, clinician_a, pages_of_three
):
    for number in range(5):
        PatientFactory(user__display_name=f"Pat {number:02d}", clinicians=[clinician_a])
    for number in range(50, 55):
        PatientFactory(user__display_name=f"Pat {number:02d}", clinicians=[clinician_a])

    html = admin_client_.get(CARE_TEAM_URL, {"q": "pat 5"}).content.decode()

    assert patient_rows(html) == ["50", "51", "52"]
    assert "?q=pat+5&amp;page=2" in html
    nobody = admin_client_.get(CARE_TEAM_URL, {"q": "nobody-here"}).content.decode()
    assert "Nobody matches." in nobody


def test_the_care_team_page_costs_the_same_queries_over_pages_of_patients(
    admin_client_, clinician_a, clinician_b, pages_of_three, django_assert_max_num_queries
):
    for _ in range(4):
        PatientFactory(clinicians=[clinician_a])
    with django_assert_max_num_queries(15) as few:
        admin_client_.get(CARE_TEAM_URL, {"page": 2})
    for _ in range(20):
        PatientFactory(clinicians=[clinician_a, clinician_b, ClinicianFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client_.get(CARE_TEAM_URL, {"page": 2})


def test_the_care_team_page_costs_the_same_queries_for_many_patients(
    admin_client_, clinician_a, django_assert_max_num_queries
):
    for _ in range(3):
        PatientFactory(clinicians=[clinician_a])
    with django_assert_max_num_queries(15) as few:
        admin_client_.get(CARE_TEAM_URL)
    for _ in range(20):
        PatientFactory(clinicians=[clinician_a, ClinicianFactory()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client_.get(CARE_TEAM_URL)


def test_removing_a_clinician_takes_them_off_the_team_and_is_audited(
    admin_client_, admin_user, patient_a, clinician_a, clinician_b
):
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_b)

    admin_client_.post(remove_url(patient_a, clinician_b))

    assert team_of(patient_a) == {clinician_a.pk}
    row = AccessLog.objects.get(action="care_team.remove")
    assert row.actor == admin_user
    assert row.patient == patient_a
    assert row.object_id == str(clinician_b.pk)
    assert row.detail == {
        "before": sorted([clinician_a.pk, clinician_b.pk]),
        "after": [clinician_a.pk],
    }


def test_removing_the_last_clinician_is_refused_with_a_clear_message(
    admin_client_, patient_a, clinician_a
):
    response = admin_client_.post(remove_url(patient_a, clinician_a), follow=True)

    assert team_of(patient_a) == {clinician_a.pk}
    assert "is the only clinician" in response.content.decode()
    assert not AccessLog.objects.filter(action="care_team.remove").exists()


def transfer(client, source, target, patients=(), note="Stable on 4.5 mg; review in May."):
    return client.post(
        TRANSFER_URL,
        {
            "source": source.pk,
            "target": target.pk,
            "patients": [p.pk for p in patients],
            "note": note,
        },
    )


def test_transferring_some_patients_moves_only_those_with_the_note_and_an_audit_row(
    admin_client_, admin_user, clinician_a, clinician_b
):
    first, second, staying = (PatientFactory(clinicians=[clinician_a]) for _ in range(3))

    response = transfer(admin_client_, clinician_a, clinician_b, [first, second])

    assert response.status_code == 302
    assert team_of(first) == team_of(second) == {clinician_b.pk}
    assert team_of(staying) == {clinician_a.pk}
    assert CareTeamMembership.objects.get(patient=first).added_by == admin_user
    assert ClinicianNote.objects.get(patient=first).text == "Stable on 4.5 mg; review in May."
    row = AccessLog.objects.get(action="care_team.transfer", patient=first)
    assert row.actor == admin_user
    assert row.detail["before"] == [clinician_a.pk]
    assert row.detail["after"] == [clinician_b.pk]


def test_transferring_with_no_patient_ticked_moves_all_of_the_clinicians_patients(
    admin_client_, clinician_a, clinician_b
):
    patients = [PatientFactory(clinicians=[clinician_a]) for _ in range(3)]

    transfer(admin_client_, clinician_a, clinician_b)

    assert all(team_of(p) == {clinician_b.pk} for p in patients)


def test_a_transfer_tells_both_clinicians_and_each_patient_by_email(
    admin_client_, clinician_a, clinician_b, django_capture_on_commit_callbacks
):
    patient = PatientFactory(clinicians=[clinician_a])

    with django_capture_on_commit_callbacks(execute=True):
        transfer(admin_client_, clinician_a, clinician_b, [patient])

    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted([clinician_a.email, clinician_b.email, patient.user.email])
    assert all("Stable on 4.5 mg" not in message.body for message in mail.outbox)


def test_the_clinicians_transfer_emails_say_how_many_patients_moved_never_who(
    admin_client_, clinician_a, clinician_b, django_capture_on_commit_callbacks, settings
):
    # Both clinicians were mailed the moved patients' names: that these people are treated
    # with LDN is health data, and email carries none (SECURITY.md, boundary 5).
    patients = [PatientFactory(clinicians=[clinician_a]) for _ in range(2)]

    with django_capture_on_commit_callbacks(execute=True):
        transfer(admin_client_, clinician_a, clinician_b, patients)

    sent = {message.to[0]: message for message in mail.outbox}
    losing, receiving = sent[clinician_a.email], sent[clinician_b.email]
    for message in (losing, receiving):
        for patient in patients:
            assert patient.user.name not in message.subject + message.body
            assert patient.user.email not in message.body
    assert f"moved 2 patients from your care team to {clinician_b.name}'s." in losing.body
    assert f"moved 2 patients from {clinician_a.name}'s care team to yours." in receiving.body
    assert settings.SITE_URL + reverse("clinic:patients") in receiving.body


def test_a_transfer_from_a_clinician_who_left_mails_neither_them_nor_inactive_patients(
    admin_client_, clinician_b, django_capture_on_commit_callbacks
):
    # The departed clinician was mailed the names of the patients moved off their team, and
    # a deactivated or closed patient's address (a closed one's is undeliverable) was mailed
    # too (found by exploratory QA).
    gone = ClinicianFactory(is_active=False)
    active, deactivated = PatientFactory(clinicians=[gone]), PatientFactory(clinicians=[gone])
    deactivated.user.is_active = False
    deactivated.user.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=True):
        transfer(admin_client_, gone, clinician_b)

    assert team_of(active) == team_of(deactivated) == {clinician_b.pk}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [clinician_b.email, active.user.email]
    )


def test_transferring_to_a_deactivated_clinician_is_refused_and_changes_nothing(
    admin_client_, clinician_a
):
    gone = ClinicianFactory(is_active=False)
    patient = PatientFactory(clinicians=[clinician_a])

    response = transfer(admin_client_, clinician_a, gone, [patient])

    assert response.status_code == 200
    assert "is deactivated" in response.content.decode()
    assert team_of(patient) == {clinician_a.pk}
    assert not ClinicianNote.objects.exists()


@pytest.mark.parametrize("note", ["", " " * 3])
def test_a_transfer_without_a_handover_note_is_refused(
    admin_client_, clinician_a, clinician_b, note
):
    patient = PatientFactory(clinicians=[clinician_a])

    response = transfer(admin_client_, clinician_a, clinician_b, [patient], note=note)

    assert response.status_code == 200
    assert team_of(patient) == {clinician_a.pk}


def test_a_transfer_of_a_patient_not_on_the_source_team_is_refused(
    admin_client_, clinician_a, clinician_b, patient_b
):
    # Ticked from the whole list the page shows before a clinician is chosen, the patient
    # was refused as "Select a valid choice. 6 is not one of the available choices.", and
    # with nobody left to move, "Dr A has no patients to move." (found by exploratory QA).
    response = transfer(admin_client_, clinician_a, clinician_b, [patient_b])

    form = response.context["form"]
    # Named: the list offered again holds only Dr A's patients, so the tick is gone and the
    # message is the one place that says who was refused (found by exploratory QA).
    assert form.errors["patients"] == [
        "Not on Dr A's care team, so not moved: Patient B (patient.b@example.org)."
    ]
    assert form.non_field_errors() == []
    assert not AccessLog.objects.filter(action="care_team.transfer").exists()


def test_a_refused_transfer_names_only_the_patients_not_on_the_source_team(
    admin_client_, clinician_a, clinician_b, patient_a, patient_b
):
    response = transfer(admin_client_, clinician_a, clinician_b, [patient_a, patient_b])

    form = response.context["form"]
    assert form.errors["patients"] == [
        "Not on Dr A's care team, so not moved: Patient B (patient.b@example.org)."
    ]
    assert team_of(patient_a) == {clinician_a.pk}


def test_a_refused_patient_is_named_right_for_a_clinician_with_a_percent_in_the_name(
    admin_client_, clinician_b, patient_b
):
    source = ClinicianFactory(display_name="Dr 100% Sure")
    PatientFactory(clinicians=[source])

    response = transfer(admin_client_, source, clinician_b, [patient_b])

    assert response.context["form"].errors["patients"] == [
        "Not on Dr 100% Sure's care team, so not moved: Patient B (patient.b@example.org)."
    ]


def test_removing_the_last_active_clinician_is_refused_when_the_others_are_deactivated(
    admin_client_, patient_a, clinician_a
):
    CareTeamMembership.objects.create(
        patient=patient_a, clinician=ClinicianFactory(is_active=False)
    )

    response = admin_client_.post(remove_url(patient_a, clinician_a), follow=True)

    assert clinician_a.pk in team_of(patient_a)
    assert "is the only clinician" in response.content.decode()


def test_each_patients_clinicians_marks_a_deactivated_clinician_as_each_clinicians_patients_does(
    admin_client_, patient_a, clinician_a, clinician_b
):
    # One table said "Deactivated" beside the clinician, the other did not (found by QA).
    CareTeamMembership.objects.create(patient=patient_a, clinician=clinician_b)
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])

    page = admin_client_.get(CARE_TEAM_URL).content.decode()

    by_patient = page.split('id="by-patient-title"')[1].split('id="by-clinician-title"')[0]
    assert by_patient.count(">Deactivated</span>") == 1
    assert by_patient.index("Dr B") < by_patient.index(">Deactivated</span>")


def test_linking_a_deactivated_clinician_says_so_and_links_nothing(
    admin_client_, patient_a, clinician_b
):
    # A bare "Select a valid choice. That choice is not one of the available choices." for a
    # clinician deactivated since the page was opened (found by exploratory QA).
    clinician_b.is_active = False
    clinician_b.save(update_fields=["is_active"])

    response = admin_client_.post(
        CARE_TEAM_URL, {"patient_email": patient_a.user.email, "clinician": clinician_b.pk}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["clinician"] == [
        "Dr B is deactivated and would not see the patient. Choose an active clinician (or "
        "reactivate them first)."
    ]
    assert clinician_b.pk not in team_of(patient_a)


def link(client, patient, clinician):
    return client.post(
        CARE_TEAM_URL, {"patient_email": patient.user.email, "clinician": clinician.pk}
    )


def test_an_admins_direct_link_tells_the_patient_once_after_commit(
    admin_client_, patient_a, clinician_b, django_capture_on_commit_callbacks, settings
):
    # No consent was asked, yet the patient was told nothing while Dr B could now read their
    # whole journal (DESIGN.md section 4).
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        link(admin_client_, patient_a, clinician_b)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()

    [message] = mail.outbox
    assert message.to == [patient_a.user.email]
    assert message.subject == (
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + "A clinician has joined your care team"
    )
    assert "Your clinic has added Dr B to your care team." in message.body
    assert "They can now read your journal and your plan." in message.body
    assert settings.SITE_URL + reverse("journal:care_team") in message.body
    assert "If you did not expect this, please contact your clinic." in message.body


@pytest.mark.parametrize(
    ("language", "subject", "added"),
    [
        (
            "de",
            "Eine behandelnde Person ist Ihrem Behandlungsteam beigetreten",
            "Ihre Praxis hat Dr B in Ihr Behandlungsteam aufgenommen.",
        ),
        (
            "es",
            "Un profesional sanitario se ha unido a su equipo de atención",
            "Su clínica ha añadido a Dr B a su equipo de atención",
        ),
    ],
)
def test_the_direct_link_email_is_in_the_patients_language_not_the_admins(
    admin_client_,
    patient_a,
    clinician_b,
    django_capture_on_commit_callbacks,
    language,
    subject,
    added,
):
    patient_a.user.language = language
    patient_a.user.save(update_fields=["language"])

    with django_capture_on_commit_callbacks(execute=True):
        link(admin_client_, patient_a, clinician_b)

    [message] = mail.outbox
    assert message.subject.endswith(subject)
    assert added in message.body
    assert "care team" not in message.body


def test_a_transfer_email_links_the_patient_to_their_care_team_page(
    admin_client_, clinician_a, clinician_b, django_capture_on_commit_callbacks, settings
):
    # It said "under Settings" with no link, where the direct-link email links to the page.
    patient = PatientFactory(clinicians=[clinician_a])

    with django_capture_on_commit_callbacks(execute=True):
        transfer(admin_client_, clinician_a, clinician_b, [patient])

    [message] = [m for m in mail.outbox if m.to == [patient.user.email]]
    assert "Your clinic has moved your care to Dr B." in message.body
    assert settings.SITE_URL + reverse("journal:care_team") in message.body


def test_a_deactivated_patient_is_sent_no_care_team_request_email(patient_a, clinician_b):
    # The request email skipped the check the link and transfer emails make: a deactivated
    # or closed account cannot sign in to answer, and a closed one's address is a placeholder.
    patient_a.user.is_active = False
    patient_a.user.save(update_fields=["is_active"])

    care_team.ask_to_join(patient_a, clinician_b, requested_by=clinician_b)

    assert mail.outbox == []


def test_the_care_team_request_email_is_in_the_patients_language_with_the_page_link(
    patient_a, clinician_b, settings
):
    patient_a.user.language = "de"
    patient_a.user.save(update_fields=["language"])

    care_team.ask_to_join(patient_a, clinician_b, requested_by=clinician_b)

    [message] = mail.outbox
    assert message.to == [patient_a.user.email]
    assert message.subject.endswith("Person möchte Ihrem Behandlungsteam beitreten")
    assert "Dr B möchte Ihrem Behandlungsteam in LDN Journal beitreten." in message.body
    assert "care team" not in message.body
    assert settings.SITE_URL + reverse("journal:care_team") in message.body


def test_linking_a_clinician_already_on_the_team_mails_nothing_more(
    admin_client_, patient_a, clinician_b, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link(admin_client_, patient_a, clinician_b)
    with django_capture_on_commit_callbacks(execute=True):
        link(admin_client_, patient_a, clinician_b)

    assert len(mail.outbox) == 1


def test_linking_a_clinician_to_a_deactivated_patient_mails_nothing(
    admin_client_, patient_a, clinician_b, django_capture_on_commit_callbacks
):
    # Deactivated or closed (a closed account's address is a placeholder): they cannot sign
    # in to see it, as with the transfer email.
    patient_a.user.is_active = False
    patient_a.user.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=True):
        link(admin_client_, patient_a, clinician_b)

    assert clinician_b.pk in team_of(patient_a)
    assert mail.outbox == []


def test_a_direct_link_rolled_back_mails_nothing(
    admin_user, patient_a, clinician_b, django_capture_on_commit_callbacks
):
    def link_then_fail():
        with transaction.atomic():
            care_team.link_directly(patient_a, clinician_b, admin=admin_user, request=None)
            raise RuntimeError("a later step of the same transaction fails")

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        link_then_fail()

    assert clinician_b.pk not in team_of(patient_a)
    assert mail.outbox == []


def waiting_requests(count):
    for _ in range(count):
        clinician = ClinicianFactory()
        CareTeamRequest.objects.create(
            patient=PatientFactory(), clinician=clinician, requested_by=clinician
        )


def test_the_waiting_list_says_how_many_requests_it_does_not_show(
    admin_client_, monkeypatch, django_assert_max_num_queries
):
    """It stopped at 50 without a word: the admin believed these were all."""
    monkeypatch.setattr(views, "CARE_TEAM_PENDING_SHOWN", 2)
    waiting_requests(2)
    with django_assert_max_num_queries(20) as few:
        full = admin_client_.get(CARE_TEAM_URL).content.decode()
    assert full.count("asked to join") == 2
    assert "not shown here" not in full

    waiting_requests(3)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        more = admin_client_.get(CARE_TEAM_URL).content.decode()

    assert more.count("asked to join") == 2
    assert "3 older requests are also waiting and are not shown here." in more
