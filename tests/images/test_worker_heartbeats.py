"""A worker loop that stalls fails its probe, and passes again when it runs on (finding 7 of issue 20).

The real relay, sweeper and consumers of the orders project, started through the image's entry point
(docker/entrypoint.py) against the embedded PostgreSQL and broker (`manage_all.py infra up` first),
are frozen with SIGSTOP, as a loop stuck in a query or a send is; the probe is the pods' own command,
`entrypoint.py healthcheck`, with its bound lowered by HEARTBEAT_MAX_AGE_SECONDS.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import uuid

import pytest

from retail_dev.environment import manage_cmd, project_env
from retail_dev.infra import Postgres
from retail_dev.paths import ROOT
from retail_dev.projects import by_name
from retail_dev.testing import poll

ENTRYPOINT = ROOT / "docker" / "entrypoint.py"
BOUND = 3  # seconds: the loops beat about once a second


@pytest.fixture(scope="module")
def orders_env():
    """The orders project's environment, on a database and topic prefix of this module's own."""
    project, run = by_name("orders"), uuid.uuid4().hex[:8]
    database = f"heartbeat_orders_{run}"
    Postgres().ensure_databases([database])
    env = project_env(
        project, "test", DATABASE_URL=Postgres().url_of(database), KAFKA_TOPIC_PREFIX=f"heartbeat-{run}.",
        LOG_LEVEL="WARNING", METRICS_PORT="0",
    )  # fmt: skip
    for command in (("migrate", "--noinput"), ("provision_topics",)):
        subprocess.run(manage_cmd(project, *command), cwd=project.path, env=env, check=True, capture_output=True)
    try:
        yield env
    finally:
        Postgres().drop_database(database)


def probe(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ENTRYPOINT), "healthcheck"], env=env, capture_output=True, text=True)


def age(answer: subprocess.CompletedProcess) -> int:
    """The heartbeat's age in whole seconds, as the probe printed it."""
    printed = re.fullmatch(r"heartbeat (\d+)s old\n", answer.stdout)
    assert printed, f"the probe answered {answer.stdout!r}, not a heartbeat's age"
    return int(printed.group(1))


@pytest.mark.parametrize("role", ["relay", "sweeper", "consumers"])
def test_the_probe_fails_while_the_loop_is_stalled_and_passes_when_it_runs_on(orders_env, entrypoint, role, tmp_path):
    beat = tmp_path / f"{role}.heartbeat"
    own = {
        "APP_DIR": str(by_name("orders").path),
        "RETAIL_PROJECT": "orders",
        "RETAIL_ROLE_FILE": str(tmp_path / "role"),
        entrypoint.HEARTBEATS[role][0]: str(beat),  # the variable the role's loop and its probe read
    }
    probe_env = {**own, "HEARTBEAT_MAX_AGE_SECONDS": str(BOUND)}
    worker = subprocess.Popen(
        [sys.executable, str(ENTRYPOINT), role], env={**orders_env, **own},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        started = poll(lambda: probe(probe_env), until=lambda p: p.returncode == 0 or worker.poll() is not None)
        assert worker.poll() is None, f"{role} exited: {worker.stderr.read()}"
        assert started.returncode == 0 and age(started) < BOUND, started.stdout

        os.kill(worker.pid, signal.SIGSTOP)
        stalled = poll(lambda: probe(probe_env), until=lambda p: p.returncode != 0, timeout=BOUND + 30)
        assert stalled.returncode == 1 and age(stalled) >= BOUND, stalled.stdout

        os.kill(worker.pid, signal.SIGCONT)
        resumed = poll(lambda: probe(probe_env), until=lambda p: p.returncode == 0, timeout=30)
        assert resumed.returncode == 0 and age(resumed) < BOUND, resumed.stdout
    finally:
        os.kill(worker.pid, signal.SIGCONT)
        worker.terminate()
        worker.wait()
    assert worker.returncode == 0, worker.stderr.read()
