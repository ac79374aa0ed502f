"""Poison records: whatever bytes reach a consumed topic end as a failed event, kept losslessly, and the
consumer goes on with the next records (on the real broker, through a running consumer)."""

import base64
import json

import pytest
from confluent_kafka import Producer

from retail_common.config.retail_settings import retail_settings
from retail_common.events import registry
from retail_common.events.consumer.forwarding import FORWARD_HEADERS
from retail_common.events.outbox.write import envelope_build
from retail_common.events.raw_message import headers_from_lossless
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects, publish_order
from retail_dev import tokens
from retail_dev.events_testing import run_until
from retail_dev.factories import order_created_payload

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = {"HTTP_AUTHORIZATION": f"Bearer {tokens.mint(role='ADMIN', email='admin@retail.test')}"}
MIB = 1024 * 1024


def envelope_bytes(**changes) -> bytes:
    envelope = envelope_build(event_type=TOPIC, payload=order_created_payload())
    return json.dumps({**envelope, **changes}).encode()


# (key, value, headers): every key and value pair is unique, so each row can be matched to its record.
POISON = [
    (b"nul", b'{"event_id": "\x00"} and \x00 more', []),
    (b"invalid-utf8", b"\xff\xfe\xfd\x80", []),
    (b"not-json", b"hello, consumer", []),
    (b"json-list", b"[1, 2, 3]", []),
    (b"json-string", b'"just a string"', []),
    (b"event-id-number", b'{"event_id": 5}', []),
    (b"deep", b"[" * 100_000 + b"]" * 100_000, []),
    (b"unknown-type", envelope_bytes(event_type="order-teleported"), []),
    (b"unknown-version", envelope_bytes(schema_version=2), []),
    (b"empty", b"", []),
    (b"null-value", None, []),
    (b"one-mib", bytes(range(256)) * (MIB // 256), []),
    (None, b"no key at all", []),
    (b"\x00\xff binary key", b"binary key", []),
    (b"k" * 1000, b"a key of 1000 bytes", []),
    (b"binary-headers", b"binary headers", [("bin", b"\xff\x00\xfe"), ("nämé", b"x"), ("none", None)]),
    (b"duplicate-headers", b"duplicated headers", [("dup", b"1"), ("dup", b"2"), ("dup", b"\x00")]),
    (b"huge-header", b"a huge header", [("big", b"\xff" * 200_000)]),
    (b"forged-control", b"forged control headers", [("retry-attempt", b"\xff"), ("error-message", b"\x00")]),
]


@pytest.fixture
def raw_producer():
    """A client that may write anything, 1 MiB values included (the services' producer may not)."""
    producer = Producer({"bootstrap.servers": retail_settings().KAFKA_BOOTSTRAP_SERVERS, "message.max.bytes": 4 * MIB})
    yield producer
    producer.flush(10)


def produce(producer, topic: str, key, value, headers) -> None:
    reports = []
    producer.produce(
        registry.physical(topic), key=key, value=value, headers=headers, on_delivery=lambda e, m: reports.append(e)
    )
    assert producer.flush(10) == 0
    assert reports == [None]


def test_any_record_ends_as_a_lossless_failed_event_and_the_consumer_goes_on(consumer, behaviour, raw_producer):
    for key, value, headers in POISON:
        produce(raw_producer, TOPIC, key, value, headers)
    publish_order("healthy-after-poison")

    run_until(consumer, lambda: FailedEvent.objects.count() == len(POISON) and "healthy-after-poison" in effects())
    rows = {(r.raw_key and bytes(r.raw_key), r.raw_value and bytes(r.raw_value)): r for r in FailedEvent.objects.all()}
    for key, value, headers in POISON:
        row = rows[(key, value)]
        assert (row.group, row.topic, row.status) == (GROUP, TOPIC, FailedEventStatus.PENDING)
        assert row.value_size == len(value or b"")
        kept = [(name, data) for name, data in headers_from_lossless(row.raw_headers) if name not in FORWARD_HEADERS]
        assert kept == [(name, data) for name, data in headers if name not in FORWARD_HEADERS]
        assert "\x00" not in row.payload + row.key + json.dumps(row.headers) + row.error_message
        assert row.attempts == 1, "a record that cannot be decoded is not retried"
    assert rows[(b"nul", POISON[0][1])].payload == '{"event_id": "\\x00"} and \\x00 more'
    assert rows[(b"invalid-utf8", b"\xff\xfe\xfd\x80")].payload == "\\xff\\xfe\\xfd\\x80"
    assert rows[(b"unknown-type", POISON[7][1])].error_type == "InvalidEvent"
    too_large = rows[(b"one-mib", POISON[11][1])]
    assert "not forwarded" in too_large.error_message, "too large for the dead-letter topic: recorded at once"
    assert too_large.payload.endswith("characters in all)")
    assert behaviour.attempts.keys() == {"healthy-after-poison"}, "no poison reached the handler"
    assert consumer.thread.is_alive()


def test_a_retry_record_with_forged_headers_is_handled_not_parked_forever(consumer, raw_producer):
    retry_topic = registry.retry_topic(TOPIC, GROUP, 0)
    forged = [("retry-not-before", b"1e300"), ("retry-attempt", b"-7")]
    produce(raw_producer, retry_topic, b"forged-retry", envelope_bytes(), forged)
    run_until(consumer, lambda: effects() == ["forged-retry"])
    assert not FailedEvent.objects.exists()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff\x00 garbage", "cannot be parsed as an event"),
        (envelope_bytes(source="\u0000"), "a NUL character (U+0000)"),
        (envelope_bytes(source="\ud800"), "a lone surrogate"),
    ],
    ids=["bytes", "nul-in-json", "lone-surrogate-in-json"],
)
def test_an_unparseable_failed_event_is_refused_on_retry_and_can_be_discarded(
    api, consumer, raw_producer, value, reason
):
    # On the dead-letter topic as it is: a valid envelope with a NUL inside would reach a handler.
    produce(raw_producer, registry.dlt_topic(TOPIC, GROUP), b"order-1", value, [])
    run_until(consumer, FailedEvent.objects.exists)
    failed = FailedEvent.objects.get()

    refused = api.post(f"/api/admin/failed-events/{failed.id}/retry", **ADMIN)

    assert refused.status_code == 409
    assert reason in refused.json()["detail"] and "discard it" in refused.json()["detail"]
    failed.refresh_from_db()
    assert failed.status == FailedEventStatus.PENDING
    assert not OutboxEvent.objects.exists()
    discarded = api.post(f"/api/admin/failed-events/{failed.id}/discard", **ADMIN)
    assert discarded.status_code == 200
    assert discarded.json()["status"] == "DISCARDED"


def test_the_detail_answer_gives_the_exact_bytes_and_the_list_a_safe_preview(api, consumer, raw_producer):
    value, key, headers = b"\x00\x01 raw \xff", b"\xfe key", [("h", b"\x00")]
    produce(raw_producer, TOPIC, key, value, headers)
    run_until(consumer, FailedEvent.objects.exists)
    failed = FailedEvent.objects.get()

    listed = api.get(f"/api/admin/failed-events?topic={TOPIC}", **ADMIN).json()["results"]
    detail = api.get(f"/api/admin/failed-events/{failed.id}", **ADMIN).json()

    assert listed[0]["payload"] == "\\x00\\x01 raw \\xff"
    assert listed[0]["value_size"] == len(value)
    assert "raw_value_base64" not in listed[0]
    assert base64.b64decode(detail["raw_value_base64"]) == value
    assert base64.b64decode(detail["raw_key_base64"]) == key
    assert detail["raw_headers"][0] == ["h", base64.b64encode(b"\x00").decode()]
    assert api.get("/api/admin/failed-events/999999", **ADMIN).status_code == 404


def test_django_admin_shows_a_poison_record_safely(client, consumer, raw_producer, django_user_model):
    produce(raw_producer, TOPIC, b"admin-view", b"<script>\x00</script>" + b"\xff" * 5000, [])
    run_until(consumer, FailedEvent.objects.exists)
    failed = FailedEvent.objects.get()
    staff = django_user_model.objects.create_superuser("ops", "ops@retail.test", "pw-for-tests-only")
    client.force_login(staff)

    listing = client.get("/admin/retail_common/failedevent/")
    page = client.get(f"/admin/retail_common/failedevent/{failed.id}/change/")

    assert listing.status_code == page.status_code == 200
    html = page.content.decode()
    assert "&lt;script&gt;\\x00&lt;/script&gt;" in html
    assert "<script>\x00" not in html
    assert "(first 4096 of 5018 bytes)" in html
