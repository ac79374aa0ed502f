"""The observability component's rule, test and dashboard files, and the metrics contract of issue 15."""

from __future__ import annotations

import yaml

from retail_dev import metrics_contract
from retail_dev.deploy.checks import RULE_TESTS, RULES
from retail_dev.paths import ROOT

RUNBOOKS = ROOT / "docs" / "runbooks.md"
RUNBOOK_URL = "https://github.com/retail/platform/blob/main/docs/runbooks.md"


def rule_groups() -> list[dict]:
    return [group for path in RULES for group in yaml.safe_load(path.read_text())["groups"]]


def alerts() -> list[dict]:
    return [rule for group in rule_groups() for rule in group["rules"] if "alert" in rule]


def records() -> list[dict]:
    return [rule for group in rule_groups() for rule in group["rules"] if "record" in rule]


def rule_tests() -> list[dict]:
    """Every alert_rule_test entry of every promtool test file."""
    return [
        check
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for check in test.get("alert_rule_test", [])
    ]


def in_contract(name: str, recorded: set[str]) -> bool:
    return name in recorded or metrics_contract.exported(name) or metrics_contract.cluster_source(name) is not None
