"""The visit report's table of plan versions shows a version replaced before it took effect,
marked so, and neither lists nor marks it as a change: a restart signed for 10 Dec and
replaced by a new hold on 5 Dec read "10 Dec 2026 v3 Restarted" as if it had happened, and
a report ending before the 10th left it out with no sign it existed (found by exploratory QA).
"""

import re

import pytest
import time_machine
from django.urls import reverse

from tests.patients.report_plan_changes_support import chart_markers, table_rows
from tests.patients.superseded_versions_support import superseded_rows

pytestmark = pytest.mark.django_db


@time_machine.travel("2026-12-21T09:00:00Z", tick=False)
@pytest.mark.parametrize(
    ("start", "end", "changed"),
    [
        (
            "2026-12-01",
            "2026-12-20",
            [
                ("2 Dec 2026", "2"),
                ("5 Dec 2026", "4"),
                ("15 Dec 2026", "5"),
            ],
        ),
        (
            "2026-12-01",
            "2026-12-08",
            [("2 Dec 2026", "2"), ("5 Dec 2026", "4")],
        ),
    ],
)
def test_a_restart_replaced_before_its_night_is_shown_as_replaced(
    clinician_client, replaced_restart, start, end, changed
):
    response = clinician_client.get(
        reverse("clinic:report", args=[replaced_restart.pk]), {"start": start, "end": end}
    )
    text = response.content.decode()
    assert [row[:2] for row in table_rows(text)] == [row[:2] for row in changed]
    assert chart_markers(text) == table_rows(text)
    assert superseded_rows(text) == [
        ("10 Dec 2026", "3", "Resumed", "replaced by v4 (from 5 Dec 2026) before it took effect")
    ]


@time_machine.travel("2026-12-21T09:00:00Z", tick=False)
def test_the_spanish_replaced_badge_does_not_disagree_with_the_kind_label(
    clinician_client, clinician_a, replaced_restart
):
    """Spanish read "v3 Reanudado sustituida por la v4 ...": a feminine participle (for the
    unnamed "versión") after the masculine kind label (found by QA). The badge is now a
    clause without a participle to agree."""
    clinician_a.language = "es"
    clinician_a.save(update_fields=["language"])
    text = clinician_client.get(
        reverse("clinic:report", args=[replaced_restart.pk]),
        {"start": "2026-12-01", "end": "2026-12-20"},
    ).content.decode()
    [(number, kind, badge)] = re.findall(
        r'<tr class="superseded"><td><s>.*?</s></td><td>v(\d+) (.*?) <span[^>]*>(.*?)</span>', text
    )
    assert (number, kind) == ("3", "Reanudado")
    assert badge == "se sustituyó por la v4 (desde el 5 dic 2026) antes de entrar en vigor"
