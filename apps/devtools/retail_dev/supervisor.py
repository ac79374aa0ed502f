"""Runs long-lived children with prefixed output and stops every one of them, whatever happens."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

COLOURS = ["36", "35", "33", "32", "34", "31"]


@dataclass
class Child:
    label: str
    process: subprocess.Popen
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=40))


class Supervisor:
    def __init__(self, *, quiet: bool = False):
        """quiet: keep only each child's last lines (for an error message) instead of printing them."""
        self.quiet = quiet
        self.children: list[Child] = []
        self._width = 10
        self._tty = sys.stdout.isatty()

    def spawn(self, label: str, args: list[str], *, env: dict, cwd) -> Child:
        process = subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stopping it reaches its children too
        )
        child = Child(label, process)
        self.children.append(child)
        self._width = max(self._width, len(label))
        colour = COLOURS[(len(self.children) - 1) % len(COLOURS)]
        threading.Thread(target=self._pump, args=(child, colour), daemon=True).start()
        return child

    def _pump(self, child: Child, colour: str) -> None:
        prefix = f"[{child.label}]".ljust(self._width + 2)
        if self._tty:
            prefix = f"\033[{colour}m{prefix}\033[0m"
        for raw in iter(child.process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            child.tail.append(line)
            if not self.quiet:
                sys.stdout.write(f"{prefix} {line}\n")
                sys.stdout.flush()

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.process.poll() is not None]

    def stop_all(self, timeout: float = 8.0) -> None:
        for child in self.children:
            self._signal(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in self.children:
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self._signal(child, signal.SIGKILL)
                child.process.wait(timeout=5)
        for child in self.children:  # grandchildren left in the group (e.g. the autoreloader's worker)
            self._signal(child, signal.SIGKILL)
        self.children.clear()

    @staticmethod
    def _signal(child: Child, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.process.pid, sig)
