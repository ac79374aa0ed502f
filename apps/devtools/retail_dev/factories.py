"""Test data every project builds the same way: a shipping address, saga payloads, a delivered event.

Plain functions that return plain values (dicts, an `Event`), each with keyword overrides, so a test
states only what it is about. Pure data: importing this module needs neither Django settings nor
pytest, so the stack, the smoke run and the benchmarks use it too.

Not factory_boy (the users project uses it for its model rows): these are dicts and one Event, not model
rows, and a function with keyword overrides says the same as a factory class in fewer lines.
"""

from __future__ import annotations

import uuid

from retail_common.domain.codes import CancelReason

OCCURRED_AT = "2026-11-25T12:00:00Z"
ITEMS = [{"product_id": 7, "quantity": 2, "sku": "KIT-001", "unit_price": "5.00"}]


def address(**changes) -> dict:
    """A valid shipping address, as POST /api/orders and the checkout form take it."""
    return {
        "name": "Ada Lovelace",
        "line1": "1 Market St",
        "line2": "",
        "city": "Springfield",
        "postal_code": "12345",
        "country": "US",
        **changes,
    }


def order_created_payload(order_id=None, *, user_id=None, last4: str = "4242", **changes) -> dict:
    """The payload of an order-created event (schema `order-created`): one line of two units, total 10.00."""
    return {
        "order_id": str(order_id or uuid.uuid4()),
        "user_id": str(user_id or uuid.uuid4()),
        "items": ITEMS,
        "total": "10.00",
        "currency": "USD",
        "payment_method": {"brand": "visa", "last4": last4},
        **changes,
    }


def order_created_event(order_id=None, **changes):
    """order-created as orders sends it; `changes` as for order_created_payload."""
    payload = order_created_payload(order_id, **changes)
    return event_make("order-created", payload["order_id"], payload, source="orders")


def order_cancelled_event(order_id=None, *, reason: str = CancelReason.CUSTOMER_REQUEST, **changes):
    """order-cancelled as orders sends it."""
    order_id = order_id or uuid.uuid4()
    payload = {"user_id": str(uuid.uuid4()), "reason": reason, **changes}
    return event_make("order-cancelled", order_id, payload, source="orders")


def event_make(topic: str, order_id, payload: dict | None = None, *, source: str = "test"):
    """An `Event` as the consumer hands it to a handler: keyed by the order, `order_id` in the payload.

    Each call has a new event id, as a copy redelivered after a manual retry has: handlers must cope.
    """
    from retail_common.events.handlers import Event  # reads Django settings: imported only when used

    return Event(
        event_id=uuid.uuid4(),
        event_type=topic,
        key=str(order_id),
        payload={"order_id": str(order_id), **(payload or {})},
        occurred_at=OCCURRED_AT,
        source=source,
        topic=topic,
        headers={},
    )
