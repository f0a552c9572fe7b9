"""Typed doses that are refused (the dose parser's and the evening form's tests)."""

# Typed doses the parser refuses; the evening form refuses them too (test_journal.py).
BAD_DOSES = [
    "0",
    "0.5",
    "0.99",
    "5.01",
    "50",
    "-1",
    "abc",
    "",
    "1e3",
    "NaN",
    "Infinity",
    "4.5.1",
    "3,0,0",
    "1.234",
    "1" * 60,
]

# A decimal comma where the language writes a point: refused with "Use a point for decimals"
# (a comma region's phone keypad offers only ","), not the range's message.
COMMA_DOSES = [("3,0", "3.0"), ("1,5", "1.5"), ("4,25", "4.25")]
