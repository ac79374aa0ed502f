import signal
import subprocess
import time

from retail_dev.commands.migrate import migrate_all
from retail_dev.commands.seed import seed_all
from retail_dev.commands.topics import provision_topics
from retail_dev.console import DevError, say, step
from retail_dev.environment import Infra, manage_cmd, project_env
from retail_dev.netutil import http_ok
from retail_dev.process_table import TABLE_FILE, publish, withdraw
from retail_dev.projects import by_name, web_projects
from retail_dev.supervisor import RestartPolicy, Supervisor, describe_exit

help = "Run the whole shop locally: infrastructure, migrations and every server, until Ctrl-C."


def add_arguments(parser) -> None:
    parser.add_argument("--no-reload", action="store_true", help="Run web servers without Django's autoreloader.")


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


def supervise(supervisor: Supervisor) -> None:
    """Until Ctrl-C/SIGTERM: restart what dies (the supervisor logs each exit) and publish the table."""
    while True:
        supervisor.check()
        publish(TABLE_FILE, supervisor, phase="ready")
        time.sleep(0.5)


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
    try:
        infra.up()
        migrate_all()
        provision_topics()
        seed_all()
        warm_caches()
        step("starting servers")
        projects = web_projects()
        for project in projects:
            serve = ["runserver", f"127.0.0.1:{project.port}"] + (["--noreload"] if args.no_reload else [])
            supervisor.spawn(project.name, manage_cmd(project, *serve), env=project_env(project), cwd=project.path)
            for label, extra in project.extra_processes:
                supervisor.spawn(
                    f"{project.name}-{label}", manage_cmd(project, *extra), env=project_env(project), cwd=project.path
                )
        wait_healthy(supervisor, projects, tick=lambda: publish(TABLE_FILE, supervisor, phase="starting"))
        for project in projects:
            if project.backend:
                url = project.url
                say(f"    {project.name:<10} {url}   API docs {url}/api/docs   admin {url}/admin/")
        shop = by_name("storefront").url
        say(f"    {'shop':<10} {shop}/   ops console {shop}/ops/")
        say("    sign in as shopper@retail.test / retail-shopper-pass, or admin@retail.test / retail-admin-pass")
        urls = ", ".join(f"{p.name} {p.url}" for p in projects)
        say(f"Retail Platform ready: shop at {shop}/ ({urls}) — press Ctrl-C to stop")
        supervise(supervisor)
    except KeyboardInterrupt:
        say("")
        step("stopping (Ctrl-C or SIGTERM)")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C or SIGTERM must not abort the clean-up
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        supervisor.stop_all()
        withdraw(TABLE_FILE)
        infra.stop_started()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
