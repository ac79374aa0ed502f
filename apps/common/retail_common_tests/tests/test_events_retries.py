"""Retry topics, the dead-letter topic, FailedEvent rows and the admin retry, on the real broker."""

import json
import uuid

import pytest

from retail_common.events import kafka, registry
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects, publish_order
from retail_dev import tokens
from retail_dev.events_testing import run_until

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = {"HTTP_AUTHORIZATION": f"Bearer {tokens.mint(role='ADMIN', email='admin@retail.test')}"}


def test_handler_failing_twice_takes_effect_once_via_the_retry_topics(consumer, behaviour):
    behaviour.failures["flaky"] = 2
    publish_order("flaky")
    run_until(consumer, lambda: effects() == ["flaky"], settle=1.0)
    assert effects() == ["flaky"]
    assert behaviour.attempts["flaky"] == ["0", "1", "2"]  # main topic, retry-0, retry-1
    assert not FailedEvent.objects.exists()


def test_other_keys_are_not_blocked_while_a_retry_waits(consumer, behaviour):
    behaviour.failures["slow-retry"] = 1
    publish_order("slow-retry")
    publish_order("fine")
    run_until(consumer, lambda: set(effects()) == {"slow-retry", "fine"})
    assert effects()[0] == "fine", "the main topic kept flowing during the retry delay"


def test_always_failing_handler_ends_as_failed_event_then_admin_retry_takes_effect(api, consumer, behaviour):
    behaviour.failures["doomed"] = 10**6
    event = publish_order("doomed")
    run_until(consumer, FailedEvent.objects.exists)

    failed = FailedEvent.objects.get()
    assert (failed.group, failed.topic, failed.key) == (GROUP, TOPIC, "doomed")
    assert failed.event_id == event.event_id
    assert failed.attempts == 4
    assert failed.status == FailedEventStatus.PENDING
    assert failed.error_type == "RuntimeError"
    assert json.loads(failed.payload)["payload"] == event.envelope["payload"]
    assert failed.headers["original-topic"] == TOPIC
    assert behaviour.attempts["doomed"] == ["0", "1", "2", "3"]
    assert effects() == []

    listed = api.get("/api/admin/failed-events?status=PENDING", **ADMIN).json()
    assert [row["id"] for row in listed["results"]] == [failed.id]

    behaviour.failures["doomed"] = 0  # the handler is fixed
    response = api.post(f"/api/admin/failed-events/{failed.id}/retry", **ADMIN)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "RETRIED"
    assert response.json()["retried_by"] == "admin@retail.test"
    assert response.json()["retried_at"]

    run_until(consumer, lambda: effects() == ["doomed"], settle=0.5)
    failed.refresh_from_db()
    assert failed.status == FailedEventStatus.RESOLVED
    assert effects() == ["doomed"]
    again = api.post(f"/api/admin/failed-events/{failed.id}/retry", **ADMIN)
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"


def produce_raw(value: bytes, key: str) -> None:
    assert kafka.send_batch([{"topic": TOPIC, "key": key, "value": value, "headers": {}}], timeout=5) == [True]


def failed_event_of(consumer, value: bytes, key: str) -> FailedEvent:
    """The FailedEvent the consumer records for one raw message it cannot handle."""
    produce_raw(value, key)
    run_until(consumer, FailedEvent.objects.exists)
    return FailedEvent.objects.get()


def test_poison_pills_become_failed_events_without_stopping_the_consumer(consumer, behaviour):
    produce_raw(b"\xff not json at all", "poison")
    invalid = {"event_id": str(uuid.uuid4()), "event_type": TOPIC, "payload": {"order_id": "x"}}
    produce_raw(json.dumps(invalid).encode(), "bad-schema")
    publish_order("healthy")

    run_until(consumer, lambda: FailedEvent.objects.count() == 2 and effects() == ["healthy"])
    rows = {row.key: row for row in FailedEvent.objects.all()}
    assert rows["poison"].event_id is None
    assert rows["poison"].error_type == "UnicodeDecodeError"
    assert rows["poison"].attempts == 1, "a poison pill is not retried"
    assert rows["bad-schema"].error_type == "InvalidEvent"
    assert rows["bad-schema"].event_id == uuid.UUID(invalid["event_id"])
    assert "poison" not in behaviour.attempts, "the handler never saw it"
    assert consumer.thread.is_alive()


def test_discard_and_its_conflicts(api, consumer):
    failed = failed_event_of(consumer, b"garbage", "to-discard")

    undecodable = api.post(f"/api/admin/failed-events/{failed.id}/retry", **ADMIN)
    assert undecodable.status_code == 409
    assert "discard it" in undecodable.json()["detail"]

    response = api.post(f"/api/admin/failed-events/{failed.id}/discard", **ADMIN)
    assert response.status_code == 200
    assert response.json()["status"] == "DISCARDED"
    assert response.json()["discarded_by"] == "admin@retail.test"
    assert api.post(f"/api/admin/failed-events/{failed.id}/discard", **ADMIN).status_code == 409
    assert api.post("/api/admin/failed-events/999999/discard", **ADMIN).status_code == 404


def test_json_that_is_no_event_cannot_be_retried_so_the_relay_never_sees_it(api, consumer):
    failed = failed_event_of(consumer, b'{"hello": "not an event"}', "json-but-no-event")

    response = api.post(f"/api/admin/failed-events/{failed.id}/retry", **ADMIN)

    assert response.status_code == 409
    assert "envelope is invalid" in response.json()["detail"]
    failed.refresh_from_db()
    assert failed.status == FailedEventStatus.PENDING
    assert not OutboxEvent.objects.exists()


def test_failed_events_api_is_admin_only(api):
    customer = {"HTTP_AUTHORIZATION": f"Bearer {tokens.mint(role='CUSTOMER')}"}
    assert api.get("/api/admin/failed-events", **customer).status_code == 403
    assert api.get("/api/admin/failed-events").status_code == 401
    bad = api.get("/api/admin/failed-events?status=LOST", **ADMIN)
    assert bad.status_code == 400
    assert "status" in bad.json()


def test_registry_names_retry_and_dead_letter_topics_per_group():
    assert registry.group_topics("order-created", "payments") == [
        "order-created.payments.retry-0",
        "order-created.payments.retry-1",
        "order-created.payments.retry-2",
        "order-created.payments.dlt",
    ]
    names = registry.all_topics()
    assert len(names) == len(set(names))
    assert set(registry.MAIN_TOPICS) <= set(names)
    assert "payment-completed.inventory.dlt" in names
    assert registry.parse_topic("order-created.payments.retry-1") == ("order-created", "payments", "retry-1")
