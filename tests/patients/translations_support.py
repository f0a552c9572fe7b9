"""The translation checks: visible texts, the catalogues' English and what a page leaves in
English (the translation tests', patient, staff and rules)."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "locale"
LANGUAGES = ("es", "de")


# Attributes people read (screen readers included).
READ_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")


class VisibleText(HTMLParser):
    """The texts a person reads or hears on a page: text nodes and labelling attributes."""

    def __init__(self):
        super().__init__()
        self.texts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "datalist", "svg"):
            self._skip += 1
        self.texts += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "datalist", "svg"):
            self._skip = max(self._skip - 1, 0)

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def catalog_msgids(po: Path) -> list[str]:
    """The English msgids (and plurals) of a .po file."""
    msgids, current = [], None
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith(("msgid ", "msgid_plural ")):
            current = [line.split(" ", 1)[1]]
            msgids.append(current)
        elif line.startswith('"') and current is not None:
            current.append(line)
        else:
            current = None
    return [
        "".join(part[1:-1] for part in parts).replace('\\"', '"').replace("\\n", "\n")
        for parts in msgids
    ]


def english_fragments() -> set[str]:
    """Runs of three or more words of each English msgid (placeholders and tags cut out)."""
    fragments = set()
    for msgid in catalog_msgids(LOCALE / "es" / "LC_MESSAGES" / "django.po"):
        for piece in re.split(r"%\(\w+\)s|\{\w+\}|<[^>]+>", msgid):
            piece = " ".join(piece.split()).strip(" .,:;()—-")
            if len(piece.split()) >= 3:
                fragments.add(piece)
    return fragments


ENGLISH = english_fragments()


def is_sentence(text: str) -> bool:
    """Three or more words of letters, the product's name aside ("24 Nov 2026" is none)."""
    text = re.sub(r"\S+@\S+|https?://\S+", "", text.replace("LDN Journal", ""))
    words = re.findall(r"[^\W\d_]{2,}", text)
    return len(words) >= 3


def english_left(translated: str, english: str) -> list[str]:
    page = " ".join(visible_texts(translated))
    left = sorted(fragment for fragment in ENGLISH if fragment in page)
    english_texts = {t for t in visible_texts(english) if is_sentence(t)}
    left += [t for t in visible_texts(translated) if t in english_texts]
    return left


# Between placeholders, tags, digits and punctuation: what is left of "%(dose)s mg taken" or
# "(intensity 7)" is a label's words.
_PIECE_BREAK = re.compile(r"%\(\w+\)s|\{\w+\}|<[^>]+>|[\d.,:;!?()\[\]#·•→←—–/|×*+=\"“”„«»‼✓★]+")


# English shown by Django's and third-party apps' own catalogs, which ours does not list
# (django-simple-history has no Spanish: its change types showed in English).
THIRD_PARTY_ENGLISH = ("Created", "Changed", "Deleted")


def pieces(text: str) -> list[str]:
    text = re.sub(r"\S+@\S+|https?://\S+", " ", text)  # addresses are nobody's label
    return [" ".join(p.split()) for p in _PIECE_BREAK.split(text) if p.strip()]


def catalog_pairs(po: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of a .po file, plural forms and contexts aside."""
    text = po.read_text(encoding="utf-8")
    pairs = []
    for block in text.split("\n\n"):
        found = {}
        for key in ("msgid", "msgstr"):
            match = re.search(rf'^{key} ((?:".*"\n?)+)', block, re.M)
            if match:
                parts = re.findall(r'"(.*)"', match.group(1))
                found[key] = "".join(parts).replace('\\"', '"')
        if found.get("msgid") and found.get("msgstr"):
            pairs.append((found["msgid"], found["msgstr"]))
    return pairs


def short_english(language: str) -> frozenset[str]:
    """Labels of one or two words (case folded) that read differently in `language`: each
    piece of an English msgid that its own translation does not contain, and that no
    translation of the catalog uses as a piece of its own ("Name" and "Status" are German
    too, "Start" is a German translation)."""
    pairs = catalog_pairs(LOCALE / language / "LC_MESSAGES" / "django.po")
    translated = {p.casefold() for _msgid, msgstr in pairs for p in pieces(msgstr)}
    short = set()
    for msgid, msgstr in [*pairs, *((word, "") for word in THIRD_PARTY_ENGLISH)]:
        said = f" {' '.join(pieces(msgstr)).casefold()} "
        for piece in pieces(msgid):
            folded = piece.casefold()
            label = len(piece.split()) <= 2 and re.search(r"[^\W\d_]{2,}", piece)
            if label and f" {folded} " not in said and folded not in translated:
                short.add(folded)
    return frozenset(short)


SHORT_ENGLISH = {language: short_english(language) for language in LANGUAGES}


def english_words_left(translated: str, english: str, language: str) -> list[str]:
    """Short English labels on the `language` page that the English page shows too: a
    whole text, or a piece of one between numbers and punctuation ("1.5 mg taken")."""
    shown_in_english = {p.casefold() for t in visible_texts(english) for p in pieces(t)}
    return sorted(
        {
            piece
            for text in visible_texts(translated)
            for piece in pieces(text)
            if piece.casefold() in SHORT_ENGLISH[language] and piece.casefold() in shown_in_english
        }
    )


def render_in(client, url, language, method="get", data=None):
    response = getattr(client, method)(url, data or {}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code in (200, 400, 404), (url, response.status_code)
    return response.content.decode()


def country_options(page: str) -> list[tuple[str, str]]:
    select = re.search(r'<select name="country"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="(\w*)"[^>]*>([^<]*)</option>', select)
    return [(code, html.unescape(name.strip())) for code, name in options]
