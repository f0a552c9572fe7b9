"""The query budget of each clinician page (the query-budget and page-form tests')."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

# Issue 18 added one query to every clinician page: the break-glass banner reads the
# clinician's active grants (not the session), so it shows in each of their sessions. Since
# issue 19 it reads them in the navigation's query of open urgent reports: one fewer again.
BUDGETS = {
    # Session, user, gate, the nights as one aggregated per-night series (patients.records),
    # the plan (one query, steps included), extra scales, timeline, the entries table's page
    # (LIMIT/OFFSET), access log, dismissals, the navigation's count of open urgent reports,
    # which (issue 18; one query with it since issue 19) also reads the banner's active
    # emergency grants. Was 12 with the banner's own query, 14 when
    # every night was read as a model instance with its side effects and scores (3 queries)
    # and the plan's steps were prefetched (1 more). Since the page reads only the nights it
    # shows (issue 19, "flat for a year or ten"), the record's summary (first and last night,
    # count, first reports: 1) and the by-dose panel's groups (1) are queries of their own.
    # The extra scales and the dismissals are read in the gate's query (JSON rows): 11, was 13.
    "clinic:patient": 11,
    # The patient page's reads without the entries table and dismissals, plus where the
    # record starts and the urgent reports of the range. Was 15, then 12 with the banner's
    # own query. The record's summary (1) since the report reads only its range's nights.
    # The extra scales in the gate's query: 11, was 12.
    "clinic:report": 11,
    # The suggestions' nights in one query (patients.records) instead of two, the plan in one,
    # and the banner (in the navigation's query). Was 13, then 9 with the banner's own query.
    # The patient's open urgent reports (patients.pause.urgent_state) for the pause note
    # beside tonight's dose, as the patient page shows it: 9, one more than the 8 before.
    "clinic:plan": 9,
    # Allauth's re-authentication check takes four of these; the download three a chunk of
    # 500 nights (nights, side effects, extra scores) while it streams; where the whole
    # record starts (the default range, issue 17) is read only when the range has no start,
    # so not here; both read the urgent reports of the range (one query), FHIR also every
    # prescription's versions (ended ones too) when the patient has had more than one
    # prescription (one here: the plan already read gives them).
    # (The plan loads in one query: each one fewer than the 16 and 18 they were; the start
    # read only when needed, one fewer than the 15 and 17 after that; FHIR's versions from
    # the plan when it has them, one fewer than 16; the CSV's urgent reports, one more than
    # its 14.)
    "clinic:export csv": 15,
    "clinic:export fhir": 15,
}


def _queries(client, url, params):
    """How many queries a second GET of ``url`` sends (the first warms what is cached)."""
    client.get(url, params)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, response.get("Location")
    return len(queries)
