"""Runs long-lived children with prefixed output, restarts the ones that die (when asked to), and
stops every one of them, whatever happens.

Each child runs in its own process group (session), so a signal reaches what it started too (the
runserver autoreloader's worker, gunicorn's workers). A child that exited is detected *without*
reaping it (waitid WNOWAIT): while its zombie exists the kernel keeps its group id reserved, so
killing the group cannot hit an unrelated process; then it is reaped. That is how a restart leaves
neither a zombie nor an orphaned grandchild holding the port.

Why not honcho or supervisord: honcho stops every process as soon as one exits, and supervisord restarts
a process that ran past `startsecs` at once, without a growing delay, and runs as a daemon of its own
from an ini file; neither reaps a child only after killing its group.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COLOURS = ["36", "35", "33", "32", "34", "31"]


@dataclass(frozen=True)
class RestartPolicy:
    """When a child that exited starts again: Kubernetes' CrashLoopBackOff, scaled for a laptop.

    The n-th crash in a row waits `initial * factor**(n-1)` seconds, capped at `maximum`
    (1, 2, 4, 8, 16, 30, 30 … s). A child that stayed up `reset_after` seconds was healthy: its
    next exit counts as the first again.
    """

    initial: float = 1.0
    factor: float = 2.0
    maximum: float = 30.0
    reset_after: float = 60.0

    def delay(self, crashes: int) -> float:
        """Seconds to wait before the restart that follows the `crashes`-th crash in a row."""
        return min(self.maximum, self.initial * self.factor ** max(0, crashes - 1))

    def crashes_in_a_row(self, previous: int, uptime: float) -> int:
        """The crash count after a child that was up `uptime` seconds exited."""
        return 1 if uptime >= self.reset_after else previous + 1


@dataclass
class Child:
    label: str
    process: subprocess.Popen
    args: list[str] = field(default_factory=list)
    env: dict | None = None
    cwd: object = None
    colour: str = COLOURS[0]
    tail: collections.deque = field(default_factory=lambda: collections.deque(maxlen=40))
    started_at: float = 0.0  # on the supervisor's clock
    restarts: int = 0  # in total, never reset (what `status` shows)
    crashes: int = 0  # in a row, for the backoff
    last_exit: int | None = None
    restart_at: float | None = None  # set while the child waits out its backoff
    stopping: bool = False  # stopped on purpose: never restarted

    @property
    def state(self) -> str:
        if self.stopping:
            return "stopping"
        if self.restart_at is not None:
            return "backoff"
        return "running" if self.process.returncode is None else "exited"


def describe_exit(code: int | None) -> str:
    """'code 3', or 'code -9 (SIGKILL)' for a child killed by a signal (Popen's convention)."""
    if code is None:
        return "no exit yet"
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"code {code} ({signal.Signals(-code).name})"
    return f"code {code}"


class Supervisor:
    def __init__(
        self,
        *,
        quiet: bool = False,
        restart: RestartPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
        log: Callable[[str], None] | None = None,
    ):
        """quiet: keep only each child's last lines (for an error message) instead of printing them.
        restart: restart children that exit, with this backoff (None: a dead child stays dead).
        clock: seconds, monotonic (tests pass a fake one to step through the backoff).
        log: where the supervisor's own lines go (default: stdout, unless quiet).
        """
        self.quiet = quiet
        self.restart = restart
        self.clock = clock
        self.children: list[Child] = []
        self._width = 10
        self._tty = sys.stdout.isatty()
        self._log = log or (lambda line: None if quiet else print(f"[supervisor] {line}", flush=True))
        self._lock = threading.RLock()  # the watcher thread and the owner both check and stop children
        self._closing = threading.Event()
        self._watcher: threading.Thread | None = None

    def spawn(self, label: str, args: list[str], *, env: dict, cwd) -> Child:
        with self._lock:
            colour = COLOURS[len(self.children) % len(COLOURS)]
            child = Child(label, self._popen(args, env, cwd), args=list(args), env=env, cwd=cwd, colour=colour)
            child.started_at = self.clock()
            self.children.append(child)
            self._width = max(self._width, len(label))
            self._pump_output(child)
            return child

    @staticmethod
    def _popen(args, env, cwd) -> subprocess.Popen:
        return subprocess.Popen(
            args,
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, so stopping it reaches its children too
        )

    def _pump_output(self, child: Child) -> None:
        threading.Thread(target=self._pump, args=(child, child.process), daemon=True).start()

    def _pump(self, child: Child, process: subprocess.Popen) -> None:
        prefix = f"[{child.label}]".ljust(self._width + 2)
        if self._tty:
            prefix = f"\033[{child.colour}m{prefix}\033[0m"
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip()
            child.tail.append(line)
            if not self.quiet:
                sys.stdout.write(f"{prefix} {line}\n")
                sys.stdout.flush()
        process.stdout.close()

    def child(self, label: str) -> Child:
        with self._lock:
            for child in self.children:
                if child.label == label:
                    return child
        raise KeyError(label)

    def dead(self) -> list[Child]:
        """Children that exited, reaped with what was left of their group (with a restart policy,
        `check` restarts them instead)."""
        with self._lock:
            gone = [c for c in self.children if not c.stopping and _exited(c.process)]
            for child in gone:
                self._reap(child)
            return gone

    # -- restarts ------------------------------------------------------------------------------
    def check(self) -> None:
        """Notice children that exited, and with a restart policy, start again those whose backoff
        is over. The owner calls it in its loop, or `watch()` calls it from a thread."""
        if self.restart is None:
            return
        with self._lock:
            now = self.clock()
            for child in self.children:
                if child.stopping:
                    continue
                if child.restart_at is None and _exited(child.process):
                    self._reap(child)
                    self._schedule_restart(child, now)
                if child.restart_at is not None and now >= child.restart_at:
                    self._start_again(child, now)

    def _schedule_restart(self, child: Child, now: float) -> None:
        child.last_exit = child.process.returncode
        child.crashes = self.restart.crashes_in_a_row(child.crashes, now - child.started_at)
        delay = self.restart.delay(child.crashes)
        child.restart_at = now + delay
        line = f"{child.label} exited with {describe_exit(child.last_exit)}; restarting in {delay:g}s"
        line += f" (restart {child.restarts + 1}, {child.crashes} exit(s) in a row)"
        if self.quiet:  # nobody saw its output: say how it ended, with what it printed since it started
            tail = list(child.tail)
            since = max((i + 1 for i, seen in enumerate(tail) if seen.startswith("[supervisor] ")), default=0)
            line += "".join(f"\n    {last}" for last in tail[since:][-12:])
        child.tail.append(f"[supervisor] {line.splitlines()[0]}")
        self._log(line)

    def _start_again(self, child: Child, now: float) -> None:
        child.restart_at = None
        child.restarts += 1
        child.started_at = now
        try:
            child.process = self._popen(child.args, child.env, child.cwd)
        except OSError as exc:  # cannot even start: back off as if it had crashed at once
            child.last_exit = None
            child.crashes += 1
            child.restart_at = now + self.restart.delay(child.crashes)
            self._log(f"{child.label} could not be started ({exc}); next try in {self.restart.delay(child.crashes):g}s")
            return
        self._pump_output(child)

    def watch(self, interval: float = 0.2) -> None:
        """Check the children every `interval` seconds from a thread, until `stop_all`."""
        if self._watcher is not None:
            return

        def loop() -> None:
            while not self._closing.wait(interval):
                self.check()

        self._watcher = threading.Thread(target=loop, name="supervisor-watch", daemon=True)
        self._watcher.start()

    def snapshot(self) -> list[dict]:
        """Each child's state, for `manage_all.py status` (see `publish`)."""
        with self._lock:
            now = self.clock()
            return [
                {
                    "label": c.label,
                    "state": c.state,
                    "pid": c.process.pid if c.state == "running" else None,
                    "restarts": c.restarts,
                    "last_exit": c.last_exit,
                    "uptime": round(now - c.started_at, 1) if c.state == "running" else None,
                    "restart_in": round(c.restart_at - now, 1) if c.restart_at is not None else None,
                }
                for c in self.children
            ]

    # -- stopping ------------------------------------------------------------------------------
    def stop_child(self, label: str, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        """Stop one child on purpose (it is not restarted) and forget it."""
        with self._lock:
            child = self.child(label)
            child.stopping = True
        self._stop([child], sig, timeout)
        with self._lock:
            self.children.remove(child)

    def stop_all(self, timeout: float = 8.0) -> None:
        self._closing.set()
        if self._watcher is not None:
            self._watcher.join()
        with self._lock:
            for child in self.children:
                child.stopping = True
            children = list(self.children)
        self._stop(children, signal.SIGTERM, timeout)
        with self._lock:
            self.children.clear()

    def _stop(self, children: list[Child], sig: int, timeout: float) -> None:
        running = [c for c in children if c.process.returncode is None]
        for child in running:
            _signal_group(child.process, sig)
        deadline = time.monotonic() + timeout
        for child in running:
            if not _wait_exited(child.process, deadline):
                _signal_group(child.process, signal.SIGKILL)
            self._reap(child)

    @staticmethod
    def _reap(child: Child) -> None:
        """Kill what is left of the child's group (e.g. the autoreloader's worker), then reap it."""
        if child.process.returncode is None:
            _signal_group(child.process, signal.SIGKILL)
            child.process.wait()


def _exited(process: subprocess.Popen) -> bool:
    """Whether the child exited, leaving its zombie in place (so its group id stays reserved)."""
    if process.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere (Popen.poll)
        return process.poll() is not None


def _wait_exited(process: subprocess.Popen, deadline: float) -> bool:
    while not _exited(process):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    # Only while the child is unreaped: after that its group id may belong to someone else.
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
