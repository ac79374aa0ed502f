"""Every variable the settings need in a cluster is set in the pod, or is a file the Vault agent renders."""

import importlib.util
import subprocess
import sys
from pathlib import Path

from deploy_manifests import SECRETS_MOUNT, containers, namespace, of_kind, pod_spec, rid, workloads
from settings_reads import needed_in_cluster, project_needs
from vault_agent_config import composed_from, destinations

from retail_dev.paths import ROOT
from retail_dev.projects import by_name


def image_env(project: str) -> dict[str, str]:
    """docker/Dockerfile's ENV of the runtime stage, built for `project` (images build's build args), minus
    PATH: here the host's Python runs."""
    text = (ROOT / "docker" / "Dockerfile").read_text().replace("\\\n", " ")
    runtime = text[text.index(" AS runtime") :]
    line = next(line for line in runtime.splitlines() if line.startswith("ENV PATH="))
    args = {"${PROJECT}": project, "${SETTINGS_MODULE}": by_name(project).settings}
    env = {}
    for pair in line.removeprefix("ENV ").split():
        name, value = pair.split("=", 1)
        for arg, given in args.items():
            value = value.replace(arg, given)
        env[name] = value
    del env["PATH"]
    return env


# What the kubelet adds to every container (the Service environment of the default namespace's API).
CLUSTER_ENV = {"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOSTNAME": "vault-bootstrap"}


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


def literal_env(container) -> dict[str, str]:
    return {v["name"]: v["value"] for v in container.get("env", []) if "value" in v}


def settings_needs(project: str, container) -> frozenset[str]:
    """What the settings the container loads need: the project's, or those of the module its env names."""
    module = literal_env(container).get("DJANGO_SETTINGS_MODULE")
    if module in (None, f"{project}_service.settings"):
        return project_needs(project)
    return frozenset(needed_in_cluster(Path(importlib.util.find_spec(module).origin)))


def test_every_setting_the_cluster_needs_is_provided(docs):
    problems = []
    for w in workloads(docs):
        for c in containers(pod_spec(w)):
            image = c["image"].split(":")[0]
            if not image.startswith("retail/"):
                continue
            missing = settings_needs(image.removeprefix("retail/"), c) - provided(docs, w, c)
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


def test_vault_bootstrap_needs_nothing_it_creates(docs):
    (job,) = [w for w in workloads(docs) if w["metadata"]["name"] == "vault-bootstrap"]
    (container,) = containers(pod_spec(job))
    assert literal_env(container)["DJANGO_SETTINGS_MODULE"] == "retail_common.ops.bootstrap_settings"
    assert settings_needs("orders", container) == frozenset()


def test_vault_bootstrap_loads_its_settings_with_the_jobs_env(docs):
    """`manage check` in the image's project, with the rendered Job's env and what a cluster adds: no secret files."""
    (job,) = [w for w in workloads(docs) if w["metadata"]["name"] == "vault-bootstrap"]
    (container,) = containers(pod_spec(job))
    assert container["image"].split(":")[0] == "retail/orders" and container["args"][0] == "manage"
    assert not container.get("envFrom") and all("value" in v for v in container["env"]), "resolve references here"
    assert not Path(SECRETS_MOUNT).exists(), f"{SECRETS_MOUNT} exists on this machine: the check would read it"
    env = {**image_env("orders"), **literal_env(container), **CLUSTER_ENV, "PATH": str(Path(sys.executable).parent)}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT / "apps/orders", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == "System check identified no issues (0 silenced).\n"


def test_the_image_env_is_read_from_the_dockerfile():
    assert image_env("orders") == {
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "HOME": "/tmp",
        "RETAIL_PROJECT": "orders",
        "DJANGO_SETTINGS_MODULE": "orders_service.settings",
        "PORT": "8000",
        "GRPC_PORT": "50051",
        "MEDIA_ROOT": "/tmp/media",
        "LOG_FORMAT": "json",
    }
