"""Production-like servers for benchmarks: gunicorn on a free port, stopped whatever happens."""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from pathlib import Path

from retail_dev.console import DevError
from retail_dev.environment import GUNICORN_METRICS_CONFIG, project_env
from retail_dev.netutil import free_port, wait_http_ok
from retail_dev.projects import Project
from retail_dev.supervisor import Supervisor


@contextlib.contextmanager
def gunicorn(
    project: Project,
    *,
    workers: int = 2,
    threads: int = 1,
    quiet: bool = True,
    multiprocess: bool = True,
    cwd: Path | None = None,
    config: str = GUNICORN_METRICS_CONFIG,
    **env: str,
):
    """Yield the base URL of `project` served by gunicorn: sync workers, or gthread (keep-alive) when threads > 1;
    multiprocess=False leaves out the multiprocess-metrics hooks (an A/B of their cost); cwd: the project's
    directory in another checkout (its PYTHONPATH in env), config its metrics hooks' module."""
    port = free_port()
    wsgi = project.settings.replace(".settings", ".wsgi:application")
    supervisor = Supervisor(quiet=quiet)
    supervisor.spawn(
        f"{project.name}-gunicorn",
        [sys.executable, "-m", "gunicorn", wsgi, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
        # gunicorn 27's default control socket (~/.gunicorn/gunicorn.ctl) is one per user: each server replaced it.
        + ["--no-control-socket"]
        + (["-c", config] if multiprocess else [])  # /metrics as in production
        + (["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []),
        env=project_env(project, "bench", **env),
        cwd=cwd or project.path,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_http_ok(f"{base}/healthz")
        except TimeoutError as exc:
            log = "\n".join(supervisor.children[0].tail)
            raise DevError(f"{project.name} under gunicorn did not start: {exc}\n{log}") from exc
        yield base
    finally:
        supervisor.stop_all()


def probe(project: Project, module: str, **env: str) -> dict:
    """Run `python -m module` inside `project` (its settings, the bench databases); its last line is JSON."""
    output = subprocess.run(
        [sys.executable, "-m", module],
        env=project_env(project, "bench", **env),
        cwd=project.path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])
