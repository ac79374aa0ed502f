"""What `dev` publishes about its children, what `status` shows of it, and `dev`'s start-up wait.

The children are real processes; the HTTP server is a real one on a free port.
"""

import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from retail_dev.commands.dev import wait_healthy
from retail_dev.console import DevError
from retail_dev.netutil import free_port
from retail_dev.process_table import Published, publish, read_published, render
from retail_dev.supervisor import RestartPolicy, Supervisor
from retail_dev.testing import poll
from retail_dev.testing.processes import spawn

# Exits with 4 while the marker file is missing (creating it when asked), then serves 200 on /healthz.
SERVER = """
import http.server, pathlib, sys
marker, port, mode = pathlib.Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if not marker.exists():
    if mode == "once":
        marker.touch()
    sys.exit(4)
class Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Healthy).serve_forever()
"""


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class WebProject:
    name: str
    url: str


def test_status_shows_each_child_its_restarts_and_last_exit(tmp_path):
    clock = Clock()
    supervisor = Supervisor(quiet=True, restart=RestartPolicy(), clock=clock)
    try:
        web = spawn(supervisor, "orders", "import time; time.sleep(600)")
        consumer = spawn(supervisor, "orders-consumers", "import sys; sys.exit(1)")
        poll(lambda: supervisor.check() or consumer.state == "backoff", interval=0.025, message="the consumer exits")
        clock.now = 1.0
        supervisor.check()  # restarted once; it exits again
        poll(lambda: supervisor.check() or consumer.state == "backoff", interval=0.025, message="the consumer exits")
        clock.now = 2.5
        publish(tmp_path / "table.json", supervisor, phase="ready")

        published = read_published(tmp_path / "table.json")
        assert published.stale == ""
        assert render(published) == [
            f"  manage_all.py dev (pid {os.getpid()}), ready",
            f"  orders           running  pid {web.process.pid:<6} up 2s        restarts 0",
            "  orders-consumers backoff" + " " * 26 + "restarts 1, last exit code 1, next start in 0.5s",
        ]
    finally:
        supervisor.stop_all(timeout=2)


def test_status_says_when_dev_is_not_running(tmp_path):
    assert render(read_published(tmp_path / "missing.json")) == ["  manage_all.py dev is not running"]


def test_a_table_left_by_a_dev_that_died_is_stale(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = tmp_path / "table.json"
    path.write_text(f'{{"pid": {gone.pid}, "written_at": 1000.0, "phase": "ready", "processes": []}}')
    published = read_published(path, now=1300.0)
    assert published.stale == f"stale: dev (pid {gone.pid}) is not running; written 300s ago"
    assert render(published) == [f"  {published.stale} — its last known state:"]


def test_a_table_not_updated_for_long_is_stale_even_if_the_pid_lives(tmp_path):
    path = tmp_path / "table.json"
    path.write_text(f'{{"pid": {os.getpid()}, "written_at": 1000.0, "phase": "ready", "processes": []}}')
    assert read_published(path, now=1011.0) == Published(
        read_published(path).table, f"stale: dev (pid {os.getpid()}) has not updated it for 11s"
    )


def test_status_shows_the_metrics_endpoints_and_the_prometheus_of_dev_observe(tmp_path):
    path = tmp_path / "table.json"
    targets = [("orders", "web", "127.0.0.1:8003", "/metrics"), ("orders", "sweeper", "127.0.0.1:40001", "/metrics")]
    publish(path, Supervisor(quiet=True), phase="ready", metrics=targets, prometheus="http://127.0.0.1:9999")
    assert render(read_published(path)) == [
        f"  manage_all.py dev (pid {os.getpid()}), ready",
        "  prometheus http://127.0.0.1:9999 (dev --observe)",
        "  metrics: orders-web 127.0.0.1:8003/metrics, orders-sweeper 127.0.0.1:40001/metrics",
    ]


def test_a_server_that_dies_during_start_up_is_restarted_and_dev_gets_healthy(tmp_path):
    port = free_port()
    supervisor = Supervisor(quiet=True, restart=RestartPolicy(initial=0.05))
    try:
        server = spawn(supervisor, "shop", SERVER, str(tmp_path / "marker"), str(port), "once")
        wait_healthy(supervisor, [WebProject("shop", f"http://127.0.0.1:{port}")], timeout=60)
        assert (server.restarts, server.last_exit, server.state) == (1, 4, "running")
    finally:
        supervisor.stop_all(timeout=2)


def test_a_shop_that_never_gets_healthy_is_reported_with_what_kept_exiting(tmp_path):
    port = free_port()
    supervisor = Supervisor(quiet=True, restart=RestartPolicy(initial=0.05, maximum=0.1))
    try:
        spawn(supervisor, "shop", SERVER, str(tmp_path / "marker"), str(port), "always")
        with pytest.raises(DevError) as error:
            wait_healthy(supervisor, [WebProject("shop", f"http://127.0.0.1:{port}")], timeout=1)
    finally:
        supervisor.stop_all(timeout=2)
    message = str(error.value)
    assert message.startswith("no answer from shop /healthz within 1s; shop exited ")
    assert message.endswith(" time(s), last with code 4 (see the log above)")
