"""The pager's links (templates/includes/pagination.html): a list page's query string without
its page number, so "Next" keeps the search and filters and changes only the page."""

from django.http import QueryDict


def query_without_page(query: QueryDict) -> str:
    """`query` (a request's GET) urlencoded, every "page" left out; "" when nothing else."""
    kept = query.copy()
    kept.pop("page", None)
    return kept.urlencode()
