"""Saga handlers: confirm, release and restock are idempotent, also through the real broker."""

import uuid

import pytest
from django.db import transaction

from catalog.events import GROUP, on_order_cancelled, on_payment_completed, on_payment_failed
from catalog.models import Reservation, ReservationStatus, Stock
from catalog.services import stock_reserve
from catalog.tests.factories import product_make
from retail_common.models import OutboxEvent
from retail_dev.factories import event_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserved():
    product = product_make(on_hand=10)
    order_id = uuid.uuid4()
    assert stock_reserve(order_id=order_id, items=[(product.id, 4)])["success"]
    return product, order_id


def levels(product) -> tuple[int, int]:
    stock = Stock.objects.get(product=product)
    return stock.on_hand, stock.reserved


def test_payment_completed_confirms_once(reserved):
    product, order_id = reserved
    for _ in range(2):
        on_payment_completed(event_make("payment-completed", order_id))
    assert levels(product) == (6, 0)
    assert Reservation.objects.get(order_id=order_id).status == ReservationStatus.CONFIRMED


def test_payment_failed_releases_once_and_never_restocks_a_confirmed_order(reserved):
    product, order_id = reserved
    for _ in range(2):
        on_payment_failed(event_make("payment-failed", order_id, {"reason": "CARD_DECLINED"}))
    assert levels(product) == (10, 0)
    released = OutboxEvent.objects.get(topic="inventory-released")
    assert released.envelope["payload"]["restocked"] is False
    assert released.envelope["payload"]["reason"] == "CARD_DECLINED"


def test_cancel_after_confirmation_restocks_once(reserved):
    product, order_id = reserved
    on_payment_completed(event_make("payment-completed", order_id))
    for _ in range(2):
        on_order_cancelled(event_make("order-cancelled", order_id, {"reason": "CUSTOMER_REQUEST"}))
    assert levels(product) == (10, 0)
    assert Reservation.objects.get(order_id=order_id).status == ReservationStatus.RESTOCKED
    payloads = [e.envelope["payload"] for e in OutboxEvent.objects.filter(topic="inventory-released")]
    assert [p["restocked"] for p in payloads] == [True]


def test_cancel_before_payment_releases(reserved):
    product, order_id = reserved
    on_order_cancelled(event_make("order-cancelled", order_id, {"reason": "PAYMENT_TIMEOUT"}))
    on_payment_completed(event_make("payment-completed", order_id))  # too late: the order is gone
    assert levels(product) == (10, 0)
    assert Reservation.objects.get(order_id=order_id).status == ReservationStatus.RELEASED


@pytest.mark.django_db(transaction=True)
def test_consumer_group_confirms_through_the_real_broker(settings):
    from retail_common.events import kafka, registry
    from retail_common.events.consumer.runner import ConsumerRunner
    from retail_common.events.outbox.write import publish
    from retail_common.events.relay import OutboxRelay
    from retail_dev.events_testing import WARM_UP_TOPIC, ConsumerThread, fresh_bus, run_until, warm_producer

    fresh_bus(settings)
    kafka.topics_ensure([*registry.all_topics(), WARM_UP_TOPIC])
    warm_producer()
    product = product_make(on_hand=10)
    order_id = uuid.uuid4()
    assert stock_reserve(order_id=order_id, items=[(product.id, 4)])["success"]
    with transaction.atomic():
        publish(
            event_type="payment-completed",
            key=str(order_id),
            payload={
                "order_id": str(order_id),
                "payment_id": str(uuid.uuid4()),
                "amount": "40.00",
                "currency": "USD",
                "items": [{"product_id": product.id, "quantity": 4}],
            },
        )
    OutboxRelay(send_timeout=10).run(once=True)  # inventory-reserved is relay-only, and it goes first per key
    runner = ConsumerRunner(GROUP)
    assert set(runner.handlers) == {"payment-completed", "payment-failed", "order-cancelled"}
    runner.handlers = {"payment-completed": runner.handlers["payment-completed"]}
    runner.topics = ["payment-completed", *registry.group_topics("payment-completed", GROUP)]
    thread = ConsumerThread(runner)
    thread.start()
    try:
        run_until(thread, lambda: levels(product) == (6, 0))
    finally:
        thread.stop()
    assert Reservation.objects.get(order_id=order_id).status == ReservationStatus.CONFIRMED
