"""The pager's links keep a list's search and filters and change only the page
(ldn_journal.pager: one function for the clinician's list, the audit viewer and People)."""

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from ldn_journal.pager import query_without_page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ""),
        ("page=3", ""),
        ("q=ann&role=patient&page=2", "q=ann&role=patient"),
        ("page=2&page=5&kind=missed", "kind=missed"),  # a repeated page goes too
        ("q=a+b%26c&page=2", "q=a+b%26c"),  # values stay encoded
        ("flag=x&flag=y&page=1", "flag=x&flag=y"),  # a repeated filter stays
    ],
)
def test_the_query_string_keeps_everything_but_the_page(query, expected):
    assert query_without_page(QueryDict(query)) == expected


def test_the_request_query_is_not_changed():
    query = QueryDict("q=ann&page=2")

    query_without_page(query)

    assert query["page"] == "2"


@pytest.mark.parametrize(
    ("signed_in", "url", "query"),
    [
        ("clinician_client", "clinic:patients", {"search": "ann"}),
        ("admin_client_", "manage:access_log", {"action": "patient.view"}),
        ("admin_client_", "manage:people", {"q": "ann", "role": "patient"}),
    ],
)
def test_each_list_gives_its_pager_the_query_without_the_page(
    request, patient_a, signed_in, url, query
):
    client = request.getfixturevalue(signed_in)

    response = client.get(reverse(url), {**query, "page": "1"})

    assert response.context["query_string"] == urlencode(query)
