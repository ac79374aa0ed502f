import signal
import subprocess
import time

from retail_dev.commands.seed import seed_all
from retail_dev.commands.topics import provision_topics
from retail_dev.console import DevError, say, step
from retail_dev.environment import Infra, manage_cmd, migrate_all, project_env
from retail_dev.netutil import free_port, http_ok
from retail_dev.observe import INSTALL_HINT, LocalPrometheus, prometheus_binary
from retail_dev.paths import LOG_DIR
from retail_dev.process_table import TABLE_FILE, publish, withdraw
from retail_dev.projects import by_name, web_projects
from retail_dev.supervisor import RestartPolicy, Supervisor, describe_exit

help = "Run the whole shop locally: infrastructure, migrations and every server, until Ctrl-C."


def add_arguments(parser) -> None:
    parser.add_argument("--no-reload", action="store_true", help="Run web servers without Django's autoreloader.")
    parser.add_argument(
        "--observe", action="store_true", help="Also run a local Prometheus with the project's rules against the shop."
    )


def wait_healthy(supervisor: Supervisor, projects, timeout: float = 90.0, *, tick=lambda: None) -> None:
    """Wait for every web server's /healthz, restarting what dies meanwhile; a shop that never gets
    healthy is an error that names the servers and the children that kept exiting."""
    deadline = time.monotonic() + timeout
    pending = {p.name: p for p in projects}
    while pending and time.monotonic() < deadline:
        supervisor.check()
        tick()
        for name, project in list(pending.items()):
            if http_ok(f"{project.url}/healthz"):
                del pending[name]
        time.sleep(0.2)
    if pending:
        message = f"no answer from {', '.join(pending)} /healthz within {timeout:.0f}s"
        exits = [
            f"{c.label} exited {c.restarts + (1 if c.state == 'backoff' else 0)} time(s), "
            f"last with {describe_exit(c.last_exit)}"
            for c in supervisor.children
            if c.last_exit is not None
        ]
        raise DevError(f"{message}; {'; '.join(exits)} (see the log above)" if exits else message)


def supervise(supervisor: Supervisor, **published) -> None:
    """Until Ctrl-C/SIGTERM: restart what dies (the supervisor logs each exit) and publish the table."""
    while True:
        supervisor.check()
        publish(TABLE_FILE, supervisor, phase="ready", **published)
        time.sleep(0.5)


def start_prometheus(targets: list[tuple]) -> LocalPrometheus | None:
    """`--observe`: a local Prometheus over every metrics endpoint, or one line on how to get one."""
    if prometheus_binary() is None:
        say(f"    prometheus is not installed, carrying on without it: {INSTALL_HINT}")
        return None
    step("starting a local Prometheus with the rules of deploy/components/observability")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with open(LOG_DIR / "prometheus.log", "ab") as log:
        return LocalPrometheus(targets, interval="5s").start(log=log)


def warm_caches() -> None:
    inventory = by_name("inventory")
    step("warm the catalog cache")
    command = manage_cmd(inventory, "warm_cache", "--host", f"127.0.0.1:{inventory.port}")
    subprocess.call(command, cwd=inventory.path, env=project_env(inventory))  # a cold cache is not fatal


def _stop(signum, frame):
    raise KeyboardInterrupt


def run(args) -> int:
    # Installed explicitly: a shell may start us with SIGINT ignored, and SIGTERM must clean up too.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    infra = Infra()
    supervisor = Supervisor(restart=RestartPolicy())
    prometheus = None
    try:
        infra.up()
        migrate_all()
        provision_topics()
        seed_all()
        warm_caches()
        step("starting servers")
        projects = web_projects()
        # Every metrics endpoint: the web servers' /metrics, and a free port for each worker role's server.
        targets = []
        for project in projects:
            serve = ["runserver", f"127.0.0.1:{project.port}"] + (["--noreload"] if args.no_reload else [])
            supervisor.spawn(project.name, manage_cmd(project, *serve), env=project_env(project), cwd=project.path)
            targets.append((project.name, "web", f"127.0.0.1:{project.port}", "/metrics"))
            for label, extra in project.extra_processes:
                port = free_port()
                env = project_env(project, METRICS_PORT=str(port), METRICS_ADDR="127.0.0.1")
                supervisor.spawn(f"{project.name}-{label}", manage_cmd(project, *extra), env=env, cwd=project.path)
                targets.append((project.name, label, f"127.0.0.1:{port}", "/metrics"))
        wait_healthy(
            supervisor, projects, tick=lambda: publish(TABLE_FILE, supervisor, phase="starting", metrics=targets)
        )
        if args.observe:
            prometheus = start_prometheus(targets)
        for project in projects:
            if project.backend:
                url = project.url
                say(f"    {project.name:<10} {url}   API docs {url}/api/docs   admin {url}/admin/")
        shop = by_name("storefront").url
        say(f"    {'shop':<10} {shop}/   ops console {shop}/ops/")
        say("    sign in as shopper@retail.test / retail-shopper-pass, or admin@retail.test / retail-admin-pass")
        urls = ", ".join(f"{p.name} {p.url}" for p in projects)
        if prometheus is not None:
            say(f"    {'prometheus':<10} {prometheus.url}/   alerts {prometheus.url}/alerts")
        say(f"Retail Platform ready: shop at {shop}/ ({urls}) — press Ctrl-C to stop")
        supervise(supervisor, metrics=targets, prometheus=prometheus.url if prometheus else None)
    except KeyboardInterrupt:
        say("")
        step("stopping (Ctrl-C or SIGTERM)")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C or SIGTERM must not abort the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()
        if prometheus is not None:
            prometheus.stop()
        withdraw(TABLE_FILE)
        infra.stop_started()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
