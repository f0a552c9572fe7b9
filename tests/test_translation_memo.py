"""Translations remember their answers (ldn_journal/translation_memo.py): the same text as
Django's own walk of the catalogs, per language, safe strings kept safe, bounded."""

import gettext as gettext_module

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import trans_real

from ldn_journal import translation_memo

_walk = gettext_module.GNUTranslations.gettext
MISSING = "A message no catalog holds, 7f3a"


def test_the_project_installs_it_when_it_starts():
    assert translation_memo.installed()


def _messages(language):
    """Every plain msgid of the language's merged catalogs (ours, Django's, the apps'),
    plus one no catalog holds (not the empty one: Django answers it without a catalog)."""
    catalog = trans_real.translation(language)._catalog
    keys = catalog.keys()  # a TranslationCatalog, not a dict: it has no __iter__
    return [key for key in keys if isinstance(key, str) and key] + [MISSING]


def test_every_message_reads_as_djangos_own_walk_in_every_language_asked_twice():
    languages = [code for code, _name in settings.LANGUAGES]
    messages = sorted({m for language in languages for m in _messages(language)})
    assert len(messages) > 1000
    for _round in range(2):  # the first fills each language's memory, the second reads it
        for language in languages:
            with translation.override(language):
                active = trans_real.translation(language)
                got = [translation.gettext(m) for m in messages]
                assert got == [_walk(active, m) for m in messages], language
    with translation.override("es"):
        assert translation.gettext("Titration plan") != "Titration plan"
    with translation.override("de"):
        spanish = trans_real.translation("es").gettext("Titration plan")
        assert translation.gettext("Titration plan") != spanish


def test_a_safe_message_stays_safe_and_plain_text_never_becomes_safe():
    text = "<b>Not in any catalog</b>"
    with translation.override("en-gb"):
        assert isinstance(translation.gettext(mark_safe(text)), SafeData)
        plain = translation.gettext(text)
        assert not isinstance(plain, SafeData)
        assert plain == text
        assert isinstance(translation.gettext(mark_safe(text)), SafeData)
    # Asked of the translation object itself (Django's gettext hands it plain text).
    fresh = trans_real.DjangoTranslation("en-gb")
    assert isinstance(fresh.gettext(mark_safe(text)), SafeData)
    assert not isinstance(fresh.gettext(text), SafeData)


def test_past_the_limit_messages_are_still_translated_and_not_kept(monkeypatch):
    monkeypatch.setattr(translation_memo, "MESSAGES_KEPT", 5)
    fresh = trans_real.DjangoTranslation("es")
    asked = [f"Unknown message {i}" for i in range(20)] + ["Titration plan"]
    assert [fresh.gettext(m) for m in asked] == [_walk(fresh, m) for m in asked]
    assert len(fresh.__dict__["_ldn_kept"]) == 5
    assert fresh.gettext("Titration plan") == _walk(fresh, "Titration plan") != "Titration plan"


@pytest.mark.parametrize("language", ["es", "de"])
def test_a_translation_built_anew_starts_with_nothing_kept(language):
    """Django builds new objects when a catalog or the languages change: nothing carries."""
    fresh = trans_real.DjangoTranslation(language)
    assert "_ldn_kept" not in fresh.__dict__
    fresh.gettext("Titration plan")
    assert "Titration plan" in fresh.__dict__["_ldn_kept"]
