"""Charging, declining and refunding; each is idempotent per order and publishes through the outbox."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter

from billing.gateway import gateway_charge
from billing.models import CancelledOrder, Payment, PaymentStatus
from retail_common.events.outbox.write import publish

PAYMENTS = Counter("retail_payments_total", "Payments by outcome.", ["status"])


def payment_charge(
    *, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal, currency: str, card: dict, items: list[dict]
) -> Payment | None:
    """Charge an order once. A cancelled order is never charged; a repeat returns the existing payment.

    The gateway is called outside any transaction of ours (a provider's latency must hold no lock and
    no transaction open), then its outcome is recorded with its event in one transaction. A redelivered
    event finds the payment and calls nothing; a crash between the charge and the record is
    redelivered too, and the gateway answers the order id's first result without charging again
    (its idempotency key). The event handler runs this outside the inbox transaction for that reason.
    """
    existing = Payment.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    if CancelledOrder.objects.filter(order_id=order_id).exists():
        return None
    result = gateway_charge(idempotency_key=str(order_id), last4=card["last4"], amount=amount, currency=currency)
    return _payment_record(
        order_id=order_id, user_id=user_id, amount=amount, currency=currency, card=card, items=items, result=result
    )


@transaction.atomic
def _payment_record(
    *, order_id: uuid.UUID, user_id: uuid.UUID, amount: Decimal, currency: str, card: dict, items: list[dict], result
) -> Payment:
    """The gateway's outcome, inserted once with its event. Inside the consumer group no twin call races
    this one (one partition per order); if one did, the unique order id refuses its row and the event
    is retried, finding the first payment. An order cancelled while the gateway charged is refunded at
    once: money taken for a cancelled order is given back, never kept."""
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
    cancelled_meanwhile = CancelledOrder.objects.filter(order_id=order_id).exists()
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
    status = payment.status
    transaction.on_commit(lambda: PAYMENTS.labels(status=status).inc())
    if result.captured and cancelled_meanwhile:
        _refund(payment)
    return payment


@transaction.atomic
def payment_refund_for_cancellation(*, order_id: uuid.UUID, reason: str) -> Payment | None:
    """Refund a captured payment; with no payment yet, remember the cancellation so it is never charged."""
    payment = Payment.objects.select_for_update().filter(order_id=order_id).first()
    if payment is None:
        CancelledOrder.objects.get_or_create(order_id=order_id, defaults={"reason": reason[:200]})
        return None
    if payment.status == PaymentStatus.CAPTURED:
        _refund(payment)
    return payment


def _refund(payment: Payment) -> None:
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_at = timezone.now()
    payment.save(update_fields=["status", "refunded_at", "updated_at"])
    payload = {"order_id": str(payment.order_id), "payment_id": str(payment.id), "amount": str(payment.amount)}
    publish(event_type="payment-refunded", key=str(payment.order_id), payload={**payload, "currency": payment.currency})
    transaction.on_commit(lambda: PAYMENTS.labels(status=PaymentStatus.REFUNDED).inc())
