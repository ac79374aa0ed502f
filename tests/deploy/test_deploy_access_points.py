"""The seed's access points (docs/architecture.md §9.5): HTTPS at the ingress gateway, the observability UIs on
30030/30086/30090, and Kafka from the host in dev (EXTERNAL listener advertised as localhost:29092 through
NodePort 30003). Each NodePort here is one kind.yaml maps to the host."""

import yaml
from deploy_manifests import of_kind
from test_upstream_kafka import brokers, listeners, properties

from retail_dev.paths import ROOT

ISTIO_INSTALL = ROOT / "deploy/components/istio/istio-install.yaml"
KIND = yaml.safe_load((ROOT / "kind.yaml").read_text())
HOSTNAME = {"dev": "*", "staging": "shop.staging.retail.example", "prod": "shop.retail.example"}
UI_NODE_PORTS = {"grafana": 30030, "jaeger": 30086, "prometheus": 30090}


def host_port_of(node_port: int) -> int:
    (control_plane,) = [n for n in KIND["nodes"] if n["role"] == "control-plane"]
    (mapping,) = [m for m in control_plane["extraPortMappings"] if m["containerPort"] == node_port]
    assert mapping["listenAddress"] == "127.0.0.1", mapping
    return mapping["hostPort"]


def node_ports(docs) -> dict[str, int]:
    services = of_kind(docs, "Service")
    return {s["metadata"]["name"]: p["nodePort"] for s in services for p in s["spec"]["ports"] if "nodePort" in p}


def test_the_gateway_serves_http_and_https_in_dev_and_redirects_http_elsewhere(docs, overlay):
    (gateway,) = of_kind(docs, "Gateway")
    http, https = gateway["spec"]["servers"]
    assert http["port"] == {"number": 80, "name": "http", "protocol": "HTTP"}
    assert https["port"] == {"number": 443, "name": "https", "protocol": "HTTPS"}
    assert https["tls"] == {"mode": "SIMPLE", "credentialName": "retail-gateway-tls"}
    assert http["hosts"] == https["hosts"] == [HOSTNAME[overlay]]
    if overlay == "dev":
        assert "tls" not in http
    else:
        assert http["tls"] == {"httpsRedirect": True}


def test_the_ingress_gateway_service_exposes_https_on_node_port_30443():
    install = yaml.safe_load(ISTIO_INSTALL.read_text())
    gateway = next(g for g in install["spec"]["components"]["ingressGateways"] if g["name"] == "istio-ingressgateway")
    # 8443: the gateway pod's HTTPS port (the demo profile's, istio/istio manifests/charts/gateway values)
    assert {"name": "https", "port": 443, "targetPort": 8443, "nodePort": 30443} in gateway["k8s"]["service"]["ports"]
    assert host_port_of(30443) == 30443


def test_the_observability_uis_are_on_the_seeds_ports(docs):
    ports = node_ports(docs)
    assert {name: ports[name] for name in UI_NODE_PORTS} == UI_NODE_PORTS
    assert all(host_port_of(port) == port for port in UI_NODE_PORTS.values())


def test_kafka_is_reachable_from_the_host_in_dev_only(docs, overlay):
    (broker,) = brokers(docs)
    props = properties(broker)
    external = listeners(props["advertised.listeners"]).get("EXTERNAL")
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    if overlay != "dev":
        assert external is None and "kafka-external" not in services and "kafka-external" not in node_ports(docs)
        return
    assert external == ("localhost", 29092)
    assert listeners(props["listeners"])["EXTERNAL"] == ("", 29092)
    assert dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))["EXTERNAL"] == "PLAINTEXT"
    # the host port the broker advertises is the one kind maps to the NodePort that reaches the listener
    (port,) = services["kafka-external"]["spec"]["ports"]
    wanted = {"name": "external", "port": 29092, "targetPort": "external", "nodePort": 30003}
    assert port == {**wanted, "appProtocol": "kafka"}
    assert {"name": "external", "containerPort": 29092} in broker.container["ports"]
    assert host_port_of(30003) == 29092
    assert services["kafka-external"]["spec"]["selector"] == broker.workload["spec"]["selector"]["matchLabels"]
    # localhost:29092 reaches one pod: a second broker advertising it would be reached as the first
    assert broker.workload["spec"].get("replicas", 1) == 1
