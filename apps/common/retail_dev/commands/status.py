import json
import urllib.error
import urllib.request

from retail_dev.console import say
from retail_dev.infra import components
from retail_dev.projects import services

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
    for project in services():
        alive, why = probe(f"{project.url}/healthz")
        ready, not_ready = probe(f"{project.url}/readyz") if alive == "up" else ("down", why)
        say(f"  {project.name:<10} {alive:<5} ready: {ready:<5} {project.url} {not_ready}".rstrip())
    return 0
