"""Database error details kept out of the logs.

PostgreSQL explains a refused row with a DETAIL line that quotes it: "Failing row contains
(…)" for a check constraint (a patient's flags, doses and scores, for the attention row),
"Key (email)=(…) already exists" for a unique one. psycopg puts that line in the exception's
text, which every logged traceback and Django's "Error calling … in on_commit() (…)" repeat.
This filter, on every handler that writes the logs (Django's LOGGING, Celery's worker and task
loggers), replaces what such a line says, and leaves the rest (the error, the constraint's name,
where it happened) for whoever reads the log.

A request line's query string is withheld too (WithholdFromRequestLines): a clinician's search
for a patient (/clinic/?q=Jo+Williams) put the name in the development server's line for it
(gunicorn's access log leaves it out by its format: gunicorn_conf.access_log_format). So is the
secret of an emailed link's path (loggable_path): the link is the credential (an invitation,
kept in the database only as its SHA-256; a password reset; an email confirmation; a one-click
unsubscribe), and whoever read the log could use it before its owner.
"""

import logging
import re

_DETAIL = re.compile(r"^(?P<head>\s*DETAIL:).*$", re.MULTILINE)
WITHHELD = r"\g<head>  (withheld: it can quote a row's values)"


def redact(text: str) -> str:
    return _DETAIL.sub(WITHHELD, text) if "DETAIL:" in text else text


class RedactDatabaseDetails(logging.Filter):
    _format = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "DETAIL:" in message:
            record.msg, record.args = redact(message), ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            # Formatters reuse exc_text once it is set: the traceback, written once, redacted.
            record.exc_text = self._format.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


# The paths whose segment after these is an emailed link's secret (every route with a `token`
# or `key`: tests/test_log_redaction.py walks the URL list); allauth's password reset puts the
# account's id and the key in one segment.
SECRET_PATH_PREFIXES = (
    "/invite/",
    "/unsubscribe/",
    "/accounts/confirm-email/",
    "/accounts/password/reset/key/",
)
_SECRET = re.compile(
    "^(?P<head>" + "|".join(re.escape(prefix) for prefix in SECRET_PATH_PREFIXES) + ")[^/?]+"
)


def loggable_path(path: str) -> str:
    """A request's path as a log may hold it: an emailed link's secret withheld."""
    return _SECRET.sub(r"\g<head>(withheld)", path) if path else path


# "GET /clinic/?q=Jo+Williams HTTP/1.1": the method and path stay, the query goes.
_REQUEST_LINE = re.compile(r'"(?P<method>[A-Z]+) (?P<target>[^ "]*) (?P<proto>HTTP/[0-9.]+)"')


def _loggable_request_line(match: re.Match) -> str:
    path, query_mark, _query = match["target"].partition("?")
    withheld = "?(withheld)" if query_mark else ""
    return f'"{match["method"]} {loggable_path(path)}{withheld} {match["proto"]}"'


# An address anywhere in a line of text (gunicorn's "Error handling request GET /clinic/?q=…",
# its "Invalid Request Line '…'"): the query goes and a link's secret is withheld, as in the
# access line. A file's path in a traceback has neither and stays as it is.
_ADDRESS_IN_TEXT = re.compile(
    r"(?P<origin>https?://[^/\s\"']+)?(?P<path>/[^\s\"'?]*)(?P<query>\?[^\s\"']*)?"
)


def _loggable_address(match: re.Match) -> str:
    withheld = "?(withheld)" if match["query"] else ""
    return f"{match['origin'] or ''}{loggable_path(match['path'])}{withheld}"


def loggable_text(text: str) -> str:
    """A line of text as a log may hold it: every address in it without its query string,
    and without an emailed link's secret."""
    return _ADDRESS_IN_TEXT.sub(_loggable_address, text) if "/" in text else text


class WithholdFromErrorLines(logging.Filter):
    """gunicorn's error log (an exception outside Django, a malformed request) names the
    request's whole address, query string included: the same rule as its access line."""

    _format = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        loggable = loggable_text(message)
        if loggable != message:
            record.msg, record.args = loggable, ()
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = self._format.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = loggable_text(record.exc_text)
        return True


class WithholdFromRequestLines(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if " HTTP/" in message:
            record.msg, record.args = _REQUEST_LINE.sub(_loggable_request_line, message), ()
        return True


def redact_handlers(logger: logging.Logger) -> None:
    """Every handler of ``logger`` filtered (Celery sets up its own for workers)."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactDatabaseDetails) for f in handler.filters):
            handler.addFilter(RedactDatabaseDetails())
