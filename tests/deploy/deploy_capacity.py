"""What a namespace asks of its quota at an overlay's maximum scale (tests/deploy and bench deploy)."""

from __future__ import annotations

from decimal import Decimal

from deploy_manifests import containers, max_replicas, namespace, of_kind, pod_spec, pod_template, workloads

NODES = 3  # DaemonSet pods: kind.yaml's three nodes (a bigger cluster needs its quota raised with it)
SUFFIXES = {
    "m": Decimal("0.001"),
    "Ki": 2**10,
    "Mi": 2**20,
    "Gi": 2**30,
    "Ti": 2**40,
    "k": 10**3,
    "M": 10**6,
    "G": 10**9,
}
SIDECAR = {  # the Istio proxy injected into every retail-app pod, sized by these annotations
    "requests.cpu": "sidecar.istio.io/proxyCPU",
    "requests.memory": "sidecar.istio.io/proxyMemory",
    "limits.memory": "sidecar.istio.io/proxyMemoryLimit",
}
FIELDS = tuple(SIDECAR)


def quantity(value) -> Decimal:
    text = str(value)
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if text.endswith(suffix):
            return Decimal(text[: -len(suffix)]) * Decimal(SUFFIXES[suffix])
    return Decimal(text)


def container_amount(container: dict, field: str) -> Decimal:
    section, resource = field.split(".")
    return quantity(container.get("resources", {}).get(section, {}).get(resource, 0))


def pod_amounts(workload: dict) -> dict[str, Decimal]:
    """A pod's effective requests and limits: its containers (and sidecar), or its largest init container."""
    spec = pod_spec(workload)
    annotations = pod_template(workload)["metadata"].get("annotations", {})
    amounts = {}
    for field in FIELDS:
        running = sum((container_amount(c, field) for c in containers(spec, init=False)), Decimal(0))
        if namespace(workload) == "retail-app":
            running += quantity(annotations.get(SIDECAR[field], 0))
        init = max((container_amount(c, field) for c in spec.get("initContainers", [])), default=Decimal(0))
        amounts[field] = max(running, init)
    return amounts


def pod_count(docs, workload: dict, *, maximum: bool) -> int:
    if workload["kind"] == "DaemonSet":
        return NODES
    if not maximum:
        return workload["spec"].get("replicas", 1) if workload["kind"] != "Job" else 1
    surge = 1 if workload["kind"] == "Deployment" else 0  # a rolling update's extra pod (maxSurge 1)
    return max_replicas(docs, workload) + surge


def namespace_usage(docs, ns: str, *, maximum: bool = True) -> dict[str, Decimal]:
    usage = dict.fromkeys(FIELDS, Decimal(0)) | dict.fromkeys(
        ("pods", "persistentvolumeclaims", "requests.storage"), Decimal(0)
    )
    for workload in (w for w in workloads(docs) if namespace(w) == ns):
        count = pod_count(docs, workload, maximum=maximum)
        for field, amount in pod_amounts(workload).items():
            usage[field] += amount * count
        usage["pods"] += count
        for claim in workload["spec"].get("volumeClaimTemplates", []):
            replicas = workload["spec"].get("replicas", 1)
            usage["persistentvolumeclaims"] += replicas
            usage["requests.storage"] += quantity(claim["spec"]["resources"]["requests"]["storage"]) * replicas
    return usage


def shown(field: str, amount: Decimal) -> str:
    """An amount as people read it: memory and storage in Mi, CPU in cores, counts as they are."""
    if "memory" in field or "storage" in field:
        return f"{amount / quantity('1Mi'):.0f}Mi"
    return f"{amount:f}".rstrip("0").rstrip(".") if "." in f"{amount:f}" else f"{amount:f}"


def quota_of(docs, ns: str) -> dict[str, Decimal]:
    quotas = [q for q in of_kind(docs, "ResourceQuota") if namespace(q) == ns]
    assert len(quotas) == 1, f"ResourceQuota of {ns}: {len(quotas)} found, 1 expected"
    return {k: quantity(v) for k, v in quotas[0]["spec"]["hard"].items()}
