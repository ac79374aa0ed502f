"""`cluster mute on|off` and the mute line of `cluster status`: the deployment window's Grafana mute timing
and Alertmanager silence (mute_window.py), switched by hand.

The HTTP calls go through requests (mute_window.py).
"""

from __future__ import annotations

import datetime as dt

import requests

from retail_dev.console import DevError, say, step
from retail_dev.deploy import mute_window
from retail_dev.deploy.cluster_steps import grafana_credentials, grafana_url


def client() -> mute_window.GrafanaAlerting:
    url = grafana_url()
    if not mute_window.reachable(url):
        raise DevError(f"Grafana is not reachable at {url}: run `python3 manage_all.py cluster up` first")
    return mute_window.GrafanaAlerting(url, *grafana_credentials())


def switch(state: str, hours: float) -> None:
    alerting = client()
    try:
        if state == "on":
            silence = mute_window.mute(alerting, dt.datetime.now(dt.UTC), hours)
            say(f"    alerts muted (Grafana mute timing {mute_window.MUTE_TIMING}, Alertmanager silence {silence})")
        else:
            ended = mute_window.unmute(alerting)
            say(f"    alerts unmuted (expired silences: {', '.join(ended) or 'none'})")
        say(f"    {mute_window.describe(alerting)}")
    except (mute_window.GrafanaError, requests.RequestException) as error:
        raise DevError(f"cluster mute {state}: {error}") from error


def status_line() -> str:
    url = grafana_url()
    if not mute_window.reachable(url):
        return f"alerts muted: unknown (Grafana is not reachable at {url})"
    try:
        return f"alerts muted: {mute_window.describe(mute_window.GrafanaAlerting(url, *grafana_credentials()))}"
    except (DevError, mute_window.GrafanaError, requests.RequestException) as error:
        return f"alerts muted: unknown ({error})"


def print_status() -> None:
    step("alerts")
    say(f"    {status_line()}")
