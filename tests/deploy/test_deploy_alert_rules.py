"""The Prometheus alerts of issue 15 item 4: the exact list, their labels, runbooks and unit tests."""

import re

import pytest
from observability_files import RUNBOOK_URL, RUNBOOKS, alerts, in_contract, records, rule_tests

from retail_dev.deploy import dashboard_queries

# Item 4's list, one alert per line of it: availability, performance, events, infrastructure, cache.
EXPECTED = {
    "RetailPodCrashLooping", "RetailPostgresDown", "RetailKafkaDown", "RetailDragonflyDown", "RetailPrometheusDown",
    "RetailHighLatencyP99", "RetailHighErrorRate", "RetailProcessMemoryHigh",
    "RetailConsumerLagHigh", "RetailEventDeadLettered", "RetailOutboxBacklogGrowing", "RetailOrderStuck",
    "RetailNodeCPUHigh", "RetailNodeMemoryHigh", "RetailNodeDiskFull",
    "RetailCacheL2HitRateLow", "RetailDragonflyMemoryHigh", "RetailDragonflyEvicting",
}  # fmt: skip
DOWN = {"RetailPostgresDown", "RetailKafkaDown", "RetailDragonflyDown", "RetailPrometheusDown"}


def test_the_alerts_are_exactly_item_4s_list():
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names)), "an alert name is used twice"
    assert set(names) == EXPECTED
    assert len(names) >= 16


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_has_severity_summary_and_its_runbook_paragraph(rule):
    assert rule["labels"]["severity"] in {"critical", "warning"}
    assert rule["annotations"]["summary"].strip()
    assert rule["annotations"]["runbook_url"] == f"{RUNBOOK_URL}#{rule['alert'].lower()}"
    headings = set(re.findall(r"^### (\w+)$", RUNBOOKS.read_text(), flags=re.MULTILINE))
    assert rule["alert"] in headings, f"docs/runbooks.md has no '### {rule['alert']}' paragraph"


def test_every_runbook_paragraph_belongs_to_an_alert():
    headings = set(re.findall(r"^### (\w+)$", RUNBOOKS.read_text(), flags=re.MULTILINE))
    assert headings == EXPECTED


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_has_a_firing_and_a_quiet_unit_test(rule):
    checks = [check for check in rule_tests() if check["alertname"] == rule["alert"]]
    assert any(check["exp_alerts"] for check in checks), f"{rule['alert']}: no promtool test makes it fire"
    assert any(not check["exp_alerts"] for check in checks), f"{rule['alert']}: no promtool test keeps it quiet"


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_down_alerts_fire_on_no_data_and_rate_alerts_do_not(rule):
    assert ("absent(" in rule["expr"]) == (rule["alert"] in DOWN)


def test_the_dead_letter_alert_reacts_to_the_first_dead_letter():
    """The e2e test shortens `for:`; the expression itself must see a counter that just appeared."""
    (rule,) = [r for r in alerts() if r["alert"] == "RetailEventDeadLettered"]
    assert "increase(retail_events_failed_total[" in rule["expr"]
    assert "unless retail_events_failed_total offset" in rule["expr"]


def test_rules_read_only_contract_metrics_and_their_own_records():
    recorded = {rule["record"] for rule in records()}
    unknown = {
        f"{rule.get('alert') or rule['record']}: {name}"
        for rule in [*records(), *alerts()]
        for name in dashboard_queries.metric_names(rule["expr"])
        if not in_contract(name, recorded)
    }
    assert not unknown, sorted(unknown)
