"""Each retail-app workload's Sidecar lists exactly the hosts the NetworkPolicy graph lets it reach (issue 21,
item 7; docs/architecture.md §9.3), and nothing else leaves it (REGISTRY_ONLY).

Fields: networking/v1alpha3/sidecar.proto of istio/api at 1.27.3 (Sidecar.workload_selector, egress[].hosts as
`namespace/dnsName`, outbound_traffic_policy.mode); `deploy check` validates the resources against the CRD schemas.
"""

from deploy_manifests import namespace, of_kind, pod_labels, pod_spec, workloads
from policy_graph import network_edges

from retail_common.config.topology import TOPOLOGY

# Graph peers that are no Service of the rendered manifests: DNS is answered by the pod's own istio-agent
# (or kube-dns over UDP, which Envoy does not proxy); "outside" none of retail-app reaches.
NOT_SERVICES = {"kube-dns", "outside"}
ISTIOD = "istio-system/istiod.istio-system.svc.cluster.local"


def target_port(service_port: dict, target: dict) -> int:
    port = service_port.get("targetPort", service_port["port"])
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for c in pod_spec(target)["containers"] for p in c.get("ports", [])}
    return named[port]


def service_hosts(docs, target_name: str, port: int) -> set[str]:
    """`namespace/fqdn` of every Service that sends `port` of the workload `target_name`."""
    if target_name == "istiod":
        return {ISTIOD}
    (target,) = [w for w in workloads(docs) if w["metadata"]["name"] == target_name]
    ns = namespace(target)
    return {
        f"{ns}/{s['metadata']['name']}.{ns}.svc.cluster.local"
        for s in of_kind(docs, "Service")
        if namespace(s) == ns
        and s["spec"].get("selector")
        and all(pod_labels(target).get(k) == v for k, v in s["spec"]["selector"].items())
        and any(target_port(p, target) == port for p in s["spec"]["ports"])
    }


def expected_hosts(docs, edges, workload: str) -> set[str]:
    hosts = set()
    for source, target, port in edges:
        if source == workload and target not in NOT_SERVICES:
            found = service_hosts(docs, target, port)
            assert found, f"{workload} -> {target}:{port}: no Service sends this port"
            hosts |= found
    return hosts


def sidecars_for(docs, workload: dict) -> list[dict]:
    return [
        s
        for s in of_kind(docs, "Sidecar")
        if namespace(s) == namespace(workload)
        and all(pod_labels(workload).get(k) == v for k, v in s["spec"]["workloadSelector"]["labels"].items())
    ]


def test_every_workload_has_one_sidecar_with_exactly_its_graph_hosts(docs):
    edges = network_edges(docs)
    for workload in workloads(docs):
        if namespace(workload) != "retail-app":
            continue
        name = workload["metadata"]["name"]
        selected = sidecars_for(docs, workload)
        assert len(selected) == 1, f"{name}: {len(selected)} Sidecars select it (Istio wants exactly one)"
        (sidecar,) = selected
        hosts = {h for e in sidecar["spec"]["egress"] for h in e["hosts"]}
        wanted = expected_hosts(docs, edges, name)
        assert hosts == wanted, f"{name}: extra {sorted(hosts - wanted)}, missing {sorted(wanted - hosts)}"
        assert sidecar["spec"]["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}


def test_the_storefronts_hosts_are_the_apis_and_the_data_tier(docs):
    edges = network_edges(docs)
    (storefront,) = [w for w in workloads(docs) if w["metadata"]["name"] == "storefront"]
    (sidecar,) = sidecars_for(docs, storefront)
    hosts = {h.split("/")[1].split(".")[0] for e in sidecar["spec"]["egress"] for h in e["hosts"]}
    assert hosts == {*TOPOLOGY.service_names, "postgres", "kafka", "kafka-headless"} | {
        "dragonfly",
        "vault",
        "otel-collector",
        "istiod",
    }
    assert expected_hosts(docs, edges, "users") == expected_hosts(docs, edges, "payments")
