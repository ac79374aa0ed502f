import json
import subprocess
import urllib.error
import urllib.request

from retail_dev.console import say
from retail_dev.environment import manage_cmd, project_env
from retail_dev.infra import Postgres, components
from retail_dev.process_table import TABLE_FILE, read_published, render
from retail_dev.projects import services, web_projects

help = "Show whether the infrastructure and every service are up, and why not."


def add_arguments(parser) -> None:
    pass


def probe(url: str) -> tuple[str, str]:
    try:
        with urllib.request.urlopen(  # noqa: S310 (our own http://127.0.0.1 URLs)
            url, timeout=2
        ):
            return "up", ""
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read()).get("detail", "")
        except ValueError:
            detail = ""
        return "down", f"HTTP {exc.code} {detail}".strip()
    except (urllib.error.URLError, OSError) as exc:
        return "down", str(getattr(exc, "reason", exc))


def run(args) -> int:
    say("infrastructure")
    for component in components():
        if component.external:
            state = "up" if component.is_up() else "external"
        elif component.is_up():
            state = "up" if component.our_pid() else "foreign"  # the port answers, but not our server
        else:
            state = "down"
        say(f"  {component.key:<10} {state:<5} {component.describe()}")
    say("services")
    for project in web_projects():
        alive, why = probe(f"{project.url}/healthz")
        ready, not_ready = probe(f"{project.url}/readyz") if alive == "up" else ("down", why)
        say(f"  {project.name:<10} {alive:<5} ready: {ready:<5} {project.url} {not_ready}".rstrip())
    say("processes (as manage_all.py dev supervises them: state, restarts, last exit)")
    for line in render(read_published(TABLE_FILE)):
        say(line)
    if Postgres().is_up():
        say("events (outbox backlog, failed events waiting, consumer lag)")
        for project in services():
            say(f"  {project.name:<10} {event_status(project)}")
    return 0


def event_status(project) -> str:
    result = subprocess.run(
        manage_cmd(project, "event_status", "--json"),
        cwd=project.path,
        env=project_env(project),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return f"unknown ({(result.stderr.strip().splitlines() or ['no output'])[-1]})"
    status = json.loads(result.stdout)
    lag = {group: None if topics is None else sum(topics.values()) for group, topics in status["consumer_lag"].items()}
    lag_text = ", ".join(f"{g} {'not running' if n is None else n}" for g, n in lag.items()) or "no consumers"
    return f"outbox pending {status['outbox_pending']}, failed {status['failed_events_pending']}, lag: {lag_text}"
