"""Which language a user sees: their own setting, else their browser's (LocaleMiddleware).

Messages sent from a worker (reminders, alerts, digests) have no browser: they are written
in the recipient's setting, else in the site's default language (`recipient_language`). So a
user with no setting who signs in (or asks for their account's closure) in another language
has that language remembered as their setting (`remember_page_language`).
"""

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ldn_journal.accounts.middleware import _exempt
from ldn_journal.accounts.models import User

# The settings' choice: blank follows the browser; each language is named in itself.
LANGUAGE_CHOICES = [("", _("As my browser")), *list(settings.LANGUAGES)]


def supported_language(code: str | None) -> str:
    """One of settings.LANGUAGES for a language code ("de-AT" -> "de"), or "" if none fits."""
    try:
        return translation.get_supported_language_variant(code or "")
    except LookupError:
        return ""


def signup_language(invitation, chosen):
    """The language a new account is given: the one chosen on the sign-up page, else the
    invitation's, else the page's (the browser's)."""
    return (
        supported_language(chosen)
        or (invitation.language if invitation is not None else "")
        or supported_language(translation.get_language())
    )


def recipient_language(user) -> str:
    """The language to write to `user` in when no request is asking."""
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


@contextmanager
def speaking_to(user):
    """Render texts (subjects, bodies, push titles) in the recipient's language."""
    with translation.override(recipient_language(user)):
        yield


def remember_page_language(request, user) -> None:
    """Keep the language this request is in (the browser's, as LocaleMiddleware chose it) as
    the setting of a signed-in `user` who has none, when it is not the site's default.

    Emails (reminders, a closure's notice, a password reset asked from another device) have
    no browser to follow: seeded and invited users, and a user who never opened the language
    setting, got them in English while using the site in Spanish. Called at sign-in and at a
    closure request, not on every page: one conditional UPDATE, which never replaces a
    language the user chose (nor one saved meanwhile in another session).
    """
    if user.language:
        return
    language = supported_language(request.LANGUAGE_CODE)
    if not language or language == supported_language(settings.LANGUAGE_CODE):
        return
    if User.objects.filter(pk=user.pk, language="").update(language=language):
        user.language = language


def activate_for(request, language: str) -> None:
    """Use `language` for the rest of this request (after the user changed it)."""
    language = language or translation.get_language_from_request(request)
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


class UserLanguageMiddleware:
    """The signed-in user's language setting beats the browser's, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            not _exempt(request.path)
            and user is not None
            and user.is_authenticated
            and user.language
            and user.language != request.LANGUAGE_CODE
        ):
            activate_for(request, user.language)
        return self.get_response(request)
