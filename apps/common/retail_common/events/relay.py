"""The outbox relay: sends unpublished events in batches, in id order, backing off while the broker is down."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from django.db import DatabaseError, close_old_connections, transaction
from django.db.models import Min
from django.utils import timezone

from retail_common.events import kafka
from retail_common.events.metrics import OUTBOX_PENDING
from retail_common.events.outbox.pruning import outbox_prune
from retail_common.events.outbox.sender import outbox_deliver, outbox_mark, outbox_pending_count
from retail_common.models import OutboxEvent
from retail_common.observability.heartbeat import Heartbeat

logger = logging.getLogger("retail_common.events")


def relay_pick(*, limit: int, lock: bool = True) -> list[OutboxEvent]:
    """Up to `limit` unpublished rows past their grace period, in id order (locked, SKIP LOCKED, so
    replicas share the work), without those that would overtake an older row of their key still in
    its sender's grace (the sender is about to send it)."""
    now = timezone.now()
    due = OutboxEvent.objects.filter(published_at__isnull=True, relay_after__lte=now).order_by("id")
    if lock:
        due = due.select_for_update(skip_locked=True)
    events = list(due[:limit])
    if not events:
        return events
    first_in_grace = dict(
        OutboxEvent.objects.filter(
            key__in={event.key for event in events}, published_at__isnull=True, relay_after__gt=now
        )
        .values("key")
        .annotate(first=Min("id"))
        .values_list("key", "first")
    )
    return [event for event in events if event.id < first_in_grace.get(event.key, event.id + 1)]


@dataclass
class OutboxRelay:
    batch_size: int = 500
    idle_seconds: float = 0.5  # the after-commit sender sends nearly everything; this is the safety net
    max_backoff_seconds: float = 30.0
    send_timeout: float = 10.0
    prune_every_seconds: float = 3600.0
    stopping: bool = False
    heartbeat: Heartbeat = field(default_factory=lambda: Heartbeat(None))  # touched every round
    _backoff: float = field(default=0.0, init=False)
    _last_prune: float = field(default=0.0, init=False)

    def relay_once(self) -> tuple[int, int]:
        """Send one batch; returns (sent, attempted)."""
        with transaction.atomic():
            events = relay_pick(limit=self.batch_size)
            if not events:
                return 0, 0
            delivered = outbox_deliver(events, lambda messages: kafka.send_batch(messages, timeout=self.send_timeout))
            sent = outbox_mark(events, delivered)
        return sent, len(events)

    def run(self, *, once: bool = False, on_progress=None) -> None:
        """Relay until stopped; with once=True, until the backlog is drained or the broker refuses a batch."""
        while not self.stopping:
            self.heartbeat.beat()
            close_old_connections()
            try:
                sent, attempted = self.relay_once()
                # Rows can only be waiting after a full or refused batch: an idle loop stays one query.
                backlog = attempted == self.batch_size or sent < attempted
                OUTBOX_PENDING.set(outbox_pending_count() if backlog else 0)
            except DatabaseError as exc:  # the database is away: try again later, never die
                logger.warning("relay: database unavailable: %s", exc)
                sent, attempted = 0, 1
            if on_progress and attempted:
                on_progress(sent, attempted)
            self._maybe_prune()
            broker_refused = sent < attempted
            if once and (broker_refused or attempted < self.batch_size):
                return
            if broker_refused:
                self._backoff = min(self.max_backoff_seconds, max(0.5, self._backoff * 2))
                logger.warning(
                    "broker unavailable; retrying in %.1fs", self._backoff, extra={"pending": attempted - sent}
                )
                self._sleep(self._backoff)
            else:
                self._backoff = 0.0
                if not attempted:
                    self._sleep(self.idle_seconds)

    def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now - self._last_prune >= self.prune_every_seconds:
            self._last_prune = now
            pruned = outbox_prune()
            if pruned:
                logger.info("pruned published outbox events", extra={"count": pruned})

    def _sleep(self, seconds: float) -> None:
        self.heartbeat.pause(seconds, lambda: self.stopping)
