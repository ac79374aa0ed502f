"""One order bought through the storefront is one trace: every process of the stack exports its spans
(OTLP/HTTP) to a receiver in this test, and the spans of the whole saga share one trace id with the
right parents, across HTTP, gRPC, the outbox and Kafka."""

import pytest

from retail_dev.images.smoke import SHOPPER, buy_through_storefront
from retail_dev.otlp_receiver import OtlpReceiver, Span
from retail_dev.stack import Stack

RESERVE_STOCK = "/retail.inventory.v1.InventoryService/ReserveStock"


@pytest.fixture(scope="module")
def traced():
    """A stack of its own with tracing on (the session's stack runs without it), and the receiver."""
    with OtlpReceiver() as receiver:
        # A short export delay so the spans arrive while the test polls (no timing is asserted).
        overrides = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "200"}
        stack = Stack(overrides=overrides)
        try:
            stack.up(storefront=True)
            email, password = SHOPPER
            stack.manage("users", "ensure_account", "--email", email, "--password", password)
            yield stack, receiver
        finally:
            stack.down()


def describe(spans: list[Span]) -> str:
    """The trace as lines a failure message can show: id, parent, service/role, kind, name."""
    return "\n".join(f"{s.span_id} <- {s.parent_id or 'root':16} {s.service}/{s.role} {s.kind} {s.name}" for s in spans)


def one(spans: list[Span], **wanted) -> Span:
    found = [s for s in spans if all(getattr(s, k) == v for k, v in wanted.items())]
    assert len(found) == 1, f"{len(found)} spans with {wanted} in the trace:\n{describe(spans)}"
    return found[0]


def ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    chain = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        chain.append(span)
    return chain


# Every span the test reads, as (service, kind, name); "" is the storefront's root, named by its route.
# Each process exports on its own schedule, so the saga's last consumers can report before the
# storefront's checkout span: the test waits for all of them, not for the last step.
EXPECTED = {
    ("storefront", "SERVER", ""),
    ("orders", "SERVER", "POST api/orders"),
    ("orders", "CLIENT", RESERVE_STOCK),
    ("inventory", "SERVER", RESERVE_STOCK),
    ("orders", "PRODUCER", "send order-created"),
    ("payments", "CONSUMER", "process order-created"),
    ("payments", "PRODUCER", "send payment-completed"),
    ("orders", "CONSUMER", "process payment-completed"),
    ("inventory", "CONSUMER", "process payment-completed"),
}


def trace_complete(trace_id: str):
    def complete(spans: list[Span]) -> bool:
        seen = {(s.service, s.kind, s.name if s.parent_id else "") for s in spans if s.trace_id == trace_id}
        return seen >= EXPECTED

    return complete


def sent_or_consumed(spans: list[Span], **wanted) -> list[Span]:
    """The spans of one send or one handling: at least one, and more when an event went out twice (an
    after-commit send the broker acknowledged too late is sent again by the relay; at least once)."""
    found = [s for s in spans if all(getattr(s, k) == v for k, v in wanted.items())]
    assert found, f"no span with {wanted} in the trace:\n{describe(spans)}"
    return found


def test_an_order_bought_through_the_storefront_is_one_trace(traced):
    stack, receiver = traced
    product = stack.shop.product(on_hand=5, price="19.90")
    order_id = buy_through_storefront(stack.urls["storefront"], product["slug"])

    # The orders API's span of this order names the trace; then wait for every span the test reads.
    def post_orders(spans):
        return [s for s in spans if s.service == "orders" and s.kind == "SERVER" and s.name == "POST api/orders"]

    found = post_orders(receiver.wait_for(post_orders))
    assert len(found) == 1, found
    trace_id = found[0].trace_id
    spans = [s for s in receiver.wait_for(trace_complete(trace_id)) if s.trace_id == trace_id]
    by_id = {s.span_id: s for s in spans}

    # storefront: the shopper's POST /checkout/ is the root; its requests call is the parent of orders' span.
    checkout = one(spans, service="storefront", kind="SERVER", parent_id="")
    assert checkout.attributes["http.request.method"] == "POST"
    created = one(spans, service="orders", kind="SERVER", name="POST api/orders")
    caller = by_id[created.parent_id]
    assert (caller.service, caller.kind, caller.attributes["http.request.method"]) == ("storefront", "CLIENT", "POST")
    assert checkout in ancestors(caller, by_id)
    assert created.attributes["http.response.status_code"] == 201

    # ReserveStock: orders' client span under the API span, inventory's gRPC server span under that.
    rpc_client = one(spans, service="orders", kind="CLIENT", name=RESERVE_STOCK)
    rpc_server = one(spans, service="inventory", kind="SERVER", name=RESERVE_STOCK)
    assert rpc_server.parent_id == rpc_client.span_id
    assert created in ancestors(rpc_client, by_id)
    assert (rpc_server.role, rpc_server.attributes["rpc.system"]) == ("grpc", "grpc")

    # The outbox row of order-created carried the request's context: its send continues the trace.
    sends = sent_or_consumed(spans, service="orders", kind="PRODUCER", name="send order-created")
    for sent in sends:
        assert created in ancestors(sent, by_id)
        assert sent.attributes["messaging.system"] == "kafka"
        assert sent.attributes["messaging.kafka.message.key"] == order_id

    # payments consumes it (child of a send), writes the payment once, and sends payment-completed.
    charges = sent_or_consumed(spans, service="payments", kind="CONSUMER", name="process order-created")
    for consumed in charges:
        assert consumed.parent_id in {s.span_id for s in sends}, describe(spans)
        assert (consumed.role, consumed.attributes["messaging.consumer.group.name"]) == ("consumers", "payments")
        assert consumed.attributes["messaging.operation.type"] == "process"
    payment_rows = [
        s
        for s in spans
        if s.service == "payments"
        and s.kind == "CLIENT"
        and 'INSERT INTO "billing_payment"' in s.attributes.get("db.query.text", "")
    ]
    assert len(payment_rows) == 1, describe(spans)
    [charge] = [c for c in charges if c in ancestors(payment_rows[0], by_id)]  # the handling that did the work
    # The after-commit send, and the relay's when that one was not acknowledged in time (a producer's
    # first send waits for its id): either way a child of the consumer span that wrote the row.
    paid = sent_or_consumed(spans, service="payments", kind="PRODUCER", name="send payment-completed")
    assert all(charge in ancestors(send, by_id) for send in paid), describe(spans)

    # orders and inventory finish the saga, each consumer span under one of payments' sends.
    for service in ("orders", "inventory"):
        for finished in sent_or_consumed(spans, service=service, kind="CONSUMER", name="process payment-completed"):
            assert finished.parent_id in {send.span_id for send in paid}
            assert finished.attributes["messaging.kafka.message.key"] == order_id

    # Every process role that took part exported under its service's name.
    roles = {(s.service, s.role) for s in spans}
    assert {("storefront", "web"), ("orders", "web"), ("inventory", "grpc"), ("payments", "consumers")} <= roles
    assert {("orders", "consumers"), ("inventory", "consumers")} <= roles
