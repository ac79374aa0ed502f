"""Each step of the consumer pipeline alone (retail_common/events/consumer/): decode, inbox and handle,
routing, forwarding, the failed-event store, retry pauses, offset commit and liveness, against the real
PostgreSQL and broker. The runner that wires them is covered by the test_events_* files."""

import json
import time
import uuid

import pytest
from confluent_kafka import Consumer, Message, TopicPartition
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from retail_common.events import kafka, registry
from retail_common.events.consumer.commit import OffsetCommitter
from retail_common.events.consumer.decode import POISON, decode, event_id_of, headers_of
from retail_common.events.consumer.failed_store import store_failed
from retail_common.events.consumer.forwarding import Forwarder, forwarded_message
from retail_common.events.consumer.inbox import handle_once, inbox_record
from retail_common.events.consumer.liveness import Liveness, lag_cache_key
from retail_common.events.consumer.pausing import RetryPauses, not_before_of
from retail_common.events.consumer.routing import MAX_ATTEMPTS, attempt_of, route_failure, route_poison
from retail_common.events.consumer.subscription import Subscription
from retail_common.events.handlers import Event
from retail_common.events.outbox.write import envelope_build
from retail_common.models import FailedEvent, ProcessedEvent
from retail_common_tests.events_support import GROUP, TOPIC, WRITTEN_MS, consumed_record
from retail_common_tests.models import Effect
from retail_dev.factories import order_created_payload


def record(value, *, topic=TOPIC, key=b"order-1", headers=None, offset=0, written_ms=WRITTEN_MS) -> Message:
    return consumed_record(topic, offset=offset, key=key, value=value, headers=headers, written_ms=written_ms)


def envelope_bytes() -> tuple[dict, bytes]:
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload())
    return envelope, json.dumps(envelope).encode()


def an_event(**changes) -> Event:
    fields = {
        "event_id": uuid.uuid4(),
        "event_type": TOPIC,
        "key": "order-1",
        "payload": {},
        "occurred_at": "2026-12-07T00:00:00Z",
        "source": "tests",
        "topic": TOPIC,
        "headers": {},
    }
    return Event(**(fields | changes))


# -- decode ---------------------------------------------------------------------------------------


def test_decode_builds_the_event_from_the_envelope_and_the_record():
    envelope, value = envelope_bytes()
    msg = record(value, headers=[("trace", b"t-1"), ("none", None), ("bad", b"\xff")])
    headers = headers_of(msg)
    assert headers == {"trace": "t-1", "none": "", "bad": "\ufffd"}
    event = decode(msg, topic=TOPIC, headers=headers, key="order-1")
    assert event == Event(
        event_id=uuid.UUID(envelope["event_id"]),
        event_type=TOPIC,
        key="order-1",
        payload=envelope["payload"],
        occurred_at=envelope["occurred_at"],
        source=envelope["source"],
        topic=TOPIC,
        headers=headers,
    )


@pytest.mark.parametrize(
    "value",
    [None, b"", b"not json", b"[1]", b'{"event_id": "x"}', b"[" * 100_000 + b"]" * 100_000],
    ids=["null", "empty", "not-json", "list", "no-envelope", "deep"],
)
def test_decode_raises_poison_for_what_can_never_be_an_event(value):
    with pytest.raises(POISON):
        decode(record(value), topic=TOPIC, headers={}, key="order-1")


def test_the_event_id_is_read_whatever_else_is_wrong():
    event_id = uuid.uuid4()
    assert event_id_of(json.dumps({"event_id": str(event_id), "rest": "bad"}).encode()) == event_id
    assert [event_id_of(v) for v in (None, b"\xff", b'{"event_id": 5}')] == [None, None, None]


# -- inbox and handle -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_inbox_runs_a_handler_once_per_group_with_one_insert():
    event = an_event()

    def handler(e):
        Effect.objects.create(key=e.key, event_id=e.event_id)

    with CaptureQueriesContext(connection) as captured:
        first = handle_once(GROUP, handler, event)
    statements = [q["sql"].split()[0] for q in captured.captured_queries]
    assert statements == ["SAVEPOINT", "INSERT", "INSERT", "RELEASE"]
    assert (first, handle_once(GROUP, handler, event), handle_once("other-group", handler, event)) == (
        True,
        False,
        True,
    )
    assert Effect.objects.filter(event_id=event.event_id).count() == 2
    assert ProcessedEvent.objects.filter(event_id=event.event_id).count() == 2


@pytest.mark.django_db
def test_a_failing_handler_leaves_no_inbox_row_and_its_own_integrity_error_is_no_duplicate():
    event = an_event()

    def failing(e):
        raise RuntimeError("handler failure")

    def refused(e):
        raise IntegrityError("a constraint of the handler's own")

    with pytest.raises(RuntimeError):
        handle_once(GROUP, failing, event)
    with pytest.raises(IntegrityError):
        handle_once(GROUP, refused, event)
    assert not ProcessedEvent.objects.filter(event_id=event.event_id).exists()
    assert handle_once(GROUP, lambda e: None, event) is True


@pytest.mark.django_db(transaction=True)
def test_a_handler_outside_transactions_runs_before_its_inbox_row_every_delivery():
    event, seen = an_event(), []

    def outside(e):
        seen.append(connection.in_atomic_block)

    outside.in_transaction = False
    assert (handle_once(GROUP, outside, event), handle_once(GROUP, outside, event)) == (True, False)
    assert seen == [False, False]  # idempotent by itself: a redelivery runs it again
    with CaptureQueriesContext(connection) as captured:
        assert inbox_record(GROUP, uuid.uuid4(), TOPIC) is True
    assert [q["sql"].split()[0] for q in captured.captured_queries] == ["INSERT"]  # autocommit: no savepoint


# -- routing --------------------------------------------------------------------------------------


def test_a_failure_goes_to_each_retry_topic_in_turn_then_to_the_dead_letter_topic():
    exc, msg = RuntimeError("x"), record(b"")
    routes = [route_failure(msg, topic=TOPIC, group=GROUP, attempt=a, exc=exc) for a in range(MAX_ATTEMPTS)]
    retries = [registry.retry_topic(TOPIC, GROUP, a) for a in range(MAX_ATTEMPTS - 1)]
    assert [(r.target, r.delay, r.attempt) for r in routes] == [
        *((t, d, a + 1) for a, (t, d) in enumerate(zip(retries, registry.RETRY_DELAYS_SECONDS, strict=True))),
        (registry.dlt_topic(TOPIC, GROUP), 0, MAX_ATTEMPTS),
    ]
    poison = route_poison(msg, topic=TOPIC, group=GROUP, attempt=0, exc=exc)
    assert (poison.target, poison.delay, poison.attempt, poison.topic) == (
        registry.dlt_topic(TOPIC, GROUP),
        0,
        1,
        TOPIC,
    )


def test_the_attempt_header_is_bounded():
    assert [attempt_of(h) for h in ({}, {"retry-attempt": "2"}, {"retry-attempt": "99"}, {"retry-attempt": "x"})] == [
        0,
        2,
        MAX_ATTEMPTS,
        0,
    ]


# -- forwarding and the failed-event store --------------------------------------------------------


def test_a_forwarded_copy_keeps_bytes_and_other_headers_and_replaces_the_control_headers():
    msg = record(b"\xff raw", key=b"\x00k", headers=[("trace", b"t"), ("retry-attempt", b"forged"), ("n", None)])
    route = route_failure(msg, topic=TOPIC, group=GROUP, attempt=0, exc=ValueError("bad \u00e9"))
    copy = forwarded_message(route, now=1000.0)
    assert copy == {
        "topic": registry.retry_topic(TOPIC, GROUP, 0),
        "key": b"\x00k",
        "value": b"\xff raw",
        "headers": [
            ("trace", b"t"),
            ("n", None),
            ("retry-attempt", b"1"),
            ("original-topic", TOPIC.encode()),
            ("error-type", b"ValueError"),
            ("error-message", "bad \u00e9".encode()),
            ("retry-not-before", f"{1000.0 + registry.RETRY_DELAYS_SECONDS[0]:.3f}".encode()),
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_a_copy_the_broker_refuses_for_good_is_stored_as_a_failed_event(bus):
    too_large = b"x" * (2 * 1024 * 1024)  # above the producer's message.max.bytes
    msg = record(too_large, key=b"big")
    route = route_poison(msg, topic=TOPIC, group=GROUP, attempt=0, exc=ValueError("not json"))
    Forwarder(GROUP, stopping=lambda: True).forward(route)
    row = FailedEvent.objects.get(group=GROUP)
    assert (row.topic, row.error_type, bytes(row.raw_value)) == (TOPIC, "ValueError", too_large)
    assert row.error_message.startswith("not json (not forwarded: ")


@pytest.mark.django_db(transaction=True)
def test_the_failed_event_store_keeps_the_record_losslessly_with_its_event_id():
    envelope, value = envelope_bytes()
    value = value[:-1] + b', "nul": "\\u0000"}'  # valid JSON that a jsonb or text column refuses
    store_failed(record(value, key=b"k\x00\xff", headers=[("h", b"\x00")]), group=GROUP, topic=TOPIC)
    row = FailedEvent.objects.get(group=GROUP)
    assert (bytes(row.raw_value), bytes(row.raw_key), row.event_id) == (
        value,
        b"k\x00\xff",
        uuid.UUID(envelope["event_id"]),
    )
    assert (row.topic, row.error_type, row.headers) == (TOPIC, "unknown", {"h": "\\x00"})


# -- retry pauses ---------------------------------------------------------------------------------


def test_a_retry_copy_is_due_at_its_header_but_never_later_than_the_longest_delay():
    longest, written = max(registry.RETRY_DELAYS_SECONDS), WRITTEN_MS / 1000
    msg = record(b"", topic=registry.retry_topic(TOPIC, GROUP, 0))
    assert not_before_of(msg, {"retry-not-before": f"{written + 3}"}, now=written) == written + 3
    assert not_before_of(msg, {"retry-not-before": f"{written + 3}"}, now=written + 3) is None
    assert not_before_of(msg, {"retry-not-before": "9e12"}, now=written) == written + longest
    future = record(b"", written_ms=WRITTEN_MS + int((longest + 1) * 1000))
    assert not_before_of(future, {"retry-not-before": "9e12"}, now=written) is None  # a forged timestamp


@pytest.mark.django_db(transaction=True)
def test_a_pause_holds_the_partition_until_due_and_a_revoke_forgets_it(bus):
    topic = registry.physical(registry.retry_topic(TOPIC, GROUP, 0))
    client = Consumer(kafka.consumer_config("pause-probe"))
    tp = TopicPartition(topic, 0, 0)
    client.assign([tp])
    try:
        pauses = RetryPauses(lambda name: client)
        due = time.time() + 0.5
        msg = record(b"", topic=registry.retry_topic(TOPIC, GROUP, 0), written_ms=int(time.time() * 1000))
        assert pauses.defer(msg, {"retry-not-before": f"{due}"}) is True
        assert pauses.paused == {(topic, 0): (pytest.approx(due, abs=0.001), 0)}
        pauses.resume_due()
        assert (topic, 0) in pauses.paused, "not due yet"
        time.sleep(0.6)
        pauses.resume_due()
        assert pauses.paused == {}
        pauses.defer(msg, {"retry-not-before": f"{time.time() + 5}"})
        pauses.on_revoke(client, [TopicPartition(topic, 0)])
        assert pauses.paused == {}
    finally:
        client.close()


# -- commit and liveness --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_offsets_are_committed_only_for_the_messages_handed_to_the_committer(bus):
    _, value = envelope_bytes()
    assert kafka.send_batch([{"topic": TOPIC, "key": "k", "value": value, "headers": {}}] * 3, timeout=10) == [True] * 3
    subscription = Subscription(GROUP, [TOPIC])
    subscription.subscribe(on_revoke=lambda consumer, partitions: None)
    fetched: list = []
    deadline = time.monotonic() + 30
    while len(fetched) < 3 and time.monotonic() < deadline:
        fetched += subscription.next_batch(poll_timeout=0.5, batch_size=10)
    assert len(fetched) == 3
    OffsetCommitter(subscription).commit(fetched[:2])
    subscription.close()
    probe = Consumer(kafka.consumer_config(GROUP))
    try:
        (committed,) = probe.committed([TopicPartition(fetched[0].topic(), fetched[0].partition())], timeout=10)
    finally:
        probe.close()
    assert committed.offset == fetched[1].offset() + 1


def test_liveness_beats_and_publishes_the_lag(tmp_path):
    heartbeat = tmp_path / "alive"
    cache.delete(lag_cache_key("liveness-probe"))
    Liveness("liveness-probe", [], str(heartbeat)).tick()
    assert heartbeat.exists()
    assert cache.get(lag_cache_key("liveness-probe")) == {}
