"""Every workload's pods fit the kind cluster under their hard spread constraints (issue 20, finding 9).

The scheduler's rule for `whenUnsatisfiable: DoNotSchedule` (kubernetes/kubernetes
pkg/scheduler/framework/plugins/podtopologyspread/filtering.go): a pod may go to a domain only if that
domain's count + 1 - the smallest count among the eligible domains ≤ maxSkew. Which nodes are eligible
domains is `nodeTaintsPolicy` (core/v1 TopologySpreadConstraint): `Ignore`, the default, counts every
node, the control plane that kind keeps tainted included, where no pod of ours can go; `Honor` counts
only the nodes whose taints the pod tolerates. With `Ignore`, 3 Kafka brokers on kind's two workers
would be 2, 1 and 0 on the control plane: skew 2, and the third broker stays Pending.
"""

from deploy_manifests import max_replicas, pod_spec, rid, workloads
from test_deploy_daemonsets import node_taints, tolerates


def schedulable_nodes(spec: dict) -> list[str]:
    return [
        node
        for node, taints in node_taints().items()
        if all(any(tolerates(t, taint) for t in spec.get("tolerations", [])) for taint in taints)
    ]


def domains(spec: dict, constraint: dict) -> list[str]:
    """The nodes the constraint counts (one node a domain: topologyKey kubernetes.io/hostname)."""
    if constraint.get("nodeTaintsPolicy", "Ignore") == "Honor":
        return schedulable_nodes(spec)
    return list(node_taints())


def place(spec: dict, replicas: int) -> dict[str, int]:
    """Place `replicas` pods one by one as the scheduler's filter allows; the count on each node."""
    hard = [
        c
        for c in spec.get("topologySpreadConstraints", [])
        if c["whenUnsatisfiable"] == "DoNotSchedule" and c["topologyKey"] == "kubernetes.io/hostname"
    ]
    counts = dict.fromkeys(node_taints(), 0)
    for _ in range(replicas):
        fits = [
            node
            for node in schedulable_nodes(spec)
            if all(
                node in domains(spec, c)
                and counts[node] + 1 - min(counts[d] for d in domains(spec, c)) <= c.get("maxSkew", 1)
                for c in hard
            )
        ]
        if not fits:
            break
        counts[min(fits, key=lambda n: counts[n])] += 1
    return counts


def test_every_workload_places_its_maximum_on_kind(docs):
    problems = []
    for w in workloads(docs):
        if w["kind"] not in ("Deployment", "StatefulSet"):
            continue
        wanted = max_replicas(docs, w)
        placed = place(pod_spec(w), wanted)
        if sum(placed.values()) != wanted:
            problems.append(f"{rid(w)}: {wanted} pods wanted, the spread places {placed} on kind's nodes")
    assert not problems, "\n".join(problems)


def test_the_rule_itself_refuses_the_third_broker_when_the_tainted_node_counts():
    spread = {"maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule"}
    assert place({"topologySpreadConstraints": [spread]}, 3) == {"control-plane-0": 0, "worker-1": 1, "worker-2": 1}
    honored = {**spread, "nodeTaintsPolicy": "Honor"}
    assert place({"topologySpreadConstraints": [honored]}, 3) == {"control-plane-0": 0, "worker-1": 2, "worker-2": 1}
