"""Step 1 of the consumer pipeline: a record's bytes into an `Event` (or the reason it is poison)."""

from __future__ import annotations

import json
import uuid

from retail_common.events.handlers import Event
from retail_common.events.schemas import InvalidEvent, validate_envelope

# What an undecodable record raises: it can never succeed, so it goes straight to the dead-letter topic.
POISON = (ValueError, TypeError, RecursionError, InvalidEvent)


def headers_of(msg) -> dict[str, str]:
    """Readable headers for handlers and the retry logic (one value per name, never raises)."""
    return {k: (v or b"").decode("utf-8", errors="replace") for k, v in (msg.headers() or [])}


def key_of(msg) -> str:
    return (msg.key() or b"").decode("utf-8", errors="replace")


def event_id_of(value: bytes | None) -> uuid.UUID | None:
    """The envelope's event id when there is one to read, whatever else is wrong with the record."""
    try:
        return uuid.UUID(json.loads(value)["event_id"])
    except Exception:  # anything unreadable simply has no event id
        return None


def decode(msg, *, topic: str, headers: dict[str, str], key: str) -> Event:
    """The schema-checked event of a record on `topic` (its logical main topic); raises one of POISON."""
    envelope = json.loads(msg.value())
    validate_envelope(envelope)
    return Event(
        event_id=uuid.UUID(envelope["event_id"]),
        event_type=envelope["event_type"],
        key=key,
        payload=envelope["payload"],
        occurred_at=envelope["occurred_at"],
        source=envelope["source"],
        topic=topic,
        headers=headers,
    )
