"""Envoy's access log as JSON, on for retail-app and the ingress gateway, parsed by promtail (issue 21, item 7).

Upstream, istio/api at tag 1.27.3 (bc3692c751f3154b7ed43b3bd1989a8865c28974):
- mesh/v1alpha1/config.proto, MeshConfig: access_log_file = 13 ("e.g. /dev/stdout"), access_log_format = 24,
  access_log_encoding = 27 (enum AccessLogEncoding: TEXT, JSON), default_config = 14, extension_providers = 57;
- telemetry/v1alpha1/telemetry.proto: Telemetry.selector = 1, Telemetry.access_logging = 4,
  AccessLogging.providers = 1 (ProviderRef.name); "envoy" is Istio's built-in file provider, which writes
  meshConfig.accessLogFile (istio/istio.io content/en/docs/tasks/observability/logs/access-log/index.md).
"""

import json

import yaml
from deploy_manifests import namespace, of_kind
from upstream_images import app_with_config

from retail_dev.paths import ROOT

ISTIO_INSTALL = ROOT / "deploy/components/istio/istio-install.yaml"
# camelCase JSON names of the MeshConfig fields above (config.proto); anything else istioctl would refuse
MESH_CONFIG_FIELDS = {"accessLogFile", "accessLogFormat", "accessLogEncoding", "defaultConfig", "extensionProviders"}
# What an operator reads of a request, and the Envoy command operator that gives it
# (envoyproxy.io, configuration/observability/access_log/usage, "Command Operators").
OPERATOR_FIELDS = {
    "start_time": "%START_TIME%",
    "method": "%REQ(:METHOD)%",
    "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%",
    "status": "%RESPONSE_CODE%",
    "duration_ms": "%DURATION%",
    "upstream_host": "%UPSTREAM_HOST%",
    # retail_common.observability.request_logging.REQUEST_ID_HEADER: the app logs it too
    "request_id": "%REQ(X-REQUEST-ID)%",
    "trace_id": "%TRACE_ID%",
    "authority": "%REQ(:AUTHORITY)%",
    "user_agent": "%REQ(USER-AGENT)%",
    "response_flags": "%RESPONSE_FLAGS%",
}


def mesh_config() -> dict:
    return yaml.safe_load(ISTIO_INSTALL.read_text())["spec"]["meshConfig"]


def access_log_fields() -> dict:
    return json.loads(mesh_config()["accessLogFormat"])


def test_the_mesh_config_writes_json_access_logs_to_stdout():
    config = mesh_config()
    assert set(config) <= MESH_CONFIG_FIELDS, f"not MeshConfig fields: {sorted(set(config) - MESH_CONFIG_FIELDS)}"
    assert config["accessLogFile"] == "/dev/stdout"
    assert config["accessLogEncoding"] == "JSON"


def test_the_access_log_has_what_an_operator_needs():
    fields = access_log_fields()
    assert {k: fields.get(k) for k in OPERATOR_FIELDS} == OPERATOR_FIELDS
    assert all(isinstance(v, str) and v.startswith("%") and v.endswith("%") for v in fields.values())


def test_telemetry_turns_the_envoy_provider_on_for_the_app_and_the_gateway(docs):
    logging = {
        (namespace(t), json.dumps(t["spec"].get("selector"))): t["spec"]["accessLogging"]
        for t in of_kind(docs, "Telemetry")
        if "accessLogging" in t["spec"]
    }
    envoy = [{"providers": [{"name": "envoy"}]}]
    assert logging == {
        ("retail-app", "null"): envoy,  # every workload of the namespace
        ("istio-system", json.dumps({"matchLabels": {"istio": "ingressgateway"}})): envoy,
    }


def test_promtail_parses_the_istio_proxy_lines(docs):
    _, _, config = app_with_config(docs, "promtail", "config.file")
    (job,) = config["scrape_configs"]
    container = [r for r in job["relabel_configs"] if r.get("target_label") == "container"]
    assert container == [{"source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container"}]
    matches = [s["match"] for s in job["pipeline_stages"] if "match" in s]
    (match,) = [m for m in matches if '{container="istio-proxy"}' in m["selector"]]
    stages = {name: body for stage in match["stages"] for name, body in stage.items()}
    assert set(stages["json"]["expressions"].values()) <= set(access_log_fields())
    assert stages["timestamp"] == {"source": "start_time", "format": "RFC3339Nano"}
    assert set(stages["labels"]) == {"method", "status"}  # few values each: Loki's streams stay few
