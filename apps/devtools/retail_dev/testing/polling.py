"""The one bounded wait of the tests and their support code."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def poll(
    probe: Callable[[], Any],
    *,
    until: Callable[[Any], bool] | None = None,
    timeout: float = 60.0,
    interval: float = 0.2,
    message: str | Callable[[], str] = "the condition",
):
    """Call probe() until its value is truthy (or until(value) holds) and return that value.

    On timeout raise AssertionError with `message` (what was awaited, e.g. "the order is paid"; or what
    message() says then, e.g. with a log's tail) and the last value seen: a failing test says what it
    waited for and what it got instead.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if until(value) if until else value:
            return value
        if time.monotonic() >= deadline:
            said = message() if callable(message) else message
            raise AssertionError(f"{said}: not within {timeout:g}s (last value seen: {value!r})")
        time.sleep(interval)
