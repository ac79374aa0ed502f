"""The gateway's trusted hop count and the services' trusted proxies agree (the client's address survives).

The settings side (a forged X-Forwarded-For gets no fresh limit with these ranges) is
apps/common/retail_common_tests/tests/test_ratelimit_behind_gateway.py.
"""

import yaml
from deploy_manifests import namespace, of_kind

from retail_dev.paths import ROOT

ISTIO_INSTALL = ROOT / "deploy/components/istio/istio-install.yaml"
KIND = ROOT / "kind.yaml"


def gateway_settings() -> tuple[dict, dict]:
    install = yaml.safe_load(ISTIO_INSTALL.read_text())
    gateway = next(g for g in install["spec"]["components"]["ingressGateways"] if g["name"] == "istio-ingressgateway")
    return install["spec"]["meshConfig"]["defaultConfig"]["gatewayTopology"], gateway["k8s"]


def test_services_trust_only_their_sidecar(docs):
    config = next(
        m
        for m in of_kind(docs, "ConfigMap")
        if namespace(m) == "retail-app" and m["metadata"]["name"].startswith("retail-config")
    )
    assert config["data"]["TRUSTED_PROXY_CIDRS"] == "127.0.0.6/32,::6/128"


def test_the_gateway_is_the_first_hop_and_keeps_the_client_address():
    topology, k8s = gateway_settings()
    # No proxy in front of the gateway: it trusts none of the client's X-Forwarded-For entries and
    # appends the address it saw, which the services take as the last hop.
    assert topology == {"numTrustedProxies": 0}
    assert k8s["service"]["externalTrafficPolicy"] == "Local"
    assert {"name": "http2", "port": 80, "targetPort": 8080, "nodePort": 30080} in k8s["service"]["ports"]


def test_the_gateway_runs_where_kind_maps_the_host_port():
    _, k8s = gateway_settings()
    cluster = yaml.safe_load(KIND.read_text())
    control_plane = next(n for n in cluster["nodes"] if n["role"] == "control-plane")
    assert any("ingress-ready=true" in patch for patch in control_plane["kubeadmConfigPatches"])
    assert k8s["nodeSelector"] == {"ingress-ready": "true"}
    mapped = {m["containerPort"] for m in control_plane["extraPortMappings"]}
    assert mapped == {30080, 30443, 30030, 30086, 30090, 30003}
    assert [n["role"] for n in cluster["nodes"]] == ["control-plane", "worker", "worker"]


def test_sidecars_need_no_net_admin_in_retail_app(docs):
    """Istio's CNI plugin replaces istio-init (NET_ADMIN), which no Pod Security level short of privileged admits."""
    install = yaml.safe_load(ISTIO_INSTALL.read_text())
    assert install["spec"]["components"]["cni"] == {"enabled": True}
    assert install["spec"]["values"]["pilot"]["env"]["ENABLE_NATIVE_SIDECARS"] == "true"
    labels = next(n for n in of_kind(docs, "Namespace") if n["metadata"]["name"] == "retail-app")["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "baseline"
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"
