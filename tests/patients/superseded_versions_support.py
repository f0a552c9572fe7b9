"""The visit report's superseded rows read back (the report and FHIR tests')."""

import re
from datetime import UTC, datetime

REPLACED = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


def superseded_rows(text):
    table = text.split('aria-label="Plan changes"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r'<tr class="superseded"><td><s>(.*?)</s></td><td>v(\d+) (.*?) <span[^>]*>(.*?)</span>',
        table,
    )
