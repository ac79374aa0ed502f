"""The collector's tail sampling (issue 23): every trace with an error or lasting 1 s or more is kept, and
every trace the services' head sampler kept passes; one collector holds all spans of a trace.

The rules of the processor's config are the contrib collector's (tail_sampling_rules.py names the upstream
files). processor/tailsamplingprocessor/README.md upstream: the processor decides on the spans of a trace
that reached this instance, so every span of a trace must reach the same one: one replica here (a second
tier behind the `loadbalancing` exporter, routing by trace id, would be the way to scale out).
"""

import yaml
from deploy_manifests import max_replicas, of_kind
from tail_sampling_rules import policy_problems
from upstream_images import app_with_config, workload

from retail_dev.deploy.checks import OBSERVABILITY_CONFIG


def tail_sampling(config: dict) -> dict:
    return config["processors"]["tail_sampling"]


def test_the_policies_keep_errors_slow_traces_and_what_the_head_kept(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    assert tail_sampling(config) == {
        "decision_wait": "10s",
        "num_traces": 50000,
        "policies": [
            {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
            {"name": "slow", "type": "latency", "latency": {"threshold_ms": 1000}},
            {"name": "head-sampled", "type": "probabilistic", "probabilistic": {"sampling_percentage": 100}},
        ],
    }


def test_the_collector_accepts_the_tail_sampling_config(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    assert policy_problems(tail_sampling(config)) == []


def test_traces_are_sampled_before_they_are_batched_and_exported(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    processors = config["service"]["pipelines"]["traces"]["processors"]
    assert processors == ["memory_limiter", "filter/health-checks", "tail_sampling", "batch"]
    others = {name: p["processors"] for name, p in config["service"]["pipelines"].items() if name != "traces"}
    assert all("tail_sampling" not in processors for processors in others.values())


def test_one_collector_sees_every_span_of_a_trace(docs):
    collector = workload(docs, "otel-collector")
    assert (collector["kind"], max_replicas(docs, collector)) == ("Deployment", 1)
    targets = [h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")]
    assert "otel-collector" not in targets


def test_the_rules_catch_what_the_collector_refuses():
    config = yaml.safe_load(
        """
        decision_wait: 10s
        policy_order: [a]
        policies:
          - {name: errors, type: status_code, status_code: {status_codes: [ERRORS]}}
          - {name: errors, type: latency, latency: {threshold: 1000}}
          - {name: "", type: always_sample, probabilistic: {sampling_percentage: 5}}
          - {name: rare, type: rare_spans}
          - {name: none, type: status_code}
        """
    )
    assert policy_problems(config) == [
        "unknown key policy_order",
        "errors: unknown status code 'ERRORS', supported: OK, ERROR, UNSET",
        "duplicate policy name 'errors'",
        "errors: unknown latency key threshold",
        "policy name cannot be empty",
        ": key probabilistic is not read for type always_sample",
        "rare: unknown sampling policy type 'rare_spans'",
        "none: expected at least one status code to filter on",
    ]


def test_the_repository_file_is_what_the_config_map_mounts(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    assert config == yaml.safe_load((OBSERVABILITY_CONFIG / "otel-collector.yaml").read_text())
