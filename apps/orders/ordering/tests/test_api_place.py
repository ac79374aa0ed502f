"""POST /api/orders against InventoryService on a real gRPC port: the 201 path, refusals, retries, deadlines."""

import uuid
from decimal import Decimal

import grpc
import pytest

from ordering import grpc_client
from ordering.models import Order, OrderStatus
from retail_common.models import OutboxEvent
from retail_dev.factories import address

pytestmark = pytest.mark.django_db

CARD = {"card_number": "4242 4242 4242 4242"}


def place(api, auth, items, key="key-1"):
    body = {"items": items, "shipping_address": address(), "payment_method": CARD}
    return api.post("/api/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **auth)


def reserve_requests(servicer) -> list[list[tuple[int, int]]]:
    return [
        [(i.product_id, i.quantity) for i in req.items] for method, req in servicer.calls if method == "ReserveStock"
    ]


def test_an_order_is_reserved_priced_by_inventory_and_announced(api, alice, inventory):
    user_id, auth = alice
    items = [{"product_id": 7, "quantity": 1}, {"product_id": 8, "quantity": 1}, {"product_id": 7, "quantity": 2}]

    response = place(api, auth, items)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["total"], body["currency"]) == ("INVENTORY_RESERVED", "68.97", "USD")
    assert [
        (i["product_id"], i["sku"], i["name"], i["unit_price"], i["quantity"], i["line_total"]) for i in body["items"]
    ] == [
        (7, "KIT-001", "Mug", "12.99", 3, "38.97"),
        (8, "KIT-002", "Teapot", "30.00", 1, "30.00"),
    ]
    assert [h["status"] for h in body["status_history"]] == ["PENDING", "INVENTORY_RESERVED"]
    assert reserve_requests(inventory) == [[(7, 3), (8, 1)]]  # lines of one product merged
    assert inventory.calls[0][1].order_id == body["id"]

    order = Order.objects.get()
    assert (order.status, order.total, str(order.user_id)) == (
        OrderStatus.INVENTORY_RESERVED,
        Decimal("68.97"),
        str(user_id),
    )
    event = OutboxEvent.objects.get()
    assert (event.topic, event.key) == ("order-created", body["id"])
    assert event.envelope["payload"] == {
        "order_id": body["id"],
        "user_id": str(user_id),
        "items": [
            {"product_id": 7, "quantity": 3, "sku": "KIT-001", "unit_price": "12.99"},
            {"product_id": 8, "quantity": 1, "sku": "KIT-002", "unit_price": "30.00"},
        ],
        "total": "68.97",
        "currency": "USD",
        "payment_method": {"brand": "visa", "last4": "4242"},
    }
    assert OutboxEvent.objects.filter(topic="order-cancelled").count() == 0


def test_a_replayed_key_answers_the_first_order_without_reserving_again(api, alice, inventory):
    first = place(api, alice[1], [{"product_id": 7, "quantity": 2}])
    again = place(api, alice[1], [{"product_id": 7, "quantity": 2}])

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["status"] == "INVENTORY_RESERVED"
    assert reserve_requests(inventory) == [[(7, 2)]]
    assert (Order.objects.count(), OutboxEvent.objects.count()) == (1, 1)


@pytest.mark.parametrize(
    ("items", "unavailable"),
    [
        (
            [{"product_id": 8, "quantity": 2}],
            [{"product_id": 8, "requested": 2, "available": 1, "reason": "OUT_OF_STOCK"}],
        ),
        (
            [{"product_id": 99, "quantity": 1}],
            [{"product_id": 99, "requested": 1, "available": 0, "reason": "NOT_FOUND"}],
        ),
    ],
)
def test_a_short_line_cancels_the_order_with_no_event(api, alice, inventory, items, unavailable):
    response = place(api, alice[1], [{"product_id": 7, "quantity": 1}, *items])

    assert response.status_code == 409
    body = response.json()
    assert (body["status"], body["cancel_reason"], body["unavailable"]) == ("CANCELLED", "OUT_OF_STOCK", unavailable)
    assert not OutboxEvent.objects.exists()  # nothing was reserved: nothing to release or charge
    assert inventory.catalog[7].available == 10, "all or nothing: the good line was not reserved either"
    assert place(api, alice[1], [{"product_id": 7, "quantity": 1}, *items]).status_code == 409  # replayed


def test_unavailable_is_retried_by_the_channel_and_the_order_placed(api, alice, inventory, settings):
    settings.INVENTORY_GRPC_ATTEMPTS = 3
    grpc_client.reset_client()  # the retry policy is part of the channel's service config
    inventory.fail_next(grpc.StatusCode.UNAVAILABLE, times=2)

    response = place(api, alice[1], [{"product_id": 7, "quantity": 1}])

    assert response.status_code == 201, response.content
    assert inventory.methods() == ["ReserveStock"] * 3
    assert grpc_client.breaker().current_state == "closed"


def test_unavailable_on_every_attempt_is_503_after_the_configured_attempts(api, alice, inventory, settings):
    settings.INVENTORY_GRPC_ATTEMPTS = 2
    grpc_client.reset_client()
    inventory.fail_next(grpc.StatusCode.UNAVAILABLE, times=5)

    response = place(api, alice[1], [{"product_id": 7, "quantity": 1}])

    assert response.status_code == 503
    assert inventory.methods() == ["ReserveStock"] * 2
    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "INVENTORY_UNAVAILABLE")
    assert OutboxEvent.objects.get().topic == "order-cancelled"


def test_other_errors_are_not_retried(inventory):
    inventory.fail_next(grpc.StatusCode.INTERNAL, times=1)

    with pytest.raises(grpc.RpcError) as raised:
        grpc_client.stock_reserve(order_id=uuid.uuid4(), items=[(7, 1)])

    assert raised.value.code() == grpc.StatusCode.INTERNAL
    assert inventory.methods() == ["ReserveStock"]


def test_a_passed_deadline_cancels_and_releases_what_may_have_been_reserved(api, alice, inventory, settings):
    settings.INVENTORY_GRPC_DEADLINE_SECONDS = 0.3
    grpc_client.reset_client()
    inventory.hold("ReserveStock")  # inventory never answers within the deadline

    response = place(api, alice[1], [{"product_id": 7, "quantity": 1}])

    assert response.status_code == 503
    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "INVENTORY_TIMEOUT")
    assert inventory.methods() == ["ReserveStock", "ReleaseStock"]
    assert inventory.calls[1][1].order_id == str(order.id)
    assert OutboxEvent.objects.get().topic == "order-cancelled"  # releases it later, should inventory be away
    inventory.release()  # the held reservation lands after the release: inventory refuses it
    assert inventory.wait_idle()
    assert [f.reason for f in inventory.answers[str(order.id)].failures] == ["ORDER_RELEASED"]
    assert inventory.catalog[7].available == 10


def test_cancel_after_a_placed_order_announces_the_items(api, alice, inventory):
    placed = place(api, alice[1], [{"product_id": 7, "quantity": 2}]).json()

    cancelled = api.post(f"/api/orders/{placed['id']}/cancel", **alice[1])

    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"
    payload = OutboxEvent.objects.get(topic="order-cancelled").envelope["payload"]
    assert payload == {
        "order_id": placed["id"],
        "user_id": str(alice[0]),
        "reason": "CUSTOMER_REQUEST",
        "items": [{"product_id": 7, "quantity": 2}],
        "previous_status": "INVENTORY_RESERVED",
    }
