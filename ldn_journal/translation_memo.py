"""Each language's translations remember the messages they were asked for (issue 19).

Django merges each language's catalogs into one translation object and chains the catalogs of
the language's other spellings behind it as fallbacks ("en_GB", "en", then Django's and each
app's own). A message the first catalog does not hold (every message in English, the
source language) walks that chain: seven objects, a plural-forms call each, about 9 µs on
this kind of machine. The patient page asks for some 300 messages per request (its tables,
the rules' sentences, the dose and chart labels), the visit report about 100.

A translation object never changes once Django has built it: the catalogs and the chain are
read at construction, and a changed catalog (a new .mo file, LANGUAGES or LOCALE_PATHS
changed) makes Django build new objects. So each object keeps what it answered for each
message, in a dict of its own, and answers the next ask from there: the same text, without the
walk. Only plain `str` messages are kept: Django returns a translation of a safe string as
safe (SafeString compares equal to the same str, so a shared entry could make plain text
safe). Bounded: past MESSAGES_KEPT distinct messages an object answers the rest the old way.
"""

from __future__ import annotations

import gettext as gettext_module

from django.utils.translation import trans_real

# Far more than the project's catalogs hold (about 1,400 messages per language, with Django's
# and allauth's own about 2,000 more that a page can ask for).
MESSAGES_KEPT = 10_000

_walk = gettext_module.GNUTranslations.gettext


def _remembered_gettext(self, message):
    if type(message) is not str:
        return _walk(self, message)
    kept = self.__dict__.get("_ldn_kept")
    if kept is None:
        kept = self.__dict__.setdefault("_ldn_kept", {})
    try:
        return kept[message]
    except KeyError:
        pass
    result = _walk(self, message)
    if len(kept) < MESSAGES_KEPT:
        kept[message] = result
    return result


def install() -> None:
    """Make Django's translation objects remember their answers (idempotent)."""
    if trans_real.DjangoTranslation.__dict__.get("gettext") is not _remembered_gettext:
        trans_real.DjangoTranslation.gettext = _remembered_gettext


def installed() -> bool:
    return trans_real.DjangoTranslation.__dict__.get("gettext") is _remembered_gettext
