"""Run a PodRun (retail_dev.images.pod_specs) as docker containers on the smoke's network: init
containers in order (each must exit 0), then the pod's containers, then their probes.

One container per pod container (the pod's containers share nothing but their volumes here: every
retail pod has one app container once the Vault Agent sidecar is translated). What the kubelet mounts
or injects beyond the spec is added here and listed in docker/README.md: the agent's secret files, the
ServiceAccount token file, and the address of the Kubernetes API stand-in.

It stands in for the kubelet, which cannot run here.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from retail_dev.console import DevError
from retail_dev.images.cluster_net import ClusterNetwork
from retail_dev.images.engine import Engine
from retail_dev.images.pod_specs import ContainerRun, PodRun, ThirdParty
from retail_dev.images.probes import wait_success

TOKEN_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
KUBERNETES_API = "http://kubernetes.default.svc"  # the stand-in speaks http on the Service's port 80
OWNER = 10001  # the uid the Vault Agent and the apps run as
RUN_TIMEOUT = 300  # seconds a Job's or init container may take (the migrations on a loaded machine: ~30 s)


def owned_file(path: Path, text: str, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if os.geteuid() == 0:
        os.chown(path.parent, OWNER, OWNER)
        os.chown(path, OWNER, OWNER)
        path.chmod(mode)
    else:  # an engine of another user maps uids differently: the container must still read them
        path.chmod(mode | 0o444)


@dataclass
class Started:
    pod: PodRun
    container: ContainerRun
    name: str  # the docker container's name
    address: str


@dataclass
class PodRunner:
    engine: Engine
    net: ClusterNetwork | None  # None: no network at all (`--network none`)
    run_id: str
    workdir: Path
    secret_files: Callable[[PodRun], dict[str, tuple[str, int]]]  # {destination: (text, mode)}
    third_party: Callable[[PodRun, ThirdParty], str]  # runs the translation, returns what it did
    say: Callable[[str], None]
    long_running: list[Started] = field(default_factory=list)
    one_off: list[str] = field(default_factory=list)

    def container_name(self, pod: PodRun, container: str) -> str:
        return f"retail-smoke-{self.run_id}-{pod.name}-{container}"

    def pod_dir(self, pod: PodRun) -> Path:
        return self.workdir / f"{pod.namespace}-{pod.name}"

    def prepare(self, pod: PodRun) -> None:
        """The pod's files: what its Vault Agent renders, and its ServiceAccount token."""
        secrets = self.pod_dir(pod) / "vault-secrets"
        for destination, (text, mode) in self.secret_files(pod).items():
            relative = Path(destination).relative_to("/vault/secrets")
            owned_file(secrets / relative, text, mode)
        secrets.mkdir(parents=True, exist_ok=True)
        owned_file(self.pod_dir(pod) / "token" / "token", f"{pod.namespace}:{pod.account}", 0o444)
        owned_file(self.pod_dir(pod) / "token" / "namespace", pod.namespace, 0o444)

    def run_args(self, pod: PodRun, container: ContainerRun, command: list[str] | None = None) -> list[str]:
        """`docker run` options, image and args for the container (`command`: other args, as `kubectl debug`)."""
        network = ["--network", self.net.name, *self.net.hosts(pod.namespace)] if self.net else ["--network", "none"]
        args = [*network, "--hostname", pod.name[:63], "--label", f"retail.smoke={self.run_id}"]
        args.append("--no-healthcheck")  # the kubelet runs the manifest's probes, never the image's HEALTHCHECK
        if container.user:
            args += ["--user", container.user]
        for group in container.groups:
            args += ["--group-add", str(group)]
        if container.read_only:
            args.append("--read-only")
        for path, size in container.tmpfs.items():
            args += ["--tmpfs", f"{path}:rw,nosuid,nodev,size={size}"]
        if container.memory:
            args += ["--memory", str(container.memory), "--memory-swap", str(container.memory)]  # no swap, as a node
        for capability in container.cap_drop:
            args += ["--cap-drop", capability]
        if container.no_new_privileges:
            args += ["--security-opt", "no-new-privileges"]
        if container.secrets_mount:
            args += ["--volume", f"{self.pod_dir(pod) / 'vault-secrets'}:{container.secrets_mount}:ro"]
        if pod.automount_token:
            args += ["--volume", f"{self.pod_dir(pod) / 'token'}:{TOKEN_MOUNT}:ro"]
        env = self.net.service_env(pod.namespace) if self.net else {}
        env |= container.env | ({"KUBERNETES_API_URL": KUBERNETES_API} if pod.automount_token else {})
        for key, value in env.items():
            args += ["--env", f"{key}={value}"]
        return [*args, container.image, *(container.args if command is None else command)]

    def logs(self, name: str, lines: int = 40) -> str:
        result = self.engine.run("logs", "--tail", str(lines), name, check=False)
        return (result.stdout + result.stderr).decode(errors="replace").rstrip()

    def run_to_completion(self, pod: PodRun, container: ContainerRun) -> None:
        """A one-off container (an init container, a Job's): it must exit 0 within RUN_TIMEOUT; DevError with
        its logs if not."""
        name = self.container_name(pod, container.name)
        self.one_off.append(name)
        self.engine.run("run", "--detach", "--name", name, *self.run_args(pod, container))
        deadline = time.monotonic() + RUN_TIMEOUT
        while self.running(name) and time.monotonic() < deadline:
            time.sleep(0.3)
        state = self.engine.run("inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name, check=False)
        running, code = [*state.stdout.decode().split(), "?", "?"][:2]
        if running == "true":
            code = f"nothing: still running after {RUN_TIMEOUT} s"
        if code != "0":
            raise DevError(f"{pod.key} {container.name} exited {code or '?'}; its last lines:\n{self.logs(name)}")
        self.engine.run("rm", name, check=False)
        self.one_off.remove(name)

    def run_init(self, pod: PodRun) -> list[str]:
        """Every init container in order; what ran, one word each (a translated one says how)."""
        done = []
        for container in pod.init:
            if isinstance(container, ThirdParty):
                done.append(self.third_party(pod, container))
            else:
                began = time.monotonic()
                self.run_to_completion(pod, container)
                done.append(f"{container.name} {time.monotonic() - began:.1f} s")
        return done

    def run_job(self, pod: PodRun) -> str:
        self.prepare(pod)
        began = time.monotonic()
        done = self.run_init(pod)
        for container in pod.containers:
            self.run_to_completion(pod, container)
        return f"{pod.key} completed in {time.monotonic() - began:.1f} s" + (
            f" (init: {', '.join(done)})" if done else ""
        )

    def start(self, pod: PodRun) -> tuple[list[str], list[Started]]:
        """The pod's init containers, then its containers (detached): what the init containers did, and those."""
        self.prepare(pod)
        init = self.run_init(pod)
        started = []
        for container in pod.containers:
            name = self.container_name(pod, container.name)
            self.engine.run("run", "--detach", "--name", name, *self.run_args(pod, container))
            started.append(Started(pod, container, name, self.net.address_of(name)))
        self.long_running += started
        return init, started

    def running(self, name: str) -> bool:
        state = self.engine.run("inspect", "--format", "{{.State.Running}}", name, check=False).stdout
        return state.decode().strip() == "true"

    def probe(self, started: Started) -> str:
        """startupProbe until it succeeds (within periodSeconds x failureThreshold), then readiness, then one
        liveness run; DevError naming the probe and what it saw when one does not succeed."""
        seen = []
        for kind in ("startup", "readiness", "liveness"):
            probe = started.container.probes.get(kind)
            if probe is None:
                continue
            ok, what, took = wait_success(
                self.engine, probe, started.container, started.name, started.address, lambda: self.running(started.name)
            )
            if not ok:
                raise DevError(
                    f"{started.pod.key}: {kind} probe ({probe.kind}) did not succeed within "
                    f"{probe.failures} x {probe.period} s: {what}; its last lines:\n{self.logs(started.name)}"
                )
            seen.append(f"{kind} {took:.1f} s")
        return ", ".join(seen) or "no probes"

    def remove_all(self) -> None:
        names = [s.name for s in self.long_running] + self.one_off
        if names:
            self.engine.run("rm", "--force", *names, check=False)
        self.long_running.clear()
        self.one_off.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)
