"""Orders API: input errors, ownership, idempotency, and inventory down (real gRPC client, nothing listening)."""

import pytest

from ordering import grpc_client
from ordering.models import Order, OrderStatus
from ordering.tests.factories import order_make
from retail_common.models import OutboxEvent
from retail_dev.factories import address
from retail_dev.netutil import free_port

pytestmark = pytest.mark.django_db

BODY = {
    "items": [{"product_id": 7, "quantity": 2}],
    "shipping_address": address(),
    "payment_method": {"card_number": "4242 4242 4242 4242"},
}


@pytest.fixture
def inventory_down(settings):
    settings.INVENTORY_GRPC_TARGET = f"127.0.0.1:{free_port()}"  # nothing listens there
    settings.INVENTORY_GRPC_ATTEMPTS = 2
    settings.INVENTORY_BREAKER_FAIL_MAX = 2
    grpc_client.reset_client()
    yield
    grpc_client.reset_client()


def place(api, auth, body=BODY, key="key-1"):
    return api.post("/api/orders", body, format="json", HTTP_IDEMPOTENCY_KEY=key, **auth)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"payment_method": {"card_number": "4242 4242 4242 4241"}}, "payment_method"),
        ({"items": []}, "items"),
        ({"items": [{"product_id": 7, "quantity": 0}]}, "items"),
        ({"shipping_address": address(country="USA")}, "shipping_address"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_leaves_nothing(api, alice, change, field):
    response = place(api, alice[1], {**BODY, **change})
    assert response.status_code == 400
    assert field in response.json()
    assert not Order.objects.exists()


def test_missing_idempotency_key_is_400(api, alice):
    response = api.post("/api/orders", BODY, format="json", **alice[1])
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_inventory_down_is_503_with_the_order_cancelled_and_announced(api, alice, inventory_down):
    response = place(api, alice[1])
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    order = Order.objects.get()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "INVENTORY_UNAVAILABLE")
    # inventory consumes order-cancelled: a reservation that slipped through is released later.
    assert OutboxEvent.objects.get(topic="order-cancelled").key == str(order.id)

    assert place(api, alice[1], key="key-2").status_code == 503
    assert grpc_client.breaker().current_state == "open"
    assert place(api, alice[1], key="key-3").status_code == 503  # turned away by the breaker


def test_same_key_with_another_body_is_422(api, alice, inventory_down):
    place(api, alice[1])
    again = place(api, alice[1], {**BODY, "items": [{"product_id": 8, "quantity": 1}]})
    assert again.status_code == 422
    assert again.json()["code"] == "idempotency_key_reused"
    same = place(api, alice[1])
    assert same.status_code == 200
    assert Order.objects.count() == 1


def test_client_prices_are_ignored_and_only_brand_and_last4_are_kept(api, alice, inventory_down):
    place(api, alice[1], {**BODY, "total": "0.01", "items": [{"product_id": 7, "quantity": 2, "unit_price": "0.01"}]})
    order = Order.objects.get()
    assert (order.card_brand, order.card_last4) == ("visa", "4242")
    assert "4242424242424242" not in str(Order.objects.values().get())
    assert order.items.get().unit_price is None  # never a client price; inventory never answered


def test_orders_are_private(api, alice):
    user_id, auth = alice
    mine, theirs = order_make(user_id=user_id), order_make()
    listed = api.get("/api/orders", **auth).json()
    assert [o["id"] for o in listed["results"]] == [str(mine.id)]
    body = api.get(f"/api/orders/{mine.id}", **auth).json()
    assert body["payment"] == {"brand": "visa", "last4": "4242"}
    assert [h["status"] for h in body["status_history"]] == ["PENDING", "INVENTORY_RESERVED"]
    assert body["items"][0]["line_total"] == "25.98"
    assert api.get(f"/api/orders/{theirs.id}", **auth).status_code == 404
    assert api.post(f"/api/orders/{theirs.id}/cancel", **auth).status_code == 404


def test_cancel_endpoint(api, alice):
    user_id, auth = alice
    order = order_make(user_id=user_id)
    assert api.post(f"/api/orders/{order.id}/cancel", **auth).json()["status"] == "CANCELLED"
    second = api.post(f"/api/orders/{order.id}/cancel", **auth)
    assert second.status_code == 409


def test_admin_endpoints(api, alice, admin_auth):
    paid = order_make(status=OrderStatus.PAYMENT_COMPLETED)
    assert api.get("/api/admin/orders", **alice[1]).status_code == 403
    assert api.get("/api/admin/orders?status=PAYMENT_COMPLETED", **admin_auth).json()["count"] == 1
    assert api.post(f"/api/admin/orders/{paid.id}/deliver", **admin_auth).status_code == 409
    assert api.post(f"/api/admin/orders/{paid.id}/ship", **admin_auth).json()["status"] == "SHIPPED"
    assert api.post(f"/api/admin/orders/{paid.id}/deliver", **admin_auth).json()["status"] == "DELIVERED"
    assert api.get("/api/admin/orders?status=NOPE", **admin_auth).status_code == 400
