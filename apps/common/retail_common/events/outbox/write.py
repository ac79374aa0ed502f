"""The outbox's write API, what services call: `publish()` writes the event in the caller's transaction;
after commit the sender (sender.py) sends it at once, and `relay_outbox` re-sends whatever is still
unpublished."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Case, Exists, Value, When
from django.utils import timezone

from retail_common.config.retail_settings import retail_settings
from retail_common.db import model_sql
from retail_common.db.model_sql import Sql
from retail_common.events import kafka
from retail_common.events.outbox.sender import outbox_send_soon
from retail_common.events.schemas import validate_envelope
from retail_common.models import OutboxEvent
from retail_common.observability import tracing


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
    *,
    event_type: str,
    key: str,
    payload: dict,
    headers: dict | None = None,
    topic: str | None = None,
    send_now: bool = True,
) -> OutboxEvent:
    """Record an event in the current transaction (schema-checked); it is sent only if that transaction commits.

    send_now=False leaves it to the relay's batches (within its idle interval): for events no step of
    the saga waits for, on hot paths where a send per call costs more than it buys. So does an older
    unpublished event of the same key: the relay then sends both, in order.
    """
    envelope = envelope_build(event_type=event_type, payload=payload)
    validate_envelope(envelope)
    return outbox_enqueue(
        topic=topic or event_type, key=str(key), envelope=envelope, headers=headers or {}, send_now=send_now
    )


def outbox_enqueue(*, topic: str, key: str, envelope: dict, headers: dict, send_now: bool = True) -> OutboxEvent:
    """The one way into the outbox for a built envelope (publish() and a failed event's retry): the row
    in the caller's transaction, ordered behind any older unpublished event of its key, and sent after
    commit only when nothing of its key waits before it (otherwise the relay sends both, in order)."""
    event = outbox_insert(topic=topic, key=key, envelope=envelope, headers=headers, send_now=send_now)
    if not event.relay_only:
        kafka.producer_warm_up()  # connecting now overlaps with the rest of the caller's transaction
        transaction.on_commit(lambda: outbox_send_soon(event), robust=True)
    return event


def outbox_row_values(*, topic: str, key: str, envelope: dict, headers: dict | None = None) -> dict:
    """The one definition of an outbox row, as field values: every writer (outbox_insert for publish() and
    a failed event's retry through outbox_row, outbox_relay_only_sql for a caller's own statement) builds
    it here. A new column is a model field (its default applies everywhere) and, if its value comes from
    the caller's context, one line here."""
    return {
        "event_id": uuid.UUID(envelope["event_id"]),
        "topic": topic,
        "key": str(key),
        "envelope": envelope,
        "headers": headers or {},
        "trace_context": tracing.trace_context_capture(),
    }


def outbox_row(*, topic: str, key: str, envelope: dict, headers: dict | None = None) -> OutboxEvent:
    """The row of outbox_row_values, unsaved."""
    return OutboxEvent(**outbox_row_values(topic=topic, key=key, envelope=envelope, headers=headers))


def outbox_relay_only_sql(*, event_type: str, key: str, payload: dict, name: str = "announced") -> Sql:
    """The INSERT of a relay-only event (as publish(send_now=False) writes it), schema-checked, for a
    caller to put into a statement of its own (a CTE) on a hot path: one round trip fewer. Built from
    the row's values, without a model instance (ReserveStock's path, the one user of model_sql here)."""
    envelope = envelope_build(event_type=event_type, payload=payload)
    validate_envelope(envelope)
    row = outbox_row_values(topic=event_type, key=key, envelope=envelope)
    return model_sql.insert([row], model=OutboxEvent, name=name)


def outbox_insert(*, topic: str, key: str, envelope: dict, headers: dict, send_now: bool) -> OutboxEvent:
    """Insert the row in one statement (publish() is on the saga's hot path, docs/benchmarks.md). The
    database sets relay_after from whether an older event of its key is still unpublished: if so (or
    with send_now=False) the row is the relay's at once, which keeps order per key; otherwise the
    after-commit sender owns it for OUTBOX_RELAY_GRACE_SECONDS (at least a microsecond, so the two
    differ). relay_after comes back with the INSERT (a field with a database default), and tells which."""
    row = outbox_row(topic=topic, key=key, envelope=envelope, headers=headers)
    at = timezone.now()  # created_at (auto_now_add) is stamped just after, so a relay-only row is due at once
    if send_now:
        owned = timedelta(seconds=retail_settings().OUTBOX_RELAY_GRACE_SECONDS) or timedelta(microseconds=1)
        waiting = OutboxEvent.objects.filter(key=row.key, published_at__isnull=True)
        row.relay_after = Case(When(Exists(waiting), then=Value(at)), default=Value(at + owned))
    else:
        row.relay_after = at
    OutboxEvent.objects.bulk_create([row])
    row.relay_only = row.relay_after == at
    return row
