"""The worker roles' probes fail when their loop stalls: each reads the age of the heartbeat file the loop
touches (docker/entrypoint.py `healthcheck`), not whether a process exists (finding 7 of issue 20)."""

import importlib.util

from deploy_manifests import containers, pod_spec, rid, workloads
from upstream_containers import Running

from retail_dev.paths import ROOT

HEALTHCHECK = ["python3", "/opt/retail/entrypoint.py", "healthcheck"]


def heartbeats() -> dict[str, tuple[str, str]]:
    spec = importlib.util.spec_from_file_location("retail_entrypoint", ROOT / "docker/entrypoint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.HEARTBEATS


def worker_containers(docs):
    roles = heartbeats()
    for w in workloads(docs):
        for c in containers(pod_spec(w), init=False):
            if c["image"].startswith("retail/") and (c.get("args") or [""])[0] in roles:
                yield w, c, c["args"][0]


def test_every_worker_role_is_probed_by_its_heartbeat(docs):
    roles = heartbeats()
    problems, seen = [], set()
    for w, c, role in worker_containers(docs):
        seen.add(role)
        where = f"{rid(w)}: {role} container {c['name']}"
        for probe in ("startupProbe", "livenessProbe"):
            if c.get(probe, {}).get("exec", {}).get("command") != HEALTHCHECK:
                problems.append(f"{where}: {probe} is not {HEALTHCHECK}")
        variable = roles[role][0]
        path = next((e.get("value") for e in c.get("env", []) if e["name"] == variable), None)
        if not path or not Running(w, pod_spec(w), c).writable(path):
            problems.append(f"{where}: {variable}={path!r} is not on a writable volume")
    assert seen == set(roles), f"worker roles in the overlay: {sorted(seen)}"
    assert not problems, "\n".join(problems)
