"""Connection housekeeping for loops that are not requests (the outbox sender, consumers)."""

from __future__ import annotations

import time

from django.db import close_old_connections


class ConnectionCheck:
    """Run close_old_connections() (CONN_MAX_AGE, and CONN_HEALTH_CHECKS' SELECT 1) before a unit of work
    only after a pause or a failure. A request does it once per request; a busy loop doing it per
    message paid a round trip per event, and a connection that just worked needs no probe."""

    def __init__(self, pause_seconds: float = 1.0):
        self.pause_seconds = pause_seconds
        self._last_ok = float("-inf")

    def before(self) -> None:
        if time.monotonic() - self._last_ok >= self.pause_seconds:
            close_old_connections()

    def succeeded(self) -> None:
        self._last_ok = time.monotonic()

    def failed(self) -> None:
        self._last_ok = float("-inf")  # the next unit checks (and replaces a broken connection)
