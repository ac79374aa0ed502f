"""The rendered overlay's retail pods as run specs: what `docker run` needs to start each container as
the kubelet would (pure: documents in, dataclasses out; nothing runs here).

A pod is every Deployment and Job whose containers run a `retail/*` image (vault-bootstrap of
retail-data included: it runs retail/orders). Per container: image (the tag given, the one built
here), args with `$(VAR)` expanded, env as the kubelet builds it (ConfigMap `envFrom` and
`configMapKeyRef` resolved from the rendered ConfigMaps, `fieldRef` resolved, `$(VAR)` expanded),
user and groups from the securityContext, read-only root, the emptyDirs it mounts (tmpfs of their
sizeLimit), memory limit, probes and named ports. Third-party containers (Vault Agent, Kafka's
wait-topics) are kept as `ThirdParty` entries: they cannot run here, the smoke translates each
(docker/README.md lists how).

No installable library turns pod specs into `docker run` arguments (kind runs a whole cluster, which
cannot start here).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

RETAIL_IMAGE = "retail/"
POD_KINDS = ("Deployment", "Job")
SECRETS_VOLUME_MOUNT = "/vault/secrets"
QUANTITY = re.compile(r"^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
UNITS |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}
# Kubernetes' defaults for a probe field the manifest leaves out (core/v1 Probe).
PROBE_DEFAULTS = {"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3, "initialDelaySeconds": 0}
VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def quantity(text: str | int) -> int:
    """A Kubernetes memory quantity (`384Mi`, `1G`, `512`) in bytes."""
    match = QUANTITY.match(str(text))
    if not match:
        raise ValueError(f"not a memory quantity this translation knows: {text!r}")
    return int(match.group(1)) * UNITS[match.group(2)]


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion): a defined
    variable is replaced, an undefined reference stays as written, `$$` is one `$`."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return VAR_REF.sub(replace, text)


@dataclass(frozen=True)
class Probe:
    kind: str  # httpGet, exec, grpc, tcpSocket
    target: tuple  # httpGet: (port, path, headers); exec: (command…); grpc/tcpSocket: (port,)
    period: int
    timeout: int
    failures: int
    initial_delay: int


@dataclass
class ContainerRun:
    name: str
    image: str
    args: list[str]
    env: dict[str, str]
    user: str  # uid:gid
    groups: list[int]
    read_only: bool
    tmpfs: dict[str, int]  # mount path -> size in bytes (an emptyDir's sizeLimit)
    secrets_mount: str | None  # where the Vault Agent's files are mounted (None: not mounted)
    memory: int | None  # bytes
    cap_drop: list[str]
    no_new_privileges: bool
    ports: dict[str, int]  # named container ports
    probes: dict[str, Probe] = field(default_factory=dict)  # startup, readiness, liveness


@dataclass
class ThirdParty:
    """A container of an image that cannot be pulled here; the smoke translates it by its name."""

    name: str
    image: str
    command: list[str]
    init: bool


@dataclass
class PodRun:
    kind: str
    namespace: str
    name: str
    account: str
    labels: dict[str, str]
    init: list[ContainerRun | ThirdParty]  # in order: each must exit 0 before the next
    containers: list[ContainerRun]
    sidecars: list[ThirdParty]
    termination_grace: int
    automount_token: bool

    @property
    def key(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"

    def waits_for(self) -> set[str]:
        """What its init containers wait for: `migrations`, `topics` (from their names, wait-<what>)."""
        return {c.name.removeprefix("wait-") for c in self.init if c.name.startswith("wait-")}


def config_maps(docs: list[dict]) -> dict[tuple[str, str], dict[str, str]]:
    return {
        (d["metadata"].get("namespace", ""), d["metadata"]["name"]): dict(d.get("data") or {})
        for d in docs
        if d["kind"] == "ConfigMap"
    }


def field_value(path: str, pod: dict) -> str:
    """A `fieldRef` the kubelet resolves from the pod object (the ones known before it is scheduled)."""
    known = {
        "metadata.name": pod["name"],
        "metadata.namespace": pod["namespace"],
        "spec.serviceAccountName": pod["account"],
    }
    label = re.fullmatch(r"metadata\.labels\['(.+)'\]", path)
    if label:
        return pod["labels"].get(label.group(1), "")
    if path not in known:
        raise ValueError(f"fieldRef {path} is not translated (pod {pod['namespace']}/{pod['name']})")
    return known[path]


def container_env(container: dict, namespace: str, maps: dict, pod: dict) -> dict[str, str]:
    """The env the kubelet gives the container: envFrom first (in order), then env (in order, each value
    expanded against what is defined before it)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef")
        if not ref:
            raise ValueError(f"envFrom {source} is not translated (only configMapRef)")
        data = maps.get((namespace, ref["name"]))
        if data is None:
            raise ValueError(f"ConfigMap {namespace}/{ref['name']} is not in the rendered overlay")
        env |= {source.get("prefix", "") + key: value for key, value in data.items()}
    for item in container.get("env", []):
        source = item.get("valueFrom")
        if source is None:
            env[item["name"]] = expand(str(item.get("value", "")), env)
        elif "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            env[item["name"]] = maps[(namespace, ref["name"])][ref["key"]]
        elif "fieldRef" in source:
            env[item["name"]] = field_value(source["fieldRef"]["fieldPath"], pod)
        else:
            raise ValueError(f"env {item['name']}: {list(source)} is not translated")
    return env


def probe(spec: dict) -> Probe:
    values = {key: spec.get(key, default) for key, default in PROBE_DEFAULTS.items()}
    if "httpGet" in spec:
        http = spec["httpGet"]
        headers = tuple((h["name"], h["value"]) for h in http.get("httpHeaders", []))
        kind, target = "httpGet", (http["port"], http.get("path", "/"), headers)
    elif "exec" in spec:
        kind, target = "exec", tuple(spec["exec"]["command"])
    elif "grpc" in spec:
        kind, target = "grpc", (spec["grpc"]["port"],)
    elif "tcpSocket" in spec:
        kind, target = "tcpSocket", (spec["tcpSocket"]["port"],)
    else:
        raise ValueError(f"probe {spec} is not translated")
    return Probe(
        kind,
        target,
        values["periodSeconds"],
        values["timeoutSeconds"],
        values["failureThreshold"],
        values["initialDelaySeconds"],
    )


def container_run(container: dict, spec: dict, namespace: str, maps: dict, pod: dict, tag: str) -> ContainerRun:
    pod_security, security = spec.get("securityContext", {}), container.get("securityContext", {})
    uid = security.get("runAsUser", pod_security.get("runAsUser"))
    gid = security.get("runAsGroup", pod_security.get("runAsGroup", uid))
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    tmpfs, secrets_mount = {}, None
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        if mount["mountPath"] == SECRETS_VOLUME_MOUNT:
            secrets_mount = mount["mountPath"]
        elif "emptyDir" in volume:
            tmpfs[mount["mountPath"]] = quantity(volume["emptyDir"].get("sizeLimit", "64Mi"))
        else:
            raise ValueError(f"volume {mount['name']} of {pod['name']}/{container['name']} is not translated")
    env = container_env(container, namespace, maps, pod)
    limit = container.get("resources", {}).get("limits", {}).get("memory")
    image = container["image"].split(":")[0]
    return ContainerRun(
        name=container["name"],
        image=f"{image}:{tag}",
        args=[expand(str(a), env) for a in container.get("args", [])],
        env=env,
        user=f"{uid}:{gid}" if uid is not None else "",
        groups=[pod_security["fsGroup"]] if "fsGroup" in pod_security else [],
        read_only=bool(security.get("readOnlyRootFilesystem")),
        tmpfs=tmpfs,
        secrets_mount=secrets_mount,
        memory=quantity(limit) if limit else None,
        cap_drop=list(security.get("capabilities", {}).get("drop", [])),
        no_new_privileges=security.get("allowPrivilegeEscalation") is False,
        ports={p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p},
        probes={
            kind: probe(container[f"{kind}Probe"])
            for kind in ("startup", "readiness", "liveness")
            if f"{kind}Probe" in container
        },
    )


def third_party(container: dict, *, init: bool) -> ThirdParty:
    return ThirdParty(
        container["name"], container["image"], [*container.get("command", []), *container.get("args", [])], init
    )


def is_retail(container: dict) -> bool:
    return container["image"].startswith(RETAIL_IMAGE)


def pod_run(workload: dict, maps: dict, tag: str) -> PodRun:
    template = workload["spec"]["template"]
    spec, namespace = template["spec"], workload["metadata"]["namespace"]
    pod = {
        "name": workload["metadata"]["name"],
        "namespace": namespace,
        "account": spec.get("serviceAccountName", "default"),
        "labels": dict(template["metadata"].get("labels", {})),
    }

    def translate(container: dict, *, init: bool):
        if is_retail(container):
            return container_run(container, spec, namespace, maps, pod, tag)
        return third_party(container, init=init)

    return PodRun(
        kind=workload["kind"],
        namespace=namespace,
        name=pod["name"],
        account=pod["account"],
        labels=pod["labels"],
        init=[translate(c, init=True) for c in spec.get("initContainers", [])],
        containers=[translate(c, init=False) for c in spec["containers"] if is_retail(c)],
        sidecars=[third_party(c, init=False) for c in spec["containers"] if not is_retail(c)],
        termination_grace=spec.get("terminationGracePeriodSeconds", 30),
        automount_token=spec.get("automountServiceAccountToken", True),
    )


def retail_pods(docs: list[dict], tag: str) -> list[PodRun]:
    """Every Deployment and Job that runs a retail image, in the order the smoke starts them: Jobs that
    wait for nothing, then Jobs that wait (wait-migrations, wait-topics), then Deployments; vault-bootstrap
    (retail-data: every Vault Agent needs the Vault it sets up) before all."""
    maps = config_maps(docs)
    pods = [
        pod_run(d, maps, tag)
        for d in docs
        if d["kind"] in POD_KINDS and any(is_retail(c) for c in d["spec"]["template"]["spec"]["containers"])
    ]
    return sorted(pods, key=start_order)


def start_order(pod: PodRun) -> tuple:
    return (pod.kind != "Job", bool(pod.waits_for()), pod.namespace == "retail-app", pod.namespace, pod.name)


def stages(pods: list[PodRun]) -> list[list[PodRun]]:
    """The pods grouped by start_order's first three keys: each group starts once the one before finished."""
    grouped: dict[tuple, list[PodRun]] = {}
    for pod in pods:
        grouped.setdefault(start_order(pod)[:3], []).append(pod)
    return list(grouped.values())
