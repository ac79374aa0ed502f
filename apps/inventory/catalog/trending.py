"""Product views counted in hourly Redis buckets; trending is the sum of the last N hours.

A view is counted in this process's memory (a dict increment, off the request's path) and written to
Redis in one pipeline per flush: every INVENTORY_VIEW_FLUSH_SECONDS by a daemon thread, before this
process reads trending, and at interpreter exit (a gunicorn worker's graceful stop, max-requests
restart or quick shutdown all exit through it). Each view keeps the hourly bucket of the moment it
was made, so the figures after a flush are the ones counting each view at once gave. A crash
(SIGKILL, OOM) loses the views of that process since its last flush: at most
INVENTORY_VIEW_FLUSH_SECONDS of them. A Redis outage at a flush loses the counts of that flush, as
it lost each view's count before.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import RedisError

logger = logging.getLogger("catalog.trending")
BUCKET_TTL_SECONDS = 26 * 3600


def bucket_key(moment: datetime) -> str:
    return f"inventory:product:access:{moment:%Y%m%d%H}"


class ViewBuffer:
    """Views of this process not yet in Redis: (bucket key, product id) -> count."""

    def __init__(self):
        self.counts: Counter[tuple[str, int]] = Counter()
        self.lock = threading.Lock()
        self.flusher_pid = 0  # the process whose flusher thread runs (a forked worker starts its own)

    def add(self, product_id: int, views: int = 1) -> None:
        key = bucket_key(datetime.now(UTC))
        with self.lock:
            self.counts[key, product_id] += views
        if self.flusher_pid != os.getpid() and settings.INVENTORY_VIEW_FLUSH_SECONDS > 0:
            self._start_flusher()

    def take(self) -> Counter[tuple[str, int]]:
        with self.lock:
            counts, self.counts = self.counts, Counter()
        return counts

    def flush(self) -> None:
        """Write the pending views to Redis in one round trip."""
        counts = self.take()
        if not counts:
            return
        try:
            pipe = get_redis_connection("default").pipeline(transaction=False)
            for (key, product_id), views in counts.items():
                pipe.zincrby(key, views, product_id)
            for key in {key for key, _ in counts}:
                pipe.expire(key, BUCKET_TTL_SECONDS)
            pipe.execute()
        except RedisError as exc:
            logger.warning("%d product views not counted: %s", counts.total(), exc)

    def clear(self) -> None:
        self.take()

    def _start_flusher(self) -> None:
        with self.lock:
            if self.flusher_pid == os.getpid():
                return
            self.flusher_pid = os.getpid()
        threading.Thread(target=self._flush_forever, name="trending-view-flusher", daemon=True).start()

    def _flush_forever(self) -> None:
        # A daemon: it ends with its process, and atexit flushes what is left.
        while (interval := settings.INVENTORY_VIEW_FLUSH_SECONDS) > 0:
            time.sleep(interval)
            self.flush()
        self.flusher_pid = 0  # switched off: the next view starts a flusher if it is switched on again


views = ViewBuffer()
atexit.register(views.flush)


def view_record(product_id: int, count: int = 1) -> None:
    """Count `count` views of a product (written to Redis by the next flush)."""
    views.add(product_id, count)


def trending_ids(limit: int = 10) -> list[tuple[int, int]]:
    """[(product_id, views)] over the last INVENTORY_TRENDING_HOURS hourly buckets, most viewed first."""
    views.flush()  # this process's own views count at once
    now = datetime.now(UTC)
    keys = [bucket_key(now - timedelta(hours=h)) for h in range(settings.INVENTORY_TRENDING_HOURS)]
    try:
        ranked = get_redis_connection("default").zunion(keys, withscores=True)
    except RedisError as exc:
        logger.warning("trending unavailable: %s", exc)
        return []
    ranked.sort(key=lambda pair: (-pair[1], int(pair[0])))
    return [(int(member), int(score)) for member, score in ranked[:limit]]
