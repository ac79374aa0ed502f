"""The real Prometheus against the running shop (issue 15, item 6): every metric name the project's
rules and dashboards read has a series, and the dead-letter alert goes pending or firing.

Prometheus scrapes every web /metrics and every worker role's metrics port of the session's stack
(static targets with the `service` and `role` labels the cluster's relabelling gives the pods),
with the rule files of deploy/components/observability/. The scenario: orders paid, one declined,
a storefront page, and one event whose payload breaks its schema, which its consumer dead-letters.
"""

import re
import urllib.request
import uuid

import pytest

from retail_dev import metrics_contract
from retail_dev.deploy import dashboard_queries
from retail_dev.deploy.dashboard_queries import rule_files
from retail_dev.observe import LocalPrometheus
from retail_dev.promql_names import alert_expressions, metric_names, rule_expressions
from retail_dev.shop_client import card_ending, token
from retail_dev.testing import poll


def names_in_rules_and_dashboards() -> dict[str, set[str]]:
    """{metric name: {where it is used}} over every rule and dashboard panel of the deploy component."""
    used: dict[str, set[str]] = {}
    expressions = rule_expressions(rule_files())
    expressions |= {query.where: query.expr for query in dashboard_queries.promql_queries()}
    for where, expr in expressions.items():
        for name in dashboard_queries.metric_names(expr):
            used.setdefault(name, set()).add(where)
    return used


def dead_letter_alerts() -> set[str]:
    """The project's alerts on dead-lettered events (whatever their names): those reading the counter."""
    return {
        name
        for name, expr in alert_expressions(rule_files()).items()
        if "retail_events_failed_total" in metric_names(expr)
    }


def test_the_tokenizer_finds_metric_names_only():
    expr = (
        'sum by (service) (rate(retail_orders_total{status="payment_completed", x=~"a.b"}[$__rate_interval]))'
        " / ignoring(status) group_left sum(rate(django_http_requests_latency_seconds_by_view_method_bucket[5m]"
        " offset 1h)) > bool 0.5 and on(job) up == 1 or vector(1e3) unless histogram_quantile(0.99, foo:bar:rate5m)"
        ' + label_replace(node_cpu_seconds_total, "a", "$1", "b", "(.*)")'
    )
    assert metric_names(expr) == {
        "retail_orders_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
        "up",
        "foo:bar:rate5m",
        "node_cpu_seconds_total",
    }


@pytest.fixture(scope="module")
def prometheus(stack, prometheus_installed):
    # The rules' `for:` durations are minutes in the cluster; the test's copies wait 0 s, so an alert
    # whose expression holds is pending at the next evaluation and firing at the one after.
    running = LocalPrometheus(stack.metrics_targets, for_duration="0s", interval="1s").start()
    try:
        yield running
    finally:
        running.stop()


def place_the_scenario(stack) -> None:
    shopper = token()
    product = stack.shop.product(on_hand=50, price="20.00")
    paid = [stack.shop.order(shopper, [(product["id"], 1)]) for _ in range(2)]
    declined = stack.shop.order(shopper, [(product["id"], 1)], card=card_ending("0002"))
    assert [a.status for a in (*paid, declined)] == [201, 201, 201], [a.body for a in (*paid, declined)]
    for answer, final in [(a, "PAYMENT_COMPLETED") for a in paid] + [(declined, "PAYMENT_FAILED")]:
        order = stack.shop.wait(
            lambda a=answer: stack.shop.order_status(shopper, a.body["id"]), lambda o, f=final: o["status"] == f
        )
        assert order["status"] == final
    # Catalogue reads through the cache (both tiers), and a storefront page over the backends.
    for _ in range(2):
        with urllib.request.urlopen(f"{stack.urls['inventory']}/api/products/{product['slug']}") as response:
            assert response.status == 200
    with urllib.request.urlopen(f"{stack.urls['storefront']}/") as response:
        assert response.status == 200
    stack.bad_event("order-created", key=str(uuid.uuid4()))  # payments' consumer dead-letters it


def test_every_metric_the_rules_and_dashboards_read_has_a_series_and_the_dead_letter_alert_fires(stack, prometheus):
    # Every target answers its scrape (up == 1), under the labels the rules group by, before anything
    # happens: the counters' first samples are then 0, so increase() sees the dead letter.
    expected = {(service, role) for service, role, _, _ in stack.metrics_targets}

    def answering() -> set[tuple]:
        return {(t["metric"]["service"], t["metric"]["role"]) for t in prometheus.query("up == 1")}

    def targets() -> str:
        found = [(t["labels"], t["health"], t["lastError"]) for t in prometheus.api("targets")["activeTargets"]]
        return f"every target up (targets: {found})"

    assert poll(answering, until=lambda up: up == expected, timeout=90, message=targets) == expected
    place_the_scenario(stack)
    used = names_in_rules_and_dashboards()
    contract = metrics_contract.series_names()
    checked = (contract | set(used)) - {n for n in used if metrics_contract.cluster_source(n)}
    # Never vacuous: the contract's names are always among those checked.
    assert checked >= contract

    def missing() -> set[str]:
        return {name for name in checked if not prometheus.query(f"count({name})")}

    absent = poll(missing, until=lambda names: not names, timeout=90, message="a series of every name used or promised")
    assert not absent, {name: sorted(used.get(name, {"the metrics contract"})) for name in sorted(absent)}

    # The dead-lettered event is counted under its topic (the logical name, without the stack's prefix)...
    def dead_lettered() -> list[str]:
        failed = prometheus.query('sum by (topic) (retail_events_failed_total{service="payments"}) >= 1')
        return [r["metric"]["topic"] for r in failed]

    assert poll(dead_lettered, until=lambda topics: topics, timeout=60) == ["order-created"]
    # ...and the project's dead-letter alert goes pending or firing.
    alerts = dead_letter_alerts()
    assert alerts, "no alert of deploy/components/observability reads retail_events_failed_total"
    active = poll(
        lambda: {a["labels"]["alertname"] for a in prometheus.alerts() if a["state"] in ("pending", "firing")},
        until=lambda names: alerts <= names,
        timeout=60,
        message=f"the dead-letter alerts {sorted(alerts)} pending or firing",
    )
    assert alerts <= active, (alerts, active)


def test_the_names_in_the_rules_are_read_from_the_real_rule_files():
    rules = rule_files()
    assert rules, "no Prometheus rule file under deploy/components/observability"
    used = names_in_rules_and_dashboards()
    assert used and all(re.fullmatch(r"[A-Za-z_:][\w:]*", name) for name in used)
