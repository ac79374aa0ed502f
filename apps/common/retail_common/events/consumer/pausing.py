"""Retry delays without blocking other partitions: a retry record that is not due yet pauses its partition
(rewound to it) until its time, and the rest of the batch on that partition waits behind it."""

from __future__ import annotations

import time
from collections.abc import Callable

from confluent_kafka import TIMESTAMP_NOT_AVAILABLE, TopicPartition

from retail_common.events import raw_message, registry


def not_before_of(msg, headers: dict[str, str], *, now: float) -> float | None:
    """When the retry copy is due, or None when it is due now. A copy is due at most the longest retry
    delay after it was written, so a forged header (or timestamp) can never park its partition for ever."""
    kind, stamp_ms = msg.timestamp()
    written = stamp_ms / 1000 if kind != TIMESTAMP_NOT_AVAILABLE else now
    longest = max(registry.RETRY_DELAYS_SECONDS)
    if written > now + longest:
        return None
    not_before = raw_message.header_time(headers, "retry-not-before", latest=written + longest)
    return None if now >= not_before else not_before


class RetryPauses:
    """The partitions paused for a retry delay; `owner(topic)` is the client that holds the topic."""

    def __init__(self, owner: Callable[[str], object]):
        self.owner = owner
        self.paused: dict[tuple[str, int], tuple[float, int]] = {}

    def defer(self, msg, headers: dict[str, str]) -> bool:
        """Pause the record's partition at the record if it is not due; True when deferred."""
        not_before = not_before_of(msg, headers, now=time.time())
        if not_before is None:
            return False
        tp = TopicPartition(msg.topic(), msg.partition(), msg.offset())
        owner = self.owner(msg.topic())
        owner.pause([tp])
        owner.seek(tp)
        self.paused[(msg.topic(), msg.partition())] = (not_before, msg.offset())
        return True

    def resume_due(self) -> None:
        now = time.time()
        for (topic, partition), (not_before, offset) in list(self.paused.items()):
            if now >= not_before:
                del self.paused[(topic, partition)]
                self.owner(topic).resume([TopicPartition(topic, partition, offset)])

    def on_revoke(self, consumer, partitions) -> None:
        for tp in partitions:
            self.paused.pop((tp.topic, tp.partition), None)
