"""Entry point of every Retail image: the first argument is the role, the rest goes to it.

    web (default) | consumers | relay | grpc | sweeper | migrate | topics | seed | manage <args…> | healthcheck

Each role replaces this process (exec) with its one server or command, so the process Docker or
Kubernetes signals is the one that handles SIGTERM: gunicorn finishes in-flight requests, the
consumers commit what they handled, the relay, the sweeper and the gRPC server stop after the
current round. The roles come from retail_common.config.topology; otherwise the standard library only,
and as little of it as will do: HEALTHCHECK starts this script every 15 s in every container.
"""

from __future__ import annotations

import os
import socket
import sys
import time

from retail_common.config.topology import TOPOLOGY

HERE = os.path.dirname(os.path.abspath(__file__))
APP_DIR = os.environ.get("APP_DIR", "/app")
GUNICORN_CONFIG = os.path.join(HERE, "gunicorn.conf.py")
# Where the running role is written for `healthcheck` (HEALTHCHECK runs apart from the role's process).
# /tmp is the container's own tmpfs, the only writable path of the read-only image.
ROLE_FILE = os.environ.get("RETAIL_ROLE_FILE", "/tmp/retail-role")  # noqa: S108
# Older than this (seconds), a worker's loop is taken for stalled; HEARTBEAT_MAX_AGE_SECONDS overrides it.
HEARTBEAT_MAX_AGE = 60.0


def role_tables(layout=TOPOLOGY) -> tuple[dict, dict, dict]:
    """The roles of a topology as the entry point runs them:
    HEARTBEATS: role -> (the variable naming the file its loop touches every round, about once a second;
    the default here): retail_common.observability.heartbeat writes them, `healthcheck` and the pods' probes
    read their age;
    MANAGE_ROLES: role -> manage.py arguments, for roles every image has (Django's or retail_common's command);
    PROJECT_ROLES: role -> (the projects whose image has it, manage.py arguments)."""
    heartbeats = {r.name: (r.heartbeat, f"/tmp/{r.name}.heartbeat") for r in layout.roles if r.heartbeat}  # noqa: S108
    manage_roles = {r.name: r.command for r in layout.roles if r.shared}
    project_roles = {r.name: (layout.owners(r.name), r.command) for r in layout.roles if r.command and not r.shared}
    return heartbeats, manage_roles, project_roles


HEARTBEATS, MANAGE_ROLES, PROJECT_ROLES = role_tables()
ROLES = ("web", *MANAGE_ROLES, *PROJECT_ROLES, "manage", "healthcheck")


class RoleError(Exception):
    """A role this image cannot run; the message says why and what to run instead."""


def wsgi_application(env: dict) -> str:
    settings = env.get("DJANGO_SETTINGS_MODULE", "")
    if not settings.endswith(".settings"):
        raise RoleError(f"DJANGO_SETTINGS_MODULE must name the project's settings module, got {settings!r}")
    return settings.removesuffix(".settings") + ".wsgi:application"


def command_for(role: str, args: list[str], env: dict) -> tuple[list[str], dict]:
    """The command line and environment that `role` runs as (no side effects: the tests call it)."""
    python = sys.executable
    manage = [python, os.path.join(APP_DIR, "manage.py")]
    project = env.get("RETAIL_PROJECT", "")
    if role == "web":
        command = [python, "-m", "gunicorn", "--config", GUNICORN_CONFIG, wsgi_application(env)]
        return [*command, *args], env
    if role == "manage":
        if not args:
            raise RoleError("manage needs the manage.py command to run, e.g. `manage showmigrations`")
        return [*manage, *args], env
    if role in HEARTBEATS:
        variable, default = HEARTBEATS[role]
        env = {**env, variable: env.get(variable) or default}
    if role in MANAGE_ROLES:
        return [*manage, *MANAGE_ROLES[role], *args], env
    if role in PROJECT_ROLES:
        owners, manage_args = PROJECT_ROLES[role]
        if project not in owners:
            where = " or ".join(owners)
            raise RoleError(f"role {role} runs in the {where} image; this is the {project or 'unknown'} image")
        if role == "grpc":
            manage_args = (*manage_args, "--port", env.get("GRPC_PORT", "50051"))
        return [*manage, *manage_args, *args], env
    raise RoleError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def read_role() -> str | None:
    try:
        with open(ROLE_FILE) as recorded:
            return recorded.read().strip()
    except OSError:
        return None


def healthy(env: dict) -> tuple[bool, str]:
    """Is the role this container runs alive? (HEALTHCHECK of a plain `docker run`.)"""
    role = read_role()
    if role is None:
        return False, f"no role recorded in {ROLE_FILE} (the entry point has not started a role)"
    if role == "web":
        return http_ok(int(env.get("PORT", "8000")), "/healthz")
    if role == "grpc":
        return grpc_serving(int(env.get("GRPC_PORT", "50051")))
    if role in HEARTBEATS:
        variable, default = HEARTBEATS[role]
        bound = env.get("HEARTBEAT_MAX_AGE_SECONDS") or str(HEARTBEAT_MAX_AGE)
        try:
            max_age = float(bound)
        except ValueError:
            return False, f"HEARTBEAT_MAX_AGE_SECONDS must be a number of seconds, not {bound!r}"
        return heartbeat_fresh(env.get(variable) or default, max_age)
    return True, f"{role}: alive while its process runs"


def heartbeat_fresh(path: str, max_age: float) -> tuple[bool, str]:
    try:
        age = time.time() - os.stat(path).st_mtime
    except OSError:
        return False, f"no heartbeat file {path} yet"
    return age < max_age, f"heartbeat {age:.0f}s old"


def http_ok(port: int, path: str) -> tuple[bool, str]:
    """GET over a bare socket: importing urllib would cost more than the check itself."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as conn:
            conn.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
            status_line = conn.makefile("rb").readline().decode("latin-1").split()
    except OSError as exc:
        return False, f"{url}: {exc}"
    status = status_line[1] if len(status_line) > 1 else "no answer"
    return status == "200", f"{url} answered {status}"


def grpc_serving(port: int) -> tuple[bool, str]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            answer = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=3)
        except grpc.RpcError as exc:
            return False, f"gRPC health on port {port}: {exc.code().name}"
    serving = answer.status == health_pb2.HealthCheckResponse.SERVING
    return serving, f"gRPC health on port {port}: {health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)}"


def main(argv: list[str], environ: dict | None = None) -> int:
    role, args = (argv[0], argv[1:]) if argv else ("web", [])
    env = dict(os.environ if environ is None else environ)
    if role == "healthcheck":
        ok, why = healthy(env)
        print(why, flush=True)
        return 0 if ok else 1
    try:
        command, env = command_for(role, args, env)
    except RoleError as exc:
        print(f"entrypoint: {exc}", file=sys.stderr, flush=True)
        return 2
    try:
        with open(ROLE_FILE, "w") as recorded:
            recorded.write(role)
    except OSError as exc:  # no writable /tmp: the role still runs, only the HEALTHCHECK cannot tell
        print(f"entrypoint: cannot record the role in {ROLE_FILE}: {exc}", file=sys.stderr, flush=True)
    os.chdir(APP_DIR)
    os.execve(command[0], command, env)  # noqa: S606 (the role's own command line)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
