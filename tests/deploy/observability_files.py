"""The observability component's rule, test and dashboard files, and the metrics contract of issue 15."""

from __future__ import annotations

import re

import yaml

from retail_dev.deploy.checks import RULE_TESTS, RULES
from retail_dev.paths import ROOT

RUNBOOKS = ROOT / "docs" / "runbooks.md"
RUNBOOK_URL = "https://github.com/retail/platform/blob/main/docs/runbooks.md"

# The names the processes export (/work/prompts/metrics-contract.md); histograms add _bucket/_sum/_count.
APP_METRICS = {
    "django_http_requests_total_by_view_transport_method_total",
    "django_http_responses_total_by_status_view_method_total",
    "django_http_requests_latency_seconds_by_view_method",
    "django_db_new_connections_total",
    "django_db_execute_total",
    "django_db_query_duration_seconds",
    "retail_gunicorn_workers",
    "retail_process_resident_memory_bytes",
    "retail_process_cpu_seconds_total",
    "retail_process_memory_limit_bytes",
    "retail_process_threads",
    "retail_python_gc_collections_total",
    "retail_db_connections",
    "retail_orders_total",
    "retail_payments_total",
    "retail_revenue_total",
    "retail_outbox_pending",
    "retail_events_published_total",
    "retail_consumer_lag",
    "retail_events_handled_total",
    "retail_events_failed_total",
    "retail_circuit_breaker_state",
    "retail_cache_requests_total",
    "retail_orders_open_oldest_age_seconds",
    "retail_grpc_server_handled_total",
    "retail_grpc_server_handling_seconds",
    "retail_backend_request_seconds",
    "up",
}
# Series only a cluster has, each from an exporter or source the observability component runs.
CLUSTER_PREFIXES = (
    "kube_pod_container_status_restarts_total",
    "kube_pod_container_status_last_terminated_reason",
    "kube_pod_container_resource_requests",
    "kube_pod_container_resource_limits",
    "kube_horizontalpodautoscaler_status_current_replicas",
    "kube_horizontalpodautoscaler_spec_max_replicas",
    "kube_node_",
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_oom_events_total",
    "node_cpu_seconds_total",
    "node_memory_MemAvailable_bytes",
    "node_memory_MemTotal_bytes",
    "node_filesystem_avail_bytes",
    "node_filesystem_size_bytes",
    "pg_up",
    "pg_stat_database_",
    "pg_stat_activity_count",
    "pg_settings_max_connections",
    "kafka_brokers",
    "kafka_consumergroup_lag",
    "kafka_topic_partition_current_offset",
    "dragonfly_",
    "istio_requests_total",
    "istio_request_duration_milliseconds_bucket",
    "prometheus_",
    "alertmanager_",
)
HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")


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
    return (
        name in recorded
        or name in APP_METRICS
        or HISTOGRAM_SUFFIX.sub("", name) in APP_METRICS
        or name.startswith(CLUSTER_PREFIXES)
    )
