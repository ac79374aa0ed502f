"""The collector's pipelines as the seed's (issue 21, item 8): OTLP (gRPC and HTTP) and Zipkin in,
batching, health-check spans dropped, traces to Jaeger, metrics to Prometheus, logs to Loki; since
issue 23 traces are tail-sampled before batching (test_deploy_tail_sampling.py).

The component types are held against the pinned contrib distribution in test_upstream_otel_collector.py.
The filter's conditions are OTTL `IsMatch` (Go RE2); the patterns used here (anchors, alternation,
optional groups, a negated class) mean the same in Python's `re`, which is what checks them below: no
collector binary runs here. Loki 3 serves OTLP logs at /otlp/v1/logs (grafana/loki pkg/loki/modules.go,
`otlpLogsPath`; otlphttp appends /v1/logs to its endpoint), with schema v13 on tsdb and structured
metadata allowed (Loki 3's default), which config/loki.yaml keeps.
"""

import re

import pytest
import yaml
from deploy_manifests import of_kind

from retail_dev.deploy.checks import OBSERVABILITY_CONFIG

HEALTH_PATHS = ("/healthz", "/readyz", "/metrics")
KEPT_PATHS = ("/api/orders/", "/api/products/healthz-kit", "/metrics-report", "/")


def collector() -> dict:
    return yaml.safe_load((OBSERVABILITY_CONFIG / "otel-collector.yaml").read_text())


def test_the_pipelines_receive_process_and_export_as_the_seed():
    pipelines = collector()["service"]["pipelines"]
    assert pipelines == {
        "traces": {
            "receivers": ["otlp", "zipkin"],
            "processors": ["memory_limiter", "filter/health-checks", "tail_sampling", "batch"],
            "exporters": ["otlp/jaeger"],
        },
        "metrics": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["prometheus"]},
        "logs": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"], "exporters": ["otlphttp/loki"]},
    }
    assert set(collector()["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}


def test_the_exporters_reach_jaeger_and_lokis_otlp_endpoint():
    exporters = collector()["exporters"]
    assert exporters["otlp/jaeger"]["endpoint"] == "jaeger.retail-observe.svc.cluster.local:4317"
    assert exporters["otlphttp/loki"]["endpoint"] == "http://loki.retail-observe.svc.cluster.local:3100/otlp"


def span_condition_patterns() -> dict[str, re.Pattern]:
    """{attribute: pattern} of each `IsMatch(attributes["..."], "...")` condition of the filter."""
    conditions = collector()["processors"]["filter/health-checks"]["traces"]["span"]
    found = {}
    for condition in conditions:
        match = re.fullmatch(r'IsMatch\(attributes\["([\w.]+)"\], "(.+)"\)', condition)
        assert match, f"not an IsMatch on one attribute: {condition}"
        found[match.group(1)] = re.compile(match.group(2).replace("\\\\", "\\"))
    return found


def dropped(attributes: dict[str, str]) -> bool:
    patterns = span_condition_patterns()
    return any(name in attributes and patterns[name].search(attributes[name]) for name in patterns)


@pytest.mark.parametrize("path", HEALTH_PATHS)
def test_health_check_spans_are_dropped_under_every_convention(path):
    assert dropped({"url.path": path})
    assert dropped({"http.target": f"{path}?full=1"})
    assert dropped({"http.url": f"http://10.0.0.7:8000{path}"})


@pytest.mark.parametrize("path", KEPT_PATHS)
def test_other_spans_are_kept(path):
    assert not dropped({"url.path": path, "http.target": path, "http.url": f"https://shop.example{path}"})


def test_loki_admits_the_collector(docs):
    (loki,) = [p for p in of_kind(docs, "NetworkPolicy") if p["metadata"]["name"] == "loki"]
    sources = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in loki["spec"]["ingress"]
        for peer in rule["from"]
    }
    assert sources == {"promtail", "grafana", "otel-collector"}
