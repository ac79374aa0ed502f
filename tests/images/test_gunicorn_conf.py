"""docker/gunicorn.conf.py: its settings from the environment, and a real gunicorn serving a project
with it (JSON access log, no control socket, clean stop on SIGTERM)."""

import json
import os
import runpy
import signal
import subprocess
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from retail_dev.environment import project_env
from retail_dev.netutil import free_port, wait_http_ok
from retail_dev.otlp_receiver import OtlpReceiver
from retail_dev.paths import ROOT
from retail_dev.projects import by_name

CONFIG = ROOT / "docker" / "gunicorn.conf.py"


def settings(monkeypatch, **env) -> dict:
    for name in ("PORT", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_defaults(monkeypatch):
    conf = settings(monkeypatch)
    assert (conf["bind"], conf["workers"], conf["threads"], conf["worker_class"]) == ("0.0.0.0:8000", 2, 4, "gthread")
    assert (conf["timeout"], conf["graceful_timeout"], conf["control_socket_disable"]) == (30, 20, True)
    assert (conf["accesslog"], conf["errorlog"], conf["worker_tmp_dir"]) == ("-", "-", "/tmp")


def test_port_workers_and_threads_come_from_the_environment(monkeypatch):
    conf = settings(monkeypatch, PORT="9123", GUNICORN_WORKERS="5", GUNICORN_THREADS="16", GUNICORN_TIMEOUT="12")
    assert (conf["bind"], conf["workers"], conf["threads"], conf["timeout"]) == ("0.0.0.0:9123", 5, 16, 12)


def test_in_flight_requests_get_their_grace_inside_the_25_seconds_of_the_contract(monkeypatch):
    assert settings(monkeypatch)["graceful_timeout"] < 25


def serve_users(tmp_path, *paths: str, unset: tuple[str, ...] = (), **env: str) -> tuple[bool, int, str, str, dict]:
    """gunicorn with this config serving users until /healthz answers, then `paths` GET once each, then
    SIGTERM: (started, exit code, stdout, stderr, {path: body})."""
    users = by_name("users")
    port = free_port()
    env = project_env(users, "test", PORT=str(port), GUNICORN_WORKERS="1", HOME=str(tmp_path), **env)
    for name in ("XDG_RUNTIME_DIR", *unset):
        env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", str(CONFIG), "users_service.wsgi:application"],
        cwd=users.path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz", timeout=60)
        started = True
        bodies = {path: urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30).read() for path in paths}
    except TimeoutError:
        started, bodies = False, {}
    server.send_signal(signal.SIGTERM)
    out, err = server.communicate(timeout=30)
    return started, server.returncode, out, err, bodies


def access_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"path"' in line]


def test_a_real_gunicorn_logs_json_opens_no_control_socket_and_stops_cleanly(tmp_path):
    started, code, out, err, _ = serve_users(tmp_path)
    assert started, err
    assert code == 0, err
    healthz = [line for line in access_lines(out) if line["path"] == "/healthz" and line["status"] == 200]
    assert healthz, out
    entry = healthz[0]
    assert (entry["service"], entry["method"], entry["query"], entry["remote"]) == ("users", "GET", "", "127.0.0.1")
    assert entry["level"] == "INFO" and len(entry["request_id"]) == 32 and entry["duration_ms"] >= 0
    assert (entry["process"], entry["message"], entry["trace_id"]) == ("web", "GET /healthz 200", "")  # tracing off
    assert entry["timestamp"].endswith("+00:00")
    # gunicorn's error log is JSON too (Python's own warnings, e.g. of a missing static dir here, are not logs).
    errors = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert [(e["service"], e["process"]) for e in errors if e["message"] == "Shutting down: Master"] == [
        ("users", "web")
    ], err
    assert not (tmp_path / ".gunicorn").exists()
    assert not os.path.exists(tmp_path / "gunicorn.ctl")


def test_a_worker_counts_itself_before_it_loads_the_app_and_its_connections_after(tmp_path):
    # As with any wsgi.py, the settings module may come from the app itself (os.environ.setdefault),
    # which the post_fork hook runs before: it must not need the settings.
    started, code, _, err, bodies = serve_users(tmp_path, "/metrics", unset=("DJANGO_SETTINGS_MODULE",))
    assert started and code == 0, err
    families = {f.name: f.samples for f in text_string_to_metric_families(bodies["/metrics"].decode())}
    assert [s.value for s in families["retail_gunicorn_workers"]] == [1]
    assert all(s.value > 0 for s in families["retail_process_resident_memory_bytes"])
    assert {s.labels["state"] for s in families["retail_db_connections"]} == {"open", "in_use"}


def test_with_tracing_on_the_access_line_names_the_requests_trace_and_span(tmp_path):
    with OtlpReceiver() as receiver:
        started, code, out, err, _ = serve_users(
            tmp_path, "/api/auth/jwks", OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="100"
        )
        assert started and code == 0, err
        spans = [s for s in receiver.wait_for(lambda found: found) if s.kind == "SERVER"]  # flushed at exit
    (entry,) = [line for line in access_lines(out) if line["path"] == "/api/auth/jwks"]
    (span,) = spans  # /healthz is not traced
    assert (span.service, span.role, span.attributes["url.path"]) == ("users", "web", "/api/auth/jwks")
    assert (entry["trace_id"], entry["span_id"]) == (span.trace_id, span.span_id)
