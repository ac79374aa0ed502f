"""Saga events orders consumes (group "orders"); each moves an order forward or is ignored."""

import uuid
from decimal import Decimal

from ordering.models import OrderStatus
from ordering.services import order_advance, order_refund_record
from retail_common.events.handlers import event_handler

GROUP = "orders"


@event_handler("payment-completed", group=GROUP)
def on_payment_completed(event) -> None:
    order_advance(
        order_id=uuid.UUID(event.payload["order_id"]),
        status=OrderStatus.PAYMENT_COMPLETED,
        captured=Decimal(event.payload["amount"]),
    )


@event_handler("payment-failed", group=GROUP)
def on_payment_failed(event) -> None:
    order_advance(order_id=uuid.UUID(event.payload["order_id"]), status=OrderStatus.PAYMENT_FAILED)


@event_handler("payment-refunded", group=GROUP)
def on_payment_refunded(event) -> None:
    order_refund_record(order_id=uuid.UUID(event.payload["order_id"]))
