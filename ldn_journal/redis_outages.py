"""Redis servers this process found unresponsive a moment ago, by host and port.

The broker and the cache usually live in one Redis. When either client finds it frozen (a
socket timeout) or gone, both skip it for a few seconds: a request then pays one timeout in
all, not one per client and per call, and still answers well under 3 s."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlparse

# Seconds on a monotonic clock (replaced in tests).
clock = time.monotonic

_lock = threading.Lock()
_down_until: dict[tuple[str, int], float] = {}


def _server(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return (parsed.hostname or "localhost", parsed.port or 6379)


def mark_down(url: str, seconds: float) -> None:
    with _lock:
        _down_until[_server(url)] = clock() + seconds


def is_down(url: str) -> bool:
    return clock() < _down_until.get(_server(url), 0.0)


def forget() -> None:
    """Try every server again (tests, and a Redis known to be back)."""
    with _lock:
        _down_until.clear()
