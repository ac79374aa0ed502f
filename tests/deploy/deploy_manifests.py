"""Reading rendered overlays: workloads, pod specs, containers, label selectors (helpers of tests/deploy)."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from retail_dev.deploy import render

OVERLAYS = render.OVERLAYS
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
SECRETS_MOUNT = "/vault/secrets"


@functools.cache
def overlay_docs(overlay: str) -> tuple[dict, ...]:
    """The overlay as `deploy check` rendered it (RETAIL_DEPLOY_RENDERED), else rendered here."""
    rendered = os.environ.get("RETAIL_DEPLOY_RENDERED")
    text = (Path(rendered) / f"{overlay}.yaml").read_text() if rendered else render.render(overlay)
    return tuple(render.load(text))


def rid(doc: dict) -> str:
    return render.resource_id(doc)


def of_kind(docs, *kinds: str) -> list[dict]:
    return [d for d in docs if d["kind"] in kinds]


def workloads(docs) -> list[dict]:
    return of_kind(docs, *WORKLOAD_KINDS)


def pod_template(workload: dict) -> dict:
    return workload["spec"]["template"]


def pod_spec(workload: dict) -> dict:
    return pod_template(workload)["spec"]


def pod_labels(workload: dict) -> dict:
    return pod_template(workload)["metadata"].get("labels", {})


def namespace(doc: dict) -> str:
    return doc["metadata"].get("namespace", "")


def containers(spec: dict, *, init: bool = True) -> list[dict]:
    return list(spec.get("containers", [])) + (list(spec.get("initContainers", [])) if init else [])


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against labels; an empty selector matches all."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        present = key in labels
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and present and labels[key] in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


def max_replicas(docs, workload: dict) -> int:
    """The most pods a workload runs: its HPA's maxReplicas, else its replicas (Jobs: parallelism)."""
    kind, name, ns = workload["kind"], workload["metadata"]["name"], namespace(workload)
    for hpa in of_kind(docs, "HorizontalPodAutoscaler"):
        ref = hpa["spec"]["scaleTargetRef"]
        if ref["kind"] == kind and ref["name"] == name and namespace(hpa) == ns:
            return hpa["spec"]["maxReplicas"]
    if kind == "Job":
        return workload["spec"].get("parallelism", 1)
    return workload["spec"].get("replicas", 1)
