"""Local-network helpers shared by dev commands, benchmarks and tests.

Why home-made: `free_port` picks below the kernel's ephemeral range, where portpicker first asks the
kernel (bind to port 0), which hands out a port of that very range; the waits are a few lines of socket
and requests.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

import requests

from retail_dev.testing import poll

# Ports this process has handed out: two calls never return the same port, even before either is bound.
_handed_out: set[int] = set()
_BELOW_EPHEMERAL = 12000  # how many ports under the ephemeral range free_port picks from


def ephemeral_range() -> tuple[int, int]:
    """The kernel's range for the source ports of outgoing connections (Linux's default if unreadable)."""
    try:
        low, high = (int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def free_port() -> int:
    """A port nothing uses now, for a server that a child process binds a few seconds later.

    Picked below the kernel's ephemeral range: a port inside it can become the source port of some
    process's outgoing connection (to PostgreSQL, Kafka, …) before the child binds it, and the child then
    fails with EADDRINUSE for as long as that connection lives (CI once lost an inventory consumer this
    way: its metrics port was taken, and every restart failed again). connect() never takes a port
    below the range.
    """
    low, _high = ephemeral_range()
    first = max(1024, low - _BELOW_EPHEMERAL)
    for _ in range(200 if first < low else 0):  # no room below a range that starts at 1024
        port = random.randrange(first, low)  # noqa: S311 (spreading picks, not security)
        if port not in _handed_out and _bindable(port):
            _handed_out.add(port)
            return port
    with socket.socket() as sock:  # a crowded or unusual range: let the kernel choose
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    try:
        poll(lambda: port_open(port), timeout=timeout, interval=0.05, message=f"something listens on 127.0.0.1:{port}")
    except AssertionError as exc:  # dev commands catch a timeout, not a test failure
        raise TimeoutError(str(exc)) from None


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


def wait_http_ok(url: str, timeout: float = 60.0) -> None:
    try:
        poll(lambda: http_ok(url), timeout=timeout, message=f"a 200 from {url}")
    except AssertionError as exc:  # dev commands catch a timeout, not a test failure
        raise TimeoutError(str(exc)) from None
