"""The images' entry point: which command each role runs, and what its healthcheck answers (real
HTTP and gRPC servers on free ports, real files)."""

import http.server
import os
import sys
import threading
import time
from concurrent import futures

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from retail_dev.netutil import free_port

ENV = {"DJANGO_SETTINGS_MODULE": "orders_service.settings", "RETAIL_PROJECT": "orders"}


def test_web_runs_gunicorn_with_the_shared_config_and_the_projects_wsgi(entrypoint):
    command, env = entrypoint.command_for("web", [], ENV)
    config = os.path.join(entrypoint.HERE, "gunicorn.conf.py")
    assert command == [sys.executable, "-m", "gunicorn", "--config", config, "orders_service.wsgi:application"]
    assert env == ENV


def test_no_role_means_web(entrypoint, monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    monkeypatch.setattr(entrypoint.os, "execve", lambda path, argv, env: seen.append(argv))
    monkeypatch.setattr(entrypoint.os, "chdir", lambda path: None)
    entrypoint.main([], ENV)
    assert seen[0][-1] == "orders_service.wsgi:application"
    assert (tmp_path / "role").read_text() == "web"


@pytest.mark.parametrize(
    ("role", "args", "expected"),
    [
        ("consumers", [], ["run_consumers"]),
        ("relay", [], ["relay_outbox"]),
        ("migrate", [], ["migrate", "--noinput"]),
        ("migrate", ["--check"], ["migrate", "--noinput", "--check"]),
        ("topics", [], ["provision_topics"]),
        ("sweeper", [], ["sweep_orders"]),
        ("manage", ["showmigrations", "ordering"], ["showmigrations", "ordering"]),
    ],
)
def test_worker_roles_run_their_management_command(entrypoint, role, args, expected):
    command, _ = entrypoint.command_for(role, args, ENV)
    assert command == [sys.executable, os.path.join(entrypoint.APP_DIR, "manage.py"), *expected]


@pytest.mark.parametrize(
    ("role", "variable", "default"),
    [
        ("consumers", "CONSUMER_HEARTBEAT_FILE", "/tmp/consumers.heartbeat"),
        ("relay", "RELAY_HEARTBEAT_FILE", "/tmp/relay.heartbeat"),
        ("sweeper", "SWEEPER_HEARTBEAT_FILE", "/tmp/sweeper.heartbeat"),
    ],
)
def test_worker_loops_write_a_heartbeat_under_tmp_unless_told_where(entrypoint, role, variable, default):
    _, env = entrypoint.command_for(role, [], ENV)
    assert env[variable] == default
    _, env = entrypoint.command_for(role, [], {**ENV, variable: "/tmp/x"})
    assert env[variable] == "/tmp/x"


def test_grpc_serves_on_grpc_port_in_the_inventory_image(entrypoint):
    env = {"DJANGO_SETTINGS_MODULE": "inventory_service.settings", "RETAIL_PROJECT": "inventory"}
    command, _ = entrypoint.command_for("grpc", [], {**env, "GRPC_PORT": "50999"})
    assert command[2:] == ["run_grpc", "--port", "50999"]
    command, _ = entrypoint.command_for("grpc", [], env)
    assert command[2:] == ["run_grpc", "--port", "50051"]
    command, _ = entrypoint.command_for("seed", [], env)
    assert command[2:] == ["seed_catalog"]


@pytest.mark.parametrize(
    ("role", "args", "message"),
    [
        ("grpc", [], "role grpc runs in the inventory image; this is the orders image"),
        ("seed", [], "role seed runs in the inventory image; this is the orders image"),
        ("manage", [], "manage needs the manage.py command to run, e.g. `manage showmigrations`"),
        ("serve", [], "unknown role 'serve'; roles: web, consumers, relay, migrate, topics, grpc, sweeper, seed, "),
    ],
)
def test_a_role_this_image_cannot_run_is_refused_with_the_reason(entrypoint, role, args, message):
    with pytest.raises(entrypoint.RoleError) as refused:
        entrypoint.command_for(role, args, ENV)
    assert str(refused.value).startswith(message)


def test_main_exits_2_naming_the_problem_and_runs_nothing(entrypoint, monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    monkeypatch.setattr(entrypoint.os, "execve", lambda *a: pytest.fail("nothing may run"))
    assert entrypoint.main(["sweeper"], {}) == 2
    assert capsys.readouterr().err == "entrypoint: role sweeper runs in the orders image; this is the unknown image\n"
    assert not (tmp_path / "role").exists()


def test_main_records_the_role_and_execs_it(entrypoint, monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    monkeypatch.setattr(entrypoint.os, "execve", lambda path, argv, env: calls.append((path, argv, env)))
    monkeypatch.setattr(entrypoint.os, "chdir", lambda path: calls.append(path))
    entrypoint.main(["relay", "--batch-size", "50"], ENV)
    assert (tmp_path / "role").read_text() == "relay"
    assert calls[0] == entrypoint.APP_DIR
    path, argv, env = calls[1]
    assert (path, argv[2:]) == (sys.executable, ["relay_outbox", "--batch-size", "50"])
    assert env == {**ENV, "RELAY_HEARTBEAT_FILE": "/tmp/relay.heartbeat"}


# -- healthcheck --------------------------------------------------------------------------------
def test_healthcheck_without_a_started_role_is_unhealthy(entrypoint, monkeypatch, tmp_path):
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    assert entrypoint.healthy({}) == (
        False,
        f"no role recorded in {tmp_path / 'role'} (the entry point has not started a role)",
    )


class Healthz(http.server.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):
        self.send_response(self.status if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_web_health_is_the_healthz_answer_on_port(entrypoint, monkeypatch, tmp_path):
    (tmp_path / "role").write_text("web")
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    port = free_port()
    server = http.server.HTTPServer(("127.0.0.1", port), Healthz)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert entrypoint.healthy({"PORT": str(port)}) == (True, f"http://127.0.0.1:{port}/healthz answered 200")
        Healthz.status = 503
        assert entrypoint.healthy({"PORT": str(port)}) == (False, f"http://127.0.0.1:{port}/healthz answered 503")
    finally:
        Healthz.status = 200
        server.shutdown()
        server.server_close()
    ok, why = entrypoint.healthy({"PORT": str(port)})
    assert not ok and "Connection refused" in why


def test_grpc_health_asks_the_standard_health_service(entrypoint, monkeypatch, tmp_path):
    (tmp_path / "role").write_text("grpc")
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    port = free_port()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    try:
        servicer.set("", health_pb2.HealthCheckResponse.SERVING)
        assert entrypoint.healthy({"GRPC_PORT": str(port)}) == (True, f"gRPC health on port {port}: SERVING")
        servicer.enter_graceful_shutdown()
        assert entrypoint.healthy({"GRPC_PORT": str(port)}) == (False, f"gRPC health on port {port}: NOT_SERVING")
    finally:
        server.stop(0).wait()
    assert entrypoint.healthy({"GRPC_PORT": str(port)}) == (False, f"gRPC health on port {port}: UNAVAILABLE")


@pytest.mark.parametrize(
    ("role", "variable"),
    [
        ("consumers", "CONSUMER_HEARTBEAT_FILE"),
        ("relay", "RELAY_HEARTBEAT_FILE"),
        ("sweeper", "SWEEPER_HEARTBEAT_FILE"),
    ],
)
def test_worker_health_is_a_fresh_heartbeat(entrypoint, monkeypatch, tmp_path, role, variable):
    (tmp_path / "role").write_text(role)
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    beat = tmp_path / "beat"
    env = {variable: str(beat)}
    assert entrypoint.healthy(env) == (False, f"no heartbeat file {beat} yet")
    beat.touch()
    assert entrypoint.healthy(env) == (True, "heartbeat 0s old")
    stale = time.time() - 61
    os.utime(beat, (stale, stale))
    assert entrypoint.healthy(env) == (False, "heartbeat 61s old")


def test_the_heartbeat_bound_is_configurable(entrypoint, monkeypatch, tmp_path):
    (tmp_path / "role").write_text("relay")
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    beat = tmp_path / "beat"
    beat.touch()
    stale = time.time() - 6
    os.utime(beat, (stale, stale))
    env = {"RELAY_HEARTBEAT_FILE": str(beat)}
    assert entrypoint.healthy(env) == (True, "heartbeat 6s old")
    assert entrypoint.healthy({**env, "HEARTBEAT_MAX_AGE_SECONDS": "5"}) == (False, "heartbeat 6s old")
    assert entrypoint.healthy({**env, "HEARTBEAT_MAX_AGE_SECONDS": "5m"}) == (
        False,
        "HEARTBEAT_MAX_AGE_SECONDS must be a number of seconds, not '5m'",
    )


def test_one_shot_roles_are_alive_while_they_run(entrypoint, monkeypatch, tmp_path):
    (tmp_path / "role").write_text("migrate")
    monkeypatch.setattr(entrypoint, "ROLE_FILE", str(tmp_path / "role"))
    assert entrypoint.healthy({}) == (True, "migrate: alive while its process runs")
