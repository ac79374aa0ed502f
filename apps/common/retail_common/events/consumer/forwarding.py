"""Step 3b of the consumer pipeline: copy a failed record, bytes and headers as they came, to where
routing sent it; a copy the broker will never take is stored as a failed event instead."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from retail_common.events import kafka
from retail_common.events.consumer.failed_store import store_failed
from retail_common.events.consumer.routing import Forward

logger = logging.getLogger("retail_common.events")

# Headers this consumer writes on a forwarded copy; a copy carries the record's other headers unchanged.
FORWARD_HEADERS = ("retry-attempt", "original-topic", "error-type", "error-message", "retry-not-before")
BROKER_RETRY_SECONDS = 1.0


def error_of(exc: BaseException) -> tuple[str, str]:
    return type(exc).__name__, str(exc)[:1000]


def forwarded_message(forward: Forward, *, now: float) -> dict:
    """The copy of the record for kafka.deliver: its key, value and other headers, plus FORWARD_HEADERS."""
    error_type, error_message = error_of(forward.exc)
    control = {
        "retry-attempt": str(forward.attempt),
        "original-topic": forward.topic,
        "error-type": error_type,
        "error-message": error_message,
        "retry-not-before": f"{now + forward.delay:.3f}",
    }
    msg = forward.msg
    kept = [(name, value) for name, value in (msg.headers() or []) if name not in FORWARD_HEADERS]
    headers = kept + [(name, value.encode("utf-8", "backslashreplace")) for name, value in control.items()]
    return {"topic": forward.target, "key": msg.key(), "value": msg.value(), "headers": headers}


class Forwarder:
    """Sends Forwards until the broker takes each one: never drops a message; `stopping()` ends the wait
    by raising, so the uncommitted record is redelivered to the next owner."""

    def __init__(self, group: str, *, stopping: Callable[[], bool]):
        self.group = group
        self.stopping = stopping

    def forward(self, forward: Forward) -> None:
        message = forwarded_message(forward, now=time.time())
        while True:
            outcome = kafka.deliver([message], timeout=5.0)[0]
            if outcome is None:
                return
            if kafka.is_permanent(outcome):
                self._keep(forward, outcome)
                return
            if self.stopping():
                raise SystemExit("stopped before a failed message could be forwarded; it will be redelivered")
            logger.error("could not forward to %s; retrying", forward.target)
            time.sleep(BROKER_RETRY_SECONDS)

    def _keep(self, forward: Forward, outcome) -> None:
        """The broker will never take this copy (e.g. too large): keep it here as a failed event."""
        logger.error("cannot forward to %s (%s); recorded as a failed event", forward.target, outcome)
        error_type, error_message = error_of(forward.exc)
        error = (error_type, f"{error_message} (not forwarded: {outcome.str()})")
        store_failed(forward.msg, group=self.group, topic=forward.topic, error=error)
