"""Schema validation of rendered manifests: Kubernetes 1.32 (strict) and Istio's resources.

The validation is kubernetes-validate's and cloudcoil-models-istio's; this module only feeds them the
documents.
"""

from __future__ import annotations

import importlib

import kubernetes_validate
from pydantic import ValidationError as ModelError

from retail_dev.deploy.render import resource_id

KUBERNETES_VERSION = "1.32.0"

# Istio's API groups -> the cloudcoil module holding their models (generated from Istio's CRD schemas).
ISTIO_GROUPS = {
    "networking.istio.io": "cloudcoil.models.istio.networking",
    "security.istio.io": "cloudcoil.models.istio.security",
    "telemetry.istio.io": "cloudcoil.models.istio.telemetry",
    "extensions.istio.io": "cloudcoil.models.istio.extensions",
}


def is_istio(doc: dict) -> bool:
    return doc.get("apiVersion", "").split("/")[0] in ISTIO_GROUPS


def kubernetes_errors(docs: list[dict]) -> list[str]:
    """Every built-in resource against the 1.32 schema, rejecting unknown fields."""
    errors = []
    for doc in docs:
        if is_istio(doc):
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path) or "(top level)"
            errors.append(f"{resource_id(doc)}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            errors.append(f"{resource_id(doc)}: apiVersion {doc.get('apiVersion')} has no schema in Kubernetes 1.32")
    return errors


def istio_model(doc: dict):
    group, version = doc["apiVersion"].split("/")
    module = importlib.import_module(f"{ISTIO_GROUPS[group]}.{version}")
    model = getattr(module, doc["kind"], None)
    if model is None:
        raise LookupError(f"{doc['apiVersion']} has no kind {doc['kind']}")
    return model


def dropped_fields(given, kept, path: str = "") -> list[str]:
    """Paths present in `given` but not in the model's dump: fields the schema does not know (strict)."""
    if isinstance(given, dict) and isinstance(kept, dict):
        found = []
        for key, value in given.items():
            where = f"{path}.{key}" if path else str(key)
            found.extend([where] if key not in kept else dropped_fields(value, kept[key], where))
        return found
    if isinstance(given, list) and isinstance(kept, list):
        return [
            p for i, (g, k) in enumerate(zip(given, kept, strict=False)) for p in dropped_fields(g, k, f"{path}[{i}]")
        ]
    return []


def istio_errors(docs: list[dict]) -> list[str]:
    """Every Istio resource against its model; unknown fields are refused."""
    errors = []
    for doc in (d for d in docs if is_istio(d)):
        try:
            parsed = istio_model(doc).model_validate(doc)
            kept = parsed.model_dump(by_alias=True, exclude_unset=True, mode="json")
            errors.extend(f"{resource_id(doc)}: {path}: unknown field" for path in dropped_fields(doc, kept))
        except (LookupError, ModuleNotFoundError) as exc:
            errors.append(f"{resource_id(doc)}: {exc}")
        except ModelError as exc:
            for error in exc.errors():
                path = ".".join(str(p) for p in error["loc"])
                errors.append(f"{resource_id(doc)}: {path}: {error['msg']}")
    return errors
