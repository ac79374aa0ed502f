"""Every retail container that exports traces samples as its overlay says (issue 23): a parent-based ratio
through OpenTelemetry's own variables, 100 % in dev, 25 % in staging, 10 % in prod.

The variables are the SDK's (open-telemetry/opentelemetry-python, opentelemetry-sdk/src/opentelemetry/sdk/
trace/sampling.py, `_get_from_env_or_default`: OTEL_TRACES_SAMPLER names the sampler, OTEL_TRACES_SAMPLER_ARG
its ratio); retail_common.observability.trace_sampling installs exactly that sampler behind its entry-point
rule, which the last test proves by starting tracing in a fresh process with a rendered container's environment.
"""

import json
import subprocess
import sys

from deploy_manifests import containers, of_kind, pod_spec, rid, workloads

RATIOS = {"dev": "1.0", "staging": "0.25", "prod": "0.10"}


def container_env(docs, container: dict) -> dict[str, str]:
    """What the kubelet sets: each envFrom ConfigMap's data in order, then `env` values over them."""
    env: dict[str, str] = {}
    maps = {m["metadata"]["name"]: m.get("data", {}) for m in of_kind(docs, "ConfigMap")}
    for source in container.get("envFrom", []):
        name = source.get("configMapRef", {}).get("name")
        env |= maps.get(name, {})
    return env | {v["name"]: v["value"] for v in container.get("env", []) if "value" in v}


def traced_containers(docs) -> list[tuple[str, dict]]:
    """(where, env) of every retail/* container whose env turns tracing on."""
    found = []
    for workload in workloads(docs):
        for container in containers(pod_spec(workload)):
            env = container_env(docs, container)
            if container["image"].startswith("retail/") and env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
                found.append((f"{rid(workload)}/{container['name']}", env))
    return found


def test_every_traced_container_gets_its_overlays_sampler(docs, overlay):
    traced = traced_containers(docs)
    deployments = {rid(w) for w in workloads(docs) if w["kind"] == "Deployment" and "retail-app" in rid(w)}
    assert deployments and deployments <= {where.rsplit("/", 1)[0] for where, _ in traced}
    wrong = [
        (where, env.get("OTEL_TRACES_SAMPLER"), env.get("OTEL_TRACES_SAMPLER_ARG"))
        for where, env in traced
        if (env.get("OTEL_TRACES_SAMPLER"), env.get("OTEL_TRACES_SAMPLER_ARG"))
        != ("parentbased_traceidratio", RATIOS[overlay])
    ]
    assert wrong == []


def test_the_mesh_samples_the_shoppers_requests_at_the_same_ratio(docs, overlay):
    """The gateway's decision rides in traceparent and the services' parent-based samplers follow it."""
    (telemetry,) = [t for t in of_kind(docs, "Telemetry") if t["metadata"]["name"] == "mesh-default"]
    (tracing,) = telemetry["spec"]["tracing"]
    assert tracing["randomSamplingPercentage"] == round(float(RATIOS[overlay]) * 100)


PROBE = """
import json
import django
from django.conf import settings
settings.configure()
django.setup()
from opentelemetry import trace
from retail_common.observability.tracing import tracing_setup
assert tracing_setup("orders")
print(json.dumps(trace.get_tracer_provider().sampler.get_description()))
"""


def test_a_service_started_with_the_rendered_env_samples_at_the_overlays_ratio(docs, overlay):
    (where, env), *_ = traced_containers(docs)
    env = {k: v for k, v in env.items() if k.startswith(("OTEL_", "RETAIL_TRACING_"))}
    env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9"  # nothing is sent: no span is made
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{where}: {done.stderr}"
    assert json.loads(done.stdout) == (
        "EntryPointSampler{server,consumer,producer}/ParentBased{"
        f"root:TraceIdRatioBased{{{float(RATIOS[overlay])}}},"
        "remoteParentSampled:AlwaysOnSampler,remoteParentNotSampled:AlwaysOffSampler,"
        "localParentSampled:AlwaysOnSampler,localParentNotSampled:AlwaysOffSampler}"
    )
