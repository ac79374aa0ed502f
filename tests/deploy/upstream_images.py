"""What a third-party container of the rendered overlays gets, to test it against its upstream image's rules.

Each test_upstream_<image>.py states the rules it read in the image's public repository (file and tag in
its docstring) and checks the container here: the pinned image (a new tag means reading upstream again),
the paths the process writes under our read-only root (each must be a writable mount), the flags and
config keys that exist in that version, and the user.
"""

from __future__ import annotations

import posixpath

import yaml
from deploy_manifests import containers, namespace, pod_spec, workloads

WRITABLE_VOLUME_KINDS = ("emptyDir", "hostPath", "persistentVolumeClaim", "ephemeral")


def workload(docs, name: str, ns: str = "retail-observe") -> dict:
    (found,) = [w for w in workloads(docs) if w["metadata"]["name"] == name and namespace(w) == ns]
    return found


def app_container(docs, name: str) -> tuple[dict, dict]:
    """(pod spec, the container named `app`) of the workload `name` in retail-observe."""
    spec = pod_spec(workload(docs, name))
    (app,) = [c for c in containers(spec, init=False) if c["name"] == "app"]
    return spec, app


def volume(spec: dict, name: str) -> dict:
    (found,) = [v for v in spec.get("volumes", []) if v["name"] == name]
    return found


def under(path: str, directory: str) -> bool:
    path, directory = posixpath.normpath(path), posixpath.normpath(directory)
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def mount_for(spec: dict, container: dict, path: str) -> dict | None:
    """The volumeMount that holds `path` (the deepest one), or None: the path is on the image's root."""
    holding = [m for m in container.get("volumeMounts", []) if under(path, m["mountPath"])]
    return max(holding, key=lambda m: len(m["mountPath"]), default=None)


def unwritable(spec: dict, container: dict, paths) -> list[str]:
    """The paths the process cannot write: on the read-only root, or on a read-only mount or volume kind."""
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    bad = []
    for path in paths:
        mount = mount_for(spec, container, path)
        if mount is None:
            bad.append(f"{path} (on the read-only root: mount an emptyDir there)")
        elif mount.get("readOnly") or not any(k in volume(spec, mount["name"]) for k in WRITABLE_VOLUME_KINDS):
            bad.append(f"{path} (volume {mount['name']} at {mount['mountPath']} is read-only)")
    return bad


def flag_names(args: list[str]) -> list[str]:
    """The names of `--name=value` / `-name=value` / `--name` arguments."""
    return [a.lstrip("-").split("=", 1)[0] for a in args if a.startswith("-")]


def arg_value(args: list[str], name: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.lstrip("-").split("=", 1)[0] == name]
    return value


def mounted_file(docs, spec: dict, container: dict, path: str) -> str:
    """The text of the ConfigMap key the container sees at `path` (the rendered ConfigMap, items honoured)."""
    mount = mount_for(spec, container, path)
    assert mount is not None, f"{path}: no volume mounted there"
    source = volume(spec, mount["name"])["configMap"]
    relative = posixpath.relpath(path, mount["mountPath"])
    key = next((i["key"] for i in source.get("items", []) if i["path"] == relative), relative)
    return config_map(docs, source["name"])["data"][key]


def config_map(docs, name: str, ns: str = "retail-observe") -> dict:
    (found,) = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == name and namespace(d) == ns]
    return found


def mounted_yaml(docs, spec: dict, container: dict, path: str) -> dict:
    return yaml.safe_load(mounted_file(docs, spec, container, path))


def effective_user(spec: dict, container: dict) -> int | None:
    return container.get("securityContext", {}).get("runAsUser", spec.get("securityContext", {}).get("runAsUser"))


def non_root_verifiable(spec: dict, container: dict, image_user: str) -> bool:
    """The kubelet refuses to start a runAsNonRoot container whose user it cannot prove non-zero: an image
    USER given by name (`nobody`) needs a numeric runAsUser (kubernetes/kubernetes,
    pkg/kubelet/kuberuntime/security_context_others.go, verifyRunAsNonRoot)."""
    run_as_non_root = container.get("securityContext", {}).get(
        "runAsNonRoot", spec.get("securityContext", {}).get("runAsNonRoot")
    )
    if not run_as_non_root:
        return True
    uid = effective_user(spec, container)
    if uid is not None:
        return uid != 0
    return image_user.split(":")[0].isdigit() and int(image_user.split(":")[0]) != 0


def key_paths(document, prefix: str = "") -> set[str]:
    """Every key of a YAML document as a dotted path (list items: `[]`)."""
    found = set()
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            found |= {path} | key_paths(value, path)
    elif isinstance(document, list):
        for item in document:
            found |= key_paths(item, f"{prefix}[]")
    return found


# -- OpenTelemetry Collector configurations (the collector and Jaeger v2 both are one) -----------------
COMPONENT_KINDS = ("receivers", "processors", "exporters", "extensions", "connectors")


def component_type(component_id: str) -> str:
    """`otlp/jaeger` -> `otlp`; compared without underscores (module `memorylimiterprocessor`, type
    `memory_limiter`)."""
    return component_id.split("/", 1)[0].replace("_", "")


def unknown_components(config: dict, available: dict[str, set[str]]) -> list[str]:
    return [
        f"{kind}: {cid}"
        for kind in COMPONENT_KINDS
        for cid in config.get(kind) or {}
        if component_type(cid) not in available[kind]
    ]


def component_problems(config: dict, available: dict[str, set[str]]) -> list[str]:
    """Components the build lacks, and components the service names but the file does not define."""
    return unknown_components(config, available) + undefined_references(config)


def undefined_references(config: dict) -> list[str]:
    """Components the service names but the configuration does not define (the collector refuses to start)."""
    service = config["service"]
    missing = [f"extensions: {e}" for e in service.get("extensions", []) if e not in (config.get("extensions") or {})]
    for name, pipeline in service["pipelines"].items():
        for kind in ("receivers", "processors", "exporters"):
            missing += [f"{name}.{kind}: {c}" for c in pipeline.get(kind, []) if c not in (config.get(kind) or {})]
    return missing


SERVING_EXPORTERS = {"prometheus"}  # exporters that listen (Prometheus scrapes them) instead of sending


def listening_ports(config: dict) -> dict[int, str]:
    """{port: host} of every `endpoint: host:port` the configuration listens on (receivers, extensions, the
    serving exporters)."""
    found = {}
    for path, value in endpoint_values(config):
        kind, component = path.split(".")[:2]
        serving = kind == "exporters" and component_type(component) in SERVING_EXPORTERS
        if kind in ("receivers", "extensions") or serving:
            host, _, port = value.rpartition(":")
            found[int(port)] = host
    return found


def endpoint_values(document, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    if isinstance(document, dict):
        for key, value in document.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "endpoint" and isinstance(value, str):
                found.append((path, value))
            else:
                found += endpoint_values(value, path)
    return found


def container_ports(container: dict) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in container.get("ports", [])}


def probe_ports(container: dict) -> set[int]:
    return {port for _, port in probe_endpoints(container)}


def probe_endpoints(container: dict) -> set[tuple[str, int]]:
    """(path, port number) of every httpGet probe."""
    ports = container_ports(container)
    return {
        (probe["httpGet"]["path"], ports.get(probe["httpGet"]["port"], probe["httpGet"]["port"]))
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
        if (probe := container.get(kind)) and "httpGet" in probe
    }


def names(text: str) -> set[str]:
    """A set of upstream names written as one whitespace-separated string (long lists stay readable)."""
    return set(text.split())


def app_with_config(docs, name: str, config_flag: str) -> tuple[dict, dict, dict]:
    """(pod spec, app container, the YAML file its `config_flag` argument names, as mounted)."""
    spec, app = app_container(docs, name)
    return spec, app, mounted_yaml(docs, spec, app, arg_value(app["args"], config_flag))


def image_problems(docs, name: str, image: str, image_user: str) -> list[str]:
    """The app container runs the image whose upstream rules were read, as a user the kubelet accepts."""
    spec, app = app_container(docs, name)
    problems = []
    if app["image"] != image:
        problems.append(f"{name} runs {app['image']}; its rules were read for {image}: read the new tag upstream")
    if not non_root_verifiable(spec, app, image_user):
        problems.append(f"{name}: runAsNonRoot with the image's user {image_user!r}: set a numeric runAsUser")
    return problems
