"""Charging, declining and refunding; each is idempotent per order and publishes through the outbox."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter

from billing.gateway import gateway_charge
from billing.models import CancelledOrder, Payment, PaymentStatus
from retail_common.events.outbox import publish

PAYMENTS = Counter("retail_payments_total", "Payments by outcome.", ["status"])


@transaction.atomic
def payment_charge(
    *, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal, currency: str, card: dict, items: list[dict]
) -> Payment | None:
    """Charge an order once. A cancelled order is never charged; a repeat returns the existing payment.

    The gateway decides before the row is written, so the row is inserted once, with its outcome, in
    the transaction of the event's inbox row. Inside the consumer group no twin call can race this
    one (one partition per order, and the inbox); if one did, the unique order id refuses its row
    and the handler is retried, finding the first payment.
    """
    if CancelledOrder.objects.filter(order_id=order_id).exists():
        return None
    existing = Payment.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    result = gateway_charge(last4=card["last4"], amount=amount, currency=currency)
    payment = Payment.objects.create(
        order_id=order_id,
        user_id=user_id,
        amount=amount,
        currency=currency,
        card_brand=card["brand"][:20],
        card_last4=card["last4"],
        status=PaymentStatus.CAPTURED if result.captured else PaymentStatus.DECLINED,
        decline_reason=result.decline_reason,
    )
    if result.captured:
        payload = {
            "order_id": str(order_id),
            "payment_id": str(payment.id),
            "amount": str(payment.amount),
            "currency": currency,
            "items": items,
        }
        publish(event_type="payment-completed", key=str(order_id), payload=payload)
    else:
        payload = {"order_id": str(order_id), "payment_id": str(payment.id), "reason": result.decline_reason}
        publish(event_type="payment-failed", key=str(order_id), payload={**payload, "items": items})
    transaction.on_commit(lambda: PAYMENTS.labels(status=payment.status).inc())
    return payment


@transaction.atomic
def payment_refund_for_cancellation(*, order_id: uuid.UUID, reason: str) -> Payment | None:
    """Refund a captured payment; with no payment yet, remember the cancellation so it is never charged."""
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
    if payment is None:
        CancelledOrder.objects.get_or_create(order_id=order_id, defaults={"reason": reason[:200]})
        return None
    if payment.status != PaymentStatus.CAPTURED:
        return payment
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_at = timezone.now()
    payment.save(update_fields=["status", "refunded_at", "updated_at"])
    publish(
        event_type="payment-refunded",
        key=str(order_id),
        payload={
            "order_id": str(order_id),
            "payment_id": str(payment.id),
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )
    transaction.on_commit(lambda: PAYMENTS.labels(status=PaymentStatus.REFUNDED).inc())
    return payment
