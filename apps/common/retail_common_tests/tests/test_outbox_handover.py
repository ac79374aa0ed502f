"""Who sends an outbox row: the after-commit sender during its grace period, the relay after it or at
once when the sender cannot (real PostgreSQL and broker)."""

import json
import time
import uuid

import pytest
from django.db import transaction

from retail_common.events.failed import failed_event_record
from retail_common.events.outbox.sender import outbox_mark, outbox_wait_sent
from retail_common.events.outbox.write import envelope_build, outbox_insert, publish
from retail_common.events.relay import OutboxRelay, relay_pick
from retail_common.models import FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects
from retail_common_tests.models import Effect
from retail_dev import tokens
from retail_dev.events_testing import run_until
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)
GRACE = 0.6


@pytest.fixture
def short_grace(settings):
    settings.RETAIL = {**settings.RETAIL, "OUTBOX_RELAY_GRACE_SECONDS": GRACE}


def orphan(key: str, *, send_now: bool = True) -> OutboxEvent:
    """A committed row whose after-commit send never ran (its process died right after the commit)."""
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload())
    with transaction.atomic():
        return outbox_insert(topic=TOPIC, key=key, envelope=envelope, headers={}, send_now=send_now)


def admin_headers() -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {tokens.mint(role='ADMIN', email='admin@retail.test')}"}


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
        second = publish(event_type=TOPIC, key="queued", payload=order_created_payload())
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


def test_a_retried_failed_event_waits_behind_an_older_unpublished_event_of_its_key(short_grace, consumer, api):
    retried = envelope_build(event_type=TOPIC, payload=order_created_payload())
    failed = failed_event_record(
        group=GROUP,
        topic=TOPIC,
        key=b"retried-key",
        value=json.dumps(retried).encode(),
        headers=[("error-type", b"RuntimeError")],
        event_id=uuid.UUID(retried["event_id"]),
    )
    older = orphan("retried-key", send_now=False)  # e.g. written while the broker was away

    response = api.post(f"/api/admin/failed-events/{failed.id}/retry", **admin_headers())

    assert response.status_code == 200, response.content
    assert outbox_wait_sent()
    row = OutboxEvent.objects.get(event_id=retried["event_id"])
    assert row.headers["failed-event-id"] == str(failed.id)
    assert row.relay_after <= row.created_at, "behind an unpublished event of its key: the relay's at once"
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 2, "not sent ahead of the older one"

    OutboxRelay(send_timeout=10).run(once=True)
    run_until(consumer, lambda: len(effects()) == 2)
    assert handled_event_ids() == [older.event_id, uuid.UUID(retried["event_id"])], "per-key order kept"
    failed.refresh_from_db()
    assert failed.status == FailedEventStatus.RESOLVED


def test_a_retried_failed_event_alone_is_sent_after_commit_by_the_sender(short_grace, consumer, api):
    retried = envelope_build(event_type=TOPIC, payload=order_created_payload())
    failed = failed_event_record(
        group=GROUP, topic=TOPIC, key=b"alone", value=json.dumps(retried).encode(), headers=[], event_id=None
    )

    assert api.post(f"/api/admin/failed-events/{failed.id}/retry", **admin_headers()).status_code == 200
    assert outbox_wait_sent()

    row = OutboxEvent.objects.get(event_id=retried["event_id"])
    assert row.published_at is not None, "nothing of its key waited: the after-commit sender sent it"
    assert row.relay_after > row.created_at, "and the relay left it to the sender (grace period)"
    run_until(consumer, lambda: handled_event_ids() == [uuid.UUID(retried["event_id"])])
