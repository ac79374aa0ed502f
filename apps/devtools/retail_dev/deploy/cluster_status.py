"""`cluster status`: Vault sealed or not, the Jobs, each pod that is not ready and why, the URLs.

kubectl reports; this module picks and words what a person needs after a deploy.
"""

from __future__ import annotations

import json

from retail_dev.console import DevError, say, step
from retail_dev.deploy.cluster_apply import PART_OF, failed, key
from retail_dev.deploy.cluster_steps import kubectl, print_urls

VAULT = ("retail-data", "vault-0", "app")  # namespace, pod, container


def vault_line() -> str:
    """`vault status` exits 0 unsealed, 2 sealed (its JSON either way), 1 on an error."""
    namespace, pod, container = VAULT
    try:
        out = kubectl(
            "-n", namespace, "exec", pod, "-c", container, "--", "vault", "status", "-format=json",
            capture=True, ok=(0, 2),
        )  # fmt: skip
        state = json.loads(out)
    except (DevError, ValueError) as error:
        return f"Vault: no answer from {pod} ({error})"
    if not state.get("initialized"):
        return "Vault: not initialised yet (vault-bootstrap initialises it)"
    if state.get("sealed"):
        return "Vault: sealed: run `python3 manage_all.py cluster up` (vault-bootstrap runs again and unseals it)"
    return "Vault: unsealed"


def job_state(job: dict) -> str:
    status = job.get("status", {})
    if failed(job):
        return "Failed"
    if any(c["type"] == "Complete" and c["status"] == "True" for c in status.get("conditions", [])):
        return "Complete"
    return f"Running ({status.get('active', 0)} active)"


def ready(pod: dict) -> bool:
    status = pod.get("status", {})
    conditions = status.get("conditions", [])
    return status.get("phase") == "Succeeded" or any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def _state(status: dict) -> str:
    state = status.get("state", {})
    if "waiting" in state:
        waiting = state["waiting"]
        return f"waiting: {waiting.get('reason', '?')}" + (f" ({waiting['message']})" if waiting.get("message") else "")
    if "terminated" in state:
        return f"exited {state['terminated'].get('exitCode')} ({state['terminated'].get('reason', '?')})"
    return "running, not ready"


def blocking_container(pod: dict) -> tuple[str, str] | None:
    """The container the pod waits on: an init container not done (sidecars that run and are ready are
    done), else the first app container that is not ready; None when no container has started yet."""
    status = pod.get("status", {})
    for init in status.get("initContainerStatuses", []):
        done = init.get("state", {}).get("terminated", {}).get("exitCode") == 0
        if not done and not ("running" in init.get("state", {}) and init.get("ready")):
            return init["name"], _state(init)
    for container in status.get("containerStatuses", []):
        if not container.get("ready"):
            return container["name"], _state(container)
    return None


def last_log_line(namespace: str, pod: str, container: str) -> str:
    try:
        lines = kubectl("-n", namespace, "logs", pod, "-c", container, "--tail=1", capture=True).splitlines()
    except DevError:
        return "(no log yet)"
    return lines[-1] if lines else "(no log yet)"


def pod_line(pod: dict) -> str:
    namespace, name = key(pod)
    blocking = blocking_container(pod)
    if blocking is None:
        unscheduled = [c for c in pod.get("status", {}).get("conditions", []) if c["status"] == "False"]
        why = "; ".join(f"{c['type']}: {c.get('message', c.get('reason', ''))}" for c in unscheduled)
        return f"    {namespace}/{name}: {pod.get('status', {}).get('phase', '?')}" + (f" ({why})" if why else "")
    container, state = blocking
    return f"    {namespace}/{name}: {container} {state}; last log: {last_log_line(namespace, name, container)}"


def status() -> None:
    step("Vault")
    say(f"    {vault_line()}")
    step("Jobs")
    jobs = json.loads(kubectl("get", "jobs", "--all-namespaces", "-l", PART_OF, "-o", "json", capture=True))["items"]
    for job in jobs:
        namespace, name = key(job)
        say(f"    job/{name} in {namespace}: {job_state(job)}")
    step("pods not ready")
    pods = json.loads(kubectl("get", "pods", "--all-namespaces", "-l", PART_OF, "-o", "json", capture=True))["items"]
    waiting = [pod_line(p) for p in pods if not ready(p)]
    for line in waiting or [f"    none: all {len(pods)} pods are ready or completed"]:
        say(line)
    step("URLs")
    print_urls()
