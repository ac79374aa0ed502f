"""The order page's one state, for every pair of order status and payments the saga can show."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from backends.orders import Order, StatusStep
from backends.payments import Payment

from shop.order_state import derive, payment_badge, timeline

AT = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
PATH = ("PENDING", "INVENTORY_RESERVED", "PAYMENT_COMPLETED", "SHIPPED", "DELIVERED")


def order(status: str, *, reached: tuple = (), cancel_reason: str = "") -> Order:
    history = [StatusStep(s, AT) for s in (*reached, status)]
    return Order(
        id="o-1",
        status=status,
        cancel_reason=cancel_reason,
        items=[],
        total=Decimal("5.00"),
        currency="USD",
        shipping_address={},
        card_brand="visa",
        card_last4="4242",
        created_at=AT,
        history=history,
        unavailable=[],
    )


def payment(status: str) -> Payment:
    return Payment(
        id="p-1",
        order_id="o-1",
        amount=Decimal("5.00"),
        currency="USD",
        status=status,
        decline_reason="card_declined" if status == "DECLINED" else "",
        created_at=AT,
    )


@pytest.mark.parametrize(
    ("status", "reached", "payments", "key", "heading", "settling"),
    [
        ("PENDING", (), [], "pending", "Order received", True),
        ("INVENTORY_RESERVED", ("PENDING",), [], "inventory_reserved", "Items reserved", True),
        ("INVENTORY_RESERVED", ("PENDING",), None, "inventory_reserved", "Items reserved", True),
        ("INVENTORY_RESERVED", ("PENDING",), ["CAPTURED"], "payment_received", "Payment received", True),
        ("INVENTORY_RESERVED", ("PENDING",), ["DECLINED"], "payment_declined", "Payment declined", True),
        ("PAYMENT_COMPLETED", PATH[:2], ["CAPTURED"], "payment_completed", "Payment completed", False),
        ("PAYMENT_FAILED", PATH[:2], ["DECLINED"], "payment_failed", "Payment failed", False),
        ("SHIPPED", PATH[:3], ["CAPTURED"], "shipped", "Shipped", False),
        ("DELIVERED", PATH[:4], ["CAPTURED"], "delivered", "Delivered", False),
        ("CANCELLED", PATH[:3], ["CAPTURED"], "cancelled", "Cancelled", True),
        ("CANCELLED", PATH[:3], ["REFUNDED"], "cancelled", "Cancelled", False),
        ("CANCELLED", ("PENDING",), [], "cancelled", "Cancelled", False),
        ("CANCELLED", PATH[:3], None, "cancelled", "Cancelled", False),
    ],
)
def test_each_state(status, reached, payments, key, heading, settling):
    state = derive(order(status, reached=reached), None if payments is None else [payment(p) for p in payments])

    assert (state.key, state.heading, state.settling) == (key, heading, settling)
    assert ("updates by itself" in state.message) == settling


def test_a_captured_payment_ahead_of_the_order_moves_the_timeline_not_just_the_badge():
    reserved = order("INVENTORY_RESERVED", reached=("PENDING",))
    state = derive(reserved, [payment("CAPTURED")])

    assert [(s["state"], s["label"]) for s in timeline(reserved, state)] == [
        ("done", "Order received"),
        ("done", "Items reserved"),
        ("current", "Payment received"),
        ("upcoming", "Shipped"),
        ("upcoming", "Delivered"),
    ]
    assert "confirming" not in state.message
    assert payment_badge(payment("CAPTURED"), state) == "Paid"


def test_a_cancelled_order_with_a_captured_payment_is_a_refund_on_its_way():
    cancelled = order("CANCELLED", reached=PATH[:3], cancel_reason="CUSTOMER_REQUEST")
    state = derive(cancelled, [payment("CAPTURED")])

    assert (
        state.message
        == "This order was cancelled: you cancelled it. Your refund is on its way — this page updates by itself."
    )
    assert payment_badge(payment("CAPTURED"), state) == "Refund pending"
    assert [(s["state"], s["label"]) for s in timeline(cancelled, state)][-1] == ("stopped", "Cancelled")
    assert payment_badge(payment("REFUNDED"), derive(cancelled, [payment("REFUNDED")])) == "Refunded"
