"""The `deployment-window` during `manage_all.py cluster deploy`: alerts muted while pods roll; and the
same mute by hand, `manage_all.py cluster mute on|off` (the seed's `grafana-silence.sh activate|deactivate`).

Two places notify, so the window mutes both, through Grafana's HTTP API (the one endpoint reachable
from the host, NodePort 30030):
- Grafana's own alerting: the `deployment-window` mute timing, on a route of the notification policy.
  On = one interval covering the whole day; off = no interval (a timing that never matches). The
  timing and the policy are API-owned (X-Disable-Provenance keeps them editable in the UI): a
  file-provisioned timing could not be switched through the API.
- Prometheus' alerts in Alertmanager: a silence over every alert, created through Grafana's
  Alertmanager datasource and expired when the window closes.
Before the first deploy Grafana does not exist yet: nothing can fire, so the window is skipped, and
the timing is created (off) once the rollout has brought Grafana up. A deploy while muted by hand leaves
the timing on (`cluster mute off` ends it) and expires only its own silence.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator

import requests

MUTE_TIMING = "deployment-window"
CONTACT_POINT = "retail-oncall"  # config/grafana-alerting.yaml: email and Teams
TEAMS_ONLY = "retail-teams"  # config/grafana-alerting.yaml: Teams only
# Grafana's own alerts are routed as Alertmanager routes Prometheus' (config/alertmanager.yml): critical to
# email and Teams every 4 h, the rest to Teams every 12 h. Each route carries the timing itself: Grafana
# does not pass a parent's mute timings down to its child routes.
SEVERITY_ROUTES = (
    {"receiver": CONTACT_POINT, "object_matchers": [["severity", "=", "critical"]], "repeat_interval": "4h"},
    {"receiver": TEAMS_ONLY, "object_matchers": [], "repeat_interval": "12h"},
)
ALERTMANAGER_UID = "alertmanager"  # config/grafana-datasources.yaml
ALWAYS = [{"times": [{"start_time": "00:00", "end_time": "24:00"}]}]
SILENCE_HOURS = 2  # an upper bound: the window expires the silence as soon as the rollout ends


class GrafanaError(RuntimeError):
    pass


class GrafanaAlerting:
    """The subset of Grafana's alerting provisioning API and Alertmanager proxy the window needs."""

    def __init__(self, base_url: str, user: str, password: str, *, timeout: float = 10.0):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.auth = (user, password)
        self.session.headers["X-Disable-Provenance"] = "true"
        self.timeout = timeout

    def call(self, method: str, path: str, body: dict | None = None) -> dict | list | None:
        response = self.session.request(method, self.base_url + path, json=body, timeout=self.timeout)
        if response.status_code == 404 and method == "GET":
            return None
        if not response.ok:
            raise GrafanaError(f"Grafana {method} {path} answered {response.status_code}: {response.text[:200]}")
        return response.json() if response.content else None

    def set_mute_timing(self, *, active: bool) -> None:
        body = {"name": MUTE_TIMING, "time_intervals": ALWAYS if active else []}
        if self.call("GET", f"/api/v1/provisioning/mute-timings/{MUTE_TIMING}") is None:
            self.call("POST", "/api/v1/provisioning/mute-timings", body)
        else:
            self.call("PUT", f"/api/v1/provisioning/mute-timings/{MUTE_TIMING}", body)

    def ensure_policy(self) -> None:
        """Root -> the severity routes, each muted by the window; routes an operator added stay after them."""
        policy = self.call("GET", "/api/v1/provisioning/policies") or {}
        routes = policy.get("routes") or []
        ours = [{**route, "mute_time_intervals": [MUTE_TIMING]} for route in SEVERITY_ROUTES]
        theirs = [route for route in routes if MUTE_TIMING not in (route.get("mute_time_intervals") or [])]
        if routes[: len(ours)] == ours and policy.get("receiver") == CONTACT_POINT:
            return
        wanted = {**policy, "receiver": CONTACT_POINT, "routes": [*ours, *theirs]}
        wanted.setdefault("group_by", ["alertname", "service"])
        self.call("PUT", "/api/v1/provisioning/policies", wanted)

    def timing_active(self) -> bool:
        timing = self.call("GET", f"/api/v1/provisioning/mute-timings/{MUTE_TIMING}")
        return bool(timing and timing.get("time_intervals"))

    def silence_alertmanager(
        self, now: dt.datetime, *, hours: float = SILENCE_HOURS, by: str = "cluster deploy", why: str = "rollout"
    ) -> str:
        body = {
            "matchers": [{"name": "alertname", "value": ".+", "isRegex": True, "isEqual": True}],
            "startsAt": now.isoformat(),
            "endsAt": (now + dt.timedelta(hours=hours)).isoformat(),
            "createdBy": f"manage_all.py {by}",
            "comment": f"{MUTE_TIMING}: {why}",
        }
        answer = self.call("POST", f"/api/alertmanager/{ALERTMANAGER_UID}/api/v2/silences", body)
        return answer["silenceID"]

    def our_silences(self) -> list[dict]:
        """The active silences this module created (their comment starts with the timing's name)."""
        silences = self.call("GET", f"/api/alertmanager/{ALERTMANAGER_UID}/api/v2/silences") or []
        return [
            s for s in silences
            if s["status"]["state"] == "active" and s.get("comment", "").startswith(f"{MUTE_TIMING}:")
        ]  # fmt: skip

    def expire_silence(self, silence_id: str) -> None:
        self.call("DELETE", f"/api/alertmanager/{ALERTMANAGER_UID}/api/v2/silence/{silence_id}")


def reachable(base_url: str, *, timeout: float = 5.0) -> bool:
    try:
        return requests.get(base_url.rstrip("/") + "/api/health", timeout=timeout).ok
    except requests.RequestException:
        return False


@contextlib.contextmanager
def deployment_window(
    base_url: str, credentials: Callable[[], tuple[str, str]], say: Callable[[str], None]
) -> Iterator[None]:
    """Mute on entry, unmute on exit, also when the body fails (then the body's error is the one raised)."""
    if not reachable(base_url):
        say(f"    {MUTE_TIMING}: Grafana is not reachable at {base_url} (first deploy?): no alerts to mute")
        yield
        if reachable(base_url):  # the first deploy brought Grafana up: leave the timing there, off
            client = GrafanaAlerting(base_url, *credentials())
            client.set_mute_timing(active=False)
            client.ensure_policy()
            say(f"    {MUTE_TIMING}: created in Grafana, off")
        return
    client = GrafanaAlerting(base_url, *credentials())
    by_hand = client.timing_active()  # `cluster mute on` before the deploy: it stays on after it
    client.set_mute_timing(active=True)
    client.ensure_policy()
    silence = client.silence_alertmanager(dt.datetime.now(dt.UTC))
    say(f"    {MUTE_TIMING}: on (Grafana mute timing, Alertmanager silence {silence})")
    try:
        yield
    except BaseException:
        close(client, silence, say, raise_errors=False, keep_timing=by_hand)  # the rollout's error is the one
        raise
    close(client, silence, say, raise_errors=True, keep_timing=by_hand)


def close(
    client: GrafanaAlerting, silence: str, say: Callable[[str], None], *, raise_errors: bool, keep_timing: bool = False
) -> None:
    problems = []
    undos = [lambda: client.expire_silence(silence)]
    if not keep_timing:
        undos.insert(0, lambda: client.set_mute_timing(active=False))
    for undo in undos:
        try:
            undo()
        except (GrafanaError, requests.RequestException) as error:
            problems.append(str(error))
    if not problems:
        say(f"    {MUTE_TIMING}: {'still on (muted by hand: `cluster mute off` ends it)' if keep_timing else 'off'}")
        return
    say(f"    {MUTE_TIMING}: could NOT switch off ({'; '.join(problems)}): alerts stay muted until you do")
    say(f"    (Grafana > Alerting > Mute timings > {MUTE_TIMING}: remove its interval; expire silence {silence})")
    if raise_errors:
        raise GrafanaError(f"{MUTE_TIMING} is still on: {'; '.join(problems)}")


def mute(client: GrafanaAlerting, now: dt.datetime, hours: float) -> str:
    """`cluster mute on`: the timing on until `cluster mute off`, and a silence for `hours`."""
    client.set_mute_timing(active=True)
    client.ensure_policy()
    return client.silence_alertmanager(now, hours=hours, by="cluster mute on", why="muted by hand")


def unmute(client: GrafanaAlerting) -> list[str]:
    """`cluster mute off`: the timing off and every silence of ours expired (a deploy's too); their ids."""
    client.set_mute_timing(active=False)
    ended = [s["id"] for s in client.our_silences()]
    for silence_id in ended:
        client.expire_silence(silence_id)
    return ended


def describe(client: GrafanaAlerting) -> str:
    """The mute state for `cluster status`: on or off, and until when."""
    timing = client.timing_active()
    silences = client.our_silences()
    if not timing and not silences:
        return "off"
    parts = [f"Grafana mute timing {MUTE_TIMING} on until `cluster mute off`"] if timing else []
    if silences:
        until = max(dt.datetime.fromisoformat(s["endsAt"].replace("Z", "+00:00")) for s in silences)
        parts.append(f"Alertmanager silenced until {until.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC")
    return "on: " + "; ".join(parts)
