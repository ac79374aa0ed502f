"""The shop as containers: retail_dev.stack.Stack with a ContainerLauncher, every process in a container
of its image (`container_stack()`).

Same databases, topics, accounts and shop client as the process stack (the tests' and benchmarks'),
but migrate, topics and seed run as one-off containers of their roles, and the web servers, the
gRPC server, the consumers, the relays and the sweeper as long-lived ones: host network, the
project's own ports (RETAIL_*_PORT, RETAIL_GRPC_PORT), read-only root with a tmpfs /tmp, every
capability dropped, secrets mounted read-only as files in /vault/secrets.
"""

from __future__ import annotations

import os
import shutil
import signal
import uuid
from dataclasses import dataclass, field

from retail_common.config.topology import JWT_ISSUER_PROJECT, TOPOLOGY
from retail_dev.console import DevError, say
from retail_dev.images.base import IMAGES_DIR
from retail_dev.images.engine import Engine
from retail_dev.images.stopping import states
from retail_dev.infra.base import port_holder, port_open
from retail_dev.netutil import wait_for_port
from retail_dev.paths import SECRETS_DIR
from retail_dev.projects import by_name
from retail_dev.stack import Stack

# Secrets each project's pods get from Vault: only the issuer signs tokens.
SECRETS = {JWT_ISSUER_PROJECT: ("DJANGO_SECRET_KEY", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS")}
DEFAULT_SECRETS = ("DJANGO_SECRET_KEY", "JWT_PUBLIC_KEYS")
# Host settings a container must not inherit: the image sets its own, or they name host paths.
HOST_ONLY = {"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "SECRETS_DIR", "MEDIA_ROOT", "PYTHONUNBUFFERED"}
# Set by the stack even when this shell happens to hold the same value (then it must still reach the container).
STACK_KEYS = ("DATABASE_URL", "REDIS_URL", "KAFKA_", "SERVICE_NAME", "INVENTORY_GRPC_", "LOG_LEVEL", "USERS_")
STACK_KEYS += ("ORDERS_URL", "PAYMENTS_URL", "SECURE_COOKIES")
ROLE_OF = {r.command: r.name for r in TOPOLOGY.roles if not r.process}  # a one-off manage.py command -> its role
CONTAINER_MEDIA = "/srv/media"


def container_stack(engine: Engine, *, tag: str = "dev", **stack_fields) -> Stack:
    """A Stack whose processes are containers of the images retail/<project>:<tag>."""
    run_id = uuid.uuid4().hex[:8]
    launcher = ContainerLauncher(engine=engine, run_id=run_id, tag=tag)
    return Stack(run_id=run_id, launcher=launcher, database_prefix="images", **stack_fields)


@dataclass
class ContainerLauncher:
    engine: Engine
    run_id: str
    tag: str = "dev"
    containers: list[str] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)  # no metrics port is waited for or scraped here
    logs_printed: bool = False  # a failure's logs are printed once

    @property
    def workdir(self):
        return IMAGES_DIR / f"run-{self.run_id}"

    def image(self, name: str) -> str:
        return f"retail/{name}:{self.tag}"

    # -- what a container gets ----------------------------------------------------------------
    def secrets_of(self, name: str):
        """A directory with the project's secret files, readable by uid 10001 only (as Vault Agent writes them)."""
        directory = self.workdir / "secrets" / name
        if not directory.exists():
            directory.mkdir(parents=True)
            for secret in SECRETS.get(name, DEFAULT_SECRETS):
                shutil.copyfile(SECRETS_DIR / secret, directory / secret)
            for path in [directory, *directory.iterdir()]:
                path.chmod(0o700 if path.is_dir() else 0o400)
                if os.geteuid() == 0:
                    os.chown(path, 10001, 10001)
                else:  # an engine run by this user maps uids differently: let the container read them
                    path.chmod(0o755 if path.is_dir() else 0o444)
        return directory

    def media(self):
        """Product pictures: seed writes them, the inventory web serves them (a volume in the cluster)."""
        directory = self.workdir / "media"
        if not directory.exists():
            directory.mkdir(parents=True)
            if os.geteuid() == 0:
                os.chown(directory, 10001, 10001)
        return directory

    @staticmethod
    def container_env(env: dict[str, str], **extra: str) -> dict[str, str]:
        """What the stack sets (not the rest of this shell's environment, which is the host's), and `extra`."""
        own = {
            key: value
            for key, value in env.items()
            if key not in HOST_ONLY and (os.environ.get(key) != value or key.startswith(STACK_KEYS))
        }
        return own | extra

    def run_args(self, name: str, env: dict) -> list[str]:
        # /tmp: the container's own tmpfs, its only writable path.
        args = ["--network", "host", "--read-only", "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m"]  # noqa: S108
        args += ["--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--label", f"retail.run={self.run_id}"]
        args += ["--volume", f"{self.secrets_of(name)}:/vault/secrets:ro"]
        if name == "inventory":
            args += ["--volume", f"{self.media()}:{CONTAINER_MEDIA}", "--env", f"MEDIA_ROOT={CONTAINER_MEDIA}"]
        for key, value in sorted(env.items()):
            args += ["--env", f"{key}={value}"]
        return args

    # -- the Launcher ---------------------------------------------------------------------------
    def grpc_port(self) -> int:
        port = int(os.environ.get("RETAIL_GRPC_PORT", "50051"))
        if port_open(port):
            raise DevError(f"gRPC port {port} is taken{port_holder(port)}: set RETAIL_GRPC_PORT")
        return port

    def manage(self, name: str, args: tuple[str, ...], env: dict) -> str:
        role = ROLE_OF.get(args)
        command = [role] if role else ["manage", *args]
        run = ["run", "--rm", "--name", f"retail-{self.run_id}-{name}-{command[0]}-{uuid.uuid4().hex[:4]}"]
        result = self.engine.run(
            *run, *self.run_args(name, self.container_env(env)), self.image(name), *command, check=False
        )
        if result.returncode:
            said = (result.stdout + result.stderr).decode(errors="replace")
            raise RuntimeError(f"{name} {' '.join(command)} (container) failed with {result.returncode}:\n{said}")
        return result.stdout.decode(errors="replace")

    def start(self, name: str, label: str, role: str, env: dict, **extra: str) -> str:
        container = f"retail-{self.run_id}-{name}-{label}"
        args = self.run_args(name, self.container_env(env, **extra))
        self.engine.run("run", "--detach", "--name", container, *args, self.image(name), role)
        self.containers.append(container)
        return container

    def worker(self, name: str, label: str, args: tuple[str, ...], env: dict) -> None:
        self.start(name, label, label, env)  # the image's entry point knows each role's command

    def web(self, name: str, workers: int, env: dict) -> str:
        port = by_name(name).port
        if port_open(port):
            raise DevError(
                f"port {port} of {name} is taken{port_holder(port)}: stop it or set RETAIL_{name.upper()}_PORT"
            )
        self.start(name, "web", "web", env, PORT=str(port), GUNICORN_WORKERS=str(workers), GUNICORN_THREADS="8")
        return f"http://127.0.0.1:{port}"

    def grpc(self, port: int, env: dict) -> None:
        self.start("inventory", "grpc", "grpc", env, GRPC_PORT=str(port))
        wait_for_port(port, timeout=90)

    def stop(self, label: str, sig: int = signal.SIGTERM) -> None:
        self.engine.run("kill", "--signal", str(int(sig)), f"retail-{self.run_id}-{label}", check=False)

    def report(self) -> None:
        self.print_failing_logs()

    def down(self) -> None:
        if self.containers:
            self.engine.run("rm", "--force", *self.containers, check=False)
            self.containers.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- inspection ---------------------------------------------------------------------------
    def states(self) -> dict[str, dict]:
        return states(self.engine, self.containers)

    def logs(self, container: str, lines: int = 60) -> str:
        result = self.engine.run("logs", "--tail", str(lines), container, check=False)
        return (result.stdout + result.stderr).decode(errors="replace")

    def print_failing_logs(self, suspects: list[str] | None = None) -> None:
        """The logs of the containers that failed: those that exited, else the suspects, else all."""
        self.logs_printed = True
        exited = [c for c, s in self.states().items() if not s.get("Running")]
        for container in exited or suspects or self.containers:
            say(f"---- logs of {container} ----")
            say(self.logs(container))
