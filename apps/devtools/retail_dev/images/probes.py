"""A container's probes as the kubelet runs them: httpGet and tcpSocket against the container's address and
(named) port, grpc's health Check, exec with `docker exec`; success and failure as core/v1 defines them
(httpGet: a status from 200 to 399; exec: exit 0; grpc: SERVING).

The kubelet's prober cannot run without a cluster; these few checks give its answers.
"""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.request

from retail_dev.images.engine import Engine
from retail_dev.images.pod_specs import ContainerRun, Probe

GRPC_HEALTH_CHECK = "/grpc.health.v1.Health/Check"
SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}, protobuf-encoded (grpc/health/v1/health.proto)


def port_number(port: int | str, container: ContainerRun) -> int:
    return container.ports[port] if isinstance(port, str) else int(port)


def http_get(address: str, port: int, path: str, headers: tuple, timeout: float) -> tuple[bool, str]:
    request = urllib.request.Request(f"http://{address}:{port}{path}", headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 (the container's address)
            return 200 <= answer.status < 400, f"HTTP {answer.status}"
    except urllib.error.HTTPError as error:
        return 200 <= error.code < 400, f"HTTP {error.code}"
    except (OSError, urllib.error.URLError) as error:
        return False, str(getattr(error, "reason", error))


def grpc_serving(address: str, port: int, timeout: float) -> tuple[bool, str]:
    import grpc

    with grpc.insecure_channel(f"{address}:{port}") as channel:
        check = channel.unary_unary(GRPC_HEALTH_CHECK, request_serializer=bytes, response_deserializer=bytes)
        try:
            answer = check(b"", timeout=timeout)
        except grpc.RpcError as error:
            return False, f"gRPC {error.code().name}"
    return answer == SERVING, "SERVING" if answer == SERVING else f"status {answer!r}"


def tcp_open(address: str, port: int, timeout: float) -> tuple[bool, str]:
    try:
        socket.create_connection((address, port), timeout=timeout).close()
    except OSError as error:
        return False, str(error)
    return True, "open"


def attempt(engine: Engine, probe: Probe, container: ContainerRun, name: str, address: str) -> tuple[bool, str]:
    """One probe run: (succeeded, what it saw)."""
    if probe.kind == "exec":
        result = engine.run("exec", name, *probe.target, check=False)
        said = (result.stdout + result.stderr).decode(errors="replace").strip()
        return result.returncode == 0, f"exit {result.returncode}" + (f": {said[-200:]}" if said else "")
    port = port_number(probe.target[0], container)
    if probe.kind == "httpGet":
        return http_get(address, port, probe.target[1], probe.target[2], probe.timeout)
    if probe.kind == "grpc":
        return grpc_serving(address, port, probe.timeout)
    return tcp_open(address, port, probe.timeout)


def wait_success(
    engine: Engine, probe: Probe, container: ContainerRun, name: str, address: str, alive
) -> tuple[bool, str, float]:
    """Run the probe every periodSeconds until it succeeds, at most failureThreshold failures (and while
    alive() holds): (succeeded, the last thing it saw, seconds it took)."""
    began = time.monotonic()
    time.sleep(probe.initial_delay)
    seen = "not run"
    for failures in range(probe.failures):
        tried = time.monotonic()
        ok, seen = attempt(engine, probe, container, name, address)
        if ok:
            return True, seen, time.monotonic() - began
        if not alive():
            return False, f"{seen} (the container exited)", time.monotonic() - began
        if failures + 1 < probe.failures:
            time.sleep(max(0.0, probe.period - (time.monotonic() - tried)))
    return False, seen, time.monotonic() - began
