"""The overlay onto the cluster: rendered, images at their content tags, Jobs that cannot be updated deleted first.

A Job's pod template is immutable, the Jobs reference hashed ConfigMaps and content-tagged images, and a
finished Job stays 24 h (ttlSecondsAfterFinished): applying a changed Job over the old one fails with
"field is immutable". So each rendered Job carries the hash of its spec (CONTENT_ANNOTATION); before the
apply, a live Job whose hash differs (or that failed) is deleted, and the apply creates it anew, so it
runs again. An unchanged Job that completed is left alone: its migrations or topics are already there.

`kubectl apply` applies; what it cannot do is replace an immutable Job, which this module does first.
"""

from __future__ import annotations

import hashlib
import json

from retail_dev.console import say
from retail_dev.deploy import render
from retail_dev.deploy.cluster_images import rewrite
from retail_dev.deploy.cluster_steps import kubectl

CONTENT_ANNOTATION = "retail.io/content"
PART_OF = "app.kubernetes.io/part-of=retail"
BOOTSTRAP = ("retail-data", "vault-bootstrap")  # unseals Vault: runs again on every `cluster up`


def content_hash(job: dict) -> str:
    return hashlib.sha256(json.dumps(job["spec"], sort_keys=True, default=str).encode()).hexdigest()[:12]


def rendered(overlay: str, refs: dict[str, str]) -> list[dict]:
    """The overlay as `kubectl kustomize` renders it, images at their content tags, Jobs stamped."""
    docs = rewrite(render.load(render.render(overlay)), refs)
    for doc in docs:
        if doc["kind"] == "Job":
            doc["metadata"].setdefault("annotations", {})[CONTENT_ANNOTATION] = content_hash(doc)
    return docs


def key(doc: dict) -> tuple[str, str]:
    return doc["metadata"]["namespace"], doc["metadata"]["name"]


def live_jobs() -> list[dict]:
    return json.loads(kubectl("get", "jobs", "--all-namespaces", "-l", PART_OF, "-o", "json", capture=True))["items"]


def failed(job: dict) -> bool:
    conditions = job.get("status", {}).get("conditions", [])
    return any(c["type"] == "Failed" and c["status"] == "True" for c in conditions)


def jobs_to_delete(docs: list[dict], live: list[dict], *, rerun: tuple[tuple[str, str], ...] = ()) -> list[dict]:
    """Live Jobs the apply could not update (changed), that failed, or that must run again (`rerun`)."""
    wanted = {key(d): d["metadata"]["annotations"][CONTENT_ANNOTATION] for d in docs if d["kind"] == "Job"}
    stale = []
    for job in live:
        stamp = job["metadata"].get("annotations", {}).get(CONTENT_ANNOTATION)
        if key(job) in wanted and (stamp != wanted[key(job)] or failed(job) or key(job) in rerun):
            stale.append(job)
    return stale


def delete_stale_jobs(docs: list[dict], *, rerun: tuple[tuple[str, str], ...] = ()) -> None:
    stale = jobs_to_delete(docs, live_jobs(), rerun=rerun)
    if not stale:
        say("    no Job to delete: every live Job is unchanged and did not fail")
    for job in stale:
        namespace, name = key(job)
        say(f"    deleting job/{name} in {namespace} (changed, failed, or run again on cluster up)")
        kubectl("-n", namespace, "delete", "job", name, "--ignore-not-found")


def apply(docs: list[dict]) -> None:
    """Server-side apply of the rewritten documents, given on standard input."""
    stream = "".join(f"---\n{json.dumps(doc, default=str)}\n" for doc in docs)
    kubectl("apply", "--server-side", "-f", "-", input=stream)
