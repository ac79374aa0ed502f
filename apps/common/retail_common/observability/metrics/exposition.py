"""Where a process's metrics are read: `/metrics` of the web role, a port of its own for every other role.

Web: django-prometheus's view, which reads gunicorn's multiprocess directory when
PROMETHEUS_MULTIPROC_DIR is set (every worker's counters summed) and the process registry otherwise
(runserver). Other roles (run_consumers, relay_outbox, run_grpc, sweep_orders) are one process each:
prometheus_client's own HTTP server on METRICS_PORT, defaulting per role so that the containers of
one pod never collide; METRICS_PORT=0 serves nothing (tests that run a command in-process).
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import start_http_server

from retail_common.config.environment import env
from retail_common.observability.metrics.process_gauges import sample, start_sampler

# The default metrics port of each worker role (deploy/ and docker/ publish the same numbers).
ROLE_METRICS_PORTS = {"consumers": 9101, "relay": 9102, "grpc": 9103, "sweeper": 9104}


def metrics_view(request):
    """GET /metrics: this process's own samples brought up to date, then django-prometheus's export."""
    sample()
    return ExportToDjangoView(request)


def serve_role_metrics(role: str) -> int:
    """Start the metrics server of a worker role; returns its port (0: none, METRICS_PORT=0)."""
    port = env.int("METRICS_PORT", default=ROLE_METRICS_PORTS[role])
    if port == 0:
        return 0
    address = env("METRICS_ADDR", default="0.0.0.0")  # noqa: S104 (Prometheus scrapes the pod's address)
    try:
        server, _thread = start_http_server(port, addr=address)
    except OSError as exc:
        raise CommandError(f"cannot serve metrics on {address}:{port} ({exc}); set METRICS_PORT") from exc
    start_sampler()
    return server.server_port
