"""Saga events payments consumes (group "payments")."""

import uuid
from decimal import Decimal

from billing.services import payment_charge, payment_refund_for_cancellation
from retail_common.events.handlers import event_handler

GROUP = "payments"


# Outside the inbox transaction: the gateway is called before the payment is recorded (payment_charge).
@event_handler("order-created", group=GROUP, in_transaction=False)
def on_order_created(event) -> None:
    payload = event.payload
    payment_charge(
        order_id=uuid.UUID(payload["order_id"]),
        user_id=uuid.UUID(payload["user_id"]),
        amount=Decimal(payload["total"]),
        currency=payload["currency"],
        card=payload["payment_method"],
        items=payload["items"],
    )


@event_handler("order-cancelled", group=GROUP)
def on_order_cancelled(event) -> None:
    payment_refund_for_cancellation(order_id=uuid.UUID(event.payload["order_id"]), reason=event.payload["reason"])
