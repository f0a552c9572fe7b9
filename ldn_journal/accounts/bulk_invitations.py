"""Bulk invitations from a CSV file: read the file, judge every row, send the valid ones.

Reading refuses a bad file whole (too big, not UTF-8, wrong columns, too many rows) with one
message; judging gives each row a verdict (new invitation, care-team request for an existing
patient, or an error with every reason) from a handful of bulk queries. Nothing is sent at
upload. Sending goes row by row through `invitations.invite` (the one way an invitation is
made), each row claimed under a row lock and marked done in the same transaction, so a
second task, a double click or a task redelivered after a crash never sends a row twice.
"""

import csv
import io
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext, ngettext_lazy

from ldn_journal.accounts import invitations, names
from ldn_journal.accounts.access_log import record_access
from ldn_journal.accounts.languages import supported_language
from ldn_journal.accounts.models import (
    BulkInvitation,
    BulkInvitationRow,
    Invitation,
    Role,
    User,
    is_closed,
    with_closed_at,
)
from patients import care_team
from patients.clinic.exports import csv as csv_export
from patients.models import CareTeamMembership, CareTeamRequest
from patients.rules.emergency import country_choices

log = logging.getLogger(__name__)

COLUMNS = ("email", "role", "name", "clinician", "country", "language")
NAME_MAX = 150
EMAIL_MAX = 254  # the invitation's and the account's column
ROWS_PER_INSERT = 1000

Verdict = BulkInvitationRow.Verdict
RowStatus = BulkInvitationRow.Status

# Why a row cannot be sent; `detail` fills %(detail)s (a column name, a row number).
PROBLEMS = {
    "formula": gettext_lazy(
        "The %(detail)s cell starts with =, +, -, @ or a tab, which spreadsheets run as a "
        "formula. Remove that character."
    ),
    # In the count's plural form (ngettext_lazy reads the count from "detail"): it said
    # "1 values".
    "field_count": ngettext_lazy(
        "This row has %(detail)s value; every row needs 6.",
        "This row has %(detail)s values; every row needs 6.",
        "detail",
    ),
    "email": gettext_lazy("The email address is not valid."),
    "duplicate": gettext_lazy(
        "The same email address is on row %(detail)s: only that first row is used."
    ),
    "role": gettext_lazy("The role must be patient, clinician or admin."),
    "name_too_long": gettext_lazy("The name is longer than 150 characters."),
    "name_hidden": gettext_lazy(
        "The name contains invisible formatting characters such as text-direction controls "
        "(%(detail)s), which change how it is shown to others. Remove them."
    ),
    "clinician_missing": gettext_lazy(
        "A patient needs the email address of their clinician in the clinician column."
    ),
    "clinician_unknown": gettext_lazy("No clinician has the address in the clinician column."),
    "clinician_inactive": gettext_lazy("The clinician in the clinician column is deactivated."),
    # Not "deactivated" (which an admin may undo): a closed account never takes a patient.
    "clinician_closed": gettext_lazy(
        "The clinician in the clinician column has a closed account, which never takes "
        "patients again. Name an active clinician."
    ),
    "country": gettext_lazy("Unknown country: use a two-letter code such as GB, US or DE."),
    "language": gettext_lazy("Unknown language: use en, es or de, or leave it empty."),
    # Said by invitations.existing_account_message from the detail (see _account_detail);
    # these two texts are for rows judged before the detail was stored.
    "account_exists": gettext_lazy(
        "This address already has an account with another role, or is not a patient's."
    ),
    "account_deactivated": gettext_lazy("This address belongs to a deactivated account."),
    "already_invited": gettext_lazy("This address already has a pending invitation."),
    "already_on_team": gettext_lazy("This patient is already on the clinician's care team."),
    "already_asked": gettext_lazy(
        "The clinician has already asked to join this patient's care team."
    ),
    "declined_recently": gettext_lazy(
        "This patient declined this clinician's request in the last 30 days, so they are not "
        "asked again yet. If the patient agrees, link the clinician on the Care teams page."
    ),
    "role_not_allowed": gettext_lazy("You cannot invite someone with that role."),
    "delivery_failed": gettext_lazy("The email could not be sent; nothing was stored."),
    "sender_inactive": gettext_lazy(
        "Not sent: the administrator who started this upload has been deactivated. Another "
        "administrator can upload the file again."
    ),
}


# A name the name check refuses for another reason than hidden formatting characters: the
# row stores "name_" + the check's code and says the check's own text (accounts.names).
NAME_REFUSALS = {f"name_{code}": code for code in names.MESSAGES if code != "hidden_characters"}


# Problems whose detail is a count, stored as text: read back as a number for its plural form.
COUNTED = frozenset({"field_count"})


def _account_detail(user, role):
    """What the single invitation's answer needs about an existing account, stored with the
    row: its role, the role asked for, and whether it is active ("clinician:admin:active")."""
    return f"{user.role}:{role}:{'active' if user.is_active else 'inactive'}"


def _existing_account_text(detail):
    actual, role, state = ([*str(detail).split(":"), "", ""])[:3]
    if actual in Role.values and role in Role.values and state in ("active", "inactive"):
        return invitations.existing_account_message(actual, role, active=state == "active")
    return PROBLEMS["account_exists"]


def problem_message(code, detail=""):
    if code == "account_exists":
        return _existing_account_text(detail)
    if code in NAME_REFUSALS:
        return names.refusal_message(NAME_REFUSALS[code], detail)
    text = PROBLEMS.get(code) or PROBLEMS["delivery_failed"]
    if code in COUNTED and str(detail).isdigit():
        detail = int(detail)
    return text % {"detail": detail}


class BadFile(ValidationError):
    """The file is refused whole; the message says why and what to do."""


# --- Reading the file -----------------------------------------------------------------


@dataclass
class ParsedRow:
    number: int  # the row in the file, the header being row 1 (as a spreadsheet counts)
    values: list = field(default_factory=list)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise BadFile(
            gettext(
                "The file contains NUL bytes, so it is not a CSV text file (is it a "
                "spreadsheet such as .xlsx?). Save it as “CSV UTF-8” and upload that."
            )
        )
    try:
        return data.decode("utf-8-sig")  # a byte-order mark (Excel's "CSV UTF-8") is dropped
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadFile(
            gettext(
                "The file is not UTF-8 text (the first unreadable character is on line "
                "%(line)s). In your spreadsheet, save it as “CSV UTF-8” and upload that."
            )
            % {"line": line}
        ) from None


def _expected_columns():
    return ", ".join(COLUMNS)


def _check_header(header):
    names = [cell.strip().lower() for cell in header]
    if names == list(COLUMNS):
        return
    missing = [c for c in COLUMNS if c not in names]
    unexpected = [n for n in names if n not in COLUMNS]
    message = gettext(
        "The first row must name the columns, in this order: %(columns)s. "
        "Download the template to start from."
    ) % {"columns": _expected_columns()}
    if missing:
        message += " " + gettext("Missing: %(names)s.") % {"names": ", ".join(missing)}
    if unexpected:
        shown = ", ".join(name[:40] for name in unexpected[:6])
        message += " " + gettext("Not expected: %(names)s.") % {"names": shown}
    raise BadFile(message)


def _delimiter(text: str) -> str:
    """A semicolon when the header row is separated by semicolons and has no comma, else a
    comma."""
    first = text.splitlines()[0] if text else ""
    return ";" if ";" in first and "," not in first else ","


def _without_trailing_blanks(values, keep=0):
    """`values` without the empty cells after its last one, keeping at least `keep` cells.
    A spreadsheet saves columns that were once used or formatted as empty cells at the end
    of every line ("email,...,language,,"): the header was refused as "Not expected: , ."
    and every row as having 8 values (found by exploratory QA)."""
    end = len(values)
    while end > keep and not values[end - 1].strip():
        end -= 1
    return values[:end]


def read_rows(data: bytes) -> list[ParsedRow]:
    """The data rows of an uploaded file, or BadFile for a file that cannot be used."""
    max_bytes = settings.LDN_BULK_INVITATION_MAX_BYTES
    if len(data) > max_bytes:
        raise file_too_big()
    text = _decode(data)
    # German and Spanish spreadsheets save "CSV" with semicolons between the values: such a
    # file is read as written (it was refused as a wrong header).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    max_rows = settings.LDN_BULK_INVITATION_MAX_ROWS
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            raise BadFile(
                gettext("The file is empty. The first row must name the columns: %(columns)s.")
                % {"columns": _expected_columns()}
            )
        _check_header(_without_trailing_blanks(header))
        for number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue  # blank lines (a trailing newline, a spreadsheet's empty rows)
            if len(rows) == max_rows:
                raise too_many_rows()
            rows.append(ParsedRow(number, _without_trailing_blanks(values, len(COLUMNS))))
    except csv.Error:
        raise BadFile(
            gettext("Line %(line)s could not be read as CSV (an unclosed quote?).")
            % {"line": reader.line_num}
        ) from None
    if not rows:
        raise BadFile(gettext("The file has the column names but no rows to invite."))
    return rows


def file_too_big():
    megabytes = settings.LDN_BULK_INVITATION_MAX_BYTES / (1024 * 1024)
    return BadFile(
        gettext("The file is larger than %(size)s MB. Split it into smaller files.")
        % {"size": f"{megabytes:g}"}
    )


def too_many_rows():
    limit = settings.LDN_BULK_INVITATION_MAX_ROWS
    return BadFile(
        ngettext(
            "The file has more than %(max)s row to invite. Split it into files of at most "
            "%(max)s row.",
            "The file has more than %(max)s rows to invite. Split it into files of at most "
            "%(max)s rows.",
            limit,
        )
        % {"max": f"{limit:,}"}
    )


# --- Judging the rows -----------------------------------------------------------------


@dataclass
class Known:
    """What the database says about the addresses in a file, fetched in bulk."""

    users: dict  # lower-case email -> User (with .patient when a patient)
    invited: set  # lower-case emails with a pending invitation
    on_team: set  # (patient_id, clinician_id)
    asked: set  # (patient_id, clinician_id) with a pending care-team request
    declined: set  # (patient_id, clinician_id) declined lately (care_team.declined_recently)
    countries: set  # the country codes the invitation form offers


def _normalised(values):
    cells = [value.strip() for value in values]
    return dict(zip(COLUMNS, cells, strict=False)) if len(cells) == len(COLUMNS) else None


def look_up(rows) -> Known:
    emails = set()
    for row in rows:
        cells = _normalised(row.values) or {}
        emails.update(cells.get(c, "").lower() for c in ("email", "clinician"))
    emails.discard("")
    # Each read with its closure: a closed clinician named in a row is refused as closed
    # (is_closed) without a query per row.
    found = with_closed_at(User.objects.filter(email__in=emails).select_related("patient"))
    users = {user.email: user for user in found}
    patient_ids = [u.patient.pk for u in users.values() if hasattr(u, "patient")]
    pairs = ("patient_id", "clinician_id")
    return Known(
        users=users,
        invited=set(
            Invitation.objects.pending().filter(email__in=emails).values_list("email", flat=True)
        ),
        on_team=set(
            CareTeamMembership.objects.filter(patient_id__in=patient_ids).values_list(*pairs)
        ),
        asked=set(
            CareTeamRequest.objects.pending().filter(patient_id__in=patient_ids).values_list(*pairs)
        ),
        declined=set(
            care_team.declined_recently(timezone.now())
            .filter(patient_id__in=patient_ids)
            .values_list(*pairs)
        ),
        countries={code for code, _name in country_choices(settings.LDN_EMERGENCY_NUMBERS)},
    )


class RowProblem(Exception):
    def __init__(self, code, detail=""):
        super().__init__(code)
        self.code, self.detail = code, str(detail)


def _formula_cells(values):
    return [
        column
        for column, value in zip(COLUMNS, values, strict=False)
        if csv_export.FORMULA.match(value)  # what the exports neutralise, refused here
    ]


def _valid_email(address):
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= EMAIL_MAX


def _cell_problems(values, cells, known):
    """Every problem of the row's own cells, each cell judged on its own."""
    problems = [RowProblem("formula", column) for column in _formula_cells(values)]
    if not _valid_email(cells["email"]):
        problems.append(RowProblem("email"))
    if cells["role"].lower() not in Role.values:
        problems.append(RowProblem("role"))
    if len(cells["name"]) > NAME_MAX:
        problems.append(RowProblem("name_too_long"))
    try:
        names.validate_person_name(cells["name"])
    except ValidationError as error:
        code = "name_hidden" if error.code == "hidden_characters" else f"name_{error.code}"
        problems.append(RowProblem(code, error.params["characters"]))
    if cells["country"] and cells["country"].upper() not in known.countries:
        problems.append(RowProblem("country"))
    if cells["language"] and not supported_language(cells["language"].lower()):
        problems.append(RowProblem("language"))
    return problems


def _clinician(cells, known):
    if cells["role"].lower() != Role.PATIENT:
        return None
    address = cells["clinician"].lower()
    if not address:
        raise RowProblem("clinician_missing")
    clinician = known.users.get(address)
    if clinician is None or clinician.role != Role.CLINICIAN:
        raise RowProblem("clinician_unknown")
    if not clinician.is_active:
        raise RowProblem("clinician_closed" if is_closed(clinician) else "clinician_inactive")
    return clinician


def _verdict(email, role, clinician, known):
    """New invitation, or a care-team request for an existing patient, or a RowProblem.
    For a patient row whose clinician is unusable (None) the care team is not judged."""
    user = known.users.get(email)
    if user is None:
        if email in known.invited:
            raise RowProblem("already_invited")
        return Verdict.INVITE
    # As invitations.invite judges it: only an active patient gets a care-team request.
    if not (user.is_active and role == user.role == Role.PATIENT and hasattr(user, "patient")):
        raise RowProblem("account_exists", _account_detail(user, role))
    if clinician is None:
        return Verdict.CARE_TEAM
    pair = (user.patient.pk, clinician.pk)
    if pair in known.on_team:
        raise RowProblem("already_on_team")
    if pair in known.asked:
        raise RowProblem("already_asked")
    if pair in known.declined:
        raise RowProblem("declined_recently")
    return Verdict.CARE_TEAM


def _judged(row, cells, known, first_row_of):
    """(clinician, verdict, problems): every problem of the row, so that it is corrected in
    one go (one problem per upload meant an upload per problem). A check that needs a cell
    another problem spoils is left out: an address that is not valid has no account to
    look up, and a duplicate row is judged on its first row."""
    problems = _cell_problems(row.values, cells, known)
    email, role = cells["email"].lower(), cells["role"].lower()
    usable_email = not any(p.code == "email" for p in problems)
    clinician = duplicate = None
    if usable_email:
        duplicate = first_row_of.get(email)
        if duplicate is not None:
            problems.append(RowProblem("duplicate", duplicate))
        elif not problems:
            first_row_of[email] = row.number
    try:
        clinician = _clinician(cells, known)
    except RowProblem as problem:
        problems.append(problem)
    verdict = None
    if usable_email and duplicate is None and role in Role.values:
        try:
            verdict = _verdict(email, role, clinician, known)
        except RowProblem as problem:
            problems.append(problem)
    return clinician, verdict, problems


def judge(row: ParsedRow, known: Known, first_row_of: dict) -> BulkInvitationRow:
    """One row's verdict. `first_row_of` maps each address seen so far to its first row."""
    cells = _normalised(row.values)
    stored = BulkInvitationRow(number=row.number, status=RowStatus.NOT_SENT)
    shown = cells or dict(zip(COLUMNS, row.values, strict=False))
    for column in COLUMNS:
        # Kept for the preview (escaped there); never written back into a CSV.
        value = shown.get(column, "")[:300]
        setattr(stored, "clinician_email" if column == "clinician" else column, value)
    if cells is None:
        # The values cannot be told apart into columns: nothing else can be judged.
        problems = [RowProblem("field_count", len(row.values))]
    else:
        stored.clinician, verdict, problems = _judged(row, cells, known, first_row_of)
    if problems:
        stored.verdict = Verdict.ERROR
        stored.problems = [[p.code, p.detail[:100]] for p in problems]
        stored.problem, stored.problem_detail = stored.problems[0]
        return stored
    stored.verdict = verdict
    stored.email, stored.role = cells["email"].lower(), cells["role"].lower()
    stored.country, stored.language = cells["country"].upper(), cells["language"].lower()
    stored.status = RowStatus.PENDING
    return stored


def problem_text(row: BulkInvitationRow) -> str:
    """What is wrong with a row, every problem of it, in the reader's language."""
    problems = row.problems or ([[row.problem, row.problem_detail]] if row.problem else [])
    return " ".join(str(problem_message(code, detail)) for code, detail in problems)


def build_batch(admin, data: bytes, *, file_name="", request=None, now=None) -> BulkInvitation:
    """Read and judge the file and store the preview (BadFile: nothing is stored)."""
    now = now or timezone.now()
    rows = read_rows(data)
    known = look_up(rows)
    first_row_of = {}
    judged = [judge(row, known, first_row_of) for row in rows]
    with transaction.atomic():
        batch = BulkInvitation.objects.create(
            created_by=admin, file_name=file_name[:255], created_at=now
        )
        for row in judged:
            row.batch = batch
        BulkInvitationRow.objects.bulk_create(judged, batch_size=ROWS_PER_INSERT)
        record_access(
            request, "bulk_invitation.upload", obj=batch, actor=admin, detail=counts(batch)
        )
    return batch


# --- Progress -------------------------------------------------------------------------


def counts(batch) -> dict:
    """Rows by verdict and by sending status, in one query."""
    numbers = BulkInvitationRow.objects.filter(batch=batch).aggregate(
        rows=Count("pk"),
        invite=Count("pk", filter=Q(verdict=Verdict.INVITE)),
        care_team=Count("pk", filter=Q(verdict=Verdict.CARE_TEAM)),
        errors=Count("pk", filter=Q(verdict=Verdict.ERROR)),
        sent=Count("pk", filter=Q(status=RowStatus.SENT)),
        failed=Count("pk", filter=Q(status=RowStatus.FAILED)),
        remaining=Count("pk", filter=Q(status__in=[RowStatus.PENDING, RowStatus.SENDING])),
    )
    numbers["valid"] = numbers["invite"] + numbers["care_team"]
    numbers["done"] = numbers["sent"] + numbers["failed"]
    return numbers


# --- Sending --------------------------------------------------------------------------


class NotSendable(Exception):
    """The batch was sent already (a double click, another tab) or is not this admin's."""


def start_sending(batch, *, request, now=None):
    """Preview -> sending, once: the conditional UPDATE lets one click of two through. The
    caller enqueues the task after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = BulkInvitation.objects.filter(
            pk=batch.pk, status=BulkInvitation.Status.PREVIEW
        ).update(status=BulkInvitation.Status.SENDING, queued_at=now)
        if not claimed:
            raise NotSendable
        record_access(request, "bulk_invitation.send", obj=batch, detail=counts(batch))


def _next_row(batch_id):
    # Locked until this row's transaction ends; a second task skips it (never waits for it).
    return (
        BulkInvitationRow.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("batch__created_by", "clinician")
        .filter(batch_id=batch_id, status=RowStatus.PENDING)
        .order_by("number")
        .first()
    )


def _send_row(row, now):
    """Invite one row through the one invitation path and audit it; returns the outcome.
    Rows still waiting when their administrator is deactivated are not sent in their name."""
    admin = row.batch.created_by
    if not admin.is_active:
        raise ValidationError("", code="sender_inactive")
    outcome = invitations.invite(
        admin,
        row.email,
        row.role,
        now=now,
        country=row.country,
        clinician=row.clinician,
        name=row.name,
        language=supported_language(row.language) if row.language else "",
    )
    detail = {"batch": row.batch_id, "row": row.number}
    if outcome.invitation is not None:
        record_access(None, "invitation.send", obj=outcome.invitation, actor=admin, detail=detail)
    elif outcome.care_team_request is not None:
        asked = outcome.care_team_request
        record_access(
            None,
            "care_team.request",
            patient=asked.patient,
            obj=asked,
            actor=admin,
            detail={**detail, "clinician": asked.clinician_id},
        )
    else:
        # ask_to_join found the clinician on the team, or asked, since the preview.
        raise ValidationError("", code="already_on_team")
    return outcome


def _failure_detail(row):
    """An account made since the preview is told as the preview tells it."""
    if row.problem != "account_exists":
        return ""
    user = User.objects.filter(email__iexact=row.email).first()
    return _account_detail(user, row.role) if user is not None else ""


def _process_one(batch_id, now):
    """Claim, send and mark one pending row in one transaction; False when none is left.

    The row is marked sent in the transaction that made its invitation, so a crash before
    the commit leaves it pending with nothing stored (a redelivered task sends it then), and
    a crash after it leaves it sent."""
    with transaction.atomic():
        row = _next_row(batch_id)
        if row is None:
            return False
        row.finished_at = now
        try:
            with transaction.atomic():
                outcome = _send_row(row, now)
        except ValidationError as refused:
            row.status, row.problem = RowStatus.FAILED, (refused.code or "delivery_failed")[:30]
            row.problem_detail = _failure_detail(row)
        except Exception as error:  # noqa: BLE001 - any failure is the row's verdict, logged
            # The row id and the kind of error only: an SMTP refusal's message (and so a
            # traceback) carries the address.
            log.error("bulk invitation row %s failed: %s", row.pk, type(error).__name__)
            row.status, row.problem = RowStatus.FAILED, "delivery_failed"
        else:
            row.status = RowStatus.SENT
            row.invitation, row.care_team_request = outcome.invitation, outcome.care_team_request
        row.save(
            update_fields=[
                "status",
                "problem",
                "problem_detail",
                "finished_at",
                "invitation",
                "care_team_request",
            ]
        )
    return True


def send_batch(batch_id, *, now=None):
    """The task's work: send every pending row of a batch that is sending, then mark it
    done (audited once with its counts). Safe to run twice or at the same time."""
    batch = BulkInvitation.objects.filter(pk=batch_id, status=BulkInvitation.Status.SENDING).first()
    if batch is None:
        return None
    while _process_one(batch_id, now or timezone.now()):
        pass
    finish(batch, now=now)
    return counts(batch)


# A batch still "sending" this long after it was last handed to the broker is handed again
# (the enqueue may have failed, or the worker died): rows are claimed one by one under
# skip-locked row locks, so a second task beside a slow first one sends nothing twice.
RESUME_AFTER = timedelta(minutes=2)


def claim_stalled(now) -> list[int]:
    """The ids of batches to hand to the broker again, their `queued_at` moved to `now` in
    the same statement (two sweeps at once hand each batch over once)."""
    stalled = BulkInvitation.objects.filter(
        status=BulkInvitation.Status.SENDING, queued_at__lte=now - RESUME_AFTER
    )
    with transaction.atomic():
        ids = list(stalled.select_for_update(skip_locked=True).values_list("pk", flat=True))
        BulkInvitation.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def finish(batch, *, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        if BulkInvitationRow.objects.filter(
            batch=batch, status__in=[RowStatus.PENDING, RowStatus.SENDING]
        ).exists():
            return False  # another task still holds rows: it finishes the batch
        done = BulkInvitation.objects.filter(
            pk=batch.pk, status=BulkInvitation.Status.SENDING
        ).update(status=BulkInvitation.Status.DONE, finished_at=now)
        if done:
            record_access(
                None,
                "bulk_invitation.done",
                obj=batch,
                actor=batch.created_by,
                detail=counts(batch),
            )
    return bool(done)


# --- The template ---------------------------------------------------------------------


def template_csv() -> str:
    """The header and two example rows, for admins to fill in their spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerow(
        ["new.patient@example.org", "patient", "Sam Taylor", "dr.lee@example.org", "GB", "en"]
    )
    writer.writerow(["new.colleague@example.org", "clinician", "Dr Alex Kim", "", "", "de"])
    return out.getvalue()
