"""The translations of a gettext catalogue as (msgid, msgstr) pairs, for the wording tests."""

import re
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def translations(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) for every translation of ``po``, each plural form and each
    continued line included. A msgid with a context is "context\x04msgid", as gettext
    keys it (one English text may have two translations)."""
    pairs, msgid, key, context = [], None, None, None
    for line in po.read_text(encoding="utf-8").splitlines():
        head, _, rest = line.partition(" ")
        if head == "msgctxt":
            context, key = rest[1:-1], "msgctxt"
        elif head == "msgid":
            msgid, key = rest[1:-1], "msgid"
            if context is not None:
                msgid, context = f"{context}\x04{msgid}", None
        elif head == "msgid_plural":
            key = head
        elif head.startswith("msgstr"):
            pairs.append([msgid, rest[1:-1]])
            key = "msgstr"
        elif line.startswith('"') and key == "msgid":
            msgid += line[1:-1]
        elif line.startswith('"') and key == "msgstr":
            pairs[-1][1] += line[1:-1]
        else:
            key = None
    return [(msgid, msgstr) for msgid, msgstr in pairs if msgid]


def doctor_words(po: Path, doctor: re.Pattern, allowed) -> list[str]:
    """Each translation of ``po`` in which ``doctor`` finds the clinician called a doctor,
    its msgid not in ``allowed``, as "'msgid': msgstr" (a wording test wants none)."""
    pairs = translations(po)
    assert len(pairs) > 1000  # the catalogue was read
    return [
        f"{msgid!r}: {msgstr}"
        for msgid, msgstr in pairs
        if doctor.search(msgstr) and msgid not in allowed
    ]
