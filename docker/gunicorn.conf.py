"""gunicorn settings of the web role of every Retail image (`gunicorn --config docker/gunicorn.conf.py`).

Read from the environment: PORT (8000), GUNICORN_WORKERS (2), GUNICORN_THREADS (4), GUNICORN_TIMEOUT (30).
Access log: one JSON object per request on stdout, like the services' own logs.
"""

import json
import os
from datetime import UTC, datetime

from gunicorn.glogging import Logger

# prometheus_client's multiprocess mode: PROMETHEUS_MULTIPROC_DIR on the /tmp tmpfs, emptied at start,
# a dead worker's gauges dropped, every worker's counters summed by /metrics (see the module).
from retail_common.gunicorn_metrics import child_exit, on_exit, on_starting, post_worker_init  # noqa: F401

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


class JsonAccessLogger(Logger):
    """gunicorn's logger with the access line as JSON (the services' field names, no quoting to break)."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "service": os.environ.get("SERVICE_NAME") or os.environ.get("RETAIL_PROJECT", ""),
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
        self.access_log.info(json.dumps(entry, ensure_ascii=False))


logger_class = JsonAccessLogger
