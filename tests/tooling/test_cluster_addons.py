"""`cluster up` installs metrics-server (deploy/addons/metrics-server.yaml) in its istio step, so the HPAs
read CPU on kind; against the stand-ins of cluster_standin.py (no Kubernetes API can run here)."""

import yaml
from cluster_fixture import CONTEXT, no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)

from retail_dev.paths import ROOT

MANIFEST = ROOT / "deploy" / "addons" / "metrics-server.yaml"
APPLY = ["kubectl", *CONTEXT, "apply", "--server-side", "-f", str(MANIFEST)]


def metrics_server_container(text: str) -> dict:
    [deployment] = [d for d in yaml.safe_load_all(text) if d and d["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    return container


def test_up_installs_metrics_server_with_istio_before_the_overlay(standin):
    assert run("up") == 0
    calls = standin.calls()
    istio = ["istioctl", "install", *CONTEXT, "-y", "-f", str(ROOT / "deploy/components/istio/istio-install.yaml")]
    assert calls.index(APPLY) == calls.index(istio) + 1
    assert calls.index(APPLY) < calls.index(["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"])
    assert standin.state["addons"] == [MANIFEST.read_text()]


def test_up_on_an_existing_cluster_applies_it_again(standin):
    standin.change(clusters=["retail"])
    assert run("up") == 0
    assert APPLY in standin.calls()


def test_metrics_server_is_pinned_and_trusts_kinds_kubelets():
    """kind's kubelets serve self-signed certificates: metrics-server README.md (v0.8.0, "Requirements")
    names --kubelet-insecure-tls for that; the image is the release's, by version."""
    container = metrics_server_container(MANIFEST.read_text())
    assert container["image"] == "registry.k8s.io/metrics-server/metrics-server:v0.8.0"
    assert "--kubelet-insecure-tls" in container["args"]
    assert "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname" in container["args"]
