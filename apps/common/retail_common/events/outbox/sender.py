"""The outbox's after-commit sender: a background thread per process that sends fresh rows at once, in
submission order, and marks them published; the sending and marking the relay shares."""

from __future__ import annotations

import json
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.db.models import F
from django.utils import timezone

from retail_common.config.retail_settings import retail_settings
from retail_common.db.connection_upkeep import ConnectionCheck
from retail_common.events import kafka
from retail_common.events.metrics import EVENTS_PUBLISHED
from retail_common.models import OutboxEvent
from retail_common.observability import tracing

logger = logging.getLogger("retail_common.events")


def outbox_message(event: OutboxEvent) -> dict:
    headers = {"event-type": event.envelope["event_type"], **{k: str(v) for k, v in event.headers.items()}}
    return {
        "topic": event.topic,
        "key": event.key,
        "value": json.dumps(event.envelope, separators=(",", ":")).encode(),
        "headers": headers,
    }


def outbox_mark(events: list[OutboxEvent], delivered: list[bool]) -> int:
    """One UPDATE for the sent rows (published_at), one for the refused ones (handed to the relay at once)."""
    sent = [e.id for e, ok in zip(events, delivered, strict=True) if ok]
    failed = [e.id for e, ok in zip(events, delivered, strict=True) if not ok]
    if sent:
        OutboxEvent.objects.filter(id__in=sent, published_at__isnull=True).update(published_at=timezone.now())
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


def outbox_pending_count() -> int:
    return OutboxEvent.objects.filter(published_at__isnull=True).count()


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
