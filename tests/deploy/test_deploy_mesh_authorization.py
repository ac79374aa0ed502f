"""The AuthorizationPolicies name methods and paths per edge (issue 21, item 7; docs/architecture.md §9.3).

The storefront may call what storefront/backends/ calls (mesh_calls.py reads it from the code), the ingress
gateway only the VirtualService's routes, orders only the InventoryService methods its client calls.
Path semantics: security/v1beta1/authorization_policy.proto of istio/api at 1.27.3 (Operation.paths).
"""

import pytest
from deploy_manifests import namespace, of_kind
from mesh_calls import inventory_rpc_paths, storefront_calls
from policy_graph import authorization_allows, authorization_operations, istio_path_matches

from retail_common.config.topology import TOPOLOGY

GATEWAY = "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account"
STOREFRONT = "cluster.local/ns/retail-app/sa/storefront"
ORDERS = "cluster.local/ns/retail-app/sa/orders"
API = TOPOLOGY.service_names
# Served by every API (retail_common/urls.py, service_urlpatterns) and public through none: Django admin,
# metrics, the OpenAPI schema and docs (read with `kubectl port-forward`, which bypasses the sidecar).
OPERATOR_PATHS = ("/admin/", "/admin/login/", "/metrics", "/api/schema", "/api/docs", "/healthz", "/readyz")


def public_prefixes(docs) -> dict[str, set[str]]:
    """API -> the uri prefixes (or exact paths) the gateway's VirtualService routes to it."""
    (service,) = [v for v in of_kind(docs, "VirtualService") if v["metadata"]["name"] == "retail"]
    found: dict[str, set[str]] = {}
    for route in service["spec"]["http"]:
        (destination,) = route["route"]
        name = destination["destination"]["host"].split(".")[0]
        for match in route.get("match", []):
            uri = match.get("uri", {})
            if "prefix" in uri:
                found.setdefault(name, set()).add(uri["prefix"] + "*")
            elif "exact" in uri:
                found.setdefault(name, set()).add(uri["exact"])
    # an exact route (POST /api/orders, the retried create) already lies under its API's prefix
    return {
        name: {p for p in paths if not any(q != p and istio_path_matches(q, p) for q in paths)}
        for name, paths in found.items()
    }


def test_the_storefront_may_call_exactly_what_its_clients_call(docs):
    calls = storefront_calls()
    assert sorted(calls) == sorted(API)
    for service in API:
        named = authorization_operations(docs, STOREFRONT, service)
        assert named == calls[service], (
            f"storefront -> {service}: allowed but not called {sorted(named - calls[service])}, "
            f"called but not allowed {sorted(calls[service] - named)}"
        )


def test_the_call_reader_finds_the_clients_calls():
    calls = storefront_calls()
    assert {("POST", "/api/auth/login"), ("PATCH", "/api/users/me")} <= calls["users"]
    assert {("GET", "/api/products/{*}"), ("GET", "/media/{**}")} <= calls["inventory"]  # an f-string, a local
    assert ("GET", "/api/admin/orders") in calls["orders"]  # a parameter of _page, from its callers
    assert ("POST", "/api/admin/failed-events/{*}/{*}") in calls["payments"]  # BackendClient's, for every API


@pytest.mark.parametrize(
    "service, method, path",
    [
        ("users", "POST", "/api/auth/login"),
        ("users", "POST", "/api/admin/failed-events/17/retry"),
        ("inventory", "GET", "/api/products/blue-mug"),
        ("inventory", "GET", "/media/products/blue-mug.jpg"),
        ("orders", "POST", "/api/orders/3f2a/cancel"),
        ("payments", "GET", "/api/payments"),
    ],
)
def test_the_storefront_reaches_its_calls(docs, service, method, path):
    assert authorization_allows(docs, STOREFRONT, service, "8000", method, path)


@pytest.mark.parametrize(
    "service, method, path",
    [
        *(("users", "GET", p) for p in OPERATOR_PATHS),
        ("users", "GET", "/api/admin/users"),  # exists, never called by the storefront
        ("users", "DELETE", "/api/users/me"),  # a called path, another method
        ("users", "GET", "/api/auth/login"),
        ("inventory", "POST", "/api/reservations"),
        ("inventory", "GET", "/api/products/a/b"),  # {*} is one segment
        ("orders", "POST", "/api/admin/orders/3f2a/ship"),
        ("payments", "GET", "/api/payments/3f2a"),
    ],
)
def test_the_storefront_is_refused_what_it_does_not_call(docs, service, method, path):
    assert not authorization_allows(docs, STOREFRONT, service, "8000", method, path)


def test_the_gateway_reaches_only_the_public_routes(docs):
    prefixes = public_prefixes(docs)
    assert prefixes["users"] == {"/api/auth*", "/api/users*", "/.well-known*"}
    for service in API:
        assert authorization_operations(docs, GATEWAY, service) == {("*", p) for p in prefixes[service]}
        for path in (*OPERATOR_PATHS, "/api/admin/failed-events", "/"):
            assert not authorization_allows(docs, GATEWAY, service, "8000", "GET", path), f"{service} {path}"


def test_the_gateway_reaches_the_shop_but_not_its_metrics(docs):
    for path in ("/", "/products/blue-mug", "/images/products/blue-mug.jpg", "/account/login", "/healthz"):
        assert authorization_allows(docs, GATEWAY, "storefront", "8000", "POST", path)
    for path in ("/metrics", "/metrics/"):
        assert not authorization_allows(docs, GATEWAY, "storefront", "8000", "GET", path)


def test_orders_may_call_only_its_inventory_rpcs(docs):
    paths = inventory_rpc_paths()
    assert paths == {
        "/retail.inventory.v1.InventoryService/ReserveStock",
        "/retail.inventory.v1.InventoryService/ReleaseStock",
    }
    assert authorization_operations(docs, ORDERS, "inventory-grpc") == {("POST", p) for p in paths}  # gRPC is POST
    assert not authorization_allows(
        docs, ORDERS, "inventory-grpc", "50051", "POST", "/retail.inventory.v1.InventoryService/CheckStock"
    )
    assert not authorization_allows(docs, ORDERS, "inventory-grpc", "50051", "POST", "/grpc.health.v1.Health/Check")


def test_every_allow_names_its_operations(docs):
    for policy in of_kind(docs, "AuthorizationPolicy"):
        if namespace(policy) == "retail-app" and policy["spec"]:
            operations = [t["operation"] for r in policy["spec"]["rules"] for t in r["to"]]
            assert all(o.get("paths") or o.get("notPaths") for o in operations), policy["metadata"]["name"]
