"""The consumer loop of one group: inbox dedupe, retry topics with delays, dead-lettering.

Offsets are stored only after the handler's transaction commits (or the message was
forwarded to a retry/dead-letter topic); the client commits stored offsets in the
background and on close, so a crash redelivers at most the in-flight batch and
the processed-events row turns that redelivery into a no-op.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, Consumer, TopicPartition
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from retail_common import model_sql, tracing
from retail_common.connection_checks import ConnectionCheck
from retail_common.events import kafka, raw_message, registry
from retail_common.events.failed import failed_event_record, failed_event_resolve
from retail_common.events.handlers import Event, Handler, handlers_for
from retail_common.events.metrics import CONSUMER_LAG, EVENTS_FAILED, EVENTS_HANDLED
from retail_common.events.schemas import InvalidEvent, validate_envelope
from retail_common.heartbeat import Heartbeat
from retail_common.log_context import order_scope
from retail_common.models import ProcessedEvent
from retail_common.settings import retail_settings

logger = logging.getLogger("retail_common.events")
MAX_ATTEMPTS = len(registry.RETRY_DELAYS_SECONDS) + 1


# Headers this consumer writes on a forwarded copy; a copy carries the record's other headers unchanged.
FORWARD_HEADERS = ("retry-attempt", "original-topic", "error-type", "error-message", "retry-not-before")


def _headers(msg) -> dict[str, str]:
    """Readable headers for handlers and the retry logic (one value per name, never raises)."""
    return {k: (v or b"").decode("utf-8", errors="replace") for k, v in (msg.headers() or [])}


def _event_id_of(value: bytes | None) -> uuid.UUID | None:
    """The envelope's event id when there is one to read, whatever else is wrong with the record."""
    try:
        return uuid.UUID(json.loads(value)["event_id"])
    except Exception:  # anything unreadable simply has no event id
        return None


def inbox_record(group: str, event_id: uuid.UUID, topic: str) -> bool:
    """Write the processed-events row; False when this group already handled the event (one round trip)."""
    row = ProcessedEvent(group=group, event_id=event_id, topic=topic)
    statement = model_sql.insert([row], name="inbox", on_conflict='("group", event_id) DO NOTHING')
    return bool(model_sql.run(statement))


def lag_cache_key(group: str) -> str:
    return f"retail:consumer-lag:{group}"


SIDE_FETCH_WAIT_MS = 500


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
        self._paused: dict[tuple[str, int], tuple[float, int]] = {}
        self._heartbeat = Heartbeat(retail_settings().CONSUMER_HEARTBEAT_FILE)
        self._last_lag = 0.0
        self.connection_check = ConnectionCheck()
        config = kafka.consumer_config(group) | {
            "enable.auto.offset.store": False,
            "enable.auto.commit": True,
            "auto.commit.interval.ms": 200,
        }
        # Main topics are fetched with the short wait (latency); retry and dead-letter topics by a second
        # consumer with a long one: retries wait >= 1 s anyway, and every partition in a
        # short-wait fetch costs the broker CPU many times a second.
        self.main_topics = [t for t in self.topics if registry.parse_topic(t)[2] == "main"]
        self.side_topics = [t for t in self.topics if registry.parse_topic(t)[2] != "main"]
        self.consumer = Consumer(config)
        # A group of its own (`<group>.side`): two members of one group in one process rebalance each other.
        side_config = config | {"group.id": f"{config['group.id']}.side", "fetch.wait.max.ms": SIDE_FETCH_WAIT_MS}
        self.side = Consumer(side_config) if self.side_topics else None

    def _consumers(self) -> list:
        return [c for c in (self.consumer, self.side) if c is not None]

    def _owner(self, topic: str):
        """The consumer that owns this (physical) topic's partitions."""
        main = registry.parse_topic(registry.logical(topic))[2] == "main"
        return self.consumer if main or self.side is None else self.side

    # -- loop ---------------------------------------------------------------------------------
    def run(self, *, max_seconds: float | None = None) -> None:
        self.consumer.subscribe([registry.physical(t) for t in self.main_topics], on_revoke=self._on_revoke)
        if self.side is not None:
            self.side.subscribe([registry.physical(t) for t in self.side_topics], on_revoke=self._on_revoke)
        deadline = time.monotonic() + max_seconds if max_seconds else None
        try:
            while not self.stopping and (deadline is None or time.monotonic() < deadline):
                self._resume_due()
                batch = self._next_batch()
                self._housekeeping()
                if batch:
                    self.connection_check.before()
                    try:
                        self.process_batch(batch)
                    except BaseException:
                        self.connection_check.failed()
                        raise
                    self.connection_check.succeeded()
        finally:
            for consumer in self._consumers():
                consumer.close()  # commits stored offsets and leaves the group

    def stop(self, *args) -> None:
        self.stopping = True

    def _next_batch(self) -> list:
        """Wait briefly for one message, then take whatever else is already fetched: batches grow with load."""
        first = self.consumer.poll(self.poll_timeout)
        batch = [] if first is None else [first, *self.consumer.consume(num_messages=self.batch_size - 1, timeout=0)]
        if self.side is not None:
            batch += self.side.consume(num_messages=self.batch_size, timeout=0)  # whatever it has fetched
        good = []
        for msg in batch:
            if msg.error():
                logger.warning("consumer error: %s", msg.error())
            else:
                good.append(msg)
        return good

    # -- a batch of messages ------------------------------------------------------------------
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
                headers = _headers(msg)
                if kind.startswith("retry-") and self._defer(msg, headers):
                    deferred.add(partition)
                    continue
                if kind == "dlt":
                    with transaction.atomic():
                        self._store_failed(msg, topic)
                else:
                    outcome, forward = self._handle(msg, topic, headers)
                    outcomes.append((topic, outcome))
                    if forward:
                        forwards.append(forward)
                done.append(msg)
        for forward in forwards:
            self._forward(**forward)
        self._store_offsets(done)
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

    def _store_offsets(self, messages: list) -> None:
        for msg in messages:
            self._owner(msg.topic()).store_offsets(message=msg)

    def _handle(self, msg, topic: str, headers: dict) -> tuple[str, dict | None]:
        """Run the handler in a savepoint under the message's CONSUMER span (child of the producer's), its
        log lines carrying the order (the message key); returns (outcome, where to forward it or None)."""
        key = (msg.key() or b"").decode("utf-8", errors="replace")
        with (
            tracing.consumer_span(topic=topic, group=self.group, msg=msg, headers=headers) as span,
            order_scope(key),
        ):
            outcome, forward = self._handle_traced(msg, topic, headers, key)
            if forward is not None:
                tracing.span_failed(span, forward["exc"])
            return outcome, forward

    def _handle_traced(self, msg, topic: str, headers: dict, key: str) -> tuple[str, dict | None]:
        attempt = raw_message.header_int(headers, "retry-attempt", 0, high=MAX_ATTEMPTS)
        forward = {"msg": msg, "topic": topic, "attempt": attempt + 1}
        try:
            envelope = json.loads(msg.value())
            validate_envelope(envelope)
        except (ValueError, TypeError, RecursionError, InvalidEvent) as exc:
            # A poison pill can never succeed: straight to the dead-letter topic.
            return "failed", {**forward, "target": registry.dlt_topic(topic, self.group), "exc": exc, "delay": 0}
        event = Event(
            event_id=uuid.UUID(envelope["event_id"]),
            event_type=envelope["event_type"],
            key=key,
            payload=envelope["payload"],
            occurred_at=envelope["occurred_at"],
            source=envelope["source"],
            topic=topic,
            headers=headers,
        )
        handler = self.handlers[topic]
        try:
            if getattr(handler, "in_transaction", True):
                with transaction.atomic():
                    first_time = inbox_record(self.group, event.event_id, topic)
                    if first_time:
                        handler(event)
                        if "failed-event-id" in headers:
                            failed_event_resolve(group=self.group, event_id=event.event_id)
            else:
                handler(event)  # idempotent by itself; its inbox row follows its own transaction
                retried = "failed-event-id" in headers
                with transaction.atomic() if retried else contextlib.nullcontext():
                    first_time = inbox_record(self.group, event.event_id, topic)
                    if first_time and retried:
                        failed_event_resolve(group=self.group, event_id=event.event_id)
            return ("ok" if first_time else "duplicate"), None
        except Exception as exc:  # the handler's own failure: next retry topic, then the dead-letter topic
            logger.warning(
                "handler failed",
                extra={"topic": topic, "group": self.group, "attempt": attempt + 1, "error": repr(exc)},
            )
            if attempt + 1 < MAX_ATTEMPTS:
                target = registry.retry_topic(topic, self.group, attempt)
                delay = registry.RETRY_DELAYS_SECONDS[attempt]
            else:
                target, delay = registry.dlt_topic(topic, self.group), 0
            return "failed", {**forward, "target": target, "exc": exc, "delay": delay}

    def _forward(self, *, msg, target: str, topic: str, exc: Exception, attempt: int, delay: float) -> None:
        """Copy the record, bytes and headers exactly as they came, to its retry or dead-letter topic."""
        error = (type(exc).__name__, str(exc)[:1000])
        control = {
            "retry-attempt": str(attempt),
            "original-topic": topic,
            "error-type": error[0],
            "error-message": error[1],
            "retry-not-before": f"{time.time() + delay:.3f}",
        }
        kept = [(name, value) for name, value in (msg.headers() or []) if name not in FORWARD_HEADERS]
        headers = kept + [(name, value.encode("utf-8", "backslashreplace")) for name, value in control.items()]
        message = {"topic": target, "key": msg.key(), "value": msg.value(), "headers": headers}
        while True:
            outcome = kafka.deliver([message], timeout=5.0)[0]
            if outcome is None:
                return
            if kafka.is_permanent(outcome):
                # The broker will never take this copy (e.g. too large): keep it here as a failed event.
                logger.error("cannot forward to %s (%s); recorded as a failed event", target, outcome)
                with transaction.atomic():
                    self._store_failed(msg, topic, error=(error[0], f"{error[1]} (not forwarded: {outcome.str()})"))
                return
            # Never drop the message: keep trying until the broker takes the copy (or we are told to stop).
            if self.stopping:
                raise SystemExit("stopped before a failed message could be forwarded; it will be redelivered")
            logger.error("could not forward to %s; retrying", target)
            time.sleep(1)

    def _store_failed(self, msg, topic: str, *, error: tuple[str, str] | None = None) -> None:
        """Record the message as a failed event, whatever its bytes. A database that is down raises (the
        record is redelivered later); a row the database refuses anyway is stored as bytes alone."""
        record = {"group": self.group, "topic": topic, "key": msg.key(), "value": msg.value()}
        try:
            with transaction.atomic():
                failed_event_record(
                    **record, headers=msg.headers() or [], event_id=_event_id_of(msg.value()), error=error
                )
        except (OperationalError, InterfaceError):
            raise
        except DatabaseError as exc:
            logger.exception("failed event kept as raw bytes only", extra={"topic": topic, "group": self.group})
            minimal = {**record, "key": None, "headers": [], "event_id": None}
            failed_event_record(**minimal, error=("UnstorableRecord", f"{type(exc).__name__}: {exc}"))

    # -- delays without blocking other partitions ---------------------------------------------
    def _defer(self, msg, headers: dict) -> bool:
        now = time.time()
        # A copy is due at most the longest retry delay after it was written; a forged header (or a
        # forged timestamp) can then never park its partition for ever, however often it is re-read.
        kind, stamp_ms = msg.timestamp()
        written = stamp_ms / 1000 if kind != TIMESTAMP_NOT_AVAILABLE else now
        longest = max(registry.RETRY_DELAYS_SECONDS)
        if written > now + longest:
            return False
        not_before = raw_message.header_time(headers, "retry-not-before", latest=written + longest)
        if now >= not_before:
            return False
        tp = TopicPartition(msg.topic(), msg.partition(), msg.offset())
        owner = self._owner(msg.topic())
        owner.pause([tp])
        owner.seek(tp)
        self._paused[(msg.topic(), msg.partition())] = (not_before, msg.offset())
        return True

    def _resume_due(self) -> None:
        now = time.time()
        for (topic, partition), (not_before, offset) in list(self._paused.items()):
            if now >= not_before:
                del self._paused[(topic, partition)]
                self._owner(topic).resume([TopicPartition(topic, partition, offset)])

    def _on_revoke(self, consumer, partitions) -> None:
        for tp in partitions:
            self._paused.pop((tp.topic, tp.partition), None)

    # -- liveness and lag ---------------------------------------------------------------------
    def _housekeeping(self) -> None:
        now = time.monotonic()
        self._heartbeat.beat()
        if now - self._last_lag >= 5.0:
            self._last_lag = now
            self.publish_lag()

    def lag(self) -> dict[str, int]:
        """Messages behind per logical topic, from the client's cached high watermarks."""
        totals: dict[str, int] = {}
        for consumer in self._consumers():
            try:
                positions = consumer.position(consumer.assignment())
            except Exception:  # noqa: S112 (not assigned yet)
                continue
            for tp in positions:
                low, high = consumer.get_watermark_offsets(tp, cached=True)
                if high < 0:
                    continue
                behind = high - tp.offset if tp.offset >= 0 else high - low
                name = registry.logical(tp.topic)
                totals[name] = totals.get(name, 0) + max(0, behind)
        return totals

    def publish_lag(self) -> None:
        lag = self.lag()
        for topic, behind in lag.items():
            CONSUMER_LAG.labels(group=self.group, topic=topic).set(behind)
        cache.set(lag_cache_key(self.group), lag, 60)
