"""A real gunicorn with two workers and the hooks of retail_common.observability.metrics.gunicorn_hooks: /metrics of
whichever worker answers reports the totals of both, a killed worker's requests stay counted, and
its live gauges leave the sums."""

import os
import signal
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from retail_dev.environment import GUNICORN_METRICS_CONFIG, project_env
from retail_dev.netutil import free_port, wait_http_ok
from retail_dev.projects import by_name
from retail_dev.testing import poll

REQUESTS = 60
WORKERS = 2


def scrape(url: str) -> dict[str, list]:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def healthz_requests(families) -> float:
    return sum(
        s.value
        for s in families["django_http_requests_total_by_view_transport_method"]
        if s.name.endswith("_total") and s.labels["view"] == "healthz"
    )


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status


@pytest.fixture
def gunicorn():
    users = by_name("users")
    port = free_port()
    wsgi = users.settings.replace(".settings", ".wsgi")
    command = [sys.executable, "-m", "gunicorn", wsgi, "-w", str(WORKERS), "-k", "gthread", "--threads", "4"]
    command += ["-c", GUNICORN_METRICS_CONFIG, "-b", f"127.0.0.1:{port}", "--no-control-socket"]
    env = project_env(users, "test", LOG_LEVEL="WARNING")
    process = subprocess.Popen(command, cwd=users.path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http_ok(f"{url}/healthz", timeout=120)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def worker_pids(families) -> set[str]:
    return {s.labels["pid"] for s in families["retail_process_resident_memory_bytes"]}


def settled(families) -> bool:
    """Every live worker has sampled itself and counts itself.

    A new worker's pid shows up (at 0) the moment it creates the gauges, a few statements before its
    post_fork hook counts it and takes the first sample; a scrape in between sees WORKERS pids but
    one worker fewer in the gauge.
    """
    resident = families["retail_process_resident_memory_bytes"]
    workers = [s.value for s in families["retail_gunicorn_workers"]]
    return len(resident) == WORKERS and all(s.value > 0 for s in resident) and workers == [WORKERS]


def test_two_workers_report_exact_totals_and_a_dead_worker_leaves_the_gauges(gunicorn):
    url = gunicorn
    before = healthz_requests(scrape(url))  # wait_http_ok's probes
    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(get, [f"{url}/healthz"] * REQUESTS)) == {200}

    # Both workers sample themselves (every 5 s), so both pids appear whichever one answers.
    families = poll(lambda: scrape(url), until=settled, timeout=120)
    assert healthz_requests(families) == before + REQUESTS
    assert [s.value for s in families["retail_gunicorn_workers"]] == [WORKERS]
    assert len(worker_pids(families)) == WORKERS
    assert all(s.value > 0 for s in families["retail_process_resident_memory_bytes"])
    limits = {s.labels["pid"]: s.value for s in families["retail_process_memory_limit_bytes"]}
    assert set(limits) == worker_pids(families) and min(limits.values()) > 0
    assert {s.labels["state"] for s in families["retail_db_connections"]} == {"open", "in_use"}

    # A worker dies: gunicorn starts another, its counts stay in the totals, its live gauges go.
    victim = sorted(worker_pids(families))[0]
    os.kill(int(victim), signal.SIGKILL)
    families = poll(lambda: scrape(url), until=lambda f: victim not in worker_pids(f) and settled(f), timeout=120)
    assert victim not in worker_pids(families)
    assert len(worker_pids(families)) == WORKERS
    assert [s.value for s in families["retail_gunicorn_workers"]] == [WORKERS]
    assert healthz_requests(families) == before + REQUESTS
