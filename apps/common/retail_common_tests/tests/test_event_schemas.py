"""The one source of truth for the seven events: valid ones pass, broken ones are named precisely."""

import uuid

import pytest

from retail_common.events.outbox.write import envelope_build
from retail_common.events.schemas import PAYLOADS, InvalidEvent, validate_envelope, validate_payload
from retail_dev.factories import order_created_payload

ORDER, USER, PAYMENT = (str(uuid.uuid4()) for _ in range(3))
ITEMS = [{"product_id": 7, "quantity": 2, "sku": "SKU-7", "unit_price": "5.00"}]

VALID = {
    "order-created": order_created_payload(ORDER, user_id=USER, items=ITEMS),
    "order-cancelled": {"order_id": ORDER, "user_id": USER, "reason": "CUSTOMER_REQUEST", "items": ITEMS},
    "inventory-reserved": {"order_id": ORDER, "items": ITEMS},
    "inventory-released": {"order_id": ORDER, "reason": "PAYMENT_FAILED", "items": ITEMS, "restocked": False},
    "payment-completed": {
        "order_id": ORDER,
        "payment_id": PAYMENT,
        "amount": "10.00",
        "currency": "USD",
        "items": ITEMS,
    },
    "payment-failed": {"order_id": ORDER, "reason": "CARD_DECLINED", "items": ITEMS},
    "payment-refunded": {"order_id": ORDER, "payment_id": PAYMENT, "amount": "10.00", "currency": "USD"},
}


def test_every_event_type_has_a_valid_example():
    assert set(VALID) == set(PAYLOADS)


@pytest.mark.parametrize("event_type", sorted(VALID))
def test_valid_events_pass(event_type):
    validate_envelope(envelope_build(event_type=event_type, payload=VALID[event_type]))


@pytest.mark.parametrize(
    ("event_type", "change", "message"),
    [
        ("order-created", {"total": "10.001"}, "order-created payload is invalid at total"),
        ("order-created", {"items": []}, "order-created payload is invalid at items"),
        ("order-created", {"payment_method": {"brand": "visa", "last4": "42"}}, "at payment_method/last4"),
        ("payment-completed", {"card_number": "4242424242424242"}, "Additional properties are not allowed"),
        ("payment-refunded", {"order_id": "not-a-uuid"}, "at order_id"),
    ],
)
def test_broken_payload_is_refused_naming_the_field(event_type, change, message):
    with pytest.raises(InvalidEvent, match=message):
        validate_payload(event_type, {**VALID[event_type], **change})


def test_missing_field_is_named():
    payload = {k: v for k, v in VALID["payment-failed"].items() if k != "reason"}
    with pytest.raises(InvalidEvent, match="'reason' is a required property"):
        validate_payload("payment-failed", payload)


def test_unknown_event_type_and_bad_envelope():
    with pytest.raises(InvalidEvent, match="unknown event type 'order-shipped'"):
        validate_payload("order-shipped", {})
    envelope = envelope_build(event_type="inventory-reserved", payload=VALID["inventory-reserved"])
    with pytest.raises(InvalidEvent, match="envelope is invalid at schema_version"):
        validate_envelope({**envelope, "schema_version": 2})


def test_publish_refuses_an_invalid_event_before_writing(db):
    from retail_common.events.outbox.write import publish
    from retail_common.models import OutboxEvent

    with pytest.raises(InvalidEvent):
        publish(event_type="payment-failed", key=ORDER, payload={"order_id": ORDER})
    assert not OutboxEvent.objects.exists()
