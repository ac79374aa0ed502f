"""The group's clients and what they fetch: main topics with a short fetch wait, retry and dead-letter
topics by a second client with a long one."""

from __future__ import annotations

import logging

from confluent_kafka import Consumer

from retail_common.events import kafka, registry

logger = logging.getLogger("retail_common.events")

SIDE_FETCH_WAIT_MS = 500


class Subscription:
    def __init__(self, group: str, topics: list[str]):
        config = kafka.consumer_config(group) | {
            "enable.auto.offset.store": False,
            "enable.auto.commit": True,
            "auto.commit.interval.ms": 200,
        }
        # Main topics are fetched with the short wait (latency); retry and dead-letter topics by a second
        # consumer with a long one: retries wait >= 1 s anyway, and every partition in a
        # short-wait fetch costs the broker CPU many times a second.
        self.main_topics = [t for t in topics if registry.parse_topic(t)[2] == "main"]
        self.side_topics = [t for t in topics if registry.parse_topic(t)[2] != "main"]
        self.consumer = Consumer(config)
        # A group of its own (`<group>.side`): two members of one group in one process rebalance each other.
        side_config = config | {"group.id": f"{config['group.id']}.side", "fetch.wait.max.ms": SIDE_FETCH_WAIT_MS}
        self.side = Consumer(side_config) if self.side_topics else None

    def consumers(self) -> list:
        return [c for c in (self.consumer, self.side) if c is not None]

    def owner(self, topic: str):
        """The consumer that owns this (physical) topic's partitions."""
        main = registry.parse_topic(registry.logical(topic))[2] == "main"
        return self.consumer if main or self.side is None else self.side

    def subscribe(self, on_revoke) -> None:
        self.consumer.subscribe([registry.physical(t) for t in self.main_topics], on_revoke=on_revoke)
        if self.side is not None:
            self.side.subscribe([registry.physical(t) for t in self.side_topics], on_revoke=on_revoke)

    def next_batch(self, *, poll_timeout: float, batch_size: int) -> list:
        """Wait briefly for one message, then take whatever else is already fetched: batches grow with load."""
        first = self.consumer.poll(poll_timeout)
        batch = [] if first is None else [first, *self.consumer.consume(num_messages=batch_size - 1, timeout=0)]
        if self.side is not None:
            batch += self.side.consume(num_messages=batch_size, timeout=0)  # whatever it has fetched
        good = []
        for msg in batch:
            if msg.error():
                logger.warning("consumer error: %s", msg.error())
            else:
                good.append(msg)
        return good

    def close(self) -> None:
        for consumer in self.consumers():
            consumer.close()  # commits stored offsets and leaves the group
