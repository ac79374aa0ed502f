"""The third-party containers of a rendered overlay as their images see them at start: image and tag, args,
env, which paths they may write under a read-only root, memory limit (helpers of tests/deploy's
test_upstream_*.py, which hold the rules each upstream image applies). Any namespace and workload kind, with
StatefulSets' volume claims; where a mount lies is upstream_images.py's rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from deploy_capacity import quantity
from deploy_manifests import containers, of_kind, pod_spec, rid, workloads
from upstream_images import WRITABLE_VOLUME_KINDS, mount_for

DEPENDENT_VAR = re.compile(r"\$\((\w+)\)")  # Kubernetes expands $(NAME) from env vars defined earlier


@dataclass(frozen=True)
class Running:
    """One container of one workload, with the pod spec it runs in."""

    workload: dict
    spec: dict
    container: dict

    @property
    def where(self) -> str:
        return f"{rid(self.workload)}: container {self.container['name']}"

    @property
    def repository(self) -> str:
        return self.container["image"].rsplit(":", 1)[0]

    @property
    def tag(self) -> str:
        return self.container["image"].rsplit(":", 1)[1]

    @property
    def args(self) -> list[str]:
        return list(self.container.get("args", []))

    @property
    def env(self) -> dict[str, dict]:
        """Each env var by name: {"value": ...} or {"valueFrom": ...}."""
        return {e["name"]: e for e in self.container.get("env", [])}

    def value(self, name: str) -> str | None:
        return self.env.get(name, {}).get("value")

    def security(self, key: str):
        """A securityContext field, the container's over the pod's."""
        own = self.container.get("securityContext", {})
        return own[key] if key in own else self.spec.get("securityContext", {}).get(key)

    @property
    def read_only_root(self) -> bool:
        return bool(self.container.get("securityContext", {}).get("readOnlyRootFilesystem"))

    def mount_of(self, path: str) -> dict | None:
        """The volumeMount a path lies under (the deepest one), or None if it is on the root filesystem."""
        return mount_for(self.spec, self.container, path)

    def volume_of(self, path: str) -> dict | None:
        mount = self.mount_of(path)
        return next((v for v in self.spec.get("volumes", []) if mount and v["name"] == mount["name"]), None)

    def writable(self, path: str) -> bool:
        """Whether the container can write at path: a mount that is not read-only (ConfigMaps never are
        writable), or the root filesystem when it is not read-only."""
        mount = self.mount_of(path)
        if mount is None:
            return not self.read_only_root
        volume = self.volume_of(path) or {}
        claims = {c["metadata"]["name"] for c in self.workload["spec"].get("volumeClaimTemplates", [])}
        return not mount.get("readOnly") and (bool(set(WRITABLE_VOLUME_KINDS) & set(volume)) or mount["name"] in claims)

    @property
    def memory_limit(self) -> Decimal:
        return quantity(self.container.get("resources", {}).get("limits", {}).get("memory", 0))

    @property
    def cpu_limit(self) -> Decimal | None:
        cpu = self.container.get("resources", {}).get("limits", {}).get("cpu")
        return None if cpu is None else quantity(cpu)


def running(docs, repository: str) -> list[Running]:
    """Every container (init containers too) whose image is `repository`, whatever its tag."""
    found = [
        Running(w, pod_spec(w), c)
        for w in workloads(docs)
        for c in containers(pod_spec(w))
        if c["image"].rsplit(":", 1)[0] == repository
    ]
    assert found, f"no container runs {repository}"
    return found


def config_map(docs, namespace: str, name: str) -> dict[str, str]:
    """A rendered ConfigMap's data (its generated name carries a hash suffix the volume names too)."""
    return next(
        m.get("data", {})
        for m in of_kind(docs, "ConfigMap")
        if m["metadata"]["name"] == name and m["metadata"].get("namespace") == namespace
    )


def mounted_file(docs, run: Running, path: str) -> str | None:
    """The text of a file a ConfigMap volume puts at path (its key is the path below the mount)."""
    mount = run.mount_of(path)
    volume = run.volume_of(path) or {}
    if mount is None or "configMap" not in volume:
        return None
    key = path[len(mount["mountPath"].rstrip("/")) + 1 :]
    data = config_map(docs, run.workload["metadata"]["namespace"], volume["configMap"]["name"])
    return data.get(key)


def undefined_references(run: Running) -> list[str]:
    """$(NAME) in args or env values naming no env var defined before it: Kubernetes leaves those as
    literal text (the container then sees "$(NAME)")."""
    problems, defined = [], []
    for entry in run.container.get("env", []):
        problems += [
            f"{run.where}: env {entry['name']} uses $({name}), not defined before it"
            for name in DEPENDENT_VAR.findall(entry.get("value", ""))
            if name not in defined
        ]
        defined.append(entry["name"])
    for arg in [*run.container.get("command", []), *run.args]:
        problems += [
            f"{run.where}: argument {arg!r} uses $({name}), which is no env var of the container"
            for name in DEPENDENT_VAR.findall(arg)
            if name not in defined
        ]
    return problems


def service_link_variables(docs, run: Running) -> list[str]:
    """The variables Kubernetes adds to the container for each Service of its namespace that has a cluster
    IP, unless the pod sets enableServiceLinks: false (kubelet's getServiceEnvVarMap; docs: "Service >
    Discovering services > Environment variables")."""
    if run.spec.get("enableServiceLinks", True) is False:
        return []
    names = []
    for service in of_kind(docs, "Service"):
        if service["metadata"].get("namespace") != run.workload["metadata"]["namespace"]:
            continue
        if service["spec"].get("clusterIP") == "None" or service["spec"].get("type") == "ExternalName":
            continue
        prefix = service["metadata"]["name"].upper().replace("-", "_")
        names += [f"{prefix}_SERVICE_HOST", f"{prefix}_SERVICE_PORT", f"{prefix}_PORT"]
        for port in service["spec"].get("ports", []):
            if port.get("name"):
                names.append(f"{prefix}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}")
            tcp = f"{prefix}_PORT_{port['port']}_{port.get('protocol', 'TCP')}"
            names += [tcp, f"{tcp}_PROTO", f"{tcp}_PORT", f"{tcp}_ADDR"]
    return names
