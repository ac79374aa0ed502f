"""The checks themselves catch what they are for: each is fed a broken resource and must name it."""

import copy
import json

from deploy_manifests import overlay_docs, selector_matches
from policy_graph import authorization_edges, network_edges

from retail_dev.deploy import checkov_scan, schemas

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "users", "namespace": "retail-app"},
    "spec": {"selector": {"app": "users"}, "ports": [{"port": 80, "targetPort": "http"}]},
}


def test_kubernetes_schema_refuses_an_unknown_field_and_names_it():
    broken = copy.deepcopy(SERVICE)
    broken["spec"]["ports"][0]["targetPorts"] = 8000
    assert schemas.kubernetes_errors([SERVICE]) == []
    [error] = schemas.kubernetes_errors([broken])
    assert error.startswith("Service retail-app/users: spec.ports.0:") and "targetPorts" in error


def test_kubernetes_schema_refuses_a_wrong_type():
    broken = copy.deepcopy(SERVICE)
    broken["spec"]["ports"][0]["port"] = "eighty"
    [error] = schemas.kubernetes_errors([broken])
    assert error.startswith("Service retail-app/users: spec.ports.0.port:")


def test_istio_models_refuse_unknown_fields_and_bad_values():
    rule = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": "users", "namespace": "retail-app"},
        "spec": {"host": "users", "trafficPolicy": {"loadBalancer": {"simple": "LEAST_REQUEST"}}},
    }
    assert schemas.istio_errors([rule]) == []
    unknown = copy.deepcopy(rule)
    unknown["spec"]["trafficPolicy"]["outlierDetections"] = {}
    assert schemas.istio_errors([unknown]) == [
        "DestinationRule retail-app/users: spec.trafficPolicy.outlierDetections: unknown field"
    ]
    bad = copy.deepcopy(rule)
    bad["spec"]["trafficPolicy"]["loadBalancer"]["simple"] = "FASTEST"
    errors = schemas.istio_errors([bad])
    assert errors and all(e.startswith("DestinationRule retail-app/users: spec.") for e in errors)


def test_checkov_failures_pass_only_when_listed_for_that_resource():
    skips = [{"check": "CKV_K8S_38", "resources": ["Deployment.retail-app.*"], "reason": "Vault login"}]

    def failure(check_id, name, resource):
        return {"check_id": check_id, "check_name": name, "resource": resource, "file_path": "/dev.yaml"}

    report = {
        "check_type": "kubernetes",
        "summary": {"passed": 7},
        "results": {
            "failed_checks": [
                failure("CKV_K8S_38", "token", "Deployment.retail-app.users"),
                failure("CKV_K8S_38", "token", "Deployment.retail-data.dragonfly"),
                failure("CKV_K8S_22", "read-only", "Deployment.retail-app.users"),
            ]
        },
    }
    passed, failed = checkov_scan.failures(json.dumps([report]), skips)
    assert passed == 7
    assert failed == [
        "Deployment.retail-data.dragonfly (dev.yaml): CKV_K8S_38 token",
        "Deployment.retail-app.users (dev.yaml): CKV_K8S_22 read-only",
    ]


def test_every_checkov_skip_has_a_reason():
    skips = checkov_scan.load_skips()
    assert skips and all(len(s["reason"]) > 20 for s in skips)


def test_selector_semantics():
    labels = {"app.kubernetes.io/name": "orders", "retail.io/group": "orders"}
    assert selector_matches({}, labels)
    assert selector_matches({"matchLabels": {"retail.io/group": "orders"}}, labels)
    assert not selector_matches({"matchLabels": {"retail.io/group": "users"}}, labels)
    assert selector_matches(
        {"matchExpressions": [{"key": "app.kubernetes.io/name", "operator": "In", "values": ["orders"]}]}, labels
    )
    assert not selector_matches({"matchExpressions": [{"key": "x", "operator": "Exists"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]}, labels)


def test_an_extra_network_policy_shows_up_as_an_extra_edge():
    docs = list(overlay_docs("dev"))
    before = network_edges(docs)
    assert ("payments", "inventory-grpc", 50051) not in before
    docs.append({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "leak", "namespace": "retail-app"},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"],
                 "ingress": [{"from": [{"podSelector": {}}]}], "egress": [{"to": [{"podSelector": {}}]}]},
    })  # fmt: skip
    assert ("payments", "inventory-grpc", 50051) in network_edges(docs) - before


def test_an_allow_for_another_principal_shows_up_as_an_extra_edge():
    docs = list(overlay_docs("dev"))
    docs.append({
        "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
        "metadata": {"name": "leak", "namespace": "retail-app"},
        "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": "inventory-grpc"}}, "action": "ALLOW",
                 "rules": [{"from": [{"source": {"principals": ["cluster.local/ns/retail-app/sa/payments"]}}]}]},
    })  # fmt: skip
    assert ("cluster.local/ns/retail-app/sa/payments", "inventory-grpc", "*") in authorization_edges(docs)
