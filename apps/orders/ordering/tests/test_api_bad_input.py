"""Inputs that answered 500 before issue 12: now a 4xx naming what is wrong, with no order written."""

import uuid

import pytest

from ordering.models import Order
from retail_common.db.limits import PG_BIGINT_MAX
from retail_common.models import OutboxEvent
from retail_dev import tokens
from retail_dev.factories import address
from retail_dev.testing import bearer

pytestmark = pytest.mark.django_db


def body(product_id: int) -> dict:
    return {
        "items": [{"product_id": product_id, "quantity": 1}],
        "shipping_address": address(),
        "payment_method": {"card_number": "4242 4242 4242 4242"},
    }


@pytest.fixture
def shopper() -> dict:
    return bearer(tokens.mint(sub=str(uuid.uuid4()), role="CUSTOMER"))


def test_a_product_id_past_int64_is_400_before_any_reservation(api, shopper):
    # ReserveStock's product_id is an int64: a larger one made the gRPC request itself fail (500).
    response = api.post("/api/orders", body(PG_BIGINT_MAX + 1), format="json", HTTP_IDEMPOTENCY_KEY="k1", **shopper)
    assert response.status_code == 400
    assert response.json() == {
        "items": {"0": {"product_id": [f"Ensure this value is less than or equal to {PG_BIGINT_MAX}."]}}
    }
    assert not Order.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_lines_of_one_product_adding_up_past_1000_are_400_and_nothing_is_written(api, shopper):
    # Found by the fuzzer: the merged line broke the order_item_quantity_range constraint (a 500).
    order = {**body(7), "items": [{"product_id": 7, "quantity": 730}, {"product_id": 7, "quantity": 936}]}
    response = api.post("/api/orders", order, format="json", HTTP_IDEMPOTENCY_KEY="k3", **shopper)
    assert response.status_code == 400
    assert response.json() == {"items": ["The quantities of product 7 add up to 1666; at most 1000 per product."]}
    assert not Order.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_nul_in_the_idempotency_key_is_400_naming_the_header(api, shopper):
    response = api.post("/api/orders", body(7), format="json", HTTP_IDEMPOTENCY_KEY="k\x001", **shopper)
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Header 'Idempotency-Key' contains a NUL character (U+0000), which is not accepted.",
        "code": "invalid_characters",
    }
    assert not Order.objects.exists()


def test_a_lone_surrogate_in_the_address_is_400_naming_it(api, shopper):
    raw = (
        '{"items": [{"product_id": 7, "quantity": 1}], "payment_method": {"card_number": "4242424242424242"},'
        ' "shipping_address": {"name": "Ada \\udc00", "line1": "1 Main St", "city": "Springfield",'
        ' "postal_code": "12345", "country": "US"}}'
    )
    response = api.generic(
        "POST", "/api/orders", raw, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k2", **shopper
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "JSON parse error - $.shipping_address.name contains a lone surrogate (U+D800..U+DFFF), which is not accepted."
    )
    assert not Order.objects.exists()


def test_an_unknown_order_is_404_with_a_readable_detail(api, shopper):
    response = api.get(f"/api/orders/{uuid.uuid4()}", **shopper)
    assert response.status_code == 404
    assert response.json() == {"detail": "No Order matches the given query.", "code": "not_found"}
