"""The consumer loop of one group, wiring the pipeline's steps (the shape of Sentry's arroyo):

    subscription.next_batch → per record: pausing (a retry not due) | failed_store (dead-letter topic)
    | handling (decode → inbox and handler → routing) → forwarding → commit (store offsets) → metrics

Offsets are stored only after the handler's transaction commits (or the message was
forwarded to a retry/dead-letter topic); the client commits stored offsets in the background and on close,
so a crash redelivers at most the in-flight batch and the processed-events row turns that redelivery
into a no-op.

Why not arroyo itself: its strategies pass one message at a time down a chain and commit per
partition, while ours hold a whole fetched batch in one PostgreSQL transaction (a savepoint per
record, the inbox row inside it) and store offsets only after that commit; they run on
confluent-kafka's client with two consumers per group (main and retry/dead-letter topics) and pause
partitions for retry delays. The steps here are plain functions and small classes instead of
ProcessingStrategy subclasses, each tested alone (retail_common_tests/tests/test_consumer_steps.py).
"""

from __future__ import annotations

import contextlib
import time

from django.db import transaction

from retail_common.config.retail_settings import retail_settings
from retail_common.db.connection_upkeep import ConnectionCheck
from retail_common.events import registry
from retail_common.events.consumer.commit import OffsetCommitter
from retail_common.events.consumer.decode import headers_of
from retail_common.events.consumer.failed_store import store_failed
from retail_common.events.consumer.forwarding import Forwarder
from retail_common.events.consumer.handling import handle_record
from retail_common.events.consumer.liveness import Liveness
from retail_common.events.consumer.pausing import RetryPauses
from retail_common.events.consumer.subscription import Subscription
from retail_common.events.handlers import Handler, handlers_for
from retail_common.events.metrics import EVENTS_FAILED, EVENTS_HANDLED


class ConsumerRunner:
    def __init__(
        self,
        group: str,
        *,
        handlers: dict[str, Handler] | None = None,
        poll_timeout: float = 0.05,
        batch_size: int = 200,
    ):
        self.group = group
        self.handlers = handlers if handlers is not None else handlers_for(group)
        if not self.handlers:
            raise ValueError(f"no event handlers are registered for group {group!r}")
        self.topics = [name for topic in self.handlers for name in (topic, *registry.group_topics(topic, group))]
        for topic in self.handlers:  # a series at 0 from the start: increase() then sees the first dead letter
            EVENTS_FAILED.labels(topic=topic)
        self.poll_timeout = poll_timeout
        self.batch_size = batch_size
        self.stopping = False
        self.handled = 0
        self.connection_check = ConnectionCheck()
        self.subscription = Subscription(group, self.topics)
        self.pauses = RetryPauses(self.subscription.owner)
        self.forwarder = Forwarder(group, stopping=lambda: self.stopping)
        self.committer = OffsetCommitter(self.subscription)
        consumers = self.subscription.consumers()
        self.liveness = Liveness(group, consumers, retail_settings().CONSUMER_HEARTBEAT_FILE)

    def run(self, *, max_seconds: float | None = None) -> None:
        self.subscription.subscribe(on_revoke=self.pauses.on_revoke)
        deadline = time.monotonic() + max_seconds if max_seconds else None
        try:
            while not self.stopping and (deadline is None or time.monotonic() < deadline):
                self.pauses.resume_due()
                batch = self.subscription.next_batch(poll_timeout=self.poll_timeout, batch_size=self.batch_size)
                self.liveness.tick()
                if batch:
                    self.connection_check.before()
                    try:
                        self.process_batch(batch)
                    except BaseException:
                        self.connection_check.failed()
                        raise
                    self.connection_check.succeeded()
        finally:
            self.subscription.close()

    def stop(self, *args) -> None:
        self.stopping = True

    def process_batch(self, messages: list) -> None:
        """Handle messages in one transaction, each in its own savepoint; offsets are stored after the commit.

        A failed handler rolls back only its savepoint and is forwarded to its retry topic once the
        batch has committed; a crash before then redelivers it (its inbox row was never written).
        """
        done, forwards, outcomes = [], [], []
        deferred: set[tuple[str, int]] = set()
        # One message needs no batch transaction around its own (a SAVEPOINT pair fewer per event), and
        # a handler that must run outside any transaction (in_transaction=False) rules one out.
        with transaction.atomic() if len(messages) > 1 and self._batchable(messages) else contextlib.nullcontext():
            for msg in messages:
                if self.stopping and done:
                    break  # SIGTERM: finish what is in hand, commit, leave the rest to the next owner
                partition = (msg.topic(), msg.partition())
                if partition in deferred:
                    continue  # behind a retry that is not due yet; keeps order within the partition
                topic, _, kind = registry.parse_topic(registry.logical(msg.topic()))
                headers = headers_of(msg)
                if kind.startswith("retry-") and self.pauses.defer(msg, headers):
                    deferred.add(partition)
                    continue
                if kind == "dlt":
                    store_failed(msg, group=self.group, topic=topic)
                else:
                    outcome, forward = handle_record(
                        msg, group=self.group, topic=topic, headers=headers, handlers=self.handlers
                    )
                    outcomes.append((topic, outcome))
                    if forward:
                        forwards.append(forward)
                done.append(msg)
        for forward in forwards:
            self.forwarder.forward(forward)
        self.committer.commit(done)
        for topic, outcome in outcomes:
            EVENTS_HANDLED.labels(group=self.group, topic=topic, outcome=outcome).inc()
            self.handled += outcome != "failed"

    def _batchable(self, messages: list) -> bool:
        """Whether every message's handler runs inside a transaction (the batch's may then hold them all)."""
        for msg in messages:
            handler = self.handlers.get(registry.parse_topic(registry.logical(msg.topic()))[0])
            if handler is not None and not getattr(handler, "in_transaction", True):
                return False
        return True
