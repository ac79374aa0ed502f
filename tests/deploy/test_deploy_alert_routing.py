"""Alerts routed as the seed says (issue 21, item 4): critical alerts reach email AND Microsoft Teams,
repeated every 4 h; warnings reach Teams only, every 12 h.

The routing tree is tested with the real `amtool config routes test` (Debian's prometheus-alertmanager,
0.25). That amtool cannot parse `msteams_configs` (added to Alertmanager in v0.26.0; the image pins
v0.28.1), so it reads a copy of alertmanager.yml whose receivers keep their names and routes but hold
one webhook per integration instead; the real receivers' integrations are then asserted on the real
file, and their keys against v0.28.1 (config/notifiers.go, MSTeamsConfig: `webhook_url_file`) in
tests/deploy/test_upstream_alertmanager.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from observability_files import alerts

from retail_dev.deploy.checks import OBSERVABILITY_CONFIG

ROUTED = {"critical": ("email-and-teams", "4h"), "warning": ("teams", "12h")}
INTEGRATIONS = {"email-and-teams": {"email_configs", "msteams_configs"}, "teams": {"msteams_configs"}}
TEAMS_FILE = "/vault/secrets/TEAMS_WEBHOOK_URL"


def config() -> dict:
    return yaml.safe_load((OBSERVABILITY_CONFIG / "alertmanager.yml").read_text())


def amtool() -> str:
    binary = shutil.which("amtool")
    if binary is None:
        message = "amtool comes with Debian's prometheus-alertmanager: apt-get install prometheus-alertmanager"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


def with_webhooks_only(original: dict) -> dict:
    """The routing tree as is; each receiver's integrations replaced by webhooks amtool 0.25 can parse."""
    copy = yaml.safe_load(yaml.safe_dump(original))
    copy["global"] = {}  # the smtp_* keys need an email integration to mean anything
    for receiver in copy["receivers"]:
        kinds = [key for key in list(receiver) if key.endswith("_configs")]
        for kind in kinds:
            receiver.pop(kind)
        receiver["webhook_configs"] = [{"url": f"http://127.0.0.1:9/{kind}"} for kind in kinds]
    return copy


def route(path: Path, labels: dict[str, str]) -> tuple[list[str], list[str]]:
    """(the receivers, the matchers of the matched routes from the root) as amtool resolves them."""
    arguments = [f"{k}={v}" for k, v in labels.items()]
    result = subprocess.run(
        [amtool(), "config", "routes", "test", f"--config.file={path}", "--tree", *arguments],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("Matching routes:", 1)[1].strip().splitlines()
    receivers = lines[-1].split()
    matched = [m.group(1) for line in lines if (m := re.search(r"── (\{[^}]*\}|default-route)", line))]
    return receivers, matched


@pytest.fixture(scope="module")
def stripped(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("alertmanager") / "alertmanager.yml"
    path.write_text(yaml.safe_dump(with_webhooks_only(config())))
    return path


def repeat_interval(matched: list[str]) -> str:
    """The repeat_interval of the deepest matched route (a child inherits its parent's when unset)."""
    node, interval = config()["route"], config()["route"]["repeat_interval"]
    for matcher in matched[1:]:
        (node,) = [r for r in node.get("routes", []) if "{" + ", ".join(r["matchers"]) + "}" == matcher]
        interval = node.get("repeat_interval", interval)
    return interval


@pytest.mark.parametrize("severity", sorted(ROUTED))
def test_each_severity_reaches_its_receivers_at_its_repeat_interval(stripped, severity):
    receivers, matched = route(stripped, {"alertname": "RetailAnything", "severity": severity})
    expected_receiver, expected_interval = ROUTED[severity]
    assert receivers == [expected_receiver]
    assert repeat_interval(matched) == expected_interval


def test_a_critical_alert_reaches_email_and_teams_a_warning_teams_only():
    receivers = {r["name"]: r for r in config()["receivers"]}
    assert {name: {k for k in r if k.endswith("_configs")} for name, r in receivers.items()} == INTEGRATIONS
    teams = [c for r in receivers.values() for c in r["msteams_configs"]]
    assert [c["webhook_url_file"] for c in teams] == [TEAMS_FILE, TEAMS_FILE]
    assert [c["to"] for c in receivers["email-and-teams"]["email_configs"]] == ["oncall@retail.example"]


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_of_the_rules_is_routed_by_its_severity(stripped, rule):
    receivers, _ = route(stripped, {"alertname": rule["alert"], **rule["labels"]})
    assert receivers == [ROUTED[rule["labels"]["severity"]][0]]


def test_the_copy_for_amtool_keeps_the_tree_and_one_webhook_per_integration():
    copy = with_webhooks_only(config())
    assert copy["route"] == config()["route"]
    hooks = {r["name"]: [w["url"].rsplit("/", 1)[1] for w in r["webhook_configs"]] for r in copy["receivers"]}
    assert {name: set(kinds) for name, kinds in hooks.items()} == INTEGRATIONS
