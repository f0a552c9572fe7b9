"""Error emails to the operators that carry ids, never health data.

Django's AdminEmailHandler mails the whole request (POST data: doses, notes) and every
frame's local variables. This one says which request failed (its id, method, path and
status) and where (the traceback's file, line and function names), and nothing else: no
POST or GET data, no exception message (it can quote input), no variables. The request id
finds the full story in the server's own logs.
"""

import logging
import traceback

from django.core.mail import mail_admins


class IdOnlyAdminEmailHandler(logging.Handler):
    def emit(self, record):
        try:
            request = getattr(record, "request", None)
            request_id = getattr(request, "request_id", None) or getattr(record, "request_id", "-")
            status = getattr(record, "status_code", "")
            lines = [
                f"Request id: {request_id}",
                f"Request: {request.method} {request.path}" if request is not None else "",
                f"Status: {status}",
                f"Logger: {record.name}",
            ]
            if record.exc_info and record.exc_info[0] is not None:
                exc_type, _, tb = record.exc_info
                lines.append(f"Exception: {exc_type.__module__}.{exc_type.__qualname__}")
                lines.append("Where (most recent call last):")
                lines.extend(
                    f"  {frame.filename}:{frame.lineno} in {frame.name}"
                    for frame in traceback.extract_tb(tb)
                )
            subject = f"{record.levelname} {status} request {request_id}".strip()
            mail_admins(subject, "\n".join(line for line in lines if line), fail_silently=True)
        except Exception:  # noqa: BLE001 - a logging handler must never raise
            self.handleError(record)
