"""Saga events inventory consumes (group "inventory"); each handler is one idempotent service call."""

import uuid

from catalog.services import reservation_confirm, reservation_release
from retail_common.events.handlers import event_handler

GROUP = "inventory"


@event_handler("payment-completed", group=GROUP)
def on_payment_completed(event) -> None:
    reservation_confirm(order_id=uuid.UUID(event.payload["order_id"]))


@event_handler("payment-failed", group=GROUP)
def on_payment_failed(event) -> None:
    reservation_release(
        order_id=uuid.UUID(event.payload["order_id"]), reason=event.payload["reason"], restock_confirmed=False
    )


@event_handler("order-cancelled", group=GROUP)
def on_order_cancelled(event) -> None:
    reservation_release(order_id=uuid.UUID(event.payload["order_id"]), reason=event.payload["reason"])
