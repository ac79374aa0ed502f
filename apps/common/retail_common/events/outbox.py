"""Transactional outbox: `publish()` writes the event in the caller's transaction; after commit a
fast path sends it at once, and `relay_outbox` re-sends whatever is still unpublished."""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from retail_common import model_sql, tracing
from retail_common.connection_checks import ConnectionCheck
from retail_common.events import kafka
from retail_common.events.metrics import EVENTS_PUBLISHED
from retail_common.events.schemas import validate_envelope
from retail_common.model_sql import Sql
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
    it here and writes it through model_sql, whose columns are the model's. A new column is a model
    field (its default applies everywhere) and, if its value comes from the caller's context, one line here."""
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


def outbox_row_sql(row: OutboxEvent, *, name: str, expressions: dict[str, str] | None = None, params=None) -> Sql:
    """The INSERT of `row` as a fragment with named parameters (prefixed `name`), for a statement of the
    caller's own (a CTE): no caller spells the outbox's columns."""
    return model_sql.insert([row], name=name, expressions=expressions, params=params)


def outbox_relay_only_sql(*, event_type: str, key: str, payload: dict, name: str = "announced") -> Sql:
    """The INSERT of a relay-only event (as publish(send_now=False) writes it), schema-checked, for a
    caller to put into a statement of its own (a CTE) on a hot path: one round trip fewer. Built from
    the row's values, without a model instance (ReserveStock's path)."""
    envelope = envelope_build(event_type=event_type, payload=payload)
    validate_envelope(envelope)
    row = outbox_row_values(topic=event_type, key=key, envelope=envelope)
    return model_sql.insert([row], model=OutboxEvent, name=name)


def outbox_insert(*, topic: str, key: str, envelope: dict, headers: dict, send_now: bool) -> OutboxEvent:
    """Insert the row and learn, in the same round trip, whether an older event of its key is still
    unpublished. If so (or with send_now=False) the row is the relay's at once, which keeps order per
    key; otherwise the after-commit sender owns it for OUTBOX_RELAY_GRACE_SECONDS."""
    row = outbox_row(topic=topic, key=key, envelope=envelope, headers=headers)
    created_at = timezone.now()
    grace = retail_settings().OUTBOX_RELAY_GRACE_SECONDS if send_now else 0.0
    behind = Sql(
        f"SELECT EXISTS (SELECT 1 FROM {model_sql.table(OutboxEvent)} "  # noqa: S608 (the model's table)
        "WHERE key = %(behind_key)s AND published_at IS NULL) AS yes",
        {"behind_key": row.key},
    )
    inserted = outbox_row_sql(
        row,
        name="inserted",
        expressions={
            "created_at": "%(at)s",
            "relay_after": "CASE WHEN (SELECT yes FROM behind) THEN %(at)s "
            "ELSE %(at)s::timestamptz + make_interval(secs => %(grace)s) END",
        },
        params={"at": created_at, "grace": grace},
    )
    statement = model_sql.with_ctes(
        {"behind": behind, "inserted": inserted},
        "SELECT inserted.id, behind.yes OR NOT %(send_now)s FROM inserted, behind",
        {"send_now": send_now},
    )
    ((pk, relay_only),) = model_sql.run(statement)
    relay_after = created_at if relay_only else created_at + timedelta(seconds=grace)
    event = model_sql.saved(row, id=pk, created_at=created_at, relay_after=relay_after)
    event.relay_only = relay_only
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
    if sent:  # once per event on the fast path: plain SQL, the ORM's update cost more than the round trip
        where = "id = ANY(%(sent)s) AND published_at IS NULL"
        values = {"published_at": timezone.now()}
        model_sql.run(model_sql.update(OutboxEvent, name="mark", values=values, where=where, params={"sent": sent}))
        for event, ok in zip(events, delivered, strict=True):
            if ok:
                EVENTS_PUBLISHED.labels(topic=event.topic).inc()
    if failed:  # the relay takes over at once, with its backoff
        OutboxEvent.objects.filter(id__in=failed).update(
            attempts=F("attempts") + 1, last_error="broker unavailable", relay_after=timezone.now()
        )
    return len(sent)


def outbox_deliver(events: list[OutboxEvent], send) -> list[bool]:
    """send(messages) -> delivered flags for the rows' messages, each send continuing the trace that
    wrote its row (a PRODUCER span; nothing when tracing is off). The relay and the fast path both."""
    return tracing.producer_send([outbox_message(event) for event in events], [e.trace_context for e in events], send)


def outbox_send_now(events: list[OutboxEvent]) -> list[bool]:
    """Fast path after commit: send events that no older event of their key waits before (see
    outbox_insert), in order, as one batch. Within the grace period the relay leaves these rows alone,
    so this is their only sender; a failed send hands a row to the relay."""
    delivered = outbox_deliver(events, kafka.send_guarded)
    outbox_mark(events, delivered)
    return delivered


SENDER_BATCH = 500


class _Sender:
    """One background thread per process that runs the after-commit fast path, in submission order,
    so a request never waits for the broker's acknowledgement (the relay covers anything it misses).
    Events that queue up while a send is in flight go out together in the next batch: one broker
    round trip and one UPDATE for all of them, so the thread keeps up at high rates."""

    def __init__(self):
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.pid = 0
        self.in_flight = 0
        self.queued: list[OutboxEvent] = []
        self.draining = False
        self.idle = threading.Condition(self.lock)
        self.connection_check = ConnectionCheck()

    def submit(self, event: OutboxEvent) -> None:
        with self.lock:
            if self.executor is None or self.pid != os.getpid():  # a forked worker needs its own thread
                self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-sender")
                self.pid = os.getpid()
                self.in_flight, self.queued, self.draining = 0, [], False  # the parent's state means nothing here
                self.connection_check = ConnectionCheck()
            self.in_flight += 1
            self.queued.append(event)
            if not self.draining:
                self.draining = True
                self.executor.submit(self._drain)

    def _drain(self) -> None:
        while True:
            with self.lock:
                batch, self.queued = self.queued[:SENDER_BATCH], self.queued[SENDER_BATCH:]
                if not batch:
                    self.draining = False
                    return
            self._send(batch)

    def _send(self, batch: list[OutboxEvent]) -> None:
        # The thread keeps its connection between sends, as a request thread does (a new PostgreSQL
        # session per event cost more CPU than the send); CONN_MAX_AGE still retires it after a pause.
        self.connection_check.before()
        try:
            outbox_send_now(batch)
            self.connection_check.succeeded()
        except Exception:  # the relay sends whatever this misses
            self.connection_check.failed()
            logger.exception("after-commit send failed", extra={"outbox_ids": [event.id for event in batch]})
        finally:
            with self.lock:
                self.in_flight -= len(batch)
                if self.in_flight == 0:
                    self.idle.notify_all()

    def release_connection(self, timeout: float = 10.0) -> None:
        """Close the sender thread's database connection (e.g. before a test database is dropped)."""
        with self.lock:
            executor = self.executor if self.pid == os.getpid() else None
        if executor is not None:
            executor.submit(lambda: connection.close()).result(timeout=timeout)  # in the thread that owns it

    def wait_idle(self, timeout: float = 10.0) -> bool:
        with self.lock:
            return self.idle.wait_for(lambda: self.in_flight == 0, timeout=timeout)


_sender = _Sender()


def outbox_send_soon(event: OutboxEvent) -> None:
    """After commit: send in the background (PUBLISH_IN_BACKGROUND, default) or right here."""
    if retail_settings().PUBLISH_IN_BACKGROUND:
        _sender.submit(event)
    else:
        outbox_send_now([event])


def outbox_sender_release() -> None:
    _sender.release_connection()


def outbox_wait_sent(timeout: float = 10.0) -> bool:
    """Block until the background sends handed over so far are done (tests, graceful shutdown)."""
    return _sender.wait_idle(timeout)


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


def outbox_prune(*, older_than_hours: int | None = None) -> int:
    hours = older_than_hours if older_than_hours is not None else retail_settings().OUTBOX_RETENTION_HOURS
    cutoff = timezone.now() - timezone.timedelta(hours=hours)
    deleted, _ = OutboxEvent.objects.filter(Q(published_at__lt=cutoff)).delete()
    return deleted
