"""The 12 Grafana dashboards of issue 15 item 5, and how Grafana is provisioned with them."""

import pytest
import yaml
from deploy_manifests import of_kind, pod_spec, workloads
from observability_files import in_contract

from retail_dev.deploy import dashboard_queries
from retail_dev.deploy.checks import OBSERVABILITY_CONFIG

FILES = dashboard_queries.dashboard_files()
# Item 5's list, in its order.
EXPECTED_UIDS = {
    "retail-service-overview", "retail-python-runtime", "retail-database", "retail-kafka",
    "retail-failed-events-logs", "retail-istio-mesh", "retail-pod-resources", "retail-postgresql",
    "retail-kubernetes-cluster", "retail-storefront", "retail-dragonfly", "retail-business-kpis",
}  # fmt: skip
# Dashboards over the services' own metrics offer a `service` variable.
PER_SERVICE = {
    "retail-service-overview",
    "retail-python-runtime",
    "retail-database",
    "retail-kafka",
    "retail-failed-events-logs",
}


def test_the_twelve_dashboards_of_item_5():
    uids = [dashboard_queries.load(path)["uid"] for path in FILES]
    assert len(uids) == len(set(uids)) == 12
    assert set(uids) == EXPECTED_UIDS


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_dashboard_has_title_tags_panels_and_its_variables(path):
    board = dashboard_queries.load(path)
    assert board["title"].startswith("Retail / ")
    assert "retail" in board["tags"]
    assert board["editable"] is False  # changes go through the JSON in git
    assert dashboard_queries.panels(board)
    assert all(panel.get("targets") for panel in dashboard_queries.panels(board))
    variables = {variable["name"] for variable in board["templating"]["list"]}
    if board["uid"] in PER_SERVICE:
        assert "service" in variables


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_panels_query_only_contract_metrics(path):
    """The e2e test asserts each name has series in the dev stack, or belongs to a cluster-only source."""
    unknown = {
        f"{query.where}: {name}"
        for query in dashboard_queries.queries(path)
        if query.datasource_uid == "prometheus"
        for name in dashboard_queries.metric_names(query.expr)
        if not in_contract(name, set())
    }
    assert not unknown, sorted(unknown)


def grafana(docs) -> dict:
    (deployment,) = [w for w in workloads(docs) if w["metadata"]["name"] == "grafana"]
    return deployment


def test_grafana_mounts_every_dashboard_where_its_provider_reads(docs):
    (config_map,) = [c for c in of_kind(docs, "ConfigMap") if c["metadata"]["name"].startswith("grafana-dashboards-")]
    assert set(config_map["data"]) == {path.name for path in FILES}
    provider = yaml.safe_load((OBSERVABILITY_CONFIG / "grafana-dashboards.yaml").read_text())
    (folder,) = [p["options"]["path"] for p in provider["providers"]]
    spec = pod_spec(grafana(docs))
    volumes = {v["name"]: v for v in spec["volumes"]}
    mounts = {m["mountPath"]: m["name"] for c in spec["containers"] for m in c.get("volumeMounts", [])}
    assert volumes[mounts[folder]]["configMap"]["name"] == config_map["metadata"]["name"]
    provisioning = volumes[mounts["/etc/grafana/provisioning/dashboards"]]
    assert provisioning["configMap"]["name"].startswith("grafana-provisioning-")


# Issue 21 item 8: what the seed's dashboards show and ours lacked, by dashboard: {panel title: names read}.
SEED_PANELS = {
    "retail-postgresql": {
        # The pinned postgres-exporter v0.17.1 exports only the total (collector/pg_stat_user_tables.go:
        # "size_bytes", pg_total_relation_size); table_size_bytes/index_size_bytes came in v0.18.0.
        "Largest tables (total size: table, indexes and TOAST)": {"pg_stat_user_tables_size_bytes"},
    },
    "retail-kubernetes-cluster": {
        "PVC usage": {"kubelet_volume_stats_used_bytes", "kubelet_volume_stats_capacity_bytes"},
        "Pods by phase": {"kube_pod_status_phase"},
        "Restarts (last hour) with the last termination reason": {
            "kube_pod_container_status_restarts_total",
            "kube_pod_container_status_last_terminated_reason",
        },
        "Containers waiting, by reason": {"kube_pod_container_status_waiting_reason"},
    },
    "retail-kafka": {
        "Partition assignment per consumer group": {
            "kafka_consumergroup_current_offset",
            "kafka_consumergroup_members",
        },
        "Retry topics: messages per second": {"kafka_topic_partition_current_offset"},
    },
    "retail-istio-mesh": {"Gateway requests: Envoy latency p50 / p99": {"istio_request_duration_milliseconds_bucket"}},
}


def panel_exprs(uid: str) -> dict[str, list[str]]:
    """{panel title: its queries} of one dashboard."""
    (board,) = [b for b in map(dashboard_queries.load, FILES) if b["uid"] == uid]
    return {panel["title"]: [t["expr"] for t in panel["targets"]] for panel in dashboard_queries.panels(board)}


def panel_names(uid: str) -> dict[str, set[str]]:
    """{panel title: every metric name its queries read} of one dashboard."""
    return {
        title: {name for expr in exprs for name in dashboard_queries.metric_names(expr)}
        for title, exprs in panel_exprs(uid).items()
    }


@pytest.mark.parametrize("uid", sorted(SEED_PANELS))
def test_the_seeds_panels_read_their_sources(uid):
    names = panel_names(uid)
    assert {title: names.get(title) for title in SEED_PANELS[uid]} == SEED_PANELS[uid]


def test_the_retry_panel_reads_only_retry_topics_and_the_gateway_panel_only_gateway_requests():
    (retry,) = panel_exprs("retail-kafka")["Retry topics: messages per second"]
    assert 'topic=~".+[.]retry-[0-9]+"' in retry
    gateway = panel_exprs("retail-istio-mesh")["Gateway requests: Envoy latency p50 / p99"]
    assert len(gateway) == 2 and all('source_workload="istio-ingressgateway"' in expr for expr in gateway)
