"""The container engine `images` drives: the Docker CLI, and a dockerd this run starts when none runs.

A dockerd this run started is stopped (by its pid) when the run ends, like the embedded infrastructure.
The flags keep every container off the outside world (docs/architecture.md §9.1): no default bridge, no IP
forwarding, no masquerading; iptables stays on, so the user-defined bridge networks `images smoke` creates
work (their DNS aliases, their isolation).

The Docker CLI rather than the docker SDK: every call is a command line a person can rerun when a step
fails, and nothing here needs what only the SDK offers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

from retail_dev.console import DevError, say
from retail_dev.paths import LOG_DIR, RUN_DIR

DOCKERD_FLAGS = (
    "--storage-driver=overlay2",
    "--bridge=none",
    "--ip-forward=false",
    "--ip-masq=false",
)
INSTALL_HINT = "install it with `apt-get install -y docker.io` (CI's .ci/run does)"
IPTABLES_HINT = "dockerd needs iptables for its bridge networks: install it with `apt-get install -y iptables`"


class EngineMissing(DevError):
    """No container engine can run here; the message says what is missing and how to install it."""


def docker_client() -> str | None:
    """Debian's client first: it builds with BuildKit without the buildx plugin a newer client wants."""
    if os.access("/usr/bin/docker", os.X_OK):
        return "/usr/bin/docker"
    return shutil.which("docker")


def iptables() -> str | None:
    return shutil.which("iptables") or next(
        (p for p in ("/usr/sbin/iptables", "/sbin/iptables") if os.access(p, os.X_OK)), None
    )


@dataclass
class Engine:
    client: str = ""
    started: subprocess.Popen | None = None
    env: dict = field(default_factory=lambda: {**os.environ, "DOCKER_BUILDKIT": "1"})

    def __post_init__(self):
        self.client = self.client or docker_client() or ""

    def reachable(self) -> bool:
        if not self.client:
            return False
        probe = [self.client, "version", "--format", "{{.Server.Version}}"]
        return subprocess.run(probe, capture_output=True, env=self.env).returncode == 0

    def ensure_running(self) -> Engine:
        """Use the running engine, or start dockerd; EngineMissing when neither is possible."""
        if self.reachable():
            return self
        if not self.client:
            raise EngineMissing(f"no docker client on this machine: {INSTALL_HINT}")
        dockerd = shutil.which("dockerd") or ("/usr/sbin/dockerd" if os.access("/usr/sbin/dockerd", os.X_OK) else None)
        if not dockerd:
            raise EngineMissing(f"no Docker engine (dockerd) on this machine: {INSTALL_HINT}")
        if os.geteuid() != 0:
            raise EngineMissing("the Docker engine is not running and only root can start dockerd here")
        if not iptables():
            raise EngineMissing(f"no iptables on this machine: {IPTABLES_HINT}")
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        log = LOG_DIR / "dockerd.log"
        say(f"    starting dockerd (log: {log})")
        with log.open("ab") as out:
            self.started = subprocess.Popen(
                [dockerd, *DOCKERD_FLAGS, "--pidfile", str(RUN_DIR / "dockerd.pid")],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.started.poll() is not None:
                raise EngineMissing(f"dockerd exited with {self.started.returncode}; see {log}")
            if self.reachable():
                return self
            time.sleep(0.5)
        self.stop_started()
        raise EngineMissing(f"dockerd did not answer within 60 s; see {log}")

    def stop_started(self) -> None:
        """Stop the dockerd this run started (by its pid); an engine that was already running stays."""
        if self.started is None:
            return
        say("    stopping the dockerd this run started")
        self.started.send_signal(signal.SIGTERM)
        try:
            self.started.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.started.kill()
            self.started.wait(timeout=10)
        self.started = None

    def run(self, *args: str, check: bool = True, input: bytes | None = None) -> subprocess.CompletedProcess:
        """One CLI call, output captured; a failure raises DevError with what the engine said."""
        result = subprocess.run([self.client, *args], capture_output=True, env=self.env, input=input)
        if check and result.returncode != 0:
            said = (result.stderr or result.stdout).decode(errors="replace").strip()
            raise DevError(f"docker {args[0]} failed (exit {result.returncode}): {said}")
        return result

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.decode().strip()

    def image_exists(self, name: str) -> bool:
        return self.run("image", "inspect", name, check=False).returncode == 0
