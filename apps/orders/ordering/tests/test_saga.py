"""Guarded transitions from events, cancellation with compensation events, fulfilment, the sweeper."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ordering.events import on_payment_completed, on_payment_failed, on_payment_refunded
from ordering.models import Order, OrderStatus
from ordering.services import order_cancel, order_fulfil
from ordering.tests.factories import order_make
from retail_common.domain.errors import Conflict
from retail_common.models import OutboxEvent
from retail_dev.factories import event_make

pytestmark = pytest.mark.django_db


def statuses(order: Order) -> list[str]:
    return list(order.history.values_list("status", flat=True))


def test_payment_completed_moves_forward_once_and_a_late_failure_is_ignored():
    order = order_make()
    on_payment_completed(event_make("payment-completed", order.id, {"amount": "25.98"}, source="payments"))
    on_payment_completed(event_make("payment-completed", order.id, {"amount": "25.98"}, source="payments"))
    on_payment_failed(event_make("payment-failed", order.id, {"reason": "card_declined"}, source="payments"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYMENT_COMPLETED
    assert statuses(order) == ["PENDING", "INVENTORY_RESERVED", "PAYMENT_COMPLETED"]


def test_payment_failed():
    order = order_make()
    on_payment_failed(event_make("payment-failed", order.id, {"reason": "card_declined"}, source="payments"))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAYMENT_FAILED


def test_cancel_after_payment_announces_it_and_refund_shows_in_the_timeline():
    order = order_make(status=OrderStatus.PAYMENT_COMPLETED)
    order_cancel(order=order)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "CUSTOMER_REQUEST")
    payload = OutboxEvent.objects.get(topic="order-cancelled").envelope["payload"]
    assert payload == {
        "order_id": str(order.id),
        "user_id": str(order.user_id),
        "reason": "CUSTOMER_REQUEST",
        "items": [{"product_id": 7, "quantity": 2}],
        "previous_status": "PAYMENT_COMPLETED",
    }
    on_payment_completed(
        event_make("payment-completed", order.id, {"amount": "25.98"}, source="payments")
    )  # a late event never revives it
    on_payment_refunded(event_make("payment-refunded", order.id, source="payments"))
    on_payment_refunded(event_make("payment-refunded", order.id, source="payments"))
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert statuses(order)[-2:] == ["CANCELLED", "REFUNDED"]

    with pytest.raises(Conflict, match="CANCELLED cannot be cancelled"):
        order_cancel(order=order)
    assert OutboxEvent.objects.filter(topic="order-cancelled").count() == 1


def test_fulfilment_and_a_delivered_order_cannot_be_cancelled():
    order = order_make(status=OrderStatus.PAYMENT_COMPLETED)
    with pytest.raises(Conflict):
        order_fulfil(order=order, status=OrderStatus.DELIVERED)
    order_fulfil(order=order, status=OrderStatus.SHIPPED)
    order_fulfil(order=order, status=OrderStatus.DELIVERED)
    with pytest.raises(Conflict, match="DELIVERED cannot be cancelled"):
        order_cancel(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


def test_sweeper_cancels_only_orders_stuck_past_the_timeout(settings):
    settings.ORDER_PAYMENT_TIMEOUT_SECONDS = 60
    stuck, fresh, paid = order_make(), order_make(), order_make(status=OrderStatus.PAYMENT_COMPLETED)
    Order.objects.filter(pk__in=[stuck.pk, paid.pk]).update(updated_at=timezone.now() - timedelta(minutes=5))
    out = StringIO()
    call_command("sweep_orders", "--once", stdout=out)
    assert "cancelled 1 order(s)" in out.getvalue()
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.cancel_reason) == (OrderStatus.CANCELLED, "PAYMENT_TIMEOUT")
    assert fresh.status == OrderStatus.INVENTORY_RESERVED
    assert OutboxEvent.objects.get(topic="order-cancelled").key == str(stuck.id)


def test_the_reservation_is_recorded_only_on_a_pending_order():
    from decimal import Decimal

    from ordering.services import order_transition

    pending, cancelled = order_make(status=OrderStatus.PENDING), order_make(status=OrderStatus.PENDING)
    order_cancel(order=cancelled)  # e.g. the customer cancelled while ReserveStock was in flight
    logged = {}
    for order in (pending, cancelled):
        items = list(order.items.all())
        items[0].sku, items[0].name, items[0].unit_price = "NEW-SKU", "New name", Decimal("4.50")
        logged[order.pk] = order_transition(
            order=order,
            status=OrderStatus.INVENTORY_RESERVED,
            changes={"total": Decimal("9.00"), "currency": "EUR"},
            lines=items,
        )

    assert logged[pending.pk] is not None
    pending.refresh_from_db()
    assert (pending.status, pending.total, pending.currency) == ("INVENTORY_RESERVED", Decimal("9.00"), "EUR")
    assert list(pending.items.values_list("sku", "name", "unit_price")) == [("NEW-SKU", "New name", Decimal("4.50"))]
    assert statuses(pending) == ["PENDING", "INVENTORY_RESERVED"]

    assert logged[cancelled.pk] is None, "a cancel that came first wins"
    cancelled.refresh_from_db()
    assert cancelled.status == "CANCELLED" and cancelled.total == Decimal("25.98")
    assert list(cancelled.items.values_list("sku", flat=True)) == ["KIT-001"]
    assert statuses(cancelled) == ["PENDING", "CANCELLED"]


def test_the_sweeper_reports_the_age_of_the_oldest_order_the_saga_has_not_finished():
    from prometheus_client import REGISTRY

    from ordering.selectors import order_open_oldest_age_seconds

    now = timezone.now()
    assert order_open_oldest_age_seconds(now=now) == 0.0
    old, newer = order_make(status=OrderStatus.PENDING), order_make()
    done = order_make(status=OrderStatus.PAYMENT_COMPLETED)
    Order.objects.filter(pk=old.pk).update(created_at=now - timedelta(seconds=400))
    Order.objects.filter(pk=newer.pk).update(created_at=now - timedelta(seconds=100))
    Order.objects.filter(pk=done.pk).update(created_at=now - timedelta(hours=2))  # finished: not stuck
    assert order_open_oldest_age_seconds(now=now) == 400.0
    call_command("sweep_orders", "--once", stdout=StringIO())
    assert REGISTRY.get_sample_value("retail_orders_open_oldest_age_seconds") >= 400.0
