"""One state for the order page, derived from the order and its payments.

The order's status and its payments move on separate events, so for a moment they can disagree: the
payment is captured while the order still says "Items reserved". A page that read the two apart would
say "we are confirming your payment" beside a "Paid" badge, which a shopper reads as a stuck order or a
double charge. The heading, the sentence under it, the timeline, the payment badges and whether the box
keeps refreshing all come from the one `OrderPageState` derived here.
"""

from __future__ import annotations

from dataclasses import dataclass

from backends.orders import STATUS_LABELS, Order
from backends.payments import Payment

from retail_common.domain.codes import OrderStatus, PaymentStatus

# The order's path when nothing goes wrong (docs/architecture.md §5).
HAPPY_PATH = (
    OrderStatus.PENDING,
    OrderStatus.INVENTORY_RESERVED,
    OrderStatus.PAYMENT_COMPLETED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)
STOPPED = (OrderStatus.CANCELLED, OrderStatus.PAYMENT_FAILED)
UPDATES = " — this page updates by itself."


@dataclass(frozen=True)
class OrderPageState:
    key: str  # the state's name, also the badge's CSS modifier (status--<key>)
    heading: str  # the badge in the status heading
    message: str  # the sentence under it ("" for none)
    settling: bool  # the saga is still moving the order: the box refreshes itself
    # The step the order is working on now when it is ahead of the order's own status (the payment is
    # captured, the order has not caught up): (happy-path status, label shown for it).
    ahead: tuple[str, str] | None = None
    refund_pending: bool = False  # cancelled with a captured payment not yet refunded


def _payment_statuses(payments: list[Payment] | None) -> set[str]:
    return {p.status for p in payments or []}


def derive(order: Order, payments: list[Payment] | None) -> OrderPageState:
    """The page's state; `payments` is None when the payments service could not be read."""
    paid = _payment_statuses(payments)
    status = order.status
    if status == OrderStatus.PENDING:
        return OrderPageState("pending", STATUS_LABELS[status], "We are reserving your items" + UPDATES, True)
    if status == OrderStatus.INVENTORY_RESERVED:
        if PaymentStatus.CAPTURED in paid:
            return OrderPageState(
                "payment_received",
                "Payment received",
                "Payment received, finishing your order" + UPDATES,
                True,
                ahead=(OrderStatus.PAYMENT_COMPLETED, "Payment received"),
            )
        if PaymentStatus.DECLINED in paid:
            return OrderPageState(
                "payment_declined", "Payment declined", "Your payment was declined, updating your order" + UPDATES, True
            )
        return OrderPageState(
            "inventory_reserved", STATUS_LABELS[status], "We are confirming your payment" + UPDATES, True
        )
    if status == OrderStatus.CANCELLED:
        reason = f": {order.cancel_reason_text}" if order.cancel_reason else ""
        if PaymentStatus.CAPTURED in paid:
            message = f"This order was cancelled{reason}. Your refund is on its way" + UPDATES
            return OrderPageState("cancelled", STATUS_LABELS[status], message, True, refund_pending=True)
        return OrderPageState("cancelled", STATUS_LABELS[status], f"This order was cancelled{reason}.", False)
    return OrderPageState(status.lower(), STATUS_LABELS.get(status, status), "", False)


def timeline(order: Order, state: OrderPageState) -> list[dict]:
    """Each step of the path: done (with its time), current, upcoming, or where the order stopped."""
    reached = {step.status: step.at for step in order.history}
    current = state.ahead[0] if state.ahead else order.status
    steps = []
    for status in HAPPY_PATH:
        label = state.ahead[1] if state.ahead and status == state.ahead[0] else STATUS_LABELS[status]
        if status == current:
            steps.append({"label": label, "at": reached.get(status), "state": "current"})
        elif status in reached:
            steps.append({"label": label, "at": reached[status], "state": "done"})
        elif order.status not in STOPPED:
            steps.append({"label": label, "at": None, "state": "upcoming"})
    if order.status in STOPPED:
        steps.append({"label": STATUS_LABELS[order.status], "at": reached.get(order.status), "state": "stopped"})
    return steps


def payment_badge(payment: Payment, state: OrderPageState) -> str:
    """A captured payment of a cancelled order is a refund on its way, not "Paid"."""
    if state.refund_pending and payment.status == PaymentStatus.CAPTURED:
        return "Refund pending"
    return payment.label
