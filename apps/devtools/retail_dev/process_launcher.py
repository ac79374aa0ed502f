"""How retail_dev.stack.Stack runs each process of the shop on this machine: a child of a Supervisor
on a free port, restarted when it dies (as `manage_all.py dev` and Kubernetes do)."""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import dataclass, field

from retail_dev.environment import GUNICORN_METRICS_CONFIG, manage_cmd
from retail_dev.netutil import free_port, wait_for_port
from retail_dev.projects import by_name
from retail_dev.supervisor import RestartPolicy, Supervisor


def say_on_stderr(line: str) -> None:
    print(f"[stack] {line}", file=sys.stderr, flush=True)


@dataclass
class ProcessLauncher:
    # A test's own `stop` is not a death. Exits go to stderr with the child's last lines, so a test
    # that fails after one shows why.
    supervisor: Supervisor = field(
        default_factory=lambda: Supervisor(quiet=True, restart=RestartPolicy(), log=say_on_stderr)
    )
    # Every metrics endpoint by process label, as Prometheus scrapes it: (service, role, "host:port", path).
    metrics: dict = field(default_factory=dict)

    def grpc_port(self) -> int:
        return free_port()

    def manage(self, name: str, args: tuple[str, ...], env: dict) -> str:
        project = by_name(name)
        result = subprocess.run(manage_cmd(project, *args), cwd=project.path, env=env, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"{name} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def worker(self, name: str, label: str, args: tuple[str, ...], env: dict) -> None:
        """A worker role of a service, with its metrics server on a free port (kept across restarts)."""
        project = by_name(name)
        port = free_port()
        env = env | {"METRICS_PORT": str(port), "METRICS_ADDR": "127.0.0.1"}
        self._start(f"{name}-{label}", manage_cmd(project, *args), env, project.path)
        self.metrics[f"{name}-{label}"] = (name, label, f"127.0.0.1:{port}", "/metrics")

    def web(self, name: str, workers: int, env: dict) -> str:
        project = by_name(name)
        port = free_port()
        wsgi = project.settings.replace(".settings", ".wsgi")
        command = [sys.executable, "-m", "gunicorn", wsgi, "-k", "gthread", "-w", str(workers), "--threads", "8"]
        command += ["-c", GUNICORN_METRICS_CONFIG]
        command += ["-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--no-control-socket"]
        self._start(f"{name}-web", command, env, project.path)
        self.metrics[f"{name}-web"] = (name, "web", f"127.0.0.1:{port}", "/metrics")
        return f"http://127.0.0.1:{port}"

    def grpc(self, port: int, env: dict) -> None:
        self.worker("inventory", "grpc", ("run_grpc", "--host", "127.0.0.1", "--port", str(port)), env)
        wait_for_port(port, timeout=30)

    def _start(self, label: str, command: list[str], env: dict, cwd) -> None:
        self.supervisor.spawn(label, command, env=env, cwd=cwd)
        self.supervisor.watch()  # from the first child on; later calls do nothing

    def stop(self, label: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process for good (the supervisor does not restart it): SIGTERM as Kubernetes would,
        or SIGKILL as a crash would."""
        self.supervisor.stop_child(label, sig)
        self.metrics.pop(label, None)

    def report(self, lines: int = 15) -> None:
        """Each process, running or not, with the last lines it printed (on stderr)."""
        for child in self.supervisor.children:
            code = child.process.poll()
            state = "running" if code is None else f"exited {code}"
            say_on_stderr(f"{child.label} (pid {child.process.pid}, {state}), its last lines:")
            for line in list(child.tail)[-lines:]:
                print(f"    {line}", file=sys.stderr, flush=True)

    def down(self) -> None:
        self.supervisor.stop_all()
