"""Email: HTML + text, with RFC 8058 one-click unsubscribe headers."""

import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection

from . import PermanentFailure, TransientFailure


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
            return PermanentFailure(f"Address refused by the mail server ({codes[0]}).")
        return TransientFailure(f"Mail server deferred the address ({codes[0] if codes else '?'}).")
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code >= 500:
            return PermanentFailure(f"Mail server refused the message ({exc.smtp_code}).")
        return TransientFailure(f"Mail server deferred the message ({exc.smtp_code}).")
    return TransientFailure(f"Mail server unreachable ({type(exc).__name__}).")


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
        connection=connection or get_connection(fail_silently=False),
    )
    message.attach_alternative(parts.html, "text/html")
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        raise _classify(exc) from exc
