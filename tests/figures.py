"""Figures that tests report (matrix size, denials, examples tried): printed at the end of
the run by conftest's terminal summary and written to var/test-figures.json."""

from collections import defaultdict

FIGURES: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))


def add(section: str, key: str, amount: int = 1) -> None:
    FIGURES[section][key] += amount
