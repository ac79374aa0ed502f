import uuid

from retail_common.events.handlers import Event

ITEMS = [{"product_id": 7, "quantity": 2, "sku": "KIT-001", "unit_price": "5.00"}]


def order_created(order_id=None, *, user_id=None, last4="4242", total="10.00") -> Event:
    order_id = order_id or uuid.uuid4()
    payload = {
        "order_id": str(order_id),
        "user_id": str(user_id or uuid.uuid4()),
        "items": ITEMS,
        "total": total,
        "currency": "USD",
        "payment_method": {"brand": "visa", "last4": last4},
    }
    return event("order-created", order_id, payload)


def order_cancelled(order_id, reason="CUSTOMER_REQUEST") -> Event:
    return event(
        "order-cancelled", order_id, {"order_id": str(order_id), "user_id": str(uuid.uuid4()), "reason": reason}
    )


def event(topic: str, order_id, payload: dict) -> Event:
    return Event(
        event_id=uuid.uuid4(),
        event_type=topic,
        key=str(order_id),
        payload=payload,
        occurred_at="2026-11-25T12:00:00Z",
        source="orders",
        topic=topic,
        headers={},
    )
