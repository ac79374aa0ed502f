"""gunicorn settings of the web role of every Retail image (`gunicorn --config docker/gunicorn.conf.py`).

Read from the environment: PORT (8000), GUNICORN_WORKERS (2), GUNICORN_THREADS (4), GUNICORN_TIMEOUT (30).
Access log: one JSON object per request on stdout, like the services' own logs.
"""

import logging
import os

from gunicorn.glogging import Logger
from pythonjsonlogger.json import JsonFormatter

# prometheus_client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR on the /tmp tmpfs, emptied at start,
# a dead worker's gauges dropped, every worker's counters summed by /metrics (see the module).
from retail_common.observability.metrics.gunicorn_hooks import (  # noqa: F401
    child_exit,
    on_exit,
    on_starting,
    post_fork,
    post_worker_init,
)

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"  # threads keep connections alive for the storefront's pooled clients
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# SIGTERM: stop accepting, let in-flight requests finish for up to 20 s, all inside the 25 s the
# platform gives a container before it kills it.
graceful_timeout = 20
keepalive = 5
# gunicorn 27 opens ~/.gunicorn/gunicorn.ctl by default: several gunicorns of one user replace each
# other's socket, and a read-only root filesystem has no home to write it in. Nothing uses it here.
control_socket_disable = True
worker_tmp_dir = "/tmp"  # noqa: S108 (the only writable path of the read-only image; a tmpfs)
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# The fields of the services' own JSON lines (retail_common.observability.log_context), python-json-logger's formatter.
LINE_FIELDS = "%(levelname)s %(service)s %(process_role)s %(trace_id)s %(span_id)s %(request_id)s %(message)s"
RENAMES = {"levelname": "level", "process_role": "process"}


def trace_ids(traceresponse: str) -> tuple[str, str]:
    """(trace_id, span_id) of the W3C `traceresponse` header the traced Django middleware sets, or blanks."""
    parts = traceresponse.split("-")
    return (parts[1], parts[2]) if len(parts) == 4 and len(parts[1]) == 32 and len(parts[2]) == 16 else ("", "")


class JsonAccessLogger(Logger):
    """gunicorn's logger with every line (access and error log) one JSON object, as the services' lines."""

    def setup(self, cfg):
        super().setup(cfg)
        formatter = JsonFormatter(LINE_FIELDS, rename_fields=RENAMES, timestamp=True)
        context = {
            "service": os.environ.get("SERVICE_NAME") or os.environ.get("RETAIL_PROJECT", ""),
            "process_role": "web",
        }

        def add_context(record: logging.LogRecord) -> bool:
            for name, value in (*context.items(), ("trace_id", ""), ("span_id", ""), ("request_id", "")):
                if not hasattr(record, name):
                    setattr(record, name, value)
            return True

        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)
                handler.addFilter(add_context)

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        trace_id, span_id = trace_ids(atoms.get("{traceresponse}o", ""))
        entry = {
            "trace_id": trace_id,
            "span_id": span_id,
            "request_id": atoms.get("{x-request-id}o", ""),
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]) if str(atoms["s"]).isdigit() else atoms["s"],
            "bytes": atoms["B"] or 0,
            "duration_ms": round(atoms["D"] / 1000, 1),
            "remote": atoms["h"],
            "user_agent": atoms["a"],
        }
        self.access_log.info(f"{atoms['m']} {atoms['U']} {atoms['s']}", extra=entry)


logger_class = JsonAccessLogger
