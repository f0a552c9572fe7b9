"""An object id as a request gives it: the one reading of "is this text an id"."""


def posted_id(value) -> int | None:
    """``value`` (a posted or query-string field) as an id, or None when it is not one.

    ASCII digits only: str.isdigit() also accepts "²" or "①", which int() and the id lookup
    refuse, and a page answered 500 for them (found by QA)."""
    text = str(value or "")
    return int(text) if text.isascii() and text.isdigit() else None
