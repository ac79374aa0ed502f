"""Every variable the settings need in a cluster is set in the pod, or is a file the Vault agent renders."""

from deploy_manifests import SECRETS_MOUNT, containers, namespace, of_kind, pod_spec, rid, workloads
from settings_reads import needed_in_cluster, project_needs
from vault_agent_config import composed_from, destinations

# It runs `manage vault_bootstrap` before any secret or database exists: it loads settings only.
SETTINGS_ONLY = {"vault-bootstrap"}


def agent_files(docs, workload) -> set[str]:
    """The files the pod's Vault agent renders: common.hcl and its ServiceAccount's file, composed."""
    spec = pod_spec(workload)
    if not any(c["name"] == "vault-agent-init" for c in spec.get("initContainers", [])):
        return set()
    config = next(v["configMap"]["name"] for v in spec["volumes"] if v["name"] == "vault-agent-config")
    maps = [
        m for m in of_kind(docs, "ConfigMap") if namespace(m) == namespace(workload) and m["metadata"]["name"] == config
    ]
    composed = composed_from(maps[0].get("data", {}) if maps else {}, spec["serviceAccountName"])
    return {path.removeprefix(f"{SECRETS_MOUNT}/") for path in destinations(composed)}


def provided(docs, workload, container) -> set[str]:
    names = {v["name"] for v in container.get("env", [])}
    for source in container.get("envFrom", []):
        ref = source.get("configMapRef", {}).get("name")
        names |= {k for m in of_kind(docs, "ConfigMap") if m["metadata"]["name"] == ref for k in m.get("data", {})}
    env = {v["name"]: v.get("value") for v in container.get("env", [])}
    secrets_dir = env.get("SECRETS_DIR") or next(
        (m["data"].get("SECRETS_DIR") for s in container.get("envFrom", []) for m in of_kind(docs, "ConfigMap")
         if m["metadata"]["name"] == s.get("configMapRef", {}).get("name")), None,
    )  # fmt: skip
    mounted = any(m["mountPath"] == SECRETS_MOUNT for m in container.get("volumeMounts", []))
    if secrets_dir == SECRETS_MOUNT and mounted:
        names |= agent_files(docs, workload)
    return names


def test_every_setting_the_cluster_needs_is_provided(docs):
    problems = []
    for w in workloads(docs):
        if w["metadata"]["name"] in SETTINGS_ONLY:
            continue
        for c in containers(pod_spec(w)):
            image = c["image"].split(":")[0]
            if not image.startswith("retail/"):
                continue
            missing = project_needs(image.removeprefix("retail/")) - provided(docs, w, c)
            problems += [
                f"{rid(w)}: container {c['name']}: env {name} is not set and no secret file provides it"
                for name in sorted(missing)
            ]
    assert not problems, "\n".join(problems)


def test_the_reader_finds_required_and_local_reads(tmp_path):
    """The AST reader itself: a read without a default, a local default, a required secret, and the rest."""
    source = tmp_path / "settings.py"
    source.write_text(
        "A = env('NEEDED')\n"
        "B = env.int('HAS_DEFAULT', default=3)\n"
        "C = env('LOCAL', default='http://127.0.0.1:8001')\n"
        "D = resolve_secret('SECRET')\n"
        "E = resolve_secret('OPTIONAL', required=False)\n"
        "F = resolve_secret('URL', required=False) or f'{EMBEDDED_POSTGRES}/x'\n"
    )
    assert needed_in_cluster(source) == {"NEEDED", "LOCAL", "SECRET", "URL"}


def test_what_the_services_need(docs):
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS"} <= project_needs("orders")
    assert {"JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS"} <= project_needs("users")
    assert {"USERS_URL", "INVENTORY_URL", "ORDERS_URL", "PAYMENTS_URL"} <= project_needs("storefront")
    assert "INVENTORY_GRPC_TARGET" in project_needs("orders")
