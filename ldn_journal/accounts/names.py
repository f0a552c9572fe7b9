"""What a person's name may hold: the one check every form that sets a name runs.

A name is shown to other people (the care-team consent request and its email, the lists), so
an invisible character that changes how the text around it is displayed can disguise who is
asking: "U+202E" made a name read backwards. Refused: Unicode format characters (category
Cf: the bidirectional embeddings, overrides and isolates, the marks U+200E/U+200F, zero-width
spaces and the like) and control characters (Cc), except ZERO WIDTH NON-JOINER and ZERO WIDTH
JOINER, which Persian, the Indic scripts and others need to write names correctly.

Also refused, because the clinician's list then shows a blank or broken row (exploratory QA):
line and paragraph separators (Zl, Zp), the letters that draw nothing (the Hangul fillers,
the blank braille pattern), a name with no visible character at all, and a letter carrying a
stack of combining marks that spills over the lines around it.

And characters that are no letter of any script (exploratory QA): private use (Co, which
each font draws as it likes, or as an empty box), unassigned code points and the
noncharacters (Cn, as far as this Python's Unicode knows) and lone surrogates (Cs, which
cannot be stored as text at all).
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ZWNJ and ZWJ shape letters in several scripts (a Persian or Malayalam name needs them).
JOINERS = frozenset({"\u200c", "\u200d"})
REFUSED_CATEGORIES = frozenset({"Cf", "Cc"})
LINE_BREAK_CATEGORIES = frozenset({"Zl", "Zp"})
NOT_A_LETTER_CATEGORIES = frozenset({"Co", "Cn", "Cs"})
# Letters (or a symbol) that draw nothing: the name looks empty, or has a hole in it.
BLANK_CHARACTERS = frozenset(
    {
        "\u115f",  # HANGUL CHOSEONG FILLER
        "\u1160",  # HANGUL JUNGSEONG FILLER
        "\u3164",  # HANGUL FILLER
        "\uffa0",  # HALFWIDTH HANGUL FILLER
        "\u2800",  # BRAILLE PATTERN BLANK
    }
)
# Combining marks one letter may carry (after NFC). Three, not two: pointed Hebrew (a sin
# with dagesh, its dot and a vowel) and Tibetan stacks (sgru: two subjoined letters and a
# vowel) put three on a letter in real names; "Zalgo" text stacks dozens.
MARKS_PER_LETTER = 3
SHOWN = 6

MESSAGES = {
    "hidden_characters": _(
        "A name cannot contain invisible formatting characters such as text-direction "
        "controls (found: %(characters)s): they change how the name is shown to others. Type "
        "the name again without them."
    ),
    "line_breaks": _(
        "A name must fit on one line: it cannot contain a line or paragraph separator (found: "
        "%(characters)s). Type the name again with ordinary spaces between its parts."
    ),
    "blank_characters": _(
        "A name cannot contain characters that show as empty space, such as the Hangul filler "
        "or the blank braille pattern (found: %(characters)s). Use letters, with ordinary "
        "spaces between the parts of the name."
    ),
    "unassigned_characters": _(
        "A name cannot contain private-use or unassigned characters: they belong to no "
        "alphabet and show differently on each device, often as an empty box (found: "
        "%(characters)s). Use the letters of the name's own alphabet, with ordinary spaces "
        "between its parts."
    ),
    "nothing_visible": _(
        "A name needs at least one visible letter or digit: this one shows as empty. Type the "
        "name as others should see it."
    ),
    "too_many_marks": _(
        "A name cannot stack more than %(limit)s accents or other marks on one letter: they "
        "spill over the text around the name. Type each letter with only the marks it takes."
    ),
}


def _is_mark(character):
    return unicodedata.category(character).startswith("M")


def _found(value, refused):
    """The characters of ``value`` that ``refused`` picks, each once, in the order found."""
    found = []
    for character in value:
        if refused(character) and character not in found:
            found.append(character)
    return found


def hidden_characters(value: str) -> list[str]:
    """The format and control characters of ``value`` a name may not hold (not the joiners)."""
    return _found(
        value,
        lambda c: unicodedata.category(c) in REFUSED_CATEGORIES and c not in JOINERS,
    )


def line_breaks(value: str) -> list[str]:
    return _found(value, lambda c: unicodedata.category(c) in LINE_BREAK_CATEGORIES)


def blank_characters(value: str) -> list[str]:
    return _found(value, lambda c: c in BLANK_CHARACTERS)


def unassigned_characters(value: str) -> list[str]:
    """The private-use, unassigned and surrogate code points of ``value``."""
    return _found(value, lambda c: unicodedata.category(c) in NOT_A_LETTER_CATEGORIES)


def shows_nothing(value: str) -> bool:
    """Whether a name that is not empty draws nothing: only spaces, marks and joiners."""
    return bool(value.strip()) and all(
        c.isspace() or _is_mark(c) or c in JOINERS or c in BLANK_CHARACTERS for c in value
    )


def most_marks_on_one_letter(value: str) -> int:
    """The longest run of combining marks (joiners skipped) in ``value``, composed first so
    that a letter typed as base + accent counts as the one letter it is."""
    longest = run = 0
    for character in unicodedata.normalize("NFC", value):
        if _is_mark(character):
            run += 1
            longest = max(longest, run)
        elif character not in JOINERS:
            run = 0
    return longest


def _listed(found):
    # A few are enough to find them (a bulk invitation row keeps 100 characters).
    return ", ".join(f"U+{ord(c):04X}" for c in found[:SHOWN]) + (
        ", …" if len(found) > SHOWN else ""
    )


def refusal_message(code: str, characters: str = ""):
    """The text of a refusal, read in the current language (a bulk invitation row stores the
    code and the characters and says it when the page is shown)."""
    return MESSAGES[code] % {"characters": characters, "limit": MARKS_PER_LETTER}


def _refuse(code, characters=""):
    raise ValidationError(
        MESSAGES[code],
        code=code,
        params={"characters": characters, "limit": MARKS_PER_LETTER},
    )


def validate_person_name(value: str) -> None:
    """Refuses a name that hides, breaks or blanks what others see of it, saying why.

    One refusal at a time, the most specific first. An empty name passes: whether a name is
    required is the form's to say."""
    value = value or ""
    for code, finder in (
        ("hidden_characters", hidden_characters),
        ("line_breaks", line_breaks),
        ("blank_characters", blank_characters),
        ("unassigned_characters", unassigned_characters),
    ):
        found = finder(value)
        if found:
            _refuse(code, _listed(found))
    if shows_nothing(value):
        _refuse("nothing_visible")
    if most_marks_on_one_letter(value) > MARKS_PER_LETTER:
        _refuse("too_many_marks")
