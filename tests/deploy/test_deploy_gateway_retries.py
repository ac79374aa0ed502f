"""The gateway retries a request only where a second attempt cannot do twice what the first did.

Istio gives a route without `retries` its default policy, which retries 503
(istio/istio pilot/pkg/networking/core/route/retry/retry.go, defaultPolicy); `attempts: 0` turns retries
off. Envoy's retry conditions (envoyproxy/envoy docs/root/configuration/http/http_filters/router_filter.rst,
x-envoy-retry-on): `connect-failure` and `refused-stream` retry a request no upstream received; `5xx`,
`reset`, `gateway-error` and status codes retry one an upstream may have handled.
"""

import re

from deploy_manifests import of_kind, rid

from retail_common.config.topology import TOPOLOGY

READ_METHODS = {"GET", "HEAD"}
NEVER_RECEIVED = {"connect-failure", "refused-stream"}
# Requests whose service enforces an idempotency key, so a replay answers with the first result:
# POST /api/orders needs Idempotency-Key (apps/orders/ordering/api.py, OrderListView.post; its tests
# test_missing_idempotency_key_is_400 and test_a_replayed_key_answers_the_first_order_without_reserving_again).
KEYED = {("POST", "/api/orders", "idempotency-key")}
# A keyed request may also be retried when its answer was lost; not on a 5xx, which is the service's answer.
KEYED_RETRIES = NEVER_RECEIVED | {"reset"}


def match_methods(match: dict) -> set[str] | None:
    """The methods a match entry admits; None: any method."""
    method = match.get("method")
    if method is None:
        return None
    if "exact" in method:
        return {method["exact"]}
    alternatives = method.get("regex", "")
    return set(alternatives.split("|")) if re.fullmatch(r"[A-Z]+(\|[A-Z]+)*", alternatives) else None


def is_read(route: dict) -> bool:
    matches = route.get("match") or [{}]
    return all((match_methods(m) or {"*"}) <= READ_METHODS for m in matches)


def is_keyed(route: dict) -> bool:
    def keyed(match: dict) -> bool:
        methods, path = match_methods(match), match.get("uri", {}).get("exact")
        headers = {name for name, rule in match.get("headers", {}).items() if rule == {"regex": ".+"}}
        return methods is not None and any(
            methods == {method} and path == uri and header in headers for method, uri, header in KEYED
        )

    return bool(route.get("match")) and all(keyed(m) for m in route["match"])


def retry_conditions(route: dict) -> set[str] | None:
    """What the route retries on; None: Istio's default (which retries 503)."""
    retries = route.get("retries")
    if retries is None:
        return None
    if retries.get("attempts", 0) <= 0:
        return set()
    return {part.strip() for part in retries.get("retryOn", "").split(",") if part.strip()}


def retry_problems(route: dict) -> list[str]:
    conditions = retry_conditions(route)
    if conditions is None:
        return ["has no `retries`: Istio's default policy retries 503"]
    if is_read(route):
        return []
    keyed = is_keyed(route)
    unsafe = sorted(conditions - (KEYED_RETRIES if keyed else NEVER_RECEIVED))
    return [f"retries on {unsafe}, not only reads{' (keyed)' if keyed else ''}"] if unsafe else []


def gateway_routes(docs) -> list[tuple[dict, dict]]:
    return [(vs, route) for vs in of_kind(docs, "VirtualService") if vs["spec"].get("gateways") for route in
            vs["spec"].get("http", [])]  # fmt: skip


def test_only_reads_and_keyed_requests_are_retried_after_reaching_the_service(docs):
    routes = gateway_routes(docs)
    assert routes, "no VirtualService bound to a gateway"
    problems = [f"{rid(vs)}: route {route.get('name')} {p}" for vs, route in routes for p in retry_problems(route)]
    assert not problems, "\n".join(problems)


def test_the_gateways_retry_table(docs):
    """What deploy/README.md ("Gateway retries") says, route by route."""
    table = {route["name"]: ",".join(sorted(retry_conditions(route))) for _, route in gateway_routes(docs)}
    reads, writes = "5xx,connect-failure,reset", "connect-failure,refused-stream"
    services = TOPOLOGY.web_names
    assert table == {
        **{f"{s}-read": reads for s in services},
        "orders-create": "connect-failure,refused-stream,reset",
        **dict.fromkeys(services, writes),
    }
    order = [route["name"] for _, route in gateway_routes(docs)]
    for service in services:  # the first match wins: the reads' route before the one that takes the rest
        assert order.index(f"{service}-read") < order.index(service)
    assert order.index("orders-create") < order.index("orders")


def test_the_rules_refuse_what_finding_8_found():
    """Each rule on its own: the routes as they were (5xx and reset on every method), and the edge cases."""
    old = {"match": [{"uri": {"prefix": "/api/payments"}}], "retries": {"attempts": 3, "retryOn": "5xx,reset"}}
    assert retry_problems(old) == ["retries on ['5xx', 'reset'], not only reads"]
    assert retry_problems({"match": [{"uri": {"prefix": "/api/payments"}}]}) == [
        "has no `retries`: Istio's default policy retries 503"
    ]
    unkeyed_post = {"match": [{"uri": {"exact": "/api/orders"}, "method": {"exact": "POST"}}],
                    "retries": {"attempts": 3, "retryOn": "reset"}}  # fmt: skip
    assert retry_problems(unkeyed_post) == ["retries on ['reset'], not only reads"]
    keyed = {**unkeyed_post, "match": [{**unkeyed_post["match"][0], "headers": {"idempotency-key": {"regex": ".+"}}}]}
    assert retry_problems(keyed) == []
    assert retry_problems({**keyed, "retries": {"attempts": 3, "retryOn": "5xx"}}) == [
        "retries on ['5xx'], not only reads (keyed)"
    ]
    mixed = {"match": [{"method": {"regex": "GET|POST"}}], "retries": {"attempts": 3, "retryOn": "503"}}
    assert retry_problems(mixed) == ["retries on ['503'], not only reads"]
    assert retry_problems({"retries": {"attempts": 0, "retryOn": "5xx"}}) == []
