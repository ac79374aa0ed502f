"""Stand-ins for kind, kubectl, istioctl and docker, put alone on PATH by the `standin` fixture
(cluster_fixture.py; this module imports no pytest, as each stand-in call starts it anew).

They stand in for what cannot run here: no Kubernetes API server, no kind nodes and no Istio can run on
our machines, and the `retail/<project>:<tag>` images the overlays name are the shared Docker engine's,
which a test must not retag. Each answers what the real tool answers for the calls `manage_all.py
cluster` makes, from one JSON state file, and appends every call to a log. The rules of the real
thing that these tests are about are modelled:

- the API server refuses to change an existing Job's pod template: "field is immutable"
  (kubernetes/kubernetes pkg/apis/batch/validation/validation.go, ValidateJobSpecUpdate);
- a Deployment, StatefulSet or DaemonSet rolls out its pods when its pod template changes, and only then;
- `vault status` exits 2 when Vault is sealed (hashicorp/vault command/status.go), and the
  vault-bootstrap Job unseals it;
- kubectl and istioctl talk to whatever cluster their context names: a call without
  `--context kind-retail` is refused here, as it could reach another cluster;
- `kubectl create secret tls --dry-run=client -o yaml` prints the Secret with the files base64-encoded
  under tls.crt and tls.key (kubernetes/kubectl pkg/cmd/create/create_secret_tls.go), and `apply -f -`
  stores it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import sys
from pathlib import Path

from retail_common.config.topology import TOPOLOGY

HERE = Path(__file__).resolve().parent
TOOLS = ("kind", "kubectl", "istioctl", "docker", "images-build")
SCRIPT = "#!{python}\nimport sys\nsys.path.insert(0, {here!r})\nfrom cluster_standin import main\nmain()\n"
ROLLOUTS = ("Deployment", "StatefulSet", "DaemonSet")


def image_id(content: str) -> str:
    return "sha256:" + hashlib.sha256(content.encode()).hexdigest()


def fresh_state() -> dict:
    images = {f"retail/{p}:{tag}": image_id(f"{p} {tag}")
              for p in TOPOLOGY.web_names
              for tag in ("dev", "staging", "1.0.0")}  # fmt: skip
    return {
        "clusters": [],
        "kind_version": "kind v0.29.0 go1.24.2 linux/amd64",
        "istioctl_version": "1.27.3",
        "arch": "amd64",
        "memory": 16_000_000_000,
        "images": images,
        "loaded": [],
        "jobs": {},  # "ns/name" -> {"metadata": ..., "spec": ..., "status": ...}
        "workloads": {},  # "Kind ns/name" -> pod template
        "rolled": [],  # "Kind ns/name" whose pod template an apply changed
        "applied": [],  # the documents of every apply, in order
        "addons": [],  # the text of every file applied with `-f <path>` (cluster_addons)
        "pods": [],
        "logs": {},  # "ns/pod/container" -> text
        "vault": {"initialized": False, "sealed": True},
        "secrets": {},  # "ns/name" -> the Secret applied with `kubectl apply -f -`
        "fail": {},  # "tool arg arg" prefix -> exit code
    }


class State:
    def __init__(self, path: Path):
        self.path = path

    def load(self) -> dict:
        return json.loads(self.path.read_text())

    def save(self, state: dict) -> None:
        self.path.write_text(json.dumps(state))


def _ident(doc: dict) -> str:
    return f"{doc['metadata']['namespace']}/{doc['metadata']['name']}"


def _flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def apply(state: dict, stream: str) -> int:
    import yaml

    code = 0
    docs = [d for d in yaml.safe_load_all(stream) if d]
    state["applied"].append(docs)
    for doc in docs:
        if doc["kind"] == "Job":
            live = state["jobs"].get(_ident(doc))
            if live and live["spec"]["template"] != doc["spec"]["template"]:
                print(
                    f'The Job "{doc["metadata"]["name"]}" is invalid: spec.template: Invalid value: '
                    '"...": field is immutable',
                    file=sys.stderr,
                )
                code = 1
                continue
            if live is None:  # the stand-in's Jobs complete as soon as they are created
                status = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
                state["jobs"][_ident(doc)] = {"metadata": doc["metadata"], "spec": doc["spec"], "status": status}
                if _ident(doc) == "retail-data/vault-bootstrap":
                    state["vault"] = {"initialized": True, "sealed": False}
            else:
                live["metadata"] = doc["metadata"]
        elif doc["kind"] in ROLLOUTS:
            name = f"{doc['kind']} {_ident(doc)}"
            if name in state["workloads"] and state["workloads"][name] != doc["spec"]["template"]:
                state["rolled"].append(name)
            state["workloads"][name] = doc["spec"]["template"]
    return code


def _option(args: list[str], name: str) -> str:
    return next(a.split("=", 1)[1] for a in args if a.startswith(f"{name}="))


def tls_secret(args: list[str], namespace: str | None) -> str:
    import yaml

    assert "--dry-run=client" in args and args[-2:] == ["-o", "yaml"], args
    name = args[args.index("tls") + 1]
    files = {"tls.crt": _option(args, "--cert"), "tls.key": _option(args, "--key")}
    data = {key: base64.b64encode(Path(path).read_bytes()).decode() for key, path in files.items()}
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "data": data}
    return yaml.safe_dump({**secret, "metadata": {"name": name, "namespace": namespace}})


def kubectl(state: dict, args: list[str]) -> int:
    if args[:2] != ["--context", "kind-retail"]:
        print("stand-in: kubectl without --context kind-retail could reach another cluster", file=sys.stderr)
        return 1
    args = args[2:]
    namespace = _flag(args, "-n")
    if args[:2] == ["apply", "--server-side"] and _flag(args, "-f") != "-":  # a manifest file: an add-on
        state["addons"].append(Path(_flag(args, "-f")).read_text())
        return 0
    if args[:2] == ["apply", "--server-side"]:
        return apply(state, sys.stdin.read())
    if args[:3] == ["apply", "-f", "-"]:
        import yaml

        for doc in yaml.safe_load_all(sys.stdin.read()):
            state["secrets"][_ident(doc)] = doc
    elif args[2:5] == ["create", "secret", "tls"]:
        print(tls_secret(args, namespace))
    elif args[:2] == ["get", "jobs"]:
        print(json.dumps({"items": list(state["jobs"].values())}))
    elif args[:2] == ["get", "pods"]:
        print(json.dumps({"items": state["pods"]}))
    elif "delete" in args:
        kind, name = args[args.index("delete") + 1 : args.index("delete") + 3]
        if kind == "job":
            state["jobs"].pop(f"{namespace}/{name}", None)
        else:
            state["pods"] = [p for p in state["pods"] if _ident(p) != f"{namespace}/{name}"]
    elif "wait" in args:
        job = state["jobs"].get(f"{namespace}/{args[-2].removeprefix('job/')}")
        if not job or job["status"].get("conditions", [{}])[0].get("type") != "Complete":
            print(f"error: timed out waiting for the condition on {args[-2]}", file=sys.stderr)
            return 1
    elif "exec" in args and args[-3:] == ["vault", "status", "-format=json"]:
        print(json.dumps({"type": "shamir", **state["vault"]}))
        return 2 if state["vault"]["sealed"] else 0
    elif "logs" in args:
        pod, container = args[args.index("logs") + 1], _flag(args, "-c")
        text = state["logs"].get(f"{namespace}/{pod}/{container}")
        if text is None:
            print(f'error: container "{container}" in pod "{pod}" is waiting to start', file=sys.stderr)
            return 1
        print("\n".join(text.splitlines()[-1:]))
    return 0


def kind(state: dict, args: list[str]) -> int:
    if args == ["version"]:
        print(state["kind_version"])
    elif args[:2] == ["get", "clusters"]:
        print("\n".join(state["clusters"]))
    elif args[:2] == ["create", "cluster"]:
        state["clusters"].append("retail")
    elif args[:2] == ["delete", "cluster"]:
        state["clusters"] = [c for c in state["clusters"] if c != _flag(args, "--name")]
    elif args[:2] == ["load", "docker-image"]:
        state["loaded"].append(args[2])
    return 0


def docker(state: dict, args: list[str]) -> int:
    if args[:1] == ["version"]:
        print(state["arch"])
    elif args[:1] == ["info"]:
        print(state["memory"])
    elif args[:2] == ["image", "inspect"]:
        if args[-1] not in state["images"]:
            print(f"Error: No such image: {args[-1]}", file=sys.stderr)
            return 1
        print(state["images"][args[-1]])
    elif args[:1] == ["tag"]:
        state["images"][args[2]] = state["images"][args[1]]
    elif args[:2] == ["image", "ls"]:
        print("\n".join(ref for ref in state["images"] if ref.startswith(args[-1] + ":")))
    elif args[:2] == ["image", "rm"]:
        for ref in args[2:]:
            state["images"].pop(ref)
    return 0


def istioctl(state: dict, args: list[str]) -> int:
    if args[:1] == ["version"]:
        print(json.dumps({"clientVersion": {"version": state["istioctl_version"], "revision": "stand-in"}}))
    elif args[:1] == ["install"] and args[1:3] != ["--context", "kind-retail"]:
        print("stand-in: istioctl install without --context kind-retail", file=sys.stderr)
        return 1
    return 0


def images_build(state: dict, args: list[str]) -> int:
    """`manage_all.py images build --tag T`: what changed since the last build gets a new image id
    (state "changes": ref -> new content); an unchanged image keeps its id, as Docker's layer cache does."""
    tag = _flag(args, "--tag")
    for ref, content in state.pop("changes", {}).items():
        if ref.endswith(f":{tag}"):
            state["images"][ref] = image_id(content)
    return 0


def main() -> None:
    name = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    with open(os.environ["RECORDER_LOG"], "a") as log:
        log.write(json.dumps([name, *args]) + "\n")
    store = State(Path(os.environ["STANDIN_STATE"]))
    state = store.load()
    for prefix, exit_code in state["fail"].items():
        if " ".join([name, *args]).startswith(prefix):
            print(f"stand-in: {prefix} fails (exit {exit_code})", file=sys.stderr)
            sys.exit(exit_code)
    handler = {"kind": kind, "kubectl": kubectl, "istioctl": istioctl, "docker": docker}.get(name, images_build)
    code = handler(state, args)
    store.save(state)
    sys.exit(code)
