"""Django's {# #} comment ends on its own line: one spread over two lines is not a comment
and its text is printed on the page (be8007d printed one on every refused form's summary)."""

import re
from pathlib import Path

from django.conf import settings

OPEN_WITHOUT_CLOSE = re.compile(r"\{#(?![^\n]*#\})")


def templates():
    root = Path(settings.BASE_DIR) / "templates"
    return sorted(p for p in root.rglob("*") if p.suffix in (".html", ".txt", ".xml", ".svg"))


def multi_line_comments(text: str) -> list[int]:
    return [text.count("\n", 0, m.start()) + 1 for m in OPEN_WITHOUT_CLOSE.finditer(text)]


def test_the_finder_sees_a_comment_spread_over_two_lines():
    assert multi_line_comments("{# one line #}\n<p>{# two\nlines #}</p>") == [2]
    assert multi_line_comments("{# a #}{# b #}\n{% comment %}\nlong\n{% endcomment %}") == []


def test_no_template_spreads_a_short_comment_over_lines():
    found = {
        str(path.relative_to(settings.BASE_DIR)): lines
        for path in templates()
        if (lines := multi_line_comments(path.read_text()))
    }
    assert len(templates()) > 100
    assert found == {}
