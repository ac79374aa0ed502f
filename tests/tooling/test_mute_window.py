"""The deployment window against a local server speaking Grafana's API subset (fake_grafana.py)."""

import json
import socket

import pytest
import yaml
from fake_grafana import FakeGrafana

from retail_dev.deploy import mute_window
from retail_dev.deploy.mute_window import ALWAYS, MUTE_TIMING, GrafanaError
from retail_dev.paths import ROOT


@pytest.fixture
def grafana(tmp_path):
    with FakeGrafana(tmp_path / "calls.jsonl") as fake:
        yield fake


def window(grafana, lines, password="secret"):
    return mute_window.deployment_window(grafana.url, lambda: ("admin", password), lines.append)


def test_the_window_mutes_grafana_and_alertmanager_inside_and_unmutes_after(grafana):
    lines, inside = [], {}
    with window(grafana, lines):
        inside["timing"] = grafana.mute_timings[MUTE_TIMING]["time_intervals"]
        inside["silences"] = {k: v["state"] for k, v in grafana.silences.items()}
        inside["routes"] = grafana.policy["routes"]
    assert inside["timing"] == ALWAYS
    assert inside["silences"] == {"silence-1": "active"}
    # Routed as Alertmanager routes (config/alertmanager.yml), each route muted by the window.
    assert inside["routes"] == [
        {
            "receiver": "retail-oncall",
            "object_matchers": [["severity", "=", "critical"]],
            "repeat_interval": "4h",
            "mute_time_intervals": [MUTE_TIMING],
        },
        {
            "receiver": "retail-teams",
            "object_matchers": [],
            "repeat_interval": "12h",
            "mute_time_intervals": [MUTE_TIMING],
        },
    ]
    assert grafana.policy["receiver"] == "retail-oncall"
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == []
    assert grafana.silences["silence-1"]["state"] == "expired"
    assert grafana.silences["silence-1"]["matchers"] == [
        {"name": "alertname", "value": ".+", "isRegex": True, "isEqual": True}
    ]
    assert lines[-1].strip() == f"{MUTE_TIMING}: off"


def test_a_failing_rollout_still_closes_the_window_and_its_error_is_raised(grafana):
    lines = []
    with pytest.raises(RuntimeError, match="rollout failed"), window(grafana, lines):
        raise RuntimeError("rollout failed")
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == []
    assert grafana.silences["silence-1"]["state"] == "expired"


def test_a_second_deploy_reuses_the_timing_and_the_route(grafana):
    for _ in range(2):
        with window(grafana, []):
            pass
    assert len(grafana.policy["routes"]) == 2
    assert list(grafana.mute_timings) == [MUTE_TIMING]
    assert {v["state"] for v in grafana.silences.values()} == {"expired"}
    methods = [json.loads(line)[1:] for line in grafana.log.read_text().splitlines()]
    assert ["POST", "/api/v1/provisioning/mute-timings"] in methods
    assert ["PUT", f"/api/v1/provisioning/mute-timings/{MUTE_TIMING}"] in methods


def test_unreachable_grafana_skips_the_window_and_says_so():
    with socket.socket() as sock:  # a port nobody listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        lines, ran = [], []
        with mute_window.deployment_window(url, lambda: pytest.fail("no credentials needed"), lines.append):
            ran.append(True)
    assert ran == [True]
    assert lines == [f"    {MUTE_TIMING}: Grafana is not reachable at {url} (first deploy?): no alerts to mute"]


def test_the_first_deploy_leaves_the_timing_in_place_switched_off(tmp_path):
    """Grafana starts answering during the rollout (it is part of it): afterwards the timing exists, off."""
    fake = FakeGrafana(tmp_path / "calls.jsonl")  # bound, not serving yet: /api/health times out
    lines = []
    with mute_window.deployment_window(fake.url, lambda: ("admin", "secret"), lines.append):
        fake.__enter__()
    try:
        assert fake.mute_timings[MUTE_TIMING]["time_intervals"] == []
        assert fake.policy["routes"][0]["mute_time_intervals"] == [MUTE_TIMING]
        assert fake.silences == {}
        assert lines[-1].strip() == f"{MUTE_TIMING}: created in Grafana, off"
    finally:
        fake.__exit__(None, None, None)


def test_wrong_credentials_stop_before_the_rollout(grafana):
    ran = []
    with pytest.raises(GrafanaError, match="answered 401"), window(grafana, [], password="wrong"):
        ran.append(True)
    assert ran == []
    assert grafana.mute_timings == {} and grafana.silences == {}


def test_a_window_that_cannot_close_says_how_to_close_it_and_fails(grafana):
    lines = []
    with pytest.raises(GrafanaError, match=f"{MUTE_TIMING} is still on"), window(grafana, lines):
        grafana.fail.add(("PUT", "/api/v1/provisioning/mute-timings"))
    assert grafana.mute_timings[MUTE_TIMING]["time_intervals"] == ALWAYS
    assert grafana.silences["silence-1"]["state"] == "expired"  # the other half still closed
    assert any("could NOT switch off" in line for line in lines)


def test_the_receivers_the_routes_name_are_grafanas_contact_points():
    """The routes name contact points config/grafana-alerting.yaml provisions, with Alertmanager's repeats."""
    config = ROOT / "deploy" / "components" / "observability" / "config"
    provisioned = yaml.safe_load((config / "grafana-alerting.yaml").read_text())
    contact_points = {point["name"] for point in provisioned["contactPoints"]}
    assert {route["receiver"] for route in mute_window.SEVERITY_ROUTES} == contact_points
    alertmanager = yaml.safe_load((config / "alertmanager.yml").read_text())["route"]
    repeats = {tuple(r["matchers"]): r["repeat_interval"] for r in alertmanager["routes"]}
    assert mute_window.SEVERITY_ROUTES[0]["repeat_interval"] == repeats[('severity="critical"',)]
    assert mute_window.SEVERITY_ROUTES[1]["repeat_interval"] == repeats[('severity="warning"',)]


def test_an_older_single_route_is_replaced_and_an_operators_route_kept(grafana):
    operators = {"receiver": "db-team", "object_matchers": [["team", "=", "db"]]}
    old = {"receiver": "retail-oncall", "object_matchers": [], "mute_time_intervals": [MUTE_TIMING]}
    grafana.policy["routes"] = [old, operators]
    with window(grafana, []):
        pass
    assert [r["receiver"] for r in grafana.policy["routes"]] == ["retail-oncall", "retail-teams", "db-team"]
