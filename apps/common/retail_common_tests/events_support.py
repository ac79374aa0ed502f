"""Helpers of the library's own event tests: the test group, its topic, a scriptable handler."""

from __future__ import annotations

from confluent_kafka import TIMESTAMP_CREATE_TIME, Message
from django.db import transaction

from retail_common.events import kafka, registry
from retail_common.events.outbox.write import publish
from retail_common_tests.models import Effect
from retail_dev.events_testing import WARM_UP_TOPIC
from retail_dev.events_testing import fresh_bus as _fresh_bus
from retail_dev.factories import order_created_payload

GROUP = "common-tests"
TOPIC = "order-created"
WRITTEN_MS = 1_700_000_000_000


def consumed_record(topic: str, *, offset: int = 0, key=b"order-1", value=None, headers=None, written_ms=WRITTEN_MS):
    """A record as the client hands it over (confluent_kafka.Message), built here instead of fetched."""
    return Message(
        topic=registry.physical(topic),
        partition=0,
        offset=offset,
        key=key,
        value=value,
        headers=headers,
        timestamp=(TIMESTAMP_CREATE_TIME, written_ms),
    )


def publish_order(*keys: str):
    """An order-created event per key, in one transaction of its own (a savepoint inside the caller's);
    returns the last outbox row."""
    with transaction.atomic():
        for key in keys:
            event = publish(event_type=TOPIC, key=key, payload=order_created_payload())
    return event


def effects() -> list[str]:
    return list(Effect.objects.order_by("id").values_list("key", flat=True))


class Behaviour:
    """What the test handler does: fail N times per key (or forever), optionally slowly."""

    def __init__(self):
        self.failures: dict[str, int] = {}
        self.attempts: dict[str, list[str]] = {}

    def __call__(self, event) -> None:
        self.attempts.setdefault(event.key, []).append(event.headers.get("retry-attempt", "0"))
        left = self.failures.get(event.key, 0)
        if left:
            self.failures[event.key] = left - 1
            raise RuntimeError(f"handler failure, {left - 1} left")
        Effect.objects.create(key=event.key, event_id=event.event_id)


def fresh_bus(settings, *, bootstrap: str | None = None) -> str:
    return _fresh_bus(settings, bootstrap=bootstrap, subscriptions={TOPIC: [GROUP]})


def provision() -> None:
    kafka.topics_ensure([TOPIC, *registry.group_topics(TOPIC, GROUP), WARM_UP_TOPIC])
