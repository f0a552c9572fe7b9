"""Entries a phone kept while it had no connection, sent later ("replayed").

The phone posts the same form it would have posted, plus ``acted_at`` (the moment the patient
tapped, ISO 8601) and the ``X-LDN-Replay`` header; the answer is JSON so the phone can show a
refusal next to the entry it kept. The submission id inside the form makes a second replay
return the first result.
"""

from __future__ import annotations

from datetime import datetime

from django.http import JsonResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from patients.journal.entries import JournalError

REPLAY_HEADER = "X-LDN-Replay"


class BadMoment(JournalError):
    pass


def is_replay(request) -> bool:
    return request.headers.get(REPLAY_HEADER) == "1"


def acted_at(request) -> datetime | None:
    """The moment the patient acted offline, or None for an ordinary online submit."""
    if not is_replay(request):
        return None
    text = request.POST.get("acted_at", "")
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise BadMoment(
            _("This entry kept on the phone has no valid time. Enter it again on the card.")
        )
    return moment


def answer(ok: bool, message: str, status: int | None = None) -> JsonResponse:
    return JsonResponse({"ok": ok, "message": message}, status=status or (200 if ok else 409))


def form_refusal(form) -> JsonResponse:
    """A form's errors as one sentence list the phone shows beside the kept entry."""
    texts = [str(error) for errors in form.errors.values() for error in errors]
    return answer(False, " ".join(texts) or _("This entry was refused."), status=400)
