"""One CSV row per night, UTF-8 with a byte order mark, ISO dates, safe to open in a
spreadsheet.

Columns (documented in COLUMNS below, in this order):
night (ISO date of the evening), status (taken/skipped/blank), dose_mg, prescribed_mg,
taken_at and bedtime (ISO 8601 UTC), skip_reason, skip_reason_text, sleep_quality, dreams,
dream_intensity, pain, fatigue, mood (0-10 or blank), side_effects ("kind:severity; ..."),
extra_scores ("Scale name=value; ..."), notes, evening_logged_at, morning_logged_at,
time_zone (the IANA zone the night was logged in), logged_offline (true/false), then the
urgent reaction reports made on the night (urgent_reported_at, urgent_time_zone,
urgent_severity, urgent_symptoms, urgent_text, urgent_acknowledged_at, urgent_decision: one
item per report, oldest first, separated by semicolons), and plan_status (the plan's state
that night: active, on_hold, ended, not_started or no_plan). A row per night the plan
prescribed a dose on or held, up to tonight, logged or not (a missed night: plan_status
active; a held night: on_hold), and per night with an urgent report; a night with nothing
logged has its logged columns (status to logged_offline) blank but prescribed_mg, the plan's
dose on a night it was active. A night with nothing
prescribed and nothing logged (before the plan, after it ended) has no row.
"""

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC
from itertools import chain

COLUMNS = [
    (
        "night",
        "Night (ISO date of the evening the night starts on; of the dose for morning dosing)",
    ),
    ("status", "taken, skipped, or blank when the dose was not logged"),
    ("dose_mg", "Dose taken in mg"),
    ("prescribed_mg", "Dose the plan prescribed that night, in mg"),
    ("taken_at", "When the dose was taken (ISO 8601, UTC)"),
    ("bedtime", "Bedtime (ISO 8601, UTC)"),
    ("skip_reason", "Why the dose was skipped (code)"),
    ("skip_reason_text", "Why the dose was skipped (the patient's words)"),
    ("sleep_quality", "Sleep quality 0-10 (10 = excellent)"),
    ("dreams", "none, normal, vivid or nightmares"),
    ("dream_intensity", "Dream intensity 0-10"),
    ("pain", "Pain 0-10 (0 = no pain)"),
    ("fatigue", "Fatigue 0-10 (0 = no fatigue)"),
    ("mood", "Mood 0-10 (10 = very good)"),
    ("side_effects", "Side effects as kind:severity, separated by semicolons"),
    ("extra_scores", "Extra scales as name=value, separated by semicolons"),
    ("notes", "The patient's notes"),
    # The name stays (a contract); for morning dosing it is the morning dose's (docs/fhir.md).
    ("evening_logged_at", "When the dose part (taken or skipped) was saved (ISO 8601, UTC)"),
    ("morning_logged_at", "When the morning part was saved (ISO 8601, UTC)"),
    ("time_zone", "The time zone the night was logged in (IANA name; blank if not recorded)"),
    (
        "logged_offline",
        "true when logged on the phone without a connection and sent later (blank: nothing logged)",
    ),
    # The urgent reaction reports made on the night (its night and zone as the night page
    # gives them): one item per report in each column, oldest first, in the same order.
    (
        "urgent_reported_at",
        "When each urgent reaction report of the night was made (ISO 8601, UTC), oldest first, "
        "separated by semicolons",
    ),
    (
        "urgent_time_zone",
        "The time zone each urgent report was made in, which its night is counted in (IANA name)",
    ),
    ("urgent_severity", "The severity the patient gave each urgent report: moderate or severe"),
    ("urgent_symptoms", "Each urgent report's symptoms (codes separated by commas)"),
    ("urgent_text", "What the patient wrote in each urgent report"),
    (
        "urgent_acknowledged_at",
        "When a clinician acknowledged each urgent report (ISO 8601, UTC; blank: not yet)",
    ),
    ("urgent_decision", "The clinician's decision on each urgent report: continue or hold"),
    # Last, so the columns before it keep their places for the programs that read them.
    (
        "plan_status",
        "The plan's state that night: active, on_hold, ended, not_started or no_plan "
        "(a dose taken on an on_hold night was taken while the plan was paused)",
    ),
]
HEADER = [name for name, _ in COLUMNS]

# A spreadsheet treats a cell as a formula (CSV injection) when it starts with a formula's
# sign, also after leading whitespace, which spreadsheets skip (spaces, any Unicode space,
# tabs, line breaks, NULs); a cell that starts with a tab, a line break or a NUL is also one
# to neutralise (OWASP's list: = + - @ tab CR; ASVS 1.2.10 adds NUL).
FORMULA = re.compile(r"[\s\x00]*[=+\-@]|[\t\r\n\x00]")


def neutralise(value) -> str:
    """The cell as text; a formula-looking cell gets a leading apostrophe so it stays text."""
    text = "" if value is None else str(value)
    if FORMULA.match(text):
        return "'" + text
    return text


def _iso(moment):
    return moment.astimezone(UTC).isoformat() if moment else ""


def entry_row(entry) -> list[str]:
    """One night (patients.clinic.exports.rows.Night) as CSV cells."""
    effects = "; ".join(
        f"{effect.kind}:{effect.severity_label.lower()}"
        + (f" ({effect.other_text})" if effect.other_text else "")
        for effect in entry.side_effects
    )
    extra = "; ".join(f"{score.scale_name}={score.value}" for score in entry.extra_scores)
    values = [
        entry.night.isoformat(),
        entry.status,
        entry.dose_mg,
        entry.prescribed_mg,
        _iso(entry.taken_at),
        _iso(entry.bedtime),
        entry.skip_reason,
        entry.skip_reason_text,
        entry.sleep_quality,
        entry.dreams,
        entry.dream_intensity,
        entry.pain,
        entry.fatigue,
        entry.mood,
        effects,
        extra,
        entry.notes,
        _iso(entry.evening_logged_at),
        _iso(entry.morning_logged_at),
        entry.time_zone,
        _OFFLINE[entry.logged_offline],
        *urgent_cells(entry.urgent_reports),
        entry.plan_status,
    ]
    return ["" if value is None else str(value) for value in values]


_NO_URGENT_CELLS = tuple("" for name in HEADER if name.startswith("urgent_"))
_OFFLINE = {True: "true", False: "false", None: ""}  # None: nothing logged that night


def urgent_cells(reports) -> Sequence[str]:
    """The urgent_* cells of a night: each column one item per report, in the same order."""
    if not reports:  # most nights
        return _NO_URGENT_CELLS

    def each(values) -> str:
        return "; ".join(values)

    return [
        each(_iso(report.reported_at) for report in reports),
        each(report.time_zone for report in reports),
        each(report.severity for report in reports),
        each(",".join(report.symptoms) for report in reports),
        each(report.text for report in reports),
        each(_iso(report.acknowledged_at) for report in reports),
        each(report.decision for report in reports),
    ]


def nights_csv(entries) -> str:
    return rows_csv(HEADER, (entry_row(entry) for entry in entries))


# First in a downloaded file: without it Excel on Windows reads UTF-8 as the system's code
# page ("Ã¤" for "ä", "â€”" for "—"); Python reads it with "utf-8-sig", LibreOffice and
# Numbers skip it.
BOM = "\ufeff"


def stream_nights_csv(entries):
    """The same CSV, the BOM first, in pieces of about STREAM_PIECE characters, for a
    streamed download."""
    return in_pieces(chain([BOM], _csv_lines(HEADER, (entry_row(entry) for entry in entries))))


STREAM_PIECE = 32 * 1024


class _Line:
    """csv.writer writes each row here and gets the row's text back."""

    def write(self, text):
        return text


def _csv_lines(header, rows):
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def in_pieces(texts, size=STREAM_PIECE):
    """Joins small texts into pieces of at least `size` characters (a send per piece, not
    per row)."""
    buffer, length = [], 0
    for text in texts:
        buffer.append(text)
        length += len(text)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)


def rows_csv(header, rows) -> str:
    """Any table as neutralised CSV (the access-log export uses it too; a download puts the
    BOM before it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return out.getvalue()
