"""Transactional outbox: `publish()` writes the event in the caller's transaction; after commit a
fast path sends it at once, and `relay_outbox` re-sends whatever is still unpublished."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from retail_common.events import kafka
from retail_common.events.schemas import validate_envelope
from retail_common.models import OutboxEvent
from retail_common.settings import retail_settings

logger = logging.getLogger("retail_common.events")


def envelope_build(*, event_type: str, payload: dict, source: str | None = None) -> dict:
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": 1,
        "occurred_at": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "source": source or retail_settings().SERVICE_NAME,
        "payload": payload,
    }


def publish(
    *, event_type: str, key: str, payload: dict, headers: dict | None = None, topic: str | None = None
) -> OutboxEvent:
    """Record an event in the current transaction (schema-checked); it is sent only if that transaction commits."""
    envelope = envelope_build(event_type=event_type, payload=payload)
    validate_envelope(envelope)
    event = OutboxEvent.objects.create(
        event_id=uuid.UUID(envelope["event_id"]),
        topic=topic or event_type,
        key=str(key),
        envelope=envelope,
        headers=headers or {},
    )
    kafka.producer_warm_up()  # connecting now overlaps with the rest of the caller's transaction
    transaction.on_commit(lambda: outbox_send_now(event.id), robust=True)
    return event


def outbox_message(event: OutboxEvent) -> dict:
    headers = {"event-type": event.envelope["event_type"], **{k: str(v) for k, v in event.headers.items()}}
    return {
        "topic": event.topic,
        "key": event.key,
        "value": json.dumps(event.envelope, separators=(",", ":")).encode(),
        "headers": headers,
    }


def outbox_mark(events: list[OutboxEvent], delivered: list[bool]) -> int:
    sent = [e.id for e, ok in zip(events, delivered, strict=True) if ok]
    failed = [e.id for e, ok in zip(events, delivered, strict=True) if not ok]
    if sent:
        OutboxEvent.objects.filter(id__in=sent, published_at__isnull=True).update(published_at=timezone.now())
    if failed:
        from django.db.models import F

        OutboxEvent.objects.filter(id__in=failed).update(attempts=F("attempts") + 1, last_error="broker unavailable")
    return len(sent)


def outbox_send_now(event_id: int) -> bool:
    """Fast path after commit: send one event unless an older event of its key is still waiting (order per key)."""
    event = OutboxEvent.objects.filter(id=event_id, published_at__isnull=True).first()
    if event is None:
        return True
    if OutboxEvent.objects.filter(key=event.key, published_at__isnull=True, id__lt=event.id).exists():
        return False  # the relay sends the backlog of this key in order
    delivered = kafka.send_guarded([outbox_message(event)])
    outbox_mark([event], delivered)
    return delivered[0]


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


def outbox_prune(*, older_than_hours: int | None = None) -> int:
    hours = older_than_hours if older_than_hours is not None else retail_settings().OUTBOX_RETENTION_HOURS
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    deleted, _ = OutboxEvent.objects.filter(Q(published_at__lt=cutoff)).delete()
    return deleted
