"""What the kind cluster needs besides Istio before the overlay: metrics-server, so the HPAs read CPU and
`kubectl top` works (deploy/addons/metrics-server.yaml, pinned, with the kubelet flag kind needs).

kubectl applies the pinned manifest; this module only picks it.
"""

from __future__ import annotations

from retail_dev.console import step
from retail_dev.deploy.cluster_steps import kubectl
from retail_dev.paths import ROOT

METRICS_SERVER = ROOT / "deploy" / "addons" / "metrics-server.yaml"


def install_metrics_server() -> None:
    step("installing metrics-server v0.8.0 (deploy/addons/metrics-server.yaml)")
    kubectl("apply", "--server-side", "-f", str(METRICS_SERVER))
