"""gunicorn hooks of every web role: prometheus_client's multiprocess mode, so /metrics of any worker
reports the totals of all of them.

Used by docker/gunicorn.conf.py (imports the hooks) and by the test stack and `bench`
(`gunicorn -c python:retail_common.observability.metrics.gunicorn_hooks ...`). PROMETHEUS_MULTIPROC_DIR is one directory
per gunicorn instance: the environment's, else a fresh temporary one (removed at exit). It is
emptied at start, because files a previous run left would be summed into this one's totals. The
master sets it before forking; the workers import prometheus_client after the fork (no preload),
which is when prometheus_client chooses its mode.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from retail_common.config.environment import env

_created: list[str] = []


def on_starting(server) -> None:
    path = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        for stale in Path(path).glob("*.db"):
            stale.unlink()
    else:
        path = tempfile.mkdtemp(prefix="retail-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
        _created.append(path)


def post_fork(server, worker) -> None:
    # Right after the fork, before the worker loads the app: its pid enters the per-pid gauges with
    # real values and counts as live at once. Done after loading, a scrape meanwhile listed the new
    # pid at 0 bytes of memory and one live worker fewer.
    from retail_common.observability.metrics.process_gauges import WORKERS, start_sampler

    WORKERS.set(1)  # livesum over the live workers' files: the number of live workers
    start_sampler()


def post_worker_init(worker) -> None:
    # The app is loaded now: sample again so its database connection gauges exist from the first request.
    from retail_common.observability.metrics.process_gauges import sample

    sample()


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # its live gauges leave the sums


def on_exit(server) -> None:
    for path in _created:
        shutil.rmtree(path, ignore_errors=True)
