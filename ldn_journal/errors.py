"""Styled error pages that say what to do next and leak nothing about the request."""

import logging

from django.db import DatabaseError
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from ldn_journal.accounts.access_log import record_access


def bad_request(request, exception=None):  # noqa: ARG001 - Django passes it by name
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):  # noqa: ARG001 - Django passes it by name
    return render(request, "403.html", status=403)


logger = logging.getLogger(__name__)


def record_denied_access(request):
    """A signed-in person asked for a page that exists but not for them (another team's
    patient, another role's area): a security event for the audit trail, server-side only.
    The answer stays the same 404; the row holds the URL's name and ids, no patient link
    (so it never shows on anyone's "who viewed my data" page)."""
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or user is None or not user.is_authenticated:
        return

    ids = {key: str(value)[:40] for key, value in match.kwargs.items()}
    try:
        record_access(request, "access_denied", detail={"url": match.view_name, "ids": ids})
    except DatabaseError:
        logger.warning("Could not record a denied access (database error).")


def page_not_found(request, exception=None):  # noqa: ARG001 - Django passes it by name
    record_denied_access(request)
    return render(request, "404.html", status=404)


def server_error(_request):
    # No request context: the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render())
