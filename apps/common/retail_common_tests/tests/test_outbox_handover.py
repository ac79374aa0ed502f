"""Who sends an outbox row: the after-commit sender during its grace period, the relay after it or at
once when the sender cannot (real PostgreSQL and broker)."""

import time
import uuid

import pytest
from django.db import transaction

from retail_common.events.outbox import envelope_build, outbox_insert, outbox_mark, outbox_wait_sent, publish
from retail_common.events.relay import OutboxRelay, relay_pick
from retail_common.models import OutboxEvent
from retail_common_tests.events_support import TOPIC, effects, order_created
from retail_common_tests.models import Effect
from retail_dev.events_testing import run_until

pytestmark = pytest.mark.django_db(transaction=True)
GRACE = 0.6


@pytest.fixture
def short_grace(settings):
    settings.RETAIL = {**settings.RETAIL, "OUTBOX_RELAY_GRACE_SECONDS": GRACE}


def orphan(key: str, *, send_now: bool = True) -> OutboxEvent:
    """A committed row whose after-commit send never ran (its process died right after the commit)."""
    envelope = envelope_build(event_type=TOPIC, payload=order_created(str(uuid.uuid4())))
    with transaction.atomic():
        return outbox_insert(topic=TOPIC, key=key, envelope=envelope, headers={}, send_now=send_now)


def handled_event_ids() -> list[uuid.UUID]:
    return list(Effect.objects.order_by("id").values_list("event_id", flat=True))


def test_the_relay_leaves_a_fresh_row_to_the_sender_until_its_grace_ends(short_grace, consumer):
    event = orphan("crashed-sender")
    assert not event.relay_only
    assert relay_pick(limit=100, lock=False) == [], "inside the grace period the row is the sender's"
    OutboxRelay(send_timeout=10).run(once=True)
    assert OutboxEvent.objects.get(pk=event.pk).published_at is None

    time.sleep(GRACE + 0.1)
    OutboxRelay(send_timeout=10).run(once=True)
    assert OutboxEvent.objects.get(pk=event.pk).published_at is not None
    run_until(consumer, lambda: effects() == ["crashed-sender"])


def test_a_failed_send_hands_the_row_to_the_relay_at_once(short_grace):
    event = orphan("broker-away")
    outbox_mark([event], [False])
    event.refresh_from_db()
    assert event.attempts == 1
    assert relay_pick(limit=100, lock=False) == [event]


def test_relay_only_rows_and_rows_behind_an_unpublished_one_are_never_sent_after_commit(short_grace, consumer):
    first = orphan("queued", send_now=False)
    assert first.relay_only, "send_now=False: the relay's batches carry it"
    with transaction.atomic():
        second = publish(event_type=TOPIC, key="queued", payload=order_created(str(uuid.uuid4())))
    assert second.relay_only, "an older event of its key is unpublished: sending now would overtake it"
    assert outbox_wait_sent()
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 2

    OutboxRelay(send_timeout=10).run(once=True)
    run_until(consumer, lambda: len(effects()) == 2)
    assert handled_event_ids() == [first.event_id, second.event_id], "sent in order"


def test_the_relay_does_not_overtake_a_row_still_in_its_senders_grace(short_grace):
    young = orphan("ordered")  # the sender may still be sending it
    older_failed = orphan("other")
    outbox_mark([older_failed], [False])
    behind = orphan("ordered")  # written while `young` was unpublished
    assert behind.relay_only
    assert relay_pick(limit=100, lock=False) == [older_failed], "`behind` waits until `young` is sent or its grace ends"

    time.sleep(GRACE + 0.1)
    assert [e.pk for e in relay_pick(limit=100, lock=False)] == [young.pk, older_failed.pk, behind.pk]
