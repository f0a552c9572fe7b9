"""Issue 18, item 2: bulk invitations from CSV. A bad file is refused whole with one clear
message; each row gets a verdict; nothing is sent until the admin confirms; sending goes
through the one invitation path, once per row whatever the clicks, crashes or re-runs."""

import html
import logging
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from ldn_journal.accounts import bulk_invitations, invitations, retention
from ldn_journal.accounts.models import (
    AccessLog,
    BulkInvitation,
    BulkInvitationRow,
    Invitation,
)
from ldn_journal.accounts.tasks import resume_bulk_invitations_task
from ldn_journal.celery import app
from patients.models import CareTeamMembership, CareTeamRequest
from tests.factories import AdminFactory, ClinicianFactory, PatientFactory, UserFactory

UPLOAD_URL = reverse("manage:bulk_invitations")
TEMPLATE_URL = reverse("manage:bulk_invitation_template")
HEADER = "email,role,name,clinician,country,language"
# Valid in form (64-character local part, 63-character labels), too long to store (260).
LONG_ADDRESS = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".org"
Verdict = BulkInvitationRow.Verdict
Status = BulkInvitationRow.Status


def csv_bytes(lines, *, header=HEADER, newline="\n", bom=False):
    text = newline.join([header, *lines]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def upload(client, data, name="people.csv"):
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data, "text/csv")})


def batch_page(batch):
    return reverse("manage:bulk_invitation", args=[batch.pk])


def send_url(batch):
    return reverse("manage:bulk_invitation_send", args=[batch.pk])


def row(batch, number):
    return BulkInvitationRow.objects.get(batch=batch, number=number)


def nothing_stored_or_sent():
    return (
        not BulkInvitation.objects.exists()
        and not BulkInvitationRow.objects.exists()
        and not Invitation.objects.exists()
        and not CareTeamRequest.objects.exists()
        and not mail.outbox
    )


@pytest.fixture
def eager_tasks(monkeypatch):
    """The task runs in this process when the view enqueues it (after commit)."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)


def send(client, batch, capture, **extra):
    data = {"confirm": "on", "count": bulk_invitations.counts(batch)["valid"], **extra}
    with capture(execute=True):
        return client.post(send_url(batch), data)


# --- The file as a whole --------------------------------------------------------------


def test_the_template_names_the_columns_and_reads_back_with_a_verdict_per_row(
    admin_client_, admin_user
):
    response = admin_client_.get(TEMPLATE_URL)

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.decode().splitlines()[0] == HEADER
    batch = bulk_invitations.build_batch(admin_user, body)
    # The example clinician does not exist here; the example colleague is a new invitation.
    assert [r.verdict for r in batch.rows.order_by("number")] == [Verdict.ERROR, Verdict.INVITE]
    assert row(batch, 2).problem == "clinician_unknown"


def test_a_good_file_shows_a_preview_with_a_verdict_per_row_and_sends_nothing(
    admin_client_, clinician_a, patient_a
):
    data = csv_bytes(
        [
            "new.one@example.org,patient,New One,clinician.a@example.org,GB,en",
            "new.colleague@example.org,clinician,Dr New,,,de",
            "patient.b.exists@example.org,patient,,clinician.a@example.org,,",
            "not-an-email,patient,,clinician.a@example.org,,",
        ]
    )
    PatientFactory(user__email="patient.b.exists@example.org", clinicians=[ClinicianFactory()])

    response = upload(admin_client_, data)

    batch = BulkInvitation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == batch_page(batch)
    assert [r.verdict for r in batch.rows.order_by("number")] == [
        Verdict.INVITE,
        Verdict.INVITE,
        Verdict.CARE_TEAM,
        Verdict.ERROR,
    ]
    assert batch.status == BulkInvitation.Status.PREVIEW
    assert not Invitation.objects.exists()
    assert not CareTeamRequest.objects.exists()
    assert not mail.outbox
    page = admin_client_.get(batch_page(batch)).content.decode()
    assert "Send 3 valid rows" in page
    assert "The email address is not valid." in page
    assert "Existing account: care-team request" in page


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "wrong columns",
            csv_bytes(["a@example.org,patient,A,,"], header="mail,role,name,doctor,country"),
            "The first row must name the columns, in this order: email, role, name, "
            "clinician, country, language",
        ),
        ("no header at all", b"", "The file is empty"),
        ("a header and no rows", csv_bytes([]), "no rows to invite"),
        (
            "non-UTF-8 bytes",
            HEADER.encode() + b"\nm\xfcller@example.org,clinician,M\xfcller,,,\n",
            "The file is not UTF-8 text (the first unreadable character is on line 2)",
        ),
        (
            "NUL bytes (a spreadsheet saved as is)",
            b"PK\x03\x04\x00\x00binary",
            "The file contains NUL bytes",
        ),
        (
            "a quote never closed, running past the field size limit",
            HEADER.encode() + b'\n"' + b"x" * 200_000 + b"\n",
            "Line 2 could not be read as CSV",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_with_one_clear_message(admin_client_, name, data, message):
    response = upload(admin_client_, data)

    assert response.status_code == 400, name
    assert message in response.content.decode(), name
    assert nothing_stored_or_sent(), name


def test_a_file_of_more_than_10_mb_is_refused_before_it_is_read(admin_client_, monkeypatch):
    assert bulk_invitations.settings.LDN_BULK_INVITATION_MAX_BYTES == 10 * 1024 * 1024
    row_line = "someone@example.org,clinician,Someone With A Long Name,,,en"
    lines = [row_line] * (10 * 1024 * 1024 // len(row_line) + 10)
    data = csv_bytes(lines)
    assert len(data) > 10 * 1024 * 1024
    read = []
    monkeypatch.setattr(bulk_invitations, "read_rows", lambda data: read.append(data))

    response = upload(admin_client_, data)

    assert response.status_code == 400
    assert "The file is larger than 10 MB" in response.content.decode()
    assert read == []  # refused from its size, never parsed
    assert nothing_stored_or_sent()


def test_a_file_of_20000_rows_is_refused_whole(admin_client_, clinician_a):
    lines = [f"p{n}@example.org,patient,P {n},clinician.a@example.org,," for n in range(20_000)]

    response = upload(admin_client_, csv_bytes(lines))

    assert response.status_code == 400
    assert "The file has more than 10,000 rows to invite" in response.content.decode()
    assert nothing_stored_or_sent()


def test_exactly_the_row_limit_is_accepted(admin_user, clinician_a, settings):
    settings.LDN_BULK_INVITATION_MAX_ROWS = 3
    lines = [f"p{n}@example.org,patient,,clinician.a@example.org,," for n in range(3)]
    assert bulk_invitations.build_batch(admin_user, csv_bytes(lines)).rows.count() == 3
    with pytest.raises(bulk_invitations.BadFile):
        bulk_invitations.build_batch(admin_user, csv_bytes([*lines, "p9@example.org,admin,,,,"]))


@pytest.mark.parametrize(("bom", "newline"), [(True, "\r\n"), (True, "\n"), (False, "\r\n")])
def test_a_byte_order_mark_and_windows_line_ends_are_read_like_plain_utf8(
    admin_user, clinician_a, bom, newline
):
    data = csv_bytes(
        ["zoe@example.org,patient,Zoë Müller,clinician.a@example.org,DE,de"],
        bom=bom,
        newline=newline,
    )

    batch = bulk_invitations.build_batch(admin_user, data)

    only = batch.rows.get()
    assert only.verdict == Verdict.INVITE, only.problem
    assert (only.email, only.name, only.country, only.language) == (
        "zoe@example.org",
        "Zoë Müller",
        "DE",
        "de",
    )
    assert only.clinician == clinician_a


def test_a_file_with_semicolons_between_its_values_is_read_as_written(admin_user, clinician_a):
    """German and Spanish spreadsheets save "CSV" with semicolons; it was refused as a wrong
    header (found by an exploratory pass). A name with a comma stays one value."""
    data = (
        "email;role;name;clinician;country;language\r\n"
        "zoe@example.org;patient;Müller, Zoë;clinician.a@example.org;DE;de\r\n"
    ).encode()
    only = bulk_invitations.build_batch(admin_user, data).rows.get()
    assert only.verdict == Verdict.INVITE, only.problem
    assert (only.email, only.name, only.country) == ("zoe@example.org", "Müller, Zoë", "DE")


def test_column_names_are_read_whatever_their_case_and_spaces(admin_user):
    header = " Email , ROLE,name,Clinician,country ,language"
    batch = bulk_invitations.build_batch(
        admin_user, csv_bytes(["a@example.org,admin,,,,"], header=header)
    )
    assert batch.rows.get().verdict == Verdict.INVITE


# --- Row verdicts ---------------------------------------------------------------------


def test_empty_columns_a_spreadsheet_adds_after_the_last_are_ignored(admin_user, clinician_a):
    # Columns once used or formatted are saved as empty cells at the end of each line: the
    # header was refused ("Not expected: , .") and each row said it had 8 values (found by QA).
    data = csv_bytes(
        [
            "new.patient@example.org,patient,Sam,clinician.a@example.org,GB,en,,",
            "new.colleague@example.org,clinician,,,,,,",
        ],
        header=HEADER + ",,",
    )

    batch = bulk_invitations.build_batch(admin_user, data)

    assert list(batch.rows.order_by("number").values_list("verdict", flat=True)) == [
        Verdict.INVITE,
        Verdict.INVITE,
    ]


@pytest.mark.parametrize(
    ("line", "problem", "detail"),
    [
        ('=HYPERLINK("x")@example.org,patient,,clinician.a@example.org,,', "formula", "email"),
        ("a@example.org,patient,+1 555,clinician.a@example.org,,", "formula", "name"),
        ("a@example.org,patient,-Sam,clinician.a@example.org,,", "formula", "name"),
        ("a@example.org,patient,@SUM(A1),clinician.a@example.org,,", "formula", "name"),
        ("a@example.org,patient,\tSam,clinician.a@example.org,,", "formula", "name"),
        ('a@example.org,patient,"\rSam",clinician.a@example.org,,', "formula", "name"),
        # Spreadsheets skip any leading whitespace: a no-break space hid the sign.
        ("a@example.org,patient,\u00a0=1+1,clinician.a@example.org,,", "formula", "name"),
        ("a@example.org,patient,\u3000@SUM(A1),clinician.a@example.org,,", "formula", "name"),
        ("a@example.org,patient,Sam,clinician.a@example.org,=1+1,", "formula", "country"),
        ("a@example.org,patient,Sam", "field_count", "3"),
        ("a@example.org,patient,Sam,clinician.a@example.org,,,extra", "field_count", "7"),
        ("not-an-email,patient,,clinician.a@example.org,,", "email", ""),
        (LONG_ADDRESS + ",admin,,,,", "email", ""),
        ("a@example.org,doctor,,clinician.a@example.org,,", "role", ""),
        ("a@example.org,patient," + "x" * 151 + ",clinician.a@example.org,,", "name_too_long", ""),
        ("a@example.org,patient,,,,", "clinician_missing", ""),
        ("a@example.org,patient,,nobody@example.org,,", "clinician_unknown", ""),
        ("a@example.org,patient,,patient.a@example.org,,", "clinician_unknown", ""),
        ("a@example.org,patient,,gone.doctor@example.org,,", "clinician_inactive", ""),
        ("a@example.org,patient,,clinician.a@example.org,XX,", "country", ""),
        ("a@example.org,patient,,clinician.a@example.org,,fr", "language", ""),
        ("clinician.b@example.org,clinician,,,,", "account_exists", "clinician:clinician:active"),
        ("patient.a@example.org,clinician,,,,", "account_exists", "patient:clinician:active"),
        (
            "gone@example.org,patient,,clinician.a@example.org,,",
            "account_exists",
            "patient:patient:inactive",
        ),
        ("patient.a@example.org,patient,,clinician.a@example.org,,", "already_on_team", ""),
    ],
)
def test_each_bad_row_gets_an_error_with_its_reason(
    admin_user, clinician_a, clinician_b, patient_a, inactive_user, line, problem, detail
):
    ClinicianFactory(email="gone.doctor@example.org", is_active=False)

    batch = bulk_invitations.build_batch(admin_user, csv_bytes([line]))

    stored = batch.rows.get()
    assert (stored.verdict, stored.problem, stored.problem_detail) == (
        Verdict.ERROR,
        problem,
        detail,
    )
    assert stored.status == Status.NOT_SENT
    assert bulk_invitations.problem_message(problem, detail) in bulk_invitations.problem_message(
        stored.problem, stored.problem_detail
    )


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("only@example.org", "This row has 1 value; every row needs 6."),
        ("a@example.org,admin", "This row has 2 values; every row needs 6."),
    ],
)
def test_a_row_with_too_few_values_says_how_many_in_the_right_plural(admin_user, line, said):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes([line]))
    assert bulk_invitations.problem_text(batch.rows.get()) == said


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("de", "Diese Zeile hat 1 Wert; jede Zeile braucht 6."),
        ("es", "Esta fila tiene 1 valor; cada fila necesita 6."),
    ],
)
def test_one_value_is_said_in_the_singular_in_german_and_spanish(admin_user, language, said):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(["only@example.org"]))
    with translation.override(language):
        assert bulk_invitations.problem_text(batch.rows.get()) == said


@pytest.mark.parametrize(
    ("line", "problems"),
    [
        (
            "not-an-email,doctor," + "x" * 151 + ",,XX,fr",
            [["email", ""], ["role", ""], ["name_too_long", ""], ["country", ""], ["language", ""]],
        ),
        (
            "a@example.org,patient,=Sam,nobody@example.org,XX,",
            [["formula", "name"], ["country", ""], ["clinician_unknown", ""]],
        ),
        (
            "patient.a@example.org,patient,@Sam,clinician.a@example.org,,fr",
            [["formula", "name"], ["language", ""], ["already_on_team", ""]],
        ),
        (
            "pending@example.org,admin,,,XX,",
            [["country", ""], ["already_invited", ""]],
        ),
    ],
)
def test_every_problem_of_a_row_is_reported_and_the_row_is_not_sent(
    admin_user, clinician_a, patient_a, line, problems
):
    invitations.invite(admin_user, "pending@example.org", "clinician")
    mail.outbox.clear()

    batch = bulk_invitations.build_batch(admin_user, csv_bytes([line]))

    stored = batch.rows.get()
    assert stored.problems == problems
    assert (stored.verdict, stored.status) == (Verdict.ERROR, Status.NOT_SENT)
    assert (stored.problem, stored.problem_detail) == tuple(problems[0])


def test_the_preview_states_every_problem_of_a_row(admin_client_, clinician_a):
    upload(admin_client_, csv_bytes(["not-an-email,patient,=Sam,nobody@example.org,XX,"]))

    page = admin_client_.get(batch_page(BulkInvitation.objects.get())).content.decode()

    for code, detail in [
        ("formula", "name"),
        ("email", ""),
        ("country", ""),
        ("clinician_unknown", ""),
    ]:
        assert html.escape(str(bulk_invitations.problem_message(code, detail))) in page
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_formula_cell_is_shown_escaped_in_the_preview_and_never_run(admin_client_, clinician_a):
    upload(admin_client_, csv_bytes(["a@example.org,patient,=<b>1</b>,clinician.a@example.org,,"]))

    page = admin_client_.get(batch_page(BulkInvitation.objects.get())).content.decode()

    assert "The name cell starts with =, +, -, @ or a tab" in page
    assert "=&lt;b&gt;1&lt;/b&gt;" in page
    assert "=<b>1</b>" not in page


def test_a_duplicate_address_marks_the_later_row_and_names_the_first(admin_user, clinician_a):
    batch = bulk_invitations.build_batch(
        admin_user,
        csv_bytes(
            [
                "twice@example.org,patient,First,clinician.a@example.org,,",
                "other@example.org,clinician,,,,",
                " TWICE@Example.org ,clinician,Second,,,",
            ]
        ),
    )

    assert row(batch, 2).verdict == Verdict.INVITE
    later = row(batch, 4)
    assert (later.verdict, later.problem, later.problem_detail) == (Verdict.ERROR, "duplicate", "2")
    assert "row 2: only that first row is used" in bulk_invitations.problem_message("duplicate", 2)


def test_an_address_with_a_pending_invitation_or_request_is_an_error(
    admin_user, clinician_a, clinician_b, patient_b
):
    invitations.invite(admin_user, "pending@example.org", "clinician")
    CareTeamRequest.objects.create(
        patient=patient_b, clinician=clinician_a, requested_by=clinician_a
    )
    mail.outbox.clear()

    batch = bulk_invitations.build_batch(
        admin_user,
        csv_bytes(
            [
                "pending@example.org,clinician,,,,",
                "patient.b@example.org,patient,,clinician.a@example.org,,",
            ]
        ),
    )

    assert [r.problem for r in batch.rows.order_by("number")] == [
        "already_invited",
        "already_asked",
    ]


def test_a_patient_who_declined_the_clinician_lately_is_not_asked_again_by_an_upload(
    admin_user, clinician_a, clinician_b, patient_b
):
    # As a clinician's own invitation (care_team.ASK_AGAIN_AFTER): the preview says why and
    # what the admin can do instead, and nothing is sent.
    now = timezone.now()
    CareTeamRequest.objects.create(
        patient=patient_b,
        clinician=clinician_a,
        requested_by=clinician_a,
        created_at=now - timedelta(days=3),
        status="declined",
        decided_at=now - timedelta(days=2),
    )
    declined_long_ago = PatientFactory(
        user__email="patient.c@example.org", clinicians=[clinician_b]
    )
    CareTeamRequest.objects.create(
        patient=declined_long_ago,
        clinician=clinician_a,
        requested_by=clinician_a,
        created_at=now - timedelta(days=40),
        status="declined",
        decided_at=now - timedelta(days=31),
    )

    batch = bulk_invitations.build_batch(
        admin_user,
        csv_bytes(
            [
                "patient.b@example.org,patient,,clinician.a@example.org,,",
                "patient.c@example.org,patient,,clinician.a@example.org,,",
            ]
        ),
    )

    first, second = batch.rows.order_by("number")
    assert (first.verdict, first.problem) == (Verdict.ERROR, "declined_recently")
    assert "declined this clinician's request in the last 30 days" in (
        bulk_invitations.problem_message("declined_recently")
    )
    assert (second.verdict, second.problem) == (Verdict.CARE_TEAM, "")


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers(admin_user):
    data = csv_bytes(["a@example.org,admin,,,,", "", ",,,,,", "b@example.org,admin,,,,"])
    batch = bulk_invitations.build_batch(admin_user, data)
    assert list(batch.rows.values_list("number", flat=True)) == [2, 5]


def test_5000_rows_are_judged_and_stored_within_a_fixed_query_budget(
    admin_user, clinician_a, clinician_b, django_assert_max_num_queries
):
    existing = [PatientFactory(clinicians=[clinician_b]).user.email for _ in range(5)]
    new = "p{}@example.org,patient,Patient {},clinician.a@example.org,GB,en"
    lines = [new.format(n, n) for n in range(4990)]
    lines += [f"{email},patient,,clinician.a@example.org,," for email in existing]
    lines += [f"c{n}@example.org,clinician,,,,de" for n in range(5)]

    # Lookups (users, invitations, teams, requests), the batch, 5 inserts of 1,000 rows,
    # the upload's audit row with its counts, savepoints: never one query per row.
    with django_assert_max_num_queries(16):
        batch = bulk_invitations.build_batch(admin_user, csv_bytes(lines))

    counts = bulk_invitations.counts(batch)
    assert (counts["rows"], counts["invite"], counts["care_team"], counts["errors"]) == (
        5000,
        4995,
        5,
        0,
    )


def test_the_preview_page_is_paginated_and_costs_the_same_for_a_large_batch(
    admin_client_, admin_user, django_assert_max_num_queries
):
    small = bulk_invitations.build_batch(admin_user, csv_bytes(["a@example.org,admin,,,,"]))
    lines = [f"p{n}@example.org,admin,,,," for n in range(2500)]
    large = bulk_invitations.build_batch(admin_user, csv_bytes(lines))
    with django_assert_max_num_queries(12) as few:
        admin_client_.get(batch_page(small))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = admin_client_.get(batch_page(large) + "?page=2").content.decode()
    assert "p100@example.org" in page
    assert "p99@example.org" not in page
    assert "Page 2 of 25" in page


def test_the_preview_can_show_the_errors_only(admin_client_, admin_user):
    batch = bulk_invitations.build_batch(
        admin_user, csv_bytes(["good@example.org,admin,,,,", "bad,admin,,,,"])
    )
    page = admin_client_.get(batch_page(batch) + "?show=errors").content.decode()
    assert "bad" in page
    assert "good@example.org" not in page


# --- Sending --------------------------------------------------------------------------


MIXED = [
    "new.patient@example.org,patient,Sam Taylor,clinician.a@example.org,GB,de",
    "new.colleague@example.org,clinician,Dr Kim,,,",
    "patient.b@example.org,patient,,clinician.a@example.org,,",
    "broken,patient,,clinician.a@example.org,,",
]


def test_sending_invites_each_valid_row_once_audits_it_and_finishes_the_batch(
    admin_client_,
    admin_user,
    clinician_a,
    patient_b,
    eager_tasks,
    django_capture_on_commit_callbacks,
):
    upload(admin_client_, csv_bytes(MIXED))
    batch = BulkInvitation.objects.get()

    response = send(admin_client_, batch, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == BulkInvitation.Status.DONE
    assert sorted(m.to[0] for m in mail.outbox) == [
        "new.colleague@example.org",
        "new.patient@example.org",
        "patient.b@example.org",
    ]
    patient_invitation = Invitation.objects.get(email="new.patient@example.org")
    assert patient_invitation.clinician == clinician_a
    assert patient_invitation.invited_by == admin_user
    assert (patient_invitation.country, patient_invitation.display_name) == ("GB", "Sam Taylor")
    assert patient_invitation.language == "de"
    # Written in the row's language.
    german = next(m for m in mail.outbox if m.to == ["new.patient@example.org"])
    assert "Sie sind zu LDN Journal eingeladen" in german.subject
    request = CareTeamRequest.objects.get()
    assert (request.patient, request.clinician) == (patient_b, clinician_a)
    assert not CareTeamMembership.objects.filter(patient=patient_b, clinician=clinician_a).exists()
    assert [r.status for r in batch.rows.order_by("number")] == [
        Status.SENT,
        Status.SENT,
        Status.SENT,
        Status.NOT_SENT,
    ]
    actions = list(AccessLog.objects.values_list("action", flat=True).order_by("pk"))
    assert actions.count("invitation.send") == 2
    assert actions.count("care_team.request") == 1
    assert actions.index("bulk_invitation.upload") < actions.index("bulk_invitation.send")
    done = AccessLog.objects.get(action="bulk_invitation.done")
    assert done.detail["sent"] == 3
    assert done.detail["errors"] == 1
    assert done.actor == admin_user
    assert AccessLog.objects.get(action="care_team.request").patient == patient_b


def test_the_done_page_shows_the_counts_and_stops_refreshing(
    admin_client_, clinician_a, eager_tasks, django_capture_on_commit_callbacks
):
    upload(admin_client_, csv_bytes(MIXED[:2]))
    batch = BulkInvitation.objects.get()
    send(admin_client_, batch, django_capture_on_commit_callbacks)

    page = admin_client_.get(batch_page(batch)).content.decode()

    assert 'id="count-sent">2<' in page
    assert 'id="count-remaining">0<' in page
    assert 'http-equiv="refresh"' not in page


def test_while_sending_the_page_refreshes_itself_and_links_a_manual_refresh(
    admin_client_, admin_user, clinician_a
):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED[:2]))
    BulkInvitation.objects.filter(pk=batch.pk).update(status=BulkInvitation.Status.SENDING)

    page = admin_client_.get(batch_page(batch)).content.decode()

    assert '<meta http-equiv="refresh" content="3">' in page
    assert "Refresh now" in page
    assert 'id="count-remaining">2<' in page


def test_a_double_click_sends_each_row_once(
    admin_client_, clinician_a, patient_b, eager_tasks, django_capture_on_commit_callbacks
):
    upload(admin_client_, csv_bytes(MIXED))
    batch = BulkInvitation.objects.get()

    send(admin_client_, batch, django_capture_on_commit_callbacks)
    second = send(admin_client_, batch, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 3
    assert AccessLog.objects.filter(action="bulk_invitation.send").count() == 1
    messages = [str(m) for m in second.wsgi_request._messages]
    assert "This batch is already being sent or was sent." in messages


def test_running_the_task_twice_sends_one_email_per_row(admin_user, clinician_a, patient_b):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED))
    bulk_invitations.start_sending(batch, request=None)

    first = bulk_invitations.send_batch(batch.pk)
    BulkInvitation.objects.filter(pk=batch.pk).update(status=BulkInvitation.Status.SENDING)
    bulk_invitations.send_batch(batch.pk)  # a redelivered task, even on a reopened batch

    assert first["sent"] == 3
    assert len(mail.outbox) == len({m.to[0] for m in mail.outbox}) == 3
    assert Invitation.objects.count() == 2
    assert CareTeamRequest.objects.count() == 1


def test_a_batch_in_preview_is_not_sent_by_a_stray_task(admin_user, clinician_a):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED[:2]))
    assert bulk_invitations.send_batch(batch.pk) is None
    assert not mail.outbox


class WorkerLost(BaseException):
    """What a killed worker looks like from inside the task: nothing after it runs."""


def test_a_crash_mid_batch_resumes_without_sending_any_row_twice(
    admin_user, clinician_a, monkeypatch
):
    lines = [f"p{n}@example.org,patient,,clinician.a@example.org,," for n in range(5)]
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(lines))
    bulk_invitations.start_sending(batch, request=None)
    real_send = invitations.send_invitation_email
    calls = []

    def dies_on_the_third(invitation, token):
        calls.append(invitation.email)
        if len(calls) == 3:
            raise WorkerLost
        real_send(invitation, token)

    monkeypatch.setattr(invitations, "send_invitation_email", dies_on_the_third)
    with pytest.raises(WorkerLost):
        bulk_invitations.send_batch(batch.pk)

    # Two rows done; the third's invitation was rolled back with its row (nothing half-sent).
    assert bulk_invitations.counts(batch)["sent"] == 2
    assert row(batch, 4).status == Status.PENDING
    assert not Invitation.objects.filter(email="p2@example.org").exists()
    monkeypatch.setattr(invitations, "send_invitation_email", real_send)

    bulk_invitations.send_batch(batch.pk)  # the broker redelivers the task (acks_late)

    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@example.org" for n in range(5)]
    batch.refresh_from_db()
    assert batch.status == BulkInvitation.Status.DONE


def test_a_row_that_became_invalid_since_the_preview_fails_with_its_reason_and_others_go(
    admin_user, clinician_a
):
    batch = bulk_invitations.build_batch(
        admin_user, csv_bytes(["late@example.org,clinician,,,,", "ok@example.org,admin,,,,"])
    )
    UserFactory(email="late@example.org", role="patient")  # signed up meanwhile
    bulk_invitations.start_sending(batch, request=None)

    counts = bulk_invitations.send_batch(batch.pk)

    assert (counts["sent"], counts["failed"]) == (1, 1)
    assert row(batch, 2).problem == "account_exists"
    assert [m.to[0] for m in mail.outbox] == ["ok@example.org"]


def test_an_email_that_cannot_be_sent_fails_its_row_and_stores_nothing_for_it(
    admin_user, monkeypatch
):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(["a@example.org,admin,,,,"]))
    bulk_invitations.start_sending(batch, request=None)

    def smtp_down(invitation, token):
        raise ConnectionRefusedError

    monkeypatch.setattr(invitations, "send_invitation_email", smtp_down)
    counts = bulk_invitations.send_batch(batch.pk)

    assert counts["failed"] == 1
    assert row(batch, 2).problem == "delivery_failed"
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": "2"}, "Tick the box to confirm, then send."),
        ({"confirm": "on", "count": "5"}, "The batch changed: check the preview again."),
    ],
)
def test_sending_needs_the_confirmation_and_the_count_shown(
    admin_client_, admin_user, clinician_a, data, message, django_capture_on_commit_callbacks
):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED[:2]))

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(send_url(batch), data, follow=True)

    assert message in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BulkInvitation.Status.PREVIEW
    assert not mail.outbox


def test_a_file_with_no_valid_row_offers_no_send(admin_client_, admin_user):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(["bad,admin,,,,"]))
    page = admin_client_.get(batch_page(batch)).content.decode()
    assert "No row of this file can be sent" in page
    assert send_url(batch) not in page


def test_resume_re_enqueues_a_batch_left_sending(
    admin_client_, admin_user, clinician_a, eager_tasks, django_capture_on_commit_callbacks
):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED[:2]))
    bulk_invitations.start_sending(batch, request=None)  # the broker never got the task

    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(send_url(batch), {"resume": "1"})

    assert len(mail.outbox) == 2
    batch.refresh_from_db()
    assert batch.status == BulkInvitation.Status.DONE


def test_another_admin_can_see_and_finish_a_colleagues_batch(client, admin_user, clinician_a):
    batch = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED[:1]))
    client.force_login(AdminFactory())
    assert client.get(batch_page(batch)).status_code == 200


# --- The one invitation path ----------------------------------------------------------


def test_an_admin_invites_a_patient_only_for_an_active_clinician(admin_user):
    gone = ClinicianFactory(is_active=False)
    with pytest.raises(invitations.ValidationError) as refused:
        invitations.invite(admin_user, "x@example.org", "patient", clinician=gone)
    assert refused.value.code == "clinician_inactive"
    with pytest.raises(invitations.ValidationError) as refused:
        invitations.invite(admin_user, "x@example.org", "patient")
    assert refused.value.code == "role_not_allowed"
    assert not Invitation.objects.exists()


def test_the_invited_name_and_language_prefill_the_new_account(admin_user, clinician_a):
    outcome = invitations.invite(
        admin_user, "new@example.org", "patient", clinician=clinician_a, name="Sam", language="es"
    )
    user = UserFactory.build(email="new@example.org")
    user.set_password("x")
    invitations.accept(outcome.invitation.pk, user)
    user.refresh_from_db()
    assert user.language == "es"
    assert user.patient.care_team.get() == clinician_a


# --- Retention ------------------------------------------------------------------------


def test_old_batches_and_their_rows_are_deleted_by_the_daily_retention(admin_user, settings):
    now = timezone.now()
    old = bulk_invitations.build_batch(
        admin_user, csv_bytes(["a@example.org,admin,,,,"]), now=now - timedelta(days=31)
    )
    stuck = bulk_invitations.build_batch(
        admin_user, csv_bytes(["b@example.org,admin,,,,"]), now=now - timedelta(days=31)
    )
    BulkInvitation.objects.filter(pk=stuck.pk).update(status=BulkInvitation.Status.SENDING)
    recent = bulk_invitations.build_batch(
        admin_user, csv_bytes(["c@example.org,admin,,,,"]), now=now - timedelta(days=29)
    )

    removed = retention.apply_retention(now)

    assert removed.bulk_invitations == 1
    assert set(BulkInvitation.objects.values_list("pk", flat=True)) == {stuck.pk, recent.pk}
    assert not BulkInvitationRow.objects.filter(batch_id=old.pk).exists()
    settings.LDN_BULK_INVITATION_RETENTION_DAYS = 0
    assert retention.apply_retention(now + timedelta(days=999)).bulk_invitations == 0


def test_the_preview_and_its_reasons_are_in_the_admins_language(client, clinician_a):
    admin = AdminFactory(language="de")
    client.force_login(admin)
    batch = bulk_invitations.build_batch(
        admin, csv_bytes(["a@example.org,patient,,nobody@example.org,,", "b@example.org,admin,,,,"])
    )

    page = client.get(batch_page(batch)).content.decode()

    assert "Keine behandelnde Person hat die Adresse aus der Spalte clinician." in page
    assert "1 gültige Zeile senden" in page
    assert "Send 1 valid row" not in page


def test_a_bad_file_is_explained_in_the_admins_language(client, db):
    client.force_login(AdminFactory(language="es"))
    response = upload(client, b"\x00\x01")
    assert "El archivo contiene bytes NUL" in response.content.decode()


def test_a_batch_left_sending_is_handed_to_the_broker_again_by_the_minute_sweep(
    admin_user, clinician_a, patient_b, eager_tasks
):
    """The broker was down when the admin pressed Send (the request left the batch to the
    sweep): after RESUME_AFTER the beat task hands it over and every valid row goes once."""
    stalled = bulk_invitations.build_batch(admin_user, csv_bytes(MIXED))
    bulk_invitations.start_sending(stalled, request=None)
    fresh = bulk_invitations.build_batch(
        admin_user, csv_bytes(["fresh@example.org,patient,,clinician.a@example.org,,"])
    )
    bulk_invitations.start_sending(fresh, request=None)
    just_before = timezone.now() - bulk_invitations.RESUME_AFTER + timedelta(seconds=5)
    BulkInvitation.objects.filter(pk=stalled.pk).update(
        queued_at=timezone.now() - bulk_invitations.RESUME_AFTER
    )
    BulkInvitation.objects.filter(pk=fresh.pk).update(queued_at=just_before)

    assert resume_bulk_invitations_task() == 1  # the fresh one may still be on its way

    stalled.refresh_from_db()
    fresh.refresh_from_db()
    assert stalled.status == BulkInvitation.Status.DONE
    assert fresh.status == BulkInvitation.Status.SENDING
    assert len(mail.outbox) == len({m.to[0] for m in mail.outbox}) == 3
    assert resume_bulk_invitations_task() == 0  # done batches are left alone


def test_the_resume_sweep_is_on_the_beat_schedule():
    [entry] = [
        e
        for e in app.conf.beat_schedule.values()
        if e["task"] == "accounts.resume_bulk_invitations"
    ]
    assert entry["schedule"] <= 60


def test_a_row_the_mail_server_refuses_fails_and_logs_no_address(
    admin_user, clinician_a, monkeypatch, caplog
):
    data = (
        "email,role,name,clinician,country,language\r\n"
        f"sam.taylor@example.org,patient,Sam Taylor,{clinician_a.email},GB,en\r\n"
    ).encode()
    batch = bulk_invitations.build_batch(admin_user, data)
    bulk_invitations.start_sending(batch, request=None)

    def refuse(invitation, token):
        raise smtplib.SMTPRecipientsRefused({invitation.email: (550, b"mailbox unavailable")})

    monkeypatch.setattr(invitations, "send_invitation_email", refuse)
    with caplog.at_level(logging.ERROR):
        bulk_invitations.send_batch(batch.pk)
    row = BulkInvitationRow.objects.get(batch=batch)
    assert (row.status, row.problem) == ("failed", "delivery_failed")
    assert "SMTPRecipientsRefused" in caplog.text
    assert "sam.taylor" not in caplog.text


def test_rows_left_when_their_administrator_is_deactivated_are_not_sent_in_their_name(
    admin_user, clinician_a
):
    batch = bulk_invitations.build_batch(
        admin_user, csv_bytes(["one@example.org,admin,,,,", "two@example.org,clinician,,,,"])
    )
    bulk_invitations.start_sending(batch, request=None)
    admin_user.is_active = False
    admin_user.save(update_fields=["is_active"])

    counts = bulk_invitations.send_batch(batch.pk)

    assert (counts["sent"], counts["failed"]) == (0, 2)
    assert {row(batch, n).problem for n in (2, 3)} == {"sender_inactive"}
    assert not mail.outbox
    assert not Invitation.objects.exists()
    with translation.override("en"):
        assert "has been deactivated" in bulk_invitations.problem_message("sender_inactive")


def test_sending_one_row_says_one_invitation(
    admin_client_, clinician_a, eager_tasks, django_capture_on_commit_callbacks
):
    """It said "Sending 1 invitations and care-team requests" (exploratory testing)."""
    upload(admin_client_, csv_bytes(MIXED[1:2]))
    batch = BulkInvitation.objects.get()

    response = send(admin_client_, batch, django_capture_on_commit_callbacks)

    messages = [str(m) for m in response.wsgi_request._messages]
    assert "Sending 1 invitation or care-team request. This page shows the progress." in messages
