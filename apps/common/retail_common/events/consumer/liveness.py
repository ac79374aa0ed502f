"""The loop's liveness and lag: a heartbeat file every round, the lag per logical topic every 5 s
(a gauge and a cache entry that `event_status` reads)."""

from __future__ import annotations

import time

from django.core.cache import cache

from retail_common.events import registry
from retail_common.events.metrics import CONSUMER_LAG
from retail_common.observability.heartbeat import Heartbeat

LAG_EVERY_SECONDS = 5.0


def lag_cache_key(group: str) -> str:
    return f"retail:consumer-lag:{group}"


def consumer_lag(consumers: list) -> dict[str, int]:
    """Messages behind per logical topic, from the clients' cached high watermarks."""
    totals: dict[str, int] = {}
    for consumer in consumers:
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


def publish_lag(group: str, consumers: list) -> None:
    lag = consumer_lag(consumers)
    for topic, behind in lag.items():
        CONSUMER_LAG.labels(group=group, topic=topic).set(behind)
    cache.set(lag_cache_key(group), lag, 60)


class Liveness:
    def __init__(self, group: str, consumers: list, heartbeat_file: str | None):
        self.group = group
        self.consumers = consumers
        self.heartbeat = Heartbeat(heartbeat_file)
        self._last_lag = 0.0

    def tick(self) -> None:
        """Once per loop round: beat (at most once a second), publish the lag every LAG_EVERY_SECONDS."""
        now = time.monotonic()
        self.heartbeat.beat()
        if now - self._last_lag >= LAG_EVERY_SECONDS:
            self._last_lag = now
            publish_lag(self.group, self.consumers)
