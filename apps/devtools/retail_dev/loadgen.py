"""A small HTTP load generator: closed-loop (as fast as N connections go) or open-loop (a fixed rate).

Client processes are forked so the generator is not bound to one core by the GIL;
each thread keeps its connection alive when the server allows it.

Why not a library: locust's gevent clients or an httpx client cost more CPU per request than the servers
they measure on the same two cores, and wrk (Debian) has neither a fixed-rate mode nor a list of
per-request latencies; a pre-encoded request on a raw socket keeps the client cheap.
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Request:
    url: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


@dataclass
class LoadResult:
    latencies_ms: list[float]
    errors: int
    duration: float
    statuses: dict[int, int]

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies_ms) / self.duration if self.duration else 0.0

    def summary(self) -> dict:
        return {
            "requests": len(self.latencies_ms),
            "errors": self.errors,
            "req_per_s": round(self.requests_per_second, 1),
            **latency_summary(self.latencies_ms),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered)) - 1))
    return ordered[index]


def latency_summary(values: list[float]) -> dict:
    if not values:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "p50_ms": round(statistics.median(values), 2),
        "p90_ms": round(percentile(values, 90), 2),
        "p99_ms": round(percentile(values, 99), 2),
        "max_ms": round(max(values), 2),
    }


class _Client:
    """HTTP/1.1 over a raw socket with the request pre-encoded: the client must cost far less than the server."""

    def __init__(self, request: Request):
        parts = urlsplit(request.url)
        self.address = (parts.hostname, parts.port or 80)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Host": f"{parts.hostname}:{self.address[1]}", **request.headers}
        if request.body is not None:
            headers["Content-Length"] = str(len(request.body))
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.payload = f"{request.method} {path} HTTP/1.1\r\n{head}\r\n".encode() + (request.body or b"")
        self.sock: socket.socket | None = None

    def call(self) -> int:
        for attempt in (1, 2):  # a kept-alive connection the server closed is retried once on a new one
            if self.sock is None:
                self.sock = socket.create_connection(self.address, timeout=10)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self.sock.sendall(self.payload)
                return self._read_response()
            except OSError:
                self._close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _read_response(self) -> int:
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed before the response headers")
            buffer += chunk
        head, _, body = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        length = int(headers.get("content-length", 0))
        while len(body) < length:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionResetError("closed in the response body")
            body += chunk
        if headers.get("connection", "").lower() == "close" or lines[0].startswith("HTTP/1.0"):
            self._close()
        return status

    def _close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _worker(request: Request, threads: int, duration: float, warmup: float, rate: float | None, queue) -> None:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    lock = threading.Lock()
    start = time.monotonic() + warmup
    end = start + duration

    def loop(index: int) -> None:
        nonlocal errors
        client = _Client(request)
        interval = threads / rate if rate else 0.0
        next_at = time.monotonic() + (index * interval / threads if rate else 0)
        while True:
            now = time.monotonic()
            if now >= end:
                return
            if rate:
                if next_at > now:
                    time.sleep(next_at - now)
                scheduled = next_at
                next_at += interval
            began = time.monotonic()
            try:
                status = client.call()
            except Exception:  # counted, not raised: the run reports its error count
                status = 0
            finished = time.monotonic()
            if began < start:
                continue
            # Open loop: latency counts from the scheduled time, so a stalled server is not hidden.
            elapsed = (finished - (scheduled if rate else began)) * 1000
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if 200 <= status < 400:
                    latencies.append(elapsed)
                else:
                    errors += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    queue.put((latencies, errors, statuses))


def run_load(
    request: Request,
    *,
    duration: float,
    connections: int,
    processes: int = 2,
    warmup: float = 1.0,
    rate: float | None = None,
) -> LoadResult:
    """Closed loop when rate is None; otherwise `rate` requests/s in total, spread over the connections."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    per_process = max(1, connections // processes)
    per_rate = rate / processes if rate else None
    children = [
        context.Process(target=_worker, args=(request, per_process, duration, warmup, per_rate, queue))
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    results = [queue.get() for _ in children]
    for child in children:
        child.join()
    statuses: dict[int, int] = {}
    for _, _, part in results:
        for status, count in part.items():
            statuses[status] = statuses.get(status, 0) + count
    return LoadResult(
        latencies_ms=[value for latencies, _, _ in results for value in latencies],
        errors=sum(errors for _, errors, _ in results),
        duration=duration,
        statuses=statuses,
    )
