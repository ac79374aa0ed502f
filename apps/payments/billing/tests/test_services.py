"""Charging through the simulated gateway, exactly once per order; refunds; cancelled orders never charged."""

import uuid
from decimal import Decimal

import pytest

from billing.events import on_order_cancelled, on_order_created
from billing.models import CancelledOrder, Payment, PaymentStatus
from retail_common.models import OutboxEvent
from retail_dev.factories import ITEMS, order_cancelled_event, order_created_event

pytestmark = pytest.mark.django_db


def events(topic: str) -> list[dict]:
    return [e.envelope["payload"] for e in OutboxEvent.objects.filter(topic=topic).order_by("id")]


def test_a_good_card_is_captured_once_and_announced_with_the_items():
    created = order_created_event(total="19.98")
    on_order_created(created)
    on_order_created(order_created_event(created.payload["order_id"], total="19.98"))  # redelivered copy

    payment = Payment.objects.get()
    assert (payment.status, payment.amount, payment.currency) == (PaymentStatus.CAPTURED, Decimal("19.98"), "USD")
    assert (payment.card_brand, payment.card_last4) == ("visa", "4242")
    assert events("payment-completed") == [
        {
            "order_id": created.payload["order_id"],
            "payment_id": str(payment.id),
            "amount": "19.98",
            "currency": "USD",
            "items": ITEMS,
        }
    ]


@pytest.mark.parametrize(("last4", "reason"), [("0002", "card_declined"), ("9995", "insufficient_funds")])
def test_declining_cards(last4, reason):
    created = order_created_event(last4=last4)
    on_order_created(created)
    payment = Payment.objects.get()
    assert (payment.status, payment.decline_reason) == (PaymentStatus.DECLINED, reason)
    assert events("payment-failed") == [
        {"order_id": created.payload["order_id"], "payment_id": str(payment.id), "reason": reason, "items": ITEMS}
    ]
    assert events("payment-completed") == []


def test_failure_rate_declines(settings):
    settings.PAYMENT_FAILURE_RATE = 1.0
    on_order_created(order_created_event())
    assert Payment.objects.get().decline_reason == "gateway_declined"


def test_cancel_after_capture_refunds_once():
    created = order_created_event()
    order_id = uuid.UUID(created.payload["order_id"])
    on_order_created(created)
    on_order_cancelled(order_cancelled_event(order_id))
    on_order_cancelled(order_cancelled_event(order_id))
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.REFUNDED
    assert payment.refunded_at is not None
    assert [e["payment_id"] for e in events("payment-refunded")] == [str(payment.id)]


def test_cancel_before_order_created_means_never_charged():
    order_id = uuid.uuid4()
    on_order_cancelled(order_cancelled_event(order_id, reason="INVENTORY_UNAVAILABLE"))
    on_order_created(order_created_event(order_id))  # arrives late
    assert not Payment.objects.exists()
    assert CancelledOrder.objects.get().reason == "INVENTORY_UNAVAILABLE"
    assert not OutboxEvent.objects.exists()


def test_cancel_of_a_declined_payment_changes_nothing():
    created = order_created_event(last4="0002")
    on_order_created(created)
    on_order_cancelled(order_cancelled_event(uuid.UUID(created.payload["order_id"])))
    assert Payment.objects.get().status == PaymentStatus.DECLINED
    assert events("payment-refunded") == []
