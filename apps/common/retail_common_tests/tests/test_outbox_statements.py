"""The outbox's three modules through the ORM (write.py, sender.py, pruning.py): which statements each
writes, against the real PostgreSQL. A batch costs the same number of statements as one row."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retail_common.events.outbox.pruning import outbox_prune
from retail_common.events.outbox.sender import outbox_mark
from retail_common.events.outbox.write import envelope_build, outbox_insert
from retail_common.models import OutboxEvent
from retail_common_tests.events_support import TOPIC
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db
GRACE = 2.0


def statements(captured) -> list[str]:
    return [" ".join(q["sql"].split()[:3]) for q in captured.captured_queries]


def insert(key: str, *, send_now: bool = True) -> OutboxEvent:
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload())
    return outbox_insert(topic=TOPIC, key=key, envelope=envelope, headers={"h": "v"}, send_now=send_now)


def test_an_insert_is_one_statement_that_asks_whether_its_key_waits(settings):
    settings.RETAIL = {**settings.RETAIL, "OUTBOX_RELAY_GRACE_SECONDS": GRACE}
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        first = insert("k-1")
    written = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    assert len(written) == 1 and written[0].startswith("INSERT") and "EXISTS" in written[0]
    behind, relay_batch = insert("k-1"), insert("k-2", send_now=False)
    assert [e.relay_only for e in (first, behind, relay_batch)] == [False, True, True]
    stored = {e.pk: OutboxEvent.objects.get(pk=e.pk) for e in (first, behind, relay_batch)}
    sender_owns = stored[first.pk].relay_after - stored[first.pk].created_at
    assert timedelta(seconds=GRACE) - timedelta(seconds=1) < sender_owns <= timedelta(seconds=GRACE)
    assert all(stored[e.pk].relay_after <= stored[e.pk].created_at for e in (behind, relay_batch))
    assert (stored[first.pk].headers, stored[first.pk].envelope["event_type"]) == ({"h": "v"}, TOPIC)
    assert all(e.relay_after == stored[e.pk].relay_after for e in (first, behind, relay_batch))


def test_without_a_grace_period_the_sender_still_owns_a_row_nothing_waits_before(settings):
    settings.RETAIL = {**settings.RETAIL, "OUTBOX_RELAY_GRACE_SECONDS": 0}
    assert [insert("g-1").relay_only, insert("g-1").relay_only] == [False, True]


def test_marking_a_batch_is_one_update_for_the_sent_and_one_for_the_refused():
    events = [insert(f"m-{i}", send_now=False) for i in range(5)]
    with CaptureQueriesContext(connection) as captured:
        assert outbox_mark(events, [True, False, True, True, False]) == 3
    assert [s.split()[0] for s in statements(captured)] == ["UPDATE", "UPDATE"]
    rows = {e.key: e for e in OutboxEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert [rows[f"m-{i}"].published_at is not None for i in range(5)] == [True, False, True, True, False]
    assert [(rows[k].attempts, rows[k].last_error) for k in ("m-1", "m-4")] == [(1, "broker unavailable")] * 2
    outbox_mark(events[:1], [True])  # already published: the mark keeps the first time
    assert OutboxEvent.objects.get(pk=events[0].pk).published_at == rows["m-0"].published_at


def test_pruning_is_one_delete_of_old_published_rows():
    now = timezone.now()
    for key, published in (("old", now - timedelta(hours=30)), ("new", now), ("unsent", None)):
        OutboxEvent.objects.create(event_id=uuid.uuid4(), topic=TOPIC, key=key, envelope={}, published_at=published)
    with CaptureQueriesContext(connection) as captured:
        assert outbox_prune(older_than_hours=24) == 1
    assert [s.split()[0] for s in statements(captured)] == ["DELETE"]
    assert sorted(OutboxEvent.objects.values_list("key", flat=True)) == ["new", "unsent"]
