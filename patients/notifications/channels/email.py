"""Email: HTML + text, with RFC 8058 one-click unsubscribe headers."""

import contextlib
import smtplib
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from patients.notifications import delivery_reasons as reasons
from patients.notifications.channels import PermanentFailure, TransientFailure


@dataclass(frozen=True)
class EmailMessageParts:
    subject: str
    text: str
    html: str
    unsubscribe_url: str = ""


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        if codes and all(code >= 500 for code in codes):
            return PermanentFailure(reasons.MAIL_ADDRESS_REFUSED(code=codes[0]))
        return TransientFailure(reasons.MAIL_ADDRESS_DEFERRED(code=codes[0] if codes else "?"))
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code >= 500:
            return PermanentFailure(reasons.MAIL_MESSAGE_REFUSED(code=exc.smtp_code))
        return TransientFailure(reasons.MAIL_MESSAGE_DEFERRED(code=exc.smtp_code))
    return TransientFailure(reasons.MAIL_UNREACHABLE(error=type(exc).__name__))


_local = threading.local()


def _shared_connection():
    """One SMTP connection per worker thread, opened once and reused across tasks: a new
    TCP + EHLO (+ TLS) per reminder would cap a worker's rate far below its SMTP relay's."""
    key = (
        settings.EMAIL_BACKEND,
        getattr(settings, "EMAIL_HOST", ""),
        getattr(settings, "EMAIL_PORT", 0),
    )
    if getattr(_local, "key", None) != key or _local.connection is None:
        drop_connection()
        _local.connection = get_connection(fail_silently=False)
        _local.connection.open()
        _local.key = key
    return _local.connection


def drop_connection():
    connection = getattr(_local, "connection", None)
    _local.connection = None
    if connection is not None:
        with contextlib.suppress(Exception):  # closing a broken connection may fail again
            connection.close()


def send_email(to: str, parts: EmailMessageParts, connection=None) -> None:
    headers = {}
    if parts.unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{parts.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=parts.subject,
        body=parts.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
    )
    message.attach_alternative(parts.html, "text/html")
    for attempt in (1, 2):
        try:
            # Inside the try: a server that refuses the connection is a transient failure too.
            message.connection = connection or _shared_connection()
            message.send(fail_silently=False)
            return
        except smtplib.SMTPServerDisconnected as exc:
            drop_connection()  # the server closed an idle connection: one fresh try
            if attempt == 2 or connection is not None:
                raise _classify(exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            drop_connection()
            raise _classify(exc) from exc
