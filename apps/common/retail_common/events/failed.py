"""Failed events: recorded by the dead-letter handler, retried or discarded by a person."""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.utils import timezone

from retail_common.domain.errors import Conflict
from retail_common.events import raw_message
from retail_common.events.metrics import EVENTS_FAILED
from retail_common.events.schemas import validate_envelope_fields
from retail_common.http.unsafe_text import json_text_problem, text_problem
from retail_common.models import FailedEvent, FailedEventStatus


def failed_event_record(
    *,
    group: str,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: raw_message.RawHeaders,
    event_id: uuid.UUID | None,
    error: tuple[str, str] | None = None,
) -> FailedEvent:
    """Store a dead-lettered record losslessly (whatever its bytes); the same event dead-lettered
    again reopens its row. `error` (type, message) overrides what the record's headers say."""
    readable = raw_message.headers_readable(headers)
    error_type, error_message = error or (readable.get("error-type", "unknown"), readable.get("error-message", ""))
    fields = {
        "topic": topic,
        "key": raw_message.readable_bytes(key, 200),
        "payload": raw_message.readable_bytes(value),
        "headers": readable,
        "raw_value": value,
        "raw_key": key,
        "raw_headers": raw_message.headers_lossless(headers),
        "value_size": len(value or b""),
        "error_type": raw_message.readable_text(error_type, 200),
        "error_message": raw_message.readable_text(error_message, 4000),
        "attempts": raw_message.header_int(readable, "retry-attempt", 1, low=1),
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


def failed_event_envelope(failed: FailedEvent) -> dict:
    """The event to send again, parsed from the bytes as received; Conflict when it is no event."""
    data = bytes(failed.raw_value) if failed.raw_value is not None else failed.payload.encode()
    try:
        envelope = json.loads(data)
        # A payload that breaks its schema may be retried (the consumer may have been fixed); an
        # envelope that is no event at all could never be sent again, and would stop the relay.
        validate_envelope_fields(envelope)
        problem = json_text_problem(envelope)
        if problem is not None:
            raise ValueError(f"{problem}, which PostgreSQL cannot store")
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError and InvalidEvent too
        reason = raw_message.readable_text(str(exc), 300)
        raise Conflict(f"Failed event {failed.id} cannot be parsed as an event ({reason}); discard it.") from exc
    return envelope


def failed_event_key(failed: FailedEvent) -> str:
    """The record's key as the outbox stores it (text); Conflict when the original bytes are no such key."""
    data = bytes(failed.raw_key) if failed.raw_key is not None else failed.key.encode()
    try:
        key = data.decode("utf-8")
    except UnicodeDecodeError:
        key = None
    if key is None or text_problem(key) is not None or len(key) > 200:
        raise Conflict(f"Failed event {failed.id} has a key that is no text key of at most 200 characters; discard it.")
    return key


@transaction.atomic
def failed_event_retry(*, failed_event_id: int, actor: str) -> FailedEvent:
    """Re-send a PENDING failed event to its original topic through the outbox's one way in (per-key
    order and the sender's grace period hold as for publish()), recording who and when."""
    from retail_common.events.outbox.write import outbox_enqueue

    failed = FailedEvent.objects.select_for_update().get(id=failed_event_id)
    if failed.status != FailedEventStatus.PENDING:
        raise Conflict(f"Failed event {failed.id} is {failed.status}; only PENDING events can be retried.")
    envelope, key = failed_event_envelope(failed), failed_event_key(failed)
    failed.retry_count += 1
    outbox_enqueue(
        topic=failed.topic,
        key=key,
        envelope=envelope,
        headers={"retry-attempt": "0", "manual-retry": str(failed.retry_count), "failed-event-id": str(failed.id)},
    )
    failed.status = FailedEventStatus.RETRIED
    failed.retried_at = timezone.now()
    failed.retried_by = actor[:254]
    failed.save(update_fields=["status", "retried_at", "retried_by", "retry_count", "updated_at"])
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
