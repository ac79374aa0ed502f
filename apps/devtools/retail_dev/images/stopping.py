"""Stopping containers as the kubelet stops pods: SIGTERM to each at once, a grace period, then SIGKILL.

No library stops containers the kubelet's way (all at once, one grace period, exit codes from `docker
inspect`); this module does it with the engine's CLI.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from retail_dev.images.engine import Engine

STOP_GRACE = 25  # seconds every role has after SIGTERM (terminationGracePeriodSeconds is above it)


def finished_at(stamp: str) -> float:
    """Epoch seconds of an engine timestamp such as 2026-12-01T15:55:01.123456789Z (nanoseconds cut)."""
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$", stamp)
    if not match:
        raise ValueError(f"not an engine timestamp: {stamp!r}")
    whole = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC).timestamp()
    return whole + float(f"0.{match.group(2) or 0}")


@dataclass
class Stopped:
    container: str
    exit_code: int | None  # None: still running after the grace period (then killed)
    seconds: float


def states(engine: Engine, containers: list[str]) -> dict[str, dict]:
    """{container: its engine State} (a container already removed is left out)."""
    if not containers:
        return {}
    raw = engine.run("inspect", "--format", "{{.Name}} {{json .State}}", *containers, check=False).stdout
    found = {}
    for line in raw.decode().splitlines():
        if line.strip():
            name, state = line.split(" ", 1)
            found[name.lstrip("/")] = json.loads(state)
    return {c: found[c] for c in containers if c in found}


def stop_all_gracefully(engine: Engine, containers: list[str], grace: float = STOP_GRACE) -> list[Stopped]:
    """SIGTERM to every running container at once; how each ended, and how long it took (killed after grace)."""
    running = [c for c, s in states(engine, containers).items() if s.get("Running")]
    sent_at: dict[str, float] = {}

    def terminate(container: str) -> None:
        sent_at[container] = time.time()
        engine.run("kill", "--signal", "TERM", container, check=False)

    # Each its own signal, at once, as the kubelet stops pods: one `docker kill` of 13 names
    # signals them one after the other, seconds apart on a loaded machine.
    sent = time.monotonic()
    with ThreadPoolExecutor(max_workers=len(running) or 1) as pool:
        list(pool.map(terminate, running))
    pending, outcome = set(running), {}
    while pending and time.monotonic() - sent < grace:
        for container, state in states(engine, list(pending)).items():
            if not state.get("Running"):
                # The engine's own stop time: polling 13 containers on a loaded machine lags behind it.
                took = finished_at(state.get("FinishedAt", "")) - sent_at[container]
                outcome[container] = Stopped(container, state.get("ExitCode"), round(took, 2))
                pending.discard(container)
        time.sleep(0.2)
    for container in pending:
        outcome[container] = Stopped(container, None, time.monotonic() - sent)
    if pending:
        engine.run("kill", "--signal", "KILL", *pending, check=False)
    return [outcome[c] for c in running]
