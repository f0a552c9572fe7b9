"""Every stylesheet's blocks are closed.

A merge once left a rule in static/css/app.css without its closing brace: browsers then read
every later rule as part of that block and silently dropped them all. The check reads each
file in static/css the way a CSS tokenizer does for braces (strings and comments do not count)
and fails on a block left open, a brace closing nothing, or an unterminated comment or string.
"""

from pathlib import Path

import pytest

CSS_DIR = Path(__file__).resolve().parent.parent / "static" / "css"
STYLESHEETS = sorted(CSS_DIR.rglob("*.css"))


def _string_end(css: str, start: int) -> int:
    """Where the string opened at ``start`` closes (or where a newline or the end cuts it)."""
    quote, j = css[start], start + 1
    while j < len(css) and css[j] != quote:
        if css[j] == "\\":
            j += 1
        elif css[j] == "\n":  # a newline ends an unterminated string in CSS
            break
        j += 1
    return j


def brace_problems(css: str) -> list[str]:
    """What is wrong with the file's braces, each with its line; empty when all is closed."""
    problems, open_at = [], []
    line, i, n = 1, 0, len(css)
    while i < n:
        char = css[i]
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            if end < 0:
                return [*problems, f"line {line}: comment never closed"]
            line += css.count("\n", i, end)
            i = end + 2
            continue
        if char in "\"'":
            j = _string_end(css, i)
            if j >= n or css[j] != char:
                problems.append(f"line {line}: string never closed")
            line += css.count("\n", i, j)
            i = j + 1
            continue
        if char == "\\":  # an escaped character (e.g. \{ in a selector) is not a brace
            i += 2
            continue
        if char == "\n":
            line += 1
        elif char == "{":
            open_at.append(line)
        elif char == "}":
            if open_at:
                open_at.pop()
            else:
                problems.append(f"line {line}: '}}' closes no block")
        i += 1
    problems += [f"line {at}: block opened here is never closed" for at in open_at]
    return problems


def test_there_are_stylesheets_to_check():
    assert STYLESHEETS, f"no CSS files under {CSS_DIR}"


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: p.name)
def test_every_block_in_the_stylesheet_is_closed(path):
    assert brace_problems(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("css", "problem"),
    [
        (".a { color: red;\n.b { color: blue; }\n", "line 1: block opened here is never closed"),
        (
            "@media (min-width: 40em) {\n  .a { color: red; }\n",
            "line 1: block opened here is never closed",
        ),
        (".a { color: red; }\n}\n", "line 2: '}' closes no block"),
        ("/* a note\n.a { color: red; }\n", "line 1: comment never closed"),
        ('.a::after { content: "}\n.b { color: red; }\n', "line 1: string never closed"),
    ],
)
def test_a_broken_stylesheet_is_caught(css, problem):
    assert problem in brace_problems(css)


@pytest.mark.parametrize(
    "css",
    [
        '.a::before { content: "{"; }\n',
        ".a::before { content: '}'; }\n",
        "/* { not a block */ .a { color: red; }\n",
        ".a\\{b { color: red; }\n",
        '.a { background: url("x}.png"); }\n',
        "@media (min-width: 40em) { .a { color: red; } }\n",
    ],
)
def test_braces_in_strings_comments_and_escapes_do_not_count(css):
    assert brace_problems(css) == []
