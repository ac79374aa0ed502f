"""Failed events: recorded by the dead-letter handler, retried or discarded by a person."""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.utils import timezone

from retail_common.errors import Conflict
from retail_common.events.metrics import EVENTS_FAILED
from retail_common.events.schemas import validate_envelope_fields
from retail_common.models import FailedEvent, FailedEventStatus, OutboxEvent


def failed_event_record(
    *, group: str, topic: str, key: str, value: bytes, headers: dict, event_id: uuid.UUID | None
) -> FailedEvent:
    """Store a dead-lettered message; the same event dead-lettered again reopens its row."""
    fields = {
        "topic": topic,
        "key": key,
        "payload": value.decode("utf-8", errors="replace"),
        "headers": headers,
        "error_type": headers.get("error-type", "unknown")[:200],
        "error_message": headers.get("error-message", ""),
        "attempts": int(headers.get("retry-attempt", "1") or 1),
        "status": FailedEventStatus.PENDING,
    }
    if event_id is None:
        failed = FailedEvent.objects.create(group=group, **fields)
    else:
        failed, _ = FailedEvent.objects.update_or_create(group=group, event_id=event_id, defaults=fields)
    EVENTS_FAILED.labels(topic=topic).inc()
    return failed


def failed_event_resolve(*, group: str, event_id: uuid.UUID) -> None:
    """A retried event was finally handled: close its row (called inside the handler's transaction)."""
    FailedEvent.objects.filter(group=group, event_id=event_id, status=FailedEventStatus.RETRIED).update(
        status=FailedEventStatus.RESOLVED
    )


@transaction.atomic
def failed_event_retry(*, failed_event_id: int, actor: str) -> FailedEvent:
    """Re-send a PENDING failed event to its original topic through the outbox, recording who and when."""
    from retail_common.events.outbox import outbox_send_soon

    failed = FailedEvent.objects.select_for_update().get(id=failed_event_id)
    if failed.status != FailedEventStatus.PENDING:
        raise Conflict(f"Failed event {failed.id} is {failed.status}; only PENDING events can be retried.")
    try:
        envelope = json.loads(failed.payload)
        # A payload that breaks its schema may be retried (the consumer may have been fixed); an
        # envelope that is no event at all could never be sent again, and would stop the relay.
        validate_envelope_fields(envelope)
    except ValueError as exc:  # JSONDecodeError and InvalidEvent
        raise Conflict(
            f"Failed event {failed.id} is not a decodable event and cannot be retried ({exc}); discard it."
        ) from exc
    failed.retry_count += 1
    event = OutboxEvent.objects.create(
        event_id=failed.event_id or uuid.uuid4(),
        topic=failed.topic,
        key=failed.key,
        envelope=envelope,
        headers={"retry-attempt": "0", "manual-retry": str(failed.retry_count), "failed-event-id": str(failed.id)},
    )
    failed.status = FailedEventStatus.RETRIED
    failed.retried_at = timezone.now()
    failed.retried_by = actor[:254]
    failed.save(update_fields=["status", "retried_at", "retried_by", "retry_count", "updated_at"])
    transaction.on_commit(lambda: outbox_send_soon(event), robust=True)
    return failed


@transaction.atomic
def failed_event_discard(*, failed_event_id: int, actor: str) -> FailedEvent:
    """Mark a failed event as deliberately dropped."""
    failed = FailedEvent.objects.select_for_update().get(id=failed_event_id)
    if failed.status in (FailedEventStatus.DISCARDED, FailedEventStatus.RESOLVED):
        raise Conflict(f"Failed event {failed.id} is already {failed.status}.")
    failed.status = FailedEventStatus.DISCARDED
    failed.discarded_at = timezone.now()
    failed.discarded_by = actor[:254]
    failed.save(update_fields=["status", "discarded_at", "discarded_by", "updated_at"])
    return failed
