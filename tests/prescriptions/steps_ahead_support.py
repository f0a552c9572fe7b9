"""The plan panel's steps table, row by row (the steps-ahead and version-page tests')."""

from datetime import UTC, datetime

from tests.patients.journal_support import panel_steps_table, visible_text

NOW = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)  # 20:00 in London, the night of 2 Dec


def _panel_rows(patient, clinician, now=NOW):
    """The panel's steps table, row by row, each cell's text (tags left out)."""
    body = panel_steps_table(patient, clinician, now).split("<tbody>", 1)[1]
    rows = []
    for row in body.split("<tr")[1:]:
        cells = row.split("<td>")[1:]
        rows.append([visible_text(cell.split("</td>")[0]) for cell in cells])
    return rows
