"""The order state machine (order_transition) and placing an order, through the ORM: guarded by
TRANSITIONS alone, a fixed number of statements each, the order's updated_at set with its history."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ordering import services
from ordering.models import TRANSITIONS, Order, OrderItem, OrderStatus, OrderStatusChange
from ordering.tests.factories import order_make
from retail_common.models import OutboxEvent
from retail_dev.factories import address
from retail_dev.sql_columns import assert_writes_model_columns

pytestmark = pytest.mark.django_db

MOVES = [(source, target) for source in OrderStatus for target in OrderStatus]


def counted(status: str) -> float:
    return services.ORDERS.labels(status=status)._value.get()


@pytest.mark.parametrize(("source", "target"), MOVES, ids=[f"{s}->{t}" for s, t in MOVES])
def test_a_move_happens_exactly_when_transitions_allows_it(source, target, django_capture_on_commit_callbacks):
    order = order_make(status=source)
    before = counted(target)
    with CaptureQueriesContext(connection) as captured, django_capture_on_commit_callbacks(execute=True):
        change = services.order_transition(order=order, status=target)
    allowed = target in TRANSITIONS.get(source, set())
    # Allowed: the guarded UPDATE and the history INSERT; refused: the guarded UPDATE alone, or nothing
    # for a status no other one leads to (PENDING: `status__in=[]` runs no query).
    assert len(captured) == (2 if allowed else 1 if services.order_sources(target) else 0)
    stored = Order.objects.get(pk=order.pk)
    history = list(stored.history.values_list("status", flat=True))
    if allowed:
        assert (order.status, stored.status, change.status) == (target, target, target)
        assert change.pk == stored.history.last().pk
        assert change.at == stored.updated_at == order.updated_at
        assert history[-1] == target
        assert counted(target) == before + 1
    else:
        assert change is None
        assert order.status == stored.status == source and history[-1] == source
        assert counted(target) == before


def test_a_transition_writes_changed_fields_and_its_history_with_every_column():
    order = order_make(status=OrderStatus.PENDING)
    with CaptureQueriesContext(connection) as captured:
        services.order_transition(
            order=order,
            status=OrderStatus.CANCELLED,
            changes={"cancel_reason": "OUT_OF_STOCK", "unavailable": [{"product_id": 7}]},
        )
    assert (order.cancel_reason, order.unavailable) == ("OUT_OF_STOCK", [{"product_id": 7}])
    order.refresh_from_db()
    assert (order.status, order.cancel_reason, order.unavailable) == ("CANCELLED", "OUT_OF_STOCK", [{"product_id": 7}])
    assert_writes_model_columns(captured, Order, inserts=0, updates=1)
    assert_writes_model_columns(captured, OrderStatusChange, inserts=1, updates=0)


def test_recording_the_reservation_prices_the_lines_in_one_more_statement():
    order = order_make(status=OrderStatus.PENDING)
    line = order.items.get()
    line.sku, line.name, line.unit_price = "NEW-SKU", "New name", Decimal("4.50")
    with CaptureQueriesContext(connection) as captured:
        services.order_transition(
            order=order,
            status=OrderStatus.INVENTORY_RESERVED,
            changes={"total": Decimal("9.00"), "currency": "EUR"},
            lines=[line],
        )
    assert len(captured) == 3, "the transition's two statements and one UPDATE of every line"
    assert (order.total, order.currency) == (Decimal("9.00"), "EUR")
    assert list(order.items.values_list("sku", "name", "unit_price")) == [("NEW-SKU", "New name", Decimal("4.50"))]
    assert_writes_model_columns(captured, OrderItem, inserts=0, updates=1)


def test_placing_an_order_is_three_inserts_in_one_transaction():
    order = Order(
        user_id=uuid.uuid4(),
        shipping_address=address(),
        card_brand="visa",
        card_last4="4242",
        idempotency_key="k1",
        request_hash="0" * 64,
    )
    items = [OrderItem(order=order, product_id=p, quantity=1) for p in (3, 5)]
    with CaptureQueriesContext(connection) as captured:
        placed, lines, logged = services.order_insert(order, items, OrderStatusChange(order=order, status="PENDING"))
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 3 and len(captured) == 5, "three INSERTs between SAVEPOINT and RELEASE"
    for model in (Order, OrderItem, OrderStatusChange):
        assert_writes_model_columns(captured, model, inserts=1, updates=0)
    assert all(obj._state.adding is False for obj in (placed, *lines, logged))
    stored = Order.objects.get(pk=placed.pk)
    assert (stored.status, stored.total, stored.currency, stored.unavailable) == ("PENDING", Decimal("0"), "USD", [])
    assert [line.pk for line in lines] == list(stored.items.order_by("product_id").values_list("pk", flat=True))
    assert logged.pk == stored.history.get().pk


def test_sources_come_from_transitions():
    assert services.order_sources(OrderStatus.CANCELLED) == ["INVENTORY_RESERVED", "PAYMENT_COMPLETED", "PENDING"]
    assert services.order_sources(OrderStatus.PENDING) == []


def test_the_sweep_rule_is_a_service(settings):
    settings.ORDER_PAYMENT_TIMEOUT_SECONDS = 60
    stuck, fresh = order_make(), order_make()
    paid = order_make(status=OrderStatus.PAYMENT_COMPLETED)
    Order.objects.filter(pk__in=[stuck.pk, paid.pk]).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert services.order_sweep_unpaid() == 1
    assert services.order_sweep_unpaid() == 0
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert (statuses[stuck.pk], statuses[fresh.pk], statuses[paid.pk]) == (
        "CANCELLED",
        "INVENTORY_RESERVED",
        "PAYMENT_COMPLETED",
    )
    assert Order.objects.get(pk=stuck.pk).cancel_reason == "PAYMENT_TIMEOUT"
    cancelled = OutboxEvent.objects.get(topic="order-cancelled")
    assert cancelled.key == str(stuck.pk)
    assert cancelled.envelope["payload"]["previous_status"] == "INVENTORY_RESERVED"


def test_a_payment_step_from_an_event_counts_the_captured_amount_once(django_capture_on_commit_callbacks):
    order = order_make(status=OrderStatus.INVENTORY_RESERVED)
    before = services.REVENUE._value.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.order_advance(
            order_id=order.pk, status=OrderStatus.PAYMENT_COMPLETED, captured=Decimal("25.98")
        )
    with django_capture_on_commit_callbacks(execute=True):  # a redelivered payment-completed changes nothing
        assert not services.order_advance(
            order_id=order.pk, status=OrderStatus.PAYMENT_COMPLETED, captured=Decimal("25.98")
        )
    assert services.REVENUE._value.get() == before + 25.98
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAYMENT_COMPLETED
