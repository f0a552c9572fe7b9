"""Finding 6: every clinician GET that shows a patient writes a read to the access log.

Generated from the URL list like the access matrix, so a new page cannot forget it: each URL
clinician A may open is requested with GET; if the page names patient A (their name or
email is in it), a row with clinician A as actor and patient A as patient must have been
written by that request.
"""

from ldn_journal.accounts.models import AccessLog
from patients.models import UrgentReport
from tests import figures
from tests.security.access_matrix_support import URLS, concrete
from tests.security.access_rules import RULES, build_cast
from tests.security.reauth import mark_reauthenticated

DISTINCT_NAME = "Zelda Quillfeather"

CLINICIAN_PAGES = [
    (route, name)
    for route, name in URLS
    if name in RULES
    and not RULES[name].public
    and "clinician_a" in RULES[name].allowed
    and RULES[name].serves("get")
]


# Pages known to show patient A: the generated check must have found each of them (so a
# broken detection cannot pass by finding nothing).
KNOWN_PATIENT_PAGES = {
    "clinic:patients",
    "clinic:patient",
    "clinic:report",
    "clinic:urgent_reports",
    "clinic:urgent_report",
    "clinic:plan",
    "clinic:plan_change",
    "clinic:plan_hold",
    "clinic:plan_resume",
    "clinic:plan_end",
    "clinic:plan_dosing_time",
    "clinic:plan_template_choose",
    "clinic:plan_template_apply",
}


def test_every_clinician_page_that_shows_a_patient_logs_the_read(client, db):
    cast = build_cast()
    user = cast.patient_a.user
    user.display_name = DISTINCT_NAME
    user.save(update_fields=["display_name"])
    client.force_login(cast.clinician_a)
    mark_reauthenticated(client, cast.clinician_a)
    showing, unlogged = set(), []
    for route, name in CLINICIAN_PAGES:
        url = concrete(route, name, cast)
        before = AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        page = body.decode(errors="replace")
        if response.status_code != 200 or (DISTINCT_NAME not in page and user.email not in page):
            continue  # this page does not show patient A (a list of templates, a redirect)
        showing.add(name)
        figures.add("audit", "clinician pages proven to log their reads")
        rows = AccessLog.objects.filter(pk__gt=before, actor=cast.clinician_a)
        if not any(names_patient_a(row, cast) for row in rows):
            unlogged.append(f"GET {url} ({name})")
    assert showing >= KNOWN_PATIENT_PAGES, KNOWN_PATIENT_PAGES - showing
    assert not unlogged, "These pages show patient A but wrote no access-log row: " + ", ".join(
        unlogged
    )


def names_patient_a(row, cast):
    """A row about patient A, or a list read (dashboard, urgent list) that lists them."""
    if row.patient_id == cast.patient_a.pk:
        return True
    if cast.patient_a.pk in row.detail.get("patients", []):
        return True
    reports = row.detail.get("reports", [])
    return UrgentReport.objects.filter(pk__in=reports, patient=cast.patient_a).exists()
