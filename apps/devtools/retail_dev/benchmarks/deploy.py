"""bench deploy: render time of each overlay, objects per kind, and requests/limits against the quotas.

Figures for `deploy check`'s budget (under 60 s on our 2-core machines) and for sizing the quotas:
each namespace's requests and limits at the overlay's normal scale and at its maximum (every HPA at
maxReplicas, a surge pod per Deployment, every Job), next to its ResourceQuota.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter

from retail_dev.deploy import render
from retail_dev.paths import ROOT

NEEDS_INFRA = False
RUNS = 3


def capacity():
    sys.path.insert(0, str(ROOT / "tests" / "deploy"))  # the arithmetic the quota test proves
    import deploy_capacity

    return deploy_capacity


def namespace_figures(docs, ns: str) -> dict:
    cap = capacity()
    shown = {}
    for label, usage in (
        ("normal", cap.namespace_usage(docs, ns, maximum=False)),
        ("max", cap.namespace_usage(docs, ns)),
    ):
        shown[label] = {field: cap.shown(field, value) for field, value in usage.items() if value}
    shown["quota"] = {field: cap.shown(field, value) for field, value in cap.quota_of(docs, ns).items()}
    return shown


def run(args) -> dict:
    figures = {}
    for overlay in render.OVERLAYS:
        times = []
        for _ in range(RUNS):
            started = time.monotonic()
            text = render.render(overlay)
            times.append(time.monotonic() - started)
        docs = render.load(text)
        figures[overlay] = {
            "render_seconds_median": round(statistics.median(times), 2),
            "render_seconds_min": round(min(times), 2),
            "objects": len(docs),
            "kinds": dict(sorted(Counter(d["kind"] for d in docs).items())),
            "namespaces": {ns: namespace_figures(docs, ns) for ns in ("retail-app", "retail-data", "retail-observe")},
        }
    return figures
