"""The table of child processes `manage_all.py dev` publishes (under .retail/run/) for `manage_all.py
status`, and how status tells a live table from one that a stopped or crashed `dev` left behind.

The table's format is ours (no library publishes one process's supervisor state to another); whether the
`dev` that wrote it still runs is psutil's `pid_exists`.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from retail_dev.paths import RUN_DIR
from retail_dev.supervisor import Supervisor, describe_exit

TABLE_FILE = RUN_DIR / "dev-processes.json"
STALE_AFTER = 10.0  # seconds without an update: dev is gone or hung (it writes about every second)


def publish(path: Path, supervisor: Supervisor, *, phase: str, **extra) -> None:
    """Write the children's state atomically (status may read it at any moment); `extra` adds keys
    (the metrics endpoints, the local Prometheus of `dev --observe`)."""
    table = {"pid": os.getpid(), "written_at": time.time(), "phase": phase, "processes": supervisor.snapshot()}
    table |= extra
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(json.dumps(table, indent=1))
    os.replace(scratch, path)


def withdraw(path: Path) -> None:
    """dev stopped cleanly: nothing it published is true any more."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


@dataclass
class Published:
    table: dict | None
    stale: str = ""  # why the table cannot be trusted ("" when it is live)


def read_published(path: Path, *, now: float | None = None, stale_after: float = STALE_AFTER) -> Published:
    """The table `dev` published, and whether it is stale because `dev` is not running."""
    try:
        table = json.loads(path.read_text())
    except FileNotFoundError:
        return Published(None, "manage_all.py dev is not running")
    except ValueError:
        return Published(None, f"{path} is not valid JSON (written by another version?)")
    age = (time.time() if now is None else now) - table["written_at"]
    if not psutil.pid_exists(table["pid"]):
        return Published(table, f"stale: dev (pid {table['pid']}) is not running; written {age:.0f}s ago")
    if age > stale_after:
        return Published(table, f"stale: dev (pid {table['pid']}) has not updated it for {age:.0f}s")
    return Published(table)


def render(published: Published) -> list[str]:
    """The lines `status` prints under "processes"."""
    if published.table is None:
        return [f"  {published.stale}"]
    table = published.table
    lines = [f"  {published.stale} — its last known state:"] if published.stale else []
    if not published.stale:
        lines.append(f"  manage_all.py dev (pid {table['pid']}), {table['phase']}")
    width = max([len(p["label"]) for p in table["processes"]] + [10])
    for p in table["processes"]:
        pid = f"pid {p['pid']}" if p["pid"] else ""
        up = f"up {_duration(p['uptime'])}" if p["uptime"] is not None else ""
        row = f"  {p['label']:<{width}} {p['state']:<8} {pid:<10} {up:<12} restarts {p['restarts']}"
        if p["last_exit"] is not None:
            row += f", last exit {describe_exit(p['last_exit'])}"
        if p["restart_in"] is not None:
            row += f", next start in {max(0.0, p['restart_in']):g}s"
        lines.append(row)
    if table.get("prometheus"):
        lines.append(f"  prometheus {table['prometheus']} (dev --observe)")
    if table.get("metrics"):
        lines.append("  metrics: " + ", ".join(f"{s}-{r} {a}{p}" for s, r, a, p in table["metrics"]))
    return lines


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"
