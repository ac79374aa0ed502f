"""The dashboard query check: promtool parses each PromQL target, and a bad one is reported by dashboard,
panel and query (deploy check's "dashboard queries" step)."""

import json
import os
import shutil

import pytest

from retail_dev.deploy import dashboard_queries

PROMTOOL = shutil.which("promtool")
if PROMTOOL is None and os.environ.get("CI") == "true":
    raise RuntimeError("promtool is not installed (apt-get install --no-install-recommends prometheus)")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (a failure under CI=true)")


def dashboard(tmp_path, targets, name="broken.json"):
    panel = {"id": 7, "title": "Orders", "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": targets}
    path = tmp_path / name
    path.write_text(json.dumps({"uid": "x", "title": "X", "panels": [{"type": "row", "panels": [panel]}]}))
    return path


def test_grafana_variables_become_values_promql_accepts():
    expr = 'sum(rate(x_total{service=~"$service", view="${view}"}[$__rate_interval])) / increase(y[$__range])'
    assert dashboard_queries.concrete(expr) == 'sum(rate(x_total{service=~"all", view="all"}[1m])) / increase(y[1h])'


def test_metric_names_leave_out_functions_labels_and_keywords():
    expr = (
        'sum by (service) (rate(a_total{status=~"5.."}[5m])) / on (service) group_left max(b_bytes) '
        "or absent(c_up) * 0 unless d offset 10m"
    )
    assert dashboard_queries.metric_names(expr) == {"a_total", "b_bytes", "c_up", "d"}


@needs_promtool
def test_every_committed_dashboard_query_parses():
    count, problems = dashboard_queries.check(PROMTOOL)
    assert problems == []
    assert count == sum(len(dashboard_queries.queries(p)) for p in dashboard_queries.dashboard_files()) > 12


@needs_promtool
def test_a_bad_query_is_named_by_dashboard_panel_and_query(tmp_path):
    targets = [
        {"refId": "A", "expr": "sum(rate(retail_orders_total[$__rate_interval]))"},
        {"refId": "B", "expr": "sum(rate(retail_orders_total[5m])"},
        {"refId": "C", "expr": "rate(retail_orders_total)"},
    ]
    count, problems = dashboard_queries.check(PROMTOOL, [dashboard(tmp_path, targets)])
    assert count == 3
    assert [p.split(": ", 2)[:2] for p in problems] == [
        ["broken.json", "panel 7 'Orders', query B"],
        ["broken.json", "panel 7 'Orders', query C"],
    ]
    assert "unclosed left parenthesis" in problems[0]
    assert "expected type range vector" in problems[1]


@needs_promtool
def test_loki_targets_need_a_stream_selector_and_a_known_datasource(tmp_path):
    targets = [
        {"refId": "A", "datasource": {"type": "loki", "uid": "loki"}, "expr": '{namespace="retail-app"} |= "x"'},
        {"refId": "B", "datasource": {"type": "loki", "uid": "loki"}, "expr": '|= "no selector"'},
        {"refId": "C", "datasource": {"type": "prometheus", "uid": "nope"}, "expr": "up"},
        {"refId": "D", "expr": " "},
    ]
    _, problems = dashboard_queries.check(PROMTOOL, [dashboard(tmp_path, targets)])
    assert sorted(problems) == [
        "broken.json: panel 7 'Orders', query B: LogQL without a stream selector {...}",
        "broken.json: panel 7 'Orders', query C: datasource uid 'nope' is not provisioned",
        "broken.json: panel 7 'Orders', query D: empty expression",
    ]


def test_queried_names_are_raw_metrics_not_records():
    names = dashboard_queries.queried_metric_names()
    assert {"retail_events_failed_total", "django_http_requests_latency_seconds_by_view_method_bucket", "up"} <= names
    assert not {name for name in names if ":" in name}  # records (level:metric:op) are computed, not exported
