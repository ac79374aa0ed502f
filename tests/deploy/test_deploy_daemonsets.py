"""Every DaemonSet runs on every node of the kind cluster (issue 20, finding 9: promtail, node-exporter).

The taint comes from upstream: kubeadm taints each control-plane node
`node-role.kubernetes.io/control-plane:NoSchedule`,
and kind removes that taint only when the cluster has one node (kubernetes-sigs/kind v0.24.0,
pkg/cluster/internal/create/actions/kubeadminit/init.go, `if len(allNodes) == 1`). Our kind.yaml has three.
"""

import yaml
from deploy_manifests import of_kind, pod_spec

from retail_dev.paths import ROOT

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def node_taints() -> dict[str, list[dict]]:
    """kind.yaml's nodes (role + index) and the taints kind leaves on each."""
    nodes = yaml.safe_load((ROOT / "kind.yaml").read_text())["nodes"]
    keep_control_plane_taint = len(nodes) > 1
    return {
        f"{node['role']}-{i}": [CONTROL_PLANE_TAINT]
        if node["role"] == "control-plane" and keep_control_plane_taint
        else []
        for i, node in enumerate(nodes)
    }


def tolerates(toleration: dict, taint: dict) -> bool:
    """Kubernetes' rule (core/v1 Toleration.ToleratesTaint): effect empty or equal, key empty+Exists or equal,
    and Exists, or Equal with the taint's value."""
    if toleration.get("effect") and toleration["effect"] != taint["effect"]:
        return False
    operator = toleration.get("operator", "Equal")
    if not toleration.get("key"):
        return operator == "Exists"
    if toleration["key"] != taint["key"]:
        return False
    return operator == "Exists" or toleration.get("value", "") == taint.get("value", "")


def test_the_kind_cluster_keeps_the_control_plane_taint():
    assert node_taints() == {"control-plane-0": [CONTROL_PLANE_TAINT], "worker-1": [], "worker-2": []}


def test_every_daemonset_runs_on_every_node(docs):
    daemonsets = of_kind(docs, "DaemonSet")
    assert sorted(d["metadata"]["name"] for d in daemonsets) == ["node-exporter", "promtail"]
    for daemonset in daemonsets:
        spec = pod_spec(daemonset)
        name = daemonset["metadata"]["name"]
        assert not spec.get("nodeSelector") and not spec.get("affinity"), f"DaemonSet {name}: must select every node"
        for node, taints in node_taints().items():
            untolerated = [t for t in taints if not any(tolerates(tol, t) for tol in spec.get("tolerations", []))]
            assert not untolerated, (
                f"DaemonSet {name} skips kind node {node}: add the toleration "
                f"{{key: {CONTROL_PLANE_TAINT['key']}, operator: Exists, effect: NoSchedule}}"
            )
