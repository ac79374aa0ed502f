"""Outbox to handler on the real broker and PostgreSQL: nothing from a rollback, everything exactly once."""

import uuid

import pytest
from django.db import transaction

from retail_common.events import kafka
from retail_common.events.metrics import OUTBOX_PENDING
from retail_common.events.outbox.sender import outbox_message, outbox_wait_sent
from retail_common.events.outbox.write import envelope_build
from retail_common.events.relay import OutboxRelay
from retail_common.models import OutboxEvent, ProcessedEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects, publish_order
from retail_common_tests.models import Effect
from retail_dev.events_testing import run_until
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_rollback_publishes_nothing_and_commit_is_handled_once(consumer):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_order("rolled-back")
        raise RuntimeError("the order could not be saved")
    with transaction.atomic():
        committed = publish_order("committed")

    assert list(OutboxEvent.objects.values_list("key", flat=True)) == ["committed"]
    assert outbox_wait_sent()
    committed.refresh_from_db()
    assert committed.published_at is not None, "the after-commit fast path sent it"
    run_until(consumer, lambda: effects() == ["committed"], settle=1.5)
    assert effects() == ["committed"]
    assert ProcessedEvent.objects.filter(group=GROUP).count() == 1


def test_duplicate_delivery_has_a_single_effect(consumer):
    with transaction.atomic():
        event = publish_order("twice")
    kafka.send_batch([outbox_message(event)], timeout=5)  # the same event id delivered again
    run_until(consumer, lambda: consumer.runner.handled >= 2, settle=0.5)
    assert effects() == ["twice"]
    assert ProcessedEvent.objects.filter(group=GROUP, event_id=event.event_id).count() == 1


def test_relay_sends_the_backlog_in_order_per_key(consumer):
    # Rows written without the after-commit fast path: the relay alone must send them, in order.
    for n in range(5):
        envelope = envelope_build(event_type=TOPIC, payload=order_created_payload(uuid.UUID(int=n)))
        OutboxEvent.objects.create(event_id=envelope["event_id"], topic=TOPIC, key="same-key", envelope=envelope)
    OutboxRelay(batch_size=2).run(once=True)
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
    assert OUTBOX_PENDING._value.get() == 0
    run_until(consumer, lambda: len(effects()) == 5)
    handled = list(Effect.objects.order_by("id").values_list("event_id", flat=True))
    assert handled == list(OutboxEvent.objects.order_by("id").values_list("event_id", flat=True))


def test_a_handler_registered_outside_the_transaction_runs_with_none_open(bus):
    from django.db import connection

    from retail_common.events.consumer.runner import ConsumerRunner
    from retail_dev.events_testing import ConsumerThread

    seen: list[bool] = []

    def charge(event) -> None:  # e.g. a payment gateway call: no transaction may be open around it
        seen.append(connection.in_atomic_block)
        Effect.objects.get_or_create(key=event.key, event_id=event.event_id)  # idempotent by itself

    charge.in_transaction = False
    thread = ConsumerThread(ConsumerRunner(GROUP, handlers={TOPIC: charge}))
    thread.start()
    try:
        with transaction.atomic():
            first = publish_order("outside-1")
            publish_order("outside-2")
        kafka.send_batch([outbox_message(first)], timeout=5)  # the first one delivered again
        run_until(thread, lambda: thread.runner.handled >= 3, settle=0.5)
    finally:
        thread.stop()
    assert seen == [False, False, False]
    assert sorted(effects()) == ["outside-1", "outside-2"]
    assert ProcessedEvent.objects.filter(group=GROUP).count() == 2
