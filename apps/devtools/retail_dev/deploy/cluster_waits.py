"""The waits after an apply: vault-bootstrap, the pods its absence left stuck, the other Jobs, the rollouts.

Each wait prints what it waits for and, when it is over, how long it took.

`kubectl wait` and `rollout status` do the waiting; this module orders them.
"""

from __future__ import annotations

import json
import time

from retail_dev.console import say
from retail_dev.deploy.cluster_apply import BOOTSTRAP, PART_OF, key
from retail_dev.deploy.cluster_steps import kubectl
from retail_dev.testing import poll

WAIT_SECONDS = 900
ROLLOUTS = ("StatefulSet", "Deployment", "DaemonSet")
AGENT_INIT = "vault-agent-init"
# After Vault is unsealed, a pod whose agent gave up (exit_on_retry_failure) waits out the kubelet's
# back-off (up to 5 min) before it tries again: give the agents this long, then recreate those pods.
RECOVER_SECONDS = 60
POLL_SECONDS = 5


def timed(label: str, wait, *args: str) -> None:
    began = time.monotonic()
    wait(*args)
    say(f"        {label}: done after {time.monotonic() - began:.1f} s")


def wait_job(namespace: str, name: str) -> None:
    kubectl("-n", namespace, "wait", "--for=condition=complete", f"job/{name}", f"--timeout={WAIT_SECONDS}s")


def wait_rollout(namespace: str, kind: str, name: str) -> None:
    kubectl("-n", namespace, "rollout", "status", f"{kind.lower()}/{name}", f"--timeout={WAIT_SECONDS}s")


def in_agent_init(pod: dict) -> bool:
    """The pod's vault-agent-init has not finished: its secrets are not rendered, nothing after it starts."""
    for status in pod.get("status", {}).get("initContainerStatuses", []):
        if status["name"] == AGENT_INIT:
            return status.get("state", {}).get("terminated", {}).get("exitCode") != 0
    return False


def stuck_pods() -> list[dict]:
    pods = json.loads(kubectl("get", "pods", "--all-namespaces", "-l", PART_OF, "-o", "json", capture=True))["items"]
    # A pod whose sandbox Docker's restart recreated stays Running while its init containers run again.
    return [p for p in pods if p.get("status", {}).get("phase") in ("Pending", "Running") and in_agent_init(p)]


def restart_stuck_pods() -> None:
    """Recreate the pods still in vault-agent-init RECOVER_SECONDS after Vault was unsealed."""
    say(f"    waiting up to {RECOVER_SECONDS} s for the pods in {AGENT_INIT} to render their secrets")
    began = time.monotonic()
    try:
        stuck = poll(stuck_pods, until=lambda pods: not pods, timeout=RECOVER_SECONDS, interval=POLL_SECONDS)
    except AssertionError:  # still stuck when the time is up: those are the pods to recreate
        stuck = stuck_pods()
    say(f"        {len(stuck)} pod(s) still in {AGENT_INIT} after {time.monotonic() - began:.1f} s")
    for pod in stuck:
        namespace, name = key(pod)
        say(f"    restarting pod/{name} in {namespace} (its controller recreates it)")
        kubectl("-n", namespace, "delete", "pod", name, "--wait=false")


def wait_for(docs: list[dict], *, recover: bool) -> None:
    """vault-bootstrap first (everything waits for it), then the other Jobs, then every rollout."""
    jobs = sorted((d for d in docs if d["kind"] == "Job"), key=lambda d: key(d) != BOOTSTRAP)
    rollouts = [d for d in docs if d["kind"] in ROLLOUTS]
    total = len(jobs) + len(rollouts)
    for n, doc in enumerate(jobs + rollouts, start=1):
        namespace, name = key(doc)
        label = f"{doc['kind'].lower()}/{name}"
        say(f"    [{n}/{total}] waiting for {label} in {namespace}")
        if doc["kind"] == "Job":
            timed(label, wait_job, namespace, name)
        else:
            timed(label, wait_rollout, namespace, doc["kind"], name)
        if recover and key(doc) == BOOTSTRAP:
            restart_stuck_pods()
