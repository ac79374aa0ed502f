"""A sampled trace is whole and an unsampled one is absent, across HTTP, gRPC, the outbox and Kafka (issue 23).

The stack runs with the head sampler at 0 (`parentbased_traceidratio`, OTEL_TRACES_SAMPLER_ARG=0): no
process starts a trace of its own, so every span the receiver gets belongs to a trace whose sampled
decision came from outside, here a `traceparent` the test sends with one order. The services follow it
through the whole saga; an order placed without one exports nothing anywhere.
"""

import uuid

import pytest

from retail_dev.otlp_receiver import OtlpReceiver
from retail_dev.shop_client import call, order_body, token
from retail_dev.stack import Stack

RESERVE_STOCK = "/retail.inventory.v1.InventoryService/ReserveStock"
TRACE_ID = "5a3e1d0c9b8a77665544332211000fed"
# (service, kind, name) of the saga's spans, each process's: the decision reached all of them.
SAGA = {
    ("orders", "SERVER", "POST api/orders"),
    ("inventory", "SERVER", RESERVE_STOCK),
    ("payments", "CONSUMER", "process order-created"),
    ("orders", "CONSUMER", "process payment-completed"),
    ("inventory", "CONSUMER", "process payment-completed"),
}


@pytest.fixture(scope="module")
def sampled_at_zero():
    with OtlpReceiver() as receiver:
        overrides = {
            "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
            "OTEL_BSP_SCHEDULE_DELAY": "200",  # spans arrive while the test polls (no timing is asserted)
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0",
        }
        stack = Stack(overrides=overrides)
        try:
            stack.up()
            yield stack, receiver
        finally:
            stack.down()


def place(stack: Stack, bearer: str, product_id: int, **headers: str) -> str:
    answer = call(
        "POST",
        f"{stack.urls['orders']}/api/orders",
        order_body([(product_id, 1)]),
        bearer=bearer,
        headers={"Idempotency-Key": uuid.uuid4().hex, **headers},
    )
    assert answer.status == 201, answer.body
    order = stack.shop.wait(
        lambda: stack.shop.order_status(bearer, answer.body["id"]), lambda o: o["status"] == "PAYMENT_COMPLETED"
    )
    assert order["status"] == "PAYMENT_COMPLETED"
    return answer.body["id"]


def test_the_callers_decision_holds_for_the_whole_saga_and_nothing_else_is_exported(sampled_at_zero):
    stack, receiver = sampled_at_zero
    product = stack.shop.product(on_hand=5, price="9.50")
    shopper = token(uuid.uuid4())
    place(stack, shopper, product["id"])  # no traceparent: the orders API decides, at 0
    place(stack, shopper, product["id"], traceparent=f"00-{TRACE_ID}-00f067aa0ba902b7-01")

    def saga_exported(spans) -> bool:
        return {(s.service, s.kind, s.name) for s in spans if s.trace_id == TRACE_ID} >= SAGA

    spans = receiver.wait_for(saga_exported)
    assert saga_exported(spans), sorted({(s.service, s.kind, s.name) for s in spans})
    assert {s.trace_id for s in spans} == {TRACE_ID}
