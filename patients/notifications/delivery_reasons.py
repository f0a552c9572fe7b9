"""Why a delivery failed, as stored and as shown: each reason is one template that builds the
stored text (English: the logs, the operators' mail, rows stored before this module) and
reads it back to show it in the reader's language. /manage/reminders/failures/ showed the
stored English to a Spanish admin.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Reason:
    """One reason: ``english`` with str.format fields (stored), ``translated`` the same with
    %(name)s fields (shown)."""

    def __init__(self, english: str, translated: Promise):
        self.english = english
        self.translated = translated
        parts = re.split(r"\{(\w+)\}", english)
        self.pattern = re.compile(
            "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.*?)" for i, p in enumerate(parts)),
            re.DOTALL,
        )

    def __call__(self, **fields) -> str:
        """The text to store (and log)."""
        return self.english.format(**fields)


NO_RENDERER = Reason("No renderer for {kind}.", _("No renderer for %(kind)s."))
NO_EMAIL_FORM = Reason("This message has no email form.", _("This message has no email form."))
NO_PUSH_FORM = Reason("This message has no push form.", _("This message has no push form."))
GAVE_UP = Reason(
    "Gave up after {attempts} attempts: {reason}",
    _("Gave up after %(attempts)s attempts: %(reason)s"),
)
MAIL_ADDRESS_REFUSED = Reason(
    "Address refused by the mail server ({code}).",
    _("Address refused by the mail server (%(code)s)."),
)
MAIL_ADDRESS_DEFERRED = Reason(
    "Mail server deferred the address ({code}).",
    _("Mail server deferred the address (%(code)s)."),
)
MAIL_MESSAGE_REFUSED = Reason(
    "Mail server refused the message ({code}).",
    _("Mail server refused the message (%(code)s)."),
)
MAIL_MESSAGE_DEFERRED = Reason(
    "Mail server deferred the message ({code}).",
    _("Mail server deferred the message (%(code)s)."),
)
MAIL_UNREACHABLE = Reason(
    "Mail server unreachable ({error}).", _("Mail server unreachable (%(error)s).")
)
PUSH_NOT_CONFIGURED = Reason(
    "Web Push is not configured (no VAPID key).",
    _("Web Push is not configured (no VAPID key)."),
)
PUSH_NOT_ACCEPTED = Reason(
    "No push device accepted the message.", _("No push device accepted the message.")
)
PUSH_DOES_NOT_RESOLVE = Reason(
    "Push service unreachable (its name does not resolve).",
    _("Push service unreachable (its name does not resolve)."),
)
PUSH_NO_ANSWER = Reason(
    "Push service unavailable (no answer).", _("Push service unavailable (no answer).")
)
PUSH_UNAVAILABLE = Reason(
    "Push service unavailable ({status}).", _("Push service unavailable (%(status)s).")
)
PUSH_UNREACHABLE = Reason(
    "Push service unreachable ({error}).", _("Push service unreachable (%(error)s).")
)

# The fixed texts before the templates their words would also match.
REASONS = (
    NO_EMAIL_FORM,
    NO_PUSH_FORM,
    PUSH_NOT_CONFIGURED,
    PUSH_NOT_ACCEPTED,
    PUSH_DOES_NOT_RESOLVE,
    PUSH_NO_ANSWER,
    NO_RENDERER,
    GAVE_UP,
    MAIL_ADDRESS_REFUSED,
    MAIL_ADDRESS_DEFERRED,
    MAIL_MESSAGE_REFUSED,
    MAIL_MESSAGE_DEFERRED,
    MAIL_UNREACHABLE,
    PUSH_UNAVAILABLE,
    PUSH_UNREACHABLE,
)


def display(stored: str) -> str:
    """``stored`` in the active language; a text no reason made is shown as it is."""
    for reason in REASONS:
        match = reason.pattern.fullmatch(stored)
        if match:
            fields = match.groupdict()
            if "reason" in fields:
                fields["reason"] = display(fields["reason"])
            return reason.translated % fields
    return stored
