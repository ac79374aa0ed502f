"""The traffic graph a set of NetworkPolicies allows, computed the way Kubernetes evaluates them.

An edge (source, destination, port) is allowed when the source may send it (no policy selects the
source for Egress, or one of those policies has a rule whose peer and ports match) and the
destination may receive it (the same for Ingress). Peers outside the rendered manifests are named
here: the ingress gateway, kube-dns, istiod, and "outside" (any address beyond the pod network: the
Kubernetes API server, a browser on the NodePorts). ipBlock peers match only "outside": pod addresses
are not known before a cluster runs. Edges between two outside peers are none of the manifests' business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from deploy_manifests import namespace, of_kind, pod_labels, pod_spec, selector_matches, workloads

SIDECAR_METRICS_PORT = 15020  # the merged metrics endpoint of every retail-app pod's sidecar


@dataclass(frozen=True)
class Peer:
    name: str
    namespace: str | None  # None: an address outside the cluster's pods (ipBlock only)
    labels: dict = field(default_factory=dict, hash=False, compare=False)
    ports: frozenset = frozenset()


EXTERNAL = (
    Peer("ingress-gateway", "istio-system", {"istio": "ingressgateway"}, frozenset()),
    Peer("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, frozenset({53})),
    Peer("istiod", "istio-system", {"app": "istiod"}, frozenset({15012})),
    # the API server's ports, the kubelets' (cAdvisor), the alert receivers' (SMTP submission, webhooks)
    Peer("outside", None, {}, frozenset({443, 6443, 10250, 587})),
)


def pod_peers(docs) -> list[Peer]:
    peers = []
    for w in workloads(docs):
        ports = {p["containerPort"] for c in pod_spec(w).get("containers", []) for p in c.get("ports", [])}
        if namespace(w) == "retail-app":
            ports.add(SIDECAR_METRICS_PORT)
        peers.append(Peer(w["metadata"]["name"], namespace(w), pod_labels(w), frozenset(ports)))
    return peers


def namespace_labels(docs) -> dict[str, dict]:
    labels = {}
    for ns in of_kind(docs, "Namespace"):
        name = ns["metadata"]["name"]
        labels[name] = {"kubernetes.io/metadata.name": name, **ns["metadata"].get("labels", {})}
    for name in ("istio-system", "kube-system"):
        labels.setdefault(name, {"kubernetes.io/metadata.name": name})
    return labels


class Graph:
    def __init__(self, docs):
        self.policies = of_kind(docs, "NetworkPolicy")
        self.ns_labels = namespace_labels(docs)
        self.peers = pod_peers(docs) + list(EXTERNAL)
        # the policies selecting each peer, per direction (computed once: the graph asks often)
        self.selecting = {
            (peer, direction): [
                p
                for p in self.policies
                if namespace(p) == peer.namespace
                and direction in p["spec"].get("policyTypes", ["Ingress"])
                and selector_matches(p["spec"]["podSelector"], peer.labels)
            ]
            for peer in self.peers
            for direction in ("Ingress", "Egress")
        }

    def peer_matches(self, rule_peer: dict, policy_ns: str, peer: Peer) -> bool:
        if "ipBlock" in rule_peer:
            return peer.namespace is None
        if peer.namespace is None:
            return False
        if "namespaceSelector" in rule_peer:
            if not selector_matches(rule_peer["namespaceSelector"], self.ns_labels.get(peer.namespace, {})):
                return False
        elif peer.namespace != policy_ns:
            return False
        return selector_matches(rule_peer.get("podSelector"), peer.labels)

    def allowed(self, peer: Peer, other: Peer, port: int, direction: str) -> bool:
        """May `peer` send (Egress) to / receive (Ingress) from `other` on `port`?"""
        if peer.namespace is None or peer.namespace in {"istio-system", "kube-system"}:
            return True  # not ours: the manifests put no policies there
        key, peers_key = ("egress", "to") if direction == "Egress" else ("ingress", "from")
        return any(
            port_matches(rule, port)
            and any(self.peer_matches(rp, namespace(p), other) for rp in rule.get(peers_key, []))
            for p in self.selecting[(peer, direction)]
            for rule in p["spec"].get(key, [])
        )

    def edges(self) -> set[tuple[str, str, int]]:
        found = set()
        for source in self.peers:
            for target in self.peers:
                if source in EXTERNAL and target in EXTERNAL:
                    continue
                for port in target.ports:
                    if self.allowed(source, target, port, "Egress") and self.allowed(target, source, port, "Ingress"):
                        found.add((source.name, target.name, port))
        return found


def port_matches(rule: dict, port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") in (None, port) for p in ports)


def network_edges(docs) -> set[tuple[str, str, int]]:
    return Graph(docs).edges()


def authorization_edges(docs) -> set[tuple[str, str, str]]:
    """(principal, workload, port) that retail-app's ALLOW policies admit, given a default deny."""
    edges = set()
    app = [w for w in workloads(docs) if namespace(w) == "retail-app"]
    for policy in of_kind(docs, "AuthorizationPolicy"):
        spec = policy["spec"]
        if not spec:
            continue
        assert spec.get("action", "ALLOW") == "ALLOW", f"{policy['metadata']['name']}: only ALLOW rules expected"
        targets = [w for w in app if selector_matches(spec.get("selector"), pod_labels(w))]
        for rule in spec.get("rules", []):
            ports = [p for t in rule.get("to", []) for p in t["operation"].get("ports", [])] or ["*"]
            edges |= {(pr, w["metadata"]["name"], port) for pr in principals(rule) for w in targets for port in ports}
    return edges


def app_workload(docs, name: str) -> dict:
    (found,) = [w for w in workloads(docs) if namespace(w) == "retail-app" and w["metadata"]["name"] == name]
    return found


def principals(rule: dict) -> list[str]:
    return [p for f in rule.get("from", []) for p in f["source"].get("principals", [])]


def istio_path_matches(pattern: str, path: str) -> bool:
    """Operation.paths as Istio reads them (security/v1beta1/authorization_policy.proto, istio/api 1.27.3):
    `{*}` one segment and `{**}` any (Envoy URI templates); else `*` alone, a `prefix*`, a `*suffix`, or exact."""
    if "{*}" in pattern or "{**}" in pattern:
        regex = re.escape(pattern).replace(re.escape("{**}"), ".*").replace(re.escape("{*}"), "[^/]+")
        return re.fullmatch(regex, path) is not None
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return path.startswith(pattern[:-1])
    if pattern.startswith("*"):
        return path.endswith(pattern[1:])
    return path == pattern


def operation_matches(operation: dict, port: str, method: str, path: str) -> bool:
    def within(key: str, value: str, match=lambda p, v: p == v) -> bool:
        allowed = not operation.get(key) or any(match(p, value) for p in operation[key])
        negated = "not" + key[0].upper() + key[1:]
        return allowed and not any(match(p, value) for p in operation.get(negated, []))

    return within("ports", port) and within("methods", method) and within("paths", path, istio_path_matches)


def authorization_allows(docs, principal: str, workload: str, port: str, method: str, path: str) -> bool:
    """Would retail-app's ALLOW policies (after the default deny) admit this request?"""
    target = app_workload(docs, workload)
    return any(
        principal in principals(rule)
        and any(operation_matches(t["operation"], port, method, path) for t in rule.get("to", []))
        for policy in of_kind(docs, "AuthorizationPolicy")
        if policy["spec"] and selector_matches(policy["spec"].get("selector"), pod_labels(target))
        for rule in policy["spec"].get("rules", [])
    )


def authorization_operations(docs, principal: str, workload: str) -> set[tuple[str, str]]:
    """(method, path) pairs the policies name for principal -> workload (each operation names both)."""
    found = set()
    target = app_workload(docs, workload)
    for policy in of_kind(docs, "AuthorizationPolicy"):
        if not policy["spec"] or not selector_matches(policy["spec"].get("selector"), pod_labels(target)):
            continue
        for rule in policy["spec"].get("rules", []):
            if principal in principals(rule):
                for to in rule.get("to", []):
                    operation = to["operation"]
                    found |= {(m, p) for m in operation.get("methods", ["*"]) for p in operation.get("paths", ["*"])}
    return found
