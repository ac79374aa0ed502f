"""kind.yaml: the node image pinned by digest, the host ports on 127.0.0.1 only, and the tool versions the
preflight asks for agree with the image."""

import yaml

from retail_dev.deploy import cluster_preflight
from retail_dev.paths import ROOT

# kubernetes-sigs/kind, pkg/apis/config/defaults/image.go at tag v0.29.0 (the default node image of v0.29.0).
KIND_V0_29_0_NODE = "kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f"
CONFIG = yaml.safe_load((ROOT / "kind.yaml").read_text())


def test_every_node_runs_the_node_image_of_the_required_kind_pinned_by_digest():
    assert [node["image"] for node in CONFIG["nodes"]] == [KIND_V0_29_0_NODE] * 3
    assert cluster_preflight.KIND_MINIMUM == (0, 29, 0)
    assert cluster_preflight.node_kubernetes() == (1, 33, 1)


def test_the_required_istio_supports_the_node_kubernetes():
    # istio.io/latest/docs/releases/supported-releases: Istio 1.27 supports Kubernetes 1.29 to 1.33.
    assert cluster_preflight.ISTIO_SUPPORTS[(1, 27)] == (29, 33)
    assert "Istio 1.27" in cluster_preflight.HOW_TO_INSTALL["istioctl"]
    assert "v0.29.0" in cluster_preflight.HOW_TO_INSTALL["kind"]


def test_the_host_ports_are_the_seeds_access_points_on_loopback_only():
    """HTTP, HTTPS, Grafana, Jaeger, Prometheus at their NodePorts; Kafka's host port is the one its EXTERNAL
    listener advertises (localhost:29092), mapped to the NodePort 30003 of the dev overlay's kafka-external."""
    mappings = [m for node in CONFIG["nodes"] for m in node.get("extraPortMappings", [])]
    assert [(m["hostPort"], m["containerPort"], m["listenAddress"]) for m in mappings] == [
        (30080, 30080, "127.0.0.1"), (30443, 30443, "127.0.0.1"), (30030, 30030, "127.0.0.1"),
        (30086, 30086, "127.0.0.1"), (30090, 30090, "127.0.0.1"), (29092, 30003, "127.0.0.1"),
    ]  # fmt: skip
