"""The metrics the shop exports and the cluster-only sources its rules and dashboards may read.

One list for the checks that need it: deploy check's invariants (every name a rule or a panel reads
is in here) and the real-Prometheus e2e test (every exported name has a series after its scenario).
The names are docs/architecture.md §8's; a new metric is one line here.

A list and three lookups, no library's job: the names are this project's.
"""

from __future__ import annotations

import re

# Exported by the shop's processes. Histograms are named without _bucket/_sum/_count.
EXPORTED = {
    # web: django-prometheus (multiprocess under gunicorn)
    "django_http_requests_total_by_view_transport_method_total",
    "django_http_responses_total_by_status_view_method_total",
    "django_http_requests_latency_seconds_by_view_method",
    "django_db_new_connections_total",
    "django_db_execute_total",
    "django_db_query_duration_seconds",
    "retail_gunicorn_workers",
    # every process
    "retail_process_resident_memory_bytes",
    "retail_process_cpu_seconds_total",
    "retail_process_memory_limit_bytes",
    "retail_process_threads",
    "retail_python_gc_collections_total",
    "retail_db_connections",
    # business and platform
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
    "retail_cache_warm_seconds",
    "retail_cache_warm_items_total",
    "retail_orders_open_oldest_age_seconds",
    "retail_grpc_server_handled_total",
    "retail_grpc_server_handling_seconds",
    "retail_backend_request_seconds",
    # Prometheus' own, for every target
    "up",
}
HISTOGRAMS = {
    "django_http_requests_latency_seconds_by_view_method",
    "django_db_query_duration_seconds",
    "retail_grpc_server_handling_seconds",
    "retail_backend_request_seconds",
    "retail_cache_warm_seconds",
}

# Series only a cluster has: {the exporter the observability component runs: names or prefixes ("_" at the end)}.
CLUSTER_ONLY = {
    "kube-state-metrics": (
        "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_last_terminated_reason",
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
        "kube_horizontalpodautoscaler_status_current_replicas",
        "kube_horizontalpodautoscaler_spec_max_replicas",
        "kube_node_",
        # issue 21 item 8, the pod status panels: phases, waiting reasons (CrashLoopBackOff, ...)
        "kube_pod_status_phase",
        "kube_pod_container_status_waiting_reason",
    ),
    "cAdvisor (the kubelet's /metrics/cadvisor)": (
        "container_cpu_usage_seconds_total",
        "container_memory_working_set_bytes",
        "container_oom_events_total",
    ),
    # issue 21 item 8, PVC usage: the kubelet's own /metrics (the `kubelet` job), not cAdvisor's
    "the kubelets' /metrics": ("kubelet_volume_stats_",),
    "node-exporter": (
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "node_memory_MemTotal_bytes",
        "node_filesystem_avail_bytes",
        "node_filesystem_size_bytes",
    ),
    # pg_stat_user_tables_*: issue 21 item 8, table sizes (its stat_user_tables collector)
    "postgres-exporter": (
        "pg_up",
        "pg_stat_database_",
        "pg_stat_activity_count",
        "pg_settings_max_connections",
        "pg_stat_user_tables_",
    ),
    # the consumer group's offsets and members: issue 21 item 8, partition assignment per group
    "kafka-exporter": (
        "kafka_brokers",
        "kafka_consumergroup_lag",
        "kafka_consumergroup_current_offset",
        "kafka_consumergroup_members",
        "kafka_topic_partition_current_offset",
    ),
    "Dragonfly's own /metrics": ("dragonfly_",),
    "the Istio sidecars (Envoy)": ("istio_requests_total", "istio_request_duration_milliseconds_bucket"),
    "Prometheus and Alertmanager themselves": ("prometheus_", "alertmanager_"),
}
_HISTOGRAM_SUFFIX = re.compile(r"_(bucket|sum|count)$")


def series_names() -> set[str]:
    """The names to query for a series: a histogram's _bucket."""
    return {f"{name}_bucket" if name in HISTOGRAMS else name for name in EXPORTED}


def exported(name: str) -> bool:
    return name in EXPORTED or _HISTOGRAM_SUFFIX.sub("", name) in HISTOGRAMS


def cluster_source(name: str) -> str | None:
    """The exporter that gives `name` in the cluster, or None when no cluster-only source does."""
    for source, names in CLUSTER_ONLY.items():
        if any(name == known or (known.endswith("_") and name.startswith(known)) for known in names):
            return source
    return None
