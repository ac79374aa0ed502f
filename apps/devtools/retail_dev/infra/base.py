"""What every embedded component shares: ports, pid files, idempotent start, clean stop."""

from __future__ import annotations

import os
from pathlib import Path

import psutil

from retail_dev.console import DevError, say
from retail_dev.netutil import port_open
from retail_dev.paths import LOG_DIR, RUN_DIR
from retail_dev.testing import poll


def port_holder(port: int) -> str:
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
                return f" (pid {conn.pid}, {psutil.Process(conn.pid).name()})"
    except (psutil.Error, OSError):
        pass
    return ""


class Component:
    name = ""  # e.g. "PostgreSQL"
    key = ""  # short id used for files: postgres, redis, broker
    default_port = 0
    port_var = ""  # moves the port
    external_var = ""  # points at an external server instead
    process_names: tuple[str, ...] = ()

    @property
    def port(self) -> int:
        return int(os.environ.get(self.port_var, self.default_port))

    @property
    def external(self) -> str | None:
        return os.environ.get(self.external_var) or None

    @property
    def pid_file(self) -> Path:
        return RUN_DIR / f"{self.key}.pid"

    @property
    def log_file(self) -> Path:
        return LOG_DIR / f"{self.key}.log"

    # -- our process ------------------------------------------------------------------------
    def our_pid(self) -> int | None:
        """The pid of our running server, cleaning up a stale pid file."""
        if not self.pid_file.exists():
            return None
        try:
            pid = int(self.pid_file.read_text().split()[0])
            process = psutil.Process(pid)
            alive = process.is_running() and process.status() != psutil.STATUS_ZOMBIE
            if alive and any(n in " ".join(process.cmdline()) for n in self.process_names):
                return pid
        except (ValueError, IndexError, psutil.Error):
            pass
        self.forget_stale_pid_file()
        return None

    def forget_stale_pid_file(self) -> None:
        self.pid_file.unlink(missing_ok=True)
        say(f"    {self.key}: removed stale pid file {self.pid_file.name}")

    def is_up(self) -> bool:
        return port_open(self.port)

    def describe(self) -> str:
        return f"external ({self.external_var})" if self.external else f"embedded 127.0.0.1:{self.port}"

    # -- start / stop -----------------------------------------------------------------------
    def ensure_started(self) -> bool:
        """Start the server unless it is already ours and running; True if this call started it."""
        if self.external:
            say(f"    {self.key}: using external server from {self.external_var}")
            return False
        if self.our_pid() is not None and self.is_up():
            say(f"    {self.key}: already running on 127.0.0.1:{self.port}")
            return False
        if port_open(self.port):
            raise DevError(
                f"port {self.port} for {self.name} is held by another process{port_holder(self.port)}; "
                f"free it, set {self.port_var} to another port, or set {self.external_var} to use an external server."
            )
        self.start()
        self.wait_until_up()
        say(f"    {self.key}: started on 127.0.0.1:{self.port} (log: .retail/logs/{self.log_file.name})")
        return True

    def wait_until_up(self, timeout: float = 30.0) -> None:
        try:
            poll(self.is_up, timeout=timeout, interval=0.1, message=f"{self.name} accepts connections")
        except AssertionError:
            raise DevError(
                f"{self.name} did not accept connections on port {self.port} within {timeout:.0f}s; see {self.log_file}"
            ) from None

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        pid = self.our_pid()
        if pid is None:
            return
        process = psutil.Process(pid)
        process.terminate()
        try:
            process.wait(timeout=10)
        except psutil.TimeoutExpired:
            process.kill()
        self.pid_file.unlink(missing_ok=True)
        say(f"    {self.key}: stopped")
