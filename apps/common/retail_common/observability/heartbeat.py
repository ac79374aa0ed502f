"""A worker loop's liveness signal: a file the loop touches every round, whose age the probes read.

`docker/entrypoint.py healthcheck` (the image's HEALTHCHECK and the pods' startup and liveness probes)
fails when the file is older than its bound, so a loop that hangs (a query or a send that never
returns, a deadlock) is restarted, while a process that merely exists is not taken for a working one.
Each worker role names its file with its own variable (the entry point sets a default under /tmp):
CONSUMER_HEARTBEAT_FILE (run_consumers), RELAY_HEARTBEAT_FILE (relay_outbox), SWEEPER_HEARTBEAT_FILE
(sweep_orders). No variable, no file: a loop run by hand or by a test beats into nothing.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from retail_common.config.environment import env

BEAT_EVERY_SECONDS = 1.0  # at most one touch a second, however fast the loop turns
PAUSE_SLICE_SECONDS = 0.1  # how soon a pause notices that it should stop


class Heartbeat:
    def __init__(self, path: str | os.PathLike | None):
        self.path = Path(path) if path else None
        self._last = float("-inf")

    @classmethod
    def from_env(cls, variable: str) -> Heartbeat:
        return cls(env.str(variable, default="") or None)

    def beat(self) -> None:
        """Touch the file, unless it was touched less than a second ago."""
        now = time.monotonic()
        if self.path is not None and now - self._last >= BEAT_EVERY_SECONDS:
            self._last = now
            self.path.touch()

    def pause(self, seconds: float, stopped: Callable[[], bool]) -> bool:
        """Sleep between rounds, beating meanwhile (a loop that waits on purpose is alive); True once stopped."""
        deadline = time.monotonic() + seconds
        while not stopped():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.beat()
            time.sleep(min(PAUSE_SLICE_SECONDS, left))
        return True
