"""Infrastructure lifecycle for a command, and the environment every project's processes get."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field

from retail_dev.console import DevError, step
from retail_dev.dev_secrets import ensure_dev_secrets
from retail_dev.infra import Broker, Postgres, Redis, components
from retail_dev.paths import RETAIL_DIR, SECRETS_DIR, ensure_dirs
from retail_dev.projects import Project, all_projects, web_projects

REDIS_DB = {"dev": 0, "test": 1, "bench": 2}


@dataclass
class Infra:
    """The infrastructure of one manage_all.py invocation; `stop_started()` undoes what it started."""

    started: list = field(default_factory=list)

    def up(self, *, databases: list[Project] | None = None) -> None:
        ensure_dirs()
        step("infrastructure")
        ensure_dev_secrets()
        for component in components():
            if component.ensure_started():
                self.started.append(component)
        created = Postgres().ensure_databases([p.database for p in (databases or all_projects())])
        if created:
            step(f"created databases: {', '.join(created)}")

    def stop_started(self) -> None:
        if self.started:
            step("stopping the infrastructure this run started")
        for component in reversed(self.started):
            component.stop()
        self.started.clear()


# gunicorn's multiprocess-metrics hooks (the ones docker/gunicorn.conf.py imports), for every gunicorn we start.
GUNICORN_METRICS_CONFIG = "python:retail_common.observability.metrics.gunicorn_hooks"


def project_env(project: Project, mode: str = "dev", **extra: str) -> dict[str, str]:
    """Environment of a project's processes: its database, the shared Redis and broker, dev secrets."""
    redis = Redis()
    env = {
        **os.environ,
        "SECRETS_DIR": os.environ.get("SECRETS_DIR", str(SECRETS_DIR)),
        "DATABASE_URL": Postgres().database_url(project),
        "REDIS_URL": redis.external or redis.url(REDIS_DB[mode]),
        "KAFKA_BOOTSTRAP_SERVERS": Broker().bootstrap,
        "DJANGO_SETTINGS_MODULE": project.settings,
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(project.path), os.environ.get("PYTHONPATH", "")])),
        "SERVICE_NAME": project.name,
        "MEDIA_ROOT": str(RETAIL_DIR / ("media" if mode == "dev" else f"media-{mode}") / project.name),
        "GRPC_PORT": os.environ.get("RETAIL_GRPC_PORT", "50051"),
        # No worker metrics server unless the caller hands out a port: the per-role defaults of the
        # containers would collide between the services of one machine (and between worktrees).
        "METRICS_PORT": "0",
    }
    env.pop(
        "PROMETHEUS_MULTIPROC_DIR", None
    )  # each gunicorn makes its own (retail_common.observability.metrics.gunicorn_hooks)
    if mode == "dev":
        env.setdefault("DJANGO_DEBUG", "1")
    else:
        env.pop("DJANGO_DEBUG", None)
    env.update(extra)
    return env


def manage_cmd(project: Project, *args: str) -> list[str]:
    if project.has_manage_py:
        return [sys.executable, str(project.path / "manage.py"), *args]
    return [sys.executable, "-m", "django", *args]


def manage_run(project: Project, *args: str, mode: str = "dev", failure: str) -> None:
    """`manage.py <args>` of one project in its environment; its output goes to the console, and a
    non-zero exit stops the command with `failure` (the cause is in the output above it)."""
    if subprocess.call(manage_cmd(project, *args), cwd=project.path, env=project_env(project, mode)) != 0:
        raise DevError(f"{failure} (see above)")


def migrate_all(mode: str = "dev") -> None:
    """Apply every web project's migrations (the `migrate` command, `dev`, `seed` and the benchmarks)."""
    for project in web_projects():
        step(f"migrate {project.name}")
        manage_run(project, "migrate", "--noinput", mode=mode, failure=f"migrations of {project.name} failed")
