"""Step 2 of the consumer pipeline: dedupe in the inbox (ProcessedEvent) and run the handler.

The inbox row is an INSERT that fails on the group's unique constraint when the event was handled
before; in the handler's savepoint that failure undoes nothing else, because the row is written first.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction

from retail_common.events.failed import failed_event_resolve
from retail_common.events.handlers import Event, Handler
from retail_common.models import ProcessedEvent

INBOX_CONSTRAINT = "retail_processed_once_per_group"


def _is_inbox_conflict(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == INBOX_CONSTRAINT


def inbox_record(group: str, event_id: uuid.UUID, topic: str, *, then: Callable[[], None] | None = None) -> bool:
    """Write the processed-events row, then run `then` in the same savepoint; False (and `then` not run)
    when this group already handled the event. One INSERT; a savepoint only inside a transaction or
    around `then` (in autocommit a refused INSERT leaves nothing behind)."""
    needs_savepoint = then is not None or connection.in_atomic_block
    try:
        with transaction.atomic() if needs_savepoint else contextlib.nullcontext():
            ProcessedEvent.objects.create(group=group, event_id=event_id, topic=topic)
            if then is not None:
                then()
    except IntegrityError as exc:
        if not _is_inbox_conflict(exc):
            raise  # the handler's own constraint: a failure like any other
        return False
    return True


def handle_once(group: str, handler: Handler, event: Event) -> bool:
    """Run `handler` for an event this group has not handled yet; False for a redelivery (a no-op).

    A handler in a transaction (the default) shares its savepoint with the inbox row: either both stay
    or neither. One with in_transaction=False runs first, outside any transaction (idempotent by
    itself), and its inbox row follows. A manual retry (`failed-event-id`) resolves its failed event
    in the inbox row's transaction."""
    retried = "failed-event-id" in event.headers

    def resolve() -> None:
        failed_event_resolve(group=group, event_id=event.event_id)

    if getattr(handler, "in_transaction", True):

        def run() -> None:
            handler(event)
            if retried:
                resolve()

        return inbox_record(group, event.event_id, event.topic, then=run)
    handler(event)
    return inbox_record(group, event.event_id, event.topic, then=resolve if retried else None)
