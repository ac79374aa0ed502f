"""The benchmark load generator counts what a real HTTP server answered, keep-alive or not."""

from http.server import ThreadingHTTPServer

import pytest

from retail_dev.loadgen import Request, latency_summary, percentile, run_load
from retail_dev.stub_http import StubHandler, serving


class Handler(StubHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 503 if self.path == "/down" else 200
        self.reply(status, {"ok": True}, headers={"Connection": "close"} if self.path == "/close" else None)


@pytest.fixture(scope="module")
def server():
    with serving(ThreadingHTTPServer(("127.0.0.1", 0), Handler)) as url:
        yield url


@pytest.mark.parametrize("path", ["/keep", "/close"])
def test_closed_loop_counts_successes(server, path):
    result = run_load(Request(server + path), duration=0.5, connections=2, processes=1, warmup=0.1)
    summary = result.summary()
    assert summary["errors"] == 0
    assert summary["requests"] > 0
    assert summary["statuses"] == {"200": summary["requests"]}


def test_server_errors_are_counted_as_errors(server):
    result = run_load(Request(server + "/down"), duration=0.3, connections=1, processes=1, warmup=0)
    assert result.latencies_ms == []
    assert result.errors == result.statuses[503] > 0


def test_open_loop_sends_about_the_requested_count(server):
    result = run_load(Request(server + "/keep"), duration=1.0, connections=2, processes=1, warmup=0, rate=50)
    assert 40 <= len(result.latencies_ms) <= 52


def test_percentiles():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 99) == 99.0
    assert latency_summary(values)["p50_ms"] == 50.5
    assert latency_summary([])["p99_ms"] is None
