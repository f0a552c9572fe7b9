"""What a person's name may hold: the one check every form that sets a name runs.

A name is shown to other people (the care-team consent request and its email, the lists), so
an invisible character that changes how the text around it is displayed can disguise who is
asking: "U+202E" made a name read backwards. Refused: Unicode format characters (category
Cf: the bidirectional embeddings, overrides and isolates, the marks U+200E/U+200F, zero-width
spaces and the like) and control characters (Cc), except ZERO WIDTH NON-JOINER and ZERO WIDTH
JOINER, which Persian, the Indic scripts and others need to write names correctly.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# ZWNJ and ZWJ shape letters in several scripts (a Persian or Malayalam name needs them).
JOINERS = frozenset({"\u200c", "\u200d"})
REFUSED_CATEGORIES = frozenset({"Cf", "Cc"})
SHOWN = 6

MESSAGE = _(
    "A name cannot contain invisible formatting characters such as text-direction controls "
    "(found: %(characters)s): they change how the name is shown to others. Type the name "
    "again without them."
)


def hidden_characters(value: str) -> list[str]:
    """The characters of ``value`` a name may not hold, each once, in the order found."""
    found = []
    for character in value:
        if (
            unicodedata.category(character) in REFUSED_CATEGORIES
            and character not in JOINERS
            and character not in found
        ):
            found.append(character)
    return found


def validate_person_name(value: str) -> None:
    """Refuses a name with a hidden formatting or control character, naming them (U+202E)."""
    found = hidden_characters(value or "")
    if found:
        raise ValidationError(
            MESSAGE,
            code="hidden_characters",
            # A few are enough to find them (a bulk invitation row keeps 100 characters).
            params={
                "characters": ", ".join(f"U+{ord(c):04X}" for c in found[:SHOWN])
                + (", …" if len(found) > SHOWN else "")
            },
        )
