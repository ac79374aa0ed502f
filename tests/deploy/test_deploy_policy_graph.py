"""The NetworkPolicy graph and the AuthorizationPolicy graph each equal docs/architecture.md §9.3 exactly."""

import yaml
from deploy_manifests import namespace, of_kind, pod_labels, rid, workloads
from policy_graph import EXTERNAL, SIDECAR_METRICS_PORT, authorization_edges, network_edges

from retail_common.config.topology import TOPOLOGY
from retail_dev.paths import ROOT

ISTIO_INSTALL = ROOT / "deploy/components/istio/istio-install.yaml"

API = TOPOLOGY.service_names
GATEWAY_PRINCIPAL = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"


def expected_network_edges(docs, overlay: str) -> set[tuple[str, str, int]]:
    names = [w["metadata"]["name"] for w in workloads(docs)]
    app = [w["metadata"]["name"] for w in workloads(docs) if namespace(w) == "retail-app"]
    group = {w["metadata"]["name"]: pod_labels(w).get("retail.io/group") for w in workloads(docs)}
    edges = {(n, "kube-dns", 53) for n in names}  # plus DNS
    # ingress gateway -> storefront and the /api/* routes
    edges |= {("ingress-gateway", t, 8000) for t in ("storefront", *API)}
    # storefront -> users, inventory, orders, payments
    edges |= {(s, t, 8000) for s in app if group[s] == "storefront" for t in API}
    # orders -> inventory-grpc
    edges |= {(s, "inventory-grpc", 50051) for s in app if group[s] == "orders"}
    # every service and worker -> postgres, kafka, dragonfly, vault, otel-collector
    platform = {("postgres", 5432), ("kafka", 9092), ("dragonfly", 6379), ("vault", 8200)}
    platform |= {("otel-collector", 4317), ("otel-collector", 4318)}
    edges |= {(s, t, p) for s in app for t, p in platform}
    # prometheus -> every metrics port (the sidecars' merged endpoint, the collector's exporter)
    edges |= {("prometheus", t, SIDECAR_METRICS_PORT) for t in app} | {("prometheus", "otel-collector", 8889)}
    # promtail -> loki; grafana -> prometheus, loki, jaeger
    edges |= {("promtail", "loki", 3100), ("grafana", "prometheus", 9090), ("grafana", "loki", 3100)}
    edges |= {("grafana", "jaeger", 16686)}
    if overlay == "dev":  # Kafka's EXTERNAL listener through NodePort 30003 (deploy/overlays/dev/kafka-external*.yaml)
        edges.add(("outside", "kafka", 29092))
    return edges | plumbing_edges(app)


def plumbing_edges(app: list[str]) -> set[tuple[str, str, int]]:
    """What §9.3 leaves unsaid but the pieces cannot run without (each listed in deploy/README.md)."""
    edges = {(s, "istiod", 15012) for s in app}  # sidecars fetch config and certificates
    edges |= {("otel-collector", "jaeger", 4317), ("prometheus", "alertmanager", 9093)}  # §9.6 pipelines
    edges |= {(s, "outside", p) for s in ("vault", "vault-bootstrap", "prometheus", "promtail") for p in (443, 6443)}
    edges |= {("outside", "grafana", 3000), ("outside", "jaeger", 16686), ("outside", "prometheus", 9090)}  # NodePorts
    edges |= {("kafka", "kafka", 9092), ("kafka", "kafka", 9093)}  # replication and the KRaft quorum
    edges |= {("postgres", "vault", 8200), ("vault-bootstrap", "vault", 8200)}  # the roles' passwords; bootstrap
    return edges | observability_edges()


def observability_edges() -> set[tuple[str, str, int]]:
    """Issue 15's: the exporters the alert rules read, and the alerting path (deploy/README.md)."""
    exporters = {("kube-state-metrics", 8080), ("node-exporter", 9100), ("kafka-exporter", 9308)}
    exporters |= {("postgres", 9187), ("dragonfly", 6379)}  # beside PostgreSQL; Dragonfly's own /metrics
    edges = {("prometheus", target, port) for target, port in exporters}
    edges |= {("prometheus", "outside", 10250)}  # cAdvisor in the kubelets
    edges |= {("kube-state-metrics", "outside", p) for p in (443, 6443)}  # it lists the cluster's objects
    edges |= {("kafka-exporter", "kafka", 9092)}  # consumer group offsets
    edges |= {("grafana", "alertmanager", 9093)}  # its datasource; the deployment window's silence
    edges |= {(s, "vault", 8200) for s in ("grafana", "alertmanager")}  # the alerting credentials
    edges |= {(s, "outside", p) for s in ("grafana", "alertmanager") for p in (443, 587)}  # webhooks, SMTP
    edges |= {("ingress-gateway", "otel-collector", mesh_trace_port())}  # the gateway's spans (issue 20, 6)
    edges |= {("otel-collector", "loki", 3100)}  # the collector's logs pipeline (issue 21, item 8)
    return edges


def mesh_trace_port() -> int:
    """The port of the mesh's trace provider "otel" (istioctl's IstioOperator): where Envoy sends spans."""
    operator = yaml.safe_load(ISTIO_INSTALL.read_text())
    (provider,) = [p for p in operator["spec"]["meshConfig"]["extensionProviders"] if p["name"] == "otel"]
    assert provider["opentelemetry"]["service"] == "otel-collector.retail-observe.svc.cluster.local"
    return provider["opentelemetry"]["port"]


def test_network_policy_graph_is_exactly_the_contract(docs, overlay):
    found = network_edges(docs)
    wanted = expected_network_edges(docs, overlay)
    extra = sorted(found - wanted)
    missing = sorted(wanted - found)
    assert not extra and not missing, f"allowed but not in §9.3: {extra}\nin §9.3 but not allowed: {missing}"


def test_every_namespace_denies_by_default(docs):
    for ns in ("retail-app", "retail-data", "retail-observe"):
        deny = [
            p
            for p in of_kind(docs, "NetworkPolicy")
            if namespace(p) == ns
            and p["spec"]["podSelector"] == {}
            and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
            and not p["spec"].get("ingress")
            and not p["spec"].get("egress")
        ]
        assert len(deny) == 1, f"NetworkPolicy {ns}/default-deny: spec should select every pod and allow nothing"


def test_external_peers_are_real_names():
    assert {p.name for p in EXTERNAL} == {"ingress-gateway", "kube-dns", "istiod", "outside"}


def test_authorization_policy_graph_is_exactly_the_contract(docs):
    storefront = "cluster.local/ns/retail-app/sa/storefront"
    orders = "cluster.local/ns/retail-app/sa/orders"
    wanted = {(GATEWAY_PRINCIPAL, t, "8000") for t in ("storefront", *API)}
    wanted |= {(storefront, t, "8000") for t in API} | {(orders, "inventory-grpc", "50051")}
    found = authorization_edges(docs)
    assert found == wanted, f"extra: {sorted(found - wanted)}\nmissing: {sorted(wanted - found)}"


def test_one_allow_per_edge_and_a_default_deny(docs):
    policies = [p for p in of_kind(docs, "AuthorizationPolicy") if namespace(p) == "retail-app"]
    deny = [p for p in policies if not p["spec"]]
    assert [rid(p) for p in deny] == ["AuthorizationPolicy retail-app/default-deny"]
    allows = [p for p in policies if p["spec"]]
    assert len(allows) == len(authorization_edges(docs)) == 10


def test_mtls_modes(docs):
    modes = {namespace(p): p["spec"]["mtls"]["mode"] for p in of_kind(docs, "PeerAuthentication")}
    assert modes == {"retail-app": "STRICT", "retail-data": "PERMISSIVE"}
