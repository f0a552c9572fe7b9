"""PostgreSQL's DETAIL lines (which quote the refused row: doses, scores, an email) never reach
the logs: not in a logged traceback, not in a message that repeats the error, on the web's
handlers and on a Celery worker's."""

import io
import logging
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import get_resolver

from ldn_journal.accounts.models import User
from ldn_journal.celery import _redact_worker_logs
from ldn_journal.log_redaction import RedactDatabaseDetails, loggable_path
from tests.security.access_matrix_support import _walk

EMAIL = "private.person@example.org"


def _refused_row() -> IntegrityError:
    """A real refusal from the database, quoting the email in its DETAIL line."""
    User.objects.create(email=EMAIL, display_name="A")
    try:
        with transaction.atomic():
            User.objects.create(email=EMAIL, display_name="B")
    except IntegrityError as error:
        return error
    raise AssertionError("the second account was not refused")


def _console():
    [handler] = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    return handler


@pytest.mark.django_db
def test_the_web_logs_keep_the_error_and_withhold_the_quoted_row():
    if connection.vendor != "postgresql":
        pytest.skip("the DETAIL line is PostgreSQL's")
    error = _refused_row()
    assert EMAIL in str(error)  # what would have been logged
    handler, stream = _console(), io.StringIO()
    old = handler.setStream(stream)
    try:
        log = logging.getLogger("patients.test")
        try:
            raise error
        except IntegrityError:
            log.exception("rewriting the rows failed")
        # As Django's robust on_commit logs it: the error as an argument of the message.
        logging.getLogger("django.test").error(
            "Error calling %s in on_commit() (%s)", "_flush", error, exc_info=error
        )
    finally:
        handler.setStream(old)
    written = stream.getvalue()
    assert EMAIL not in written
    # In each traceback (the driver's error and Django's) and in the second message.
    assert written.count("DETAIL:  (withheld: it can quote a row's values)") >= 3
    assert "duplicate key value violates unique constraint" in written
    assert "rewriting the rows failed" in written


def test_a_celery_workers_handlers_redact_too():
    logger = logging.getLogger("celery.test.worker")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        _redact_worker_logs(logger=logger)
        _redact_worker_logs(logger=logger)  # set up twice: one filter
        assert sum(isinstance(f, RedactDatabaseDetails) for f in handler.filters) == 1
        logger.error("task failed: %s", 'boom\nDETAIL:  Failing row contains (1, "4.50", 7).')
    finally:
        logger.removeHandler(handler)
    assert "Failing row" not in stream.getvalue()
    assert "task failed: boom" in stream.getvalue()


def test_a_request_line_in_the_web_logs_leaves_out_its_query_string():
    # A clinician's search for a patient (/clinic/?q=Jo+Williams) wrote the patient's name
    # (or email) into the server's line for that request.
    handler, stream = _console(), io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /clinic/?q=Jo+Williams&kind= HTTP/1.1", "200", "6260"
        )
    finally:
        handler.setStream(old)
    written = stream.getvalue()
    assert "Williams" not in written
    assert '"GET /clinic/?(withheld) HTTP/1.1" 200 6260' in written


# An emailed link's path is its credential: an invitation (the database keeps only its hash),
# a password reset's key, an email confirmation, a one-click unsubscribe.
LINKS = [
    "/invite/Zq3-secret-invitation-token/",
    "/unsubscribe/Zq3-secret-unsubscribe-token/",
    "/accounts/confirm-email/Zq3-secret-confirmation-key/",
    "/accounts/password/reset/key/1v-Zq3-secret-reset-key/",
]


@pytest.mark.parametrize("link", LINKS)
def test_a_request_line_in_the_web_logs_withholds_an_emailed_links_secret(link):
    handler, stream = _console(), io.StringIO()
    old = handler.setStream(stream)
    try:
        logging.getLogger("django.server").info('"%s" %s %s', f"GET {link} HTTP/1.1", "302", "0")
    finally:
        handler.setStream(old)
    written = stream.getvalue()
    assert "Zq3" not in written
    assert '/(withheld)/ HTTP/1.1" 302 0' in written


def _secret_routes():
    """Every route of the project (allauth's included) with a parameter that is a link's
    secret, filled in: a new one not withheld fails the test below."""
    filled = {"token": "Zq3secret", "key": "Zq3secret", "uidb36": "1v"}
    found = []
    for route, _name in _walk(get_resolver().url_patterns):
        names = re.findall(r"<(?:[^>:]+:)?([^>]+)>|\(\?P<([^>]+)>", route)
        params = {a or b for a, b in names}
        if params & {"token", "key"}:
            path = route.replace("^", "").replace("$", "")
            for param in params:
                path = re.sub(rf"<(?:[^>:]+:)?{param}>|\(\?P<{param}>[^)]*\)", filled[param], path)
            found.append("/" + path)
    return found


def test_every_route_with_a_token_or_key_is_withheld_in_the_logs():
    routes = _secret_routes()
    assert len(routes) >= len(LINKS)
    for path in routes:
        assert "Zq3secret" not in loggable_path(path), path
