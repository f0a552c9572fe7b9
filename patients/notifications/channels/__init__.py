"""How a message leaves the building: email over SMTP, Web Push with VAPID.

Each channel raises TransientFailure (retry later with backoff) or PermanentFailure (give
up and record why); anything it returns means the message was handed over.
"""


class TransientFailure(Exception):
    """The channel may accept later (SMTP 4xx, connection refused, push service 5xx)."""


class PermanentFailure(Exception):
    """Retrying cannot help (address refused with 5xx, no push device left)."""
