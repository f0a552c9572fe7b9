"""Entries a phone kept while it had no connection, sent later ("replayed").

The phone posts the same form it would have posted, plus ``acted_at`` (the moment the patient
tapped, ISO 8601) and the ``X-LDN-Replay`` header; the answer is JSON so the phone can show a
refusal next to the entry it kept. The submission id inside the form makes a second replay
return the first result.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import JsonResponse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.csrf import csrf_failure as django_csrf_failure

from ldn_journal.accounts.models import Role
from patients.journal.entries import JournalError

REPLAY_HEADER = "X-LDN-Replay"
# Each journal form names, in this hidden field, the account it was filled in for: a form
# kept offline is sent later by whoever is signed in on the phone then.
OWNER_FIELD = "kept_by"


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


# The answers below stand in for Django's own HTML pages: the phone reads any answer that is
# not JSON as "signed out" and would keep the entry for good as "sign in again".


def _patients_replay(request) -> bool:
    """A replay posted by a signed-in patient (signed out, the HTML answer is the true one)."""
    user = getattr(request, "user", None)
    return (
        request.method == "POST"
        and is_replay(request)
        and user is not None
        and user.is_authenticated
        and user.role == Role.PATIENT
    )


class ReplayNotFoundMiddleware:
    """A replay the journal answers 404 (a night after tonight, possible after moving to a zone
    further west; a night that is not a date) is refused for good, as JSON, with what to do.
    A middleware, not handler404: it sees the URL resolver's 404 and the views' alike, and
    DEBUG's page too. The same sentence whatever the cause, so it tells no more than the 404
    it replaces (and only to a signed-in patient, about their own entry)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and not isinstance(response, JsonResponse)
            and _patients_replay(request)
        ):
            return not_found_refusal()
        return response


def not_found_refusal() -> JsonResponse:
    return answer(
        False,
        _(
            "This entry kept on the phone cannot be saved for that night. "
            "Enter it again on the card."
        ),
        status=404,
    )


def csrf_failure(request, reason=""):
    """settings.CSRF_FAILURE_VIEW. A replay's token had expired: the phone keeps the entry and
    sends it again with a fresh token on its next run ("retry"), so it is not refused."""
    if not _patients_replay(request):
        return django_csrf_failure(request, reason)
    return JsonResponse(
        {
            "ok": False,
            "retry": True,
            "message": _(
                "The page had expired, so this entry kept on the phone was not sent yet. "
                "Open the app again, and it will be sent."
            ),
        },
        status=403,
    )


def owner_mark(user, secret=None) -> str:
    """The account a journal form was filled in for, as the form carries it: not the id
    itself (a page names no internal ids), the same for the same account."""
    return salted_hmac("patients.journal.offline.owner", str(user.pk), secret=secret).hexdigest()[
        :24
    ]


def owner_marks(user) -> list[str]:
    """Every mark a form filled in for `user` may carry: under SECRET_KEY, then under each key
    in SECRET_KEY_FALLBACKS (a form kept before a rotation is still theirs)."""
    secrets = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [owner_mark(user, secret) for secret in secrets]


def kept_by_another(request) -> bool:
    """A replay of a form filled in for another account than the one signed in now (a
    shared phone: A's entry was kept offline, A signed out, B signed in). A form with no
    mark (rendered before marks existed) is taken as the signed-in patient's, and so is a
    mark made under a SECRET_KEY since rotated into SECRET_KEY_FALLBACKS (the form kept on
    the phone would otherwise wait for good)."""
    mark = request.POST.get(OWNER_FIELD, "")
    if not mark:
        return False
    return not any(constant_time_compare(mark, own) for own in owner_marks(request.user))


class ReplayOwnerMiddleware:
    """A form kept on the phone is sent only for the account it was filled in for. Sent
    while another patient is signed in, it was stored in that patient's journal (their
    clinician read the first patient's dose and notes as theirs). It now waits on the phone
    ("retry") and is sent when its own account signs in again; nothing is stored."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _patients_replay(request) and kept_by_another(request):
            return JsonResponse(
                {
                    "ok": False,
                    "retry": True,
                    "message": _(
                        "This entry was kept on this phone for another account. It was not "
                        "saved here; it will be sent when that account signs in again."
                    ),
                },
                status=409,
            )
        return self.get_response(request)
