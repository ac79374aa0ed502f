"""Step 5 of the consumer pipeline: store the offsets of a batch once its transaction has committed (or
its failures were forwarded); the client commits stored offsets in the background and on close."""

from __future__ import annotations

from retail_common.events.consumer.subscription import Subscription


class OffsetCommitter:
    def __init__(self, subscription: Subscription):
        self.subscription = subscription

    def commit(self, messages: list) -> None:
        for msg in messages:
            self.subscription.owner(msg.topic()).store_offsets(message=msg)
