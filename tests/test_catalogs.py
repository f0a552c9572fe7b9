"""Every message the code and templates mark for translation has a German and a Spanish
translation in the catalogs, as `make makemessages` would extract it.

Translations are added to locale/*/django.po by hand. Two kinds of gap hid from the page
tests: a string added without its entries (it shows in English), and a msgid the extractor
reads differently from Python ("\\u00a0" in a literal: xgettext keeps the escape, so the
catalog's entry, keyed by the real no-break space, was dropped by `make makemessages` and the
string went back to English). This runs the extraction on a copy of the source and reads the
result with GNU gettext's own tools.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("manage.py", "ldn_journal", "patients", "prescriptions", "templates", "locale")
IGNORED = shutil.ignore_patterns("__pycache__", "*.mo", "*.pyc")
LANGUAGES = ("de", "es")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msguniq", "msgattrib")

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in GETTEXT_TOOLS),
    reason="needs GNU gettext (apt-get install gettext; `make messages` needs it too)",
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The catalogs after `make makemessages`'s extraction, on a copy of the source."""
    copy = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=IGNORED)
        else:
            shutil.copy2(source, copy / name)
    (copy / "static").mkdir()
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PYTEST_"))
    }
    environment.update(
        SECRET_KEY="catalog-test-" + "x" * 40,
        DEBUG="false",
        LDN_VAR_DIR=str(copy / "var"),
        DJANGO_SETTINGS_MODULE="ldn_journal.settings",
    )
    # The Makefile's `makemessages` target, word for word but for the paths not copied.
    command = [sys.executable, "manage.py", "makemessages", "--no-obsolete"]
    command += [f"-l{language}" for language in LANGUAGES]
    result = subprocess.run(
        command, cwd=copy, env=environment, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        language: copy / "locale" / language / "LC_MESSAGES" / "django.po" for language in LANGUAGES
    }


def _entries(po_file, flag):
    """The msgids msgattrib selects with ``flag`` (--untranslated or --only-fuzzy)."""
    output = subprocess.run(
        ["msgattrib", flag, "--no-location", "--no-wrap", str(po_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [
        line for line in output.splitlines() if line.startswith("msgid ") and line != 'msgid ""'
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_extracted_message_is_translated(extracted, language):
    assert _entries(extracted[language], "--untranslated") == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_only_a_guess(extracted, language):
    """A fuzzy entry is msgmerge's guess from a similar msgid: Django never shows it, so the
    message is in English."""
    assert _entries(extracted[language], "--only-fuzzy") == []


def test_the_extraction_found_the_apps_messages(extracted):
    """The checks above read something: an extraction that found no source would leave the
    catalogs without entries, and both would pass."""
    text = extracted["de"].read_text(encoding="utf-8")
    assert text.count("\nmsgid ") > 1000
    assert 'msgid "Sign out"' in text
    assert 'msgid "Skip to content"' in text
