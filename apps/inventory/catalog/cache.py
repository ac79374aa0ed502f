"""Two-tier cache of docs/architecture.md §7: L1 in-process (short TTL) over L2 Redis (keyed by a catalog version).

A write bumps the version after commit, so every pod's next L1 miss sees fresh L2 keys; L1's TTL
bounds staleness across pods. Concurrent L2 misses for one key are collapsed with a Redis lock.
Redis down: L2 is skipped and the database answers (L1 still helps).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TLRUCache
from django.conf import settings
from django.core.cache import cache
from prometheus_client import Counter

CACHE_REQUESTS = Counter("retail_cache_requests_total", "Catalog cache lookups.", ["tier", "result"])
VERSION_KEY = "catalog:version"
LOCK_WAIT_SECONDS = 1.0
L1_MAX_ENTRIES = 5000


class LocalTier:
    """L1: a thread-safe LRU whose entries expire INVENTORY_CACHE_L1_TTL seconds after they are set."""

    def __init__(self, max_entries: int = L1_MAX_ENTRIES):
        # TLRU rather than TTLCache: the TTL is read from settings when an entry is set, not at import.
        self.entries = TLRUCache(max_entries, ttu=lambda _key, _value, now: now + settings.INVENTORY_CACHE_L1_TTL)
        self.lock = threading.Lock()  # cachetools caches are not thread-safe; a read may evict

    def get(self, key: str):
        with self.lock:
            return self.entries.get(key)

    def set(self, key: str, value) -> None:
        with self.lock:
            self.entries[key] = value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


l1 = LocalTier()


def catalog_version() -> int | None:
    """The current catalog version from Redis; None when Redis does not answer."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def cached(key: str, build: Callable[[], Any]) -> Any:
    """The value of `key`, from L1, else L2, else `build()` (once across workers for concurrent misses)."""
    if not settings.INVENTORY_CACHE_ENABLED:
        return build()
    value = l1.get(key)
    if value is not None:
        CACHE_REQUESTS.labels(tier="l1", result="hit").inc()
        return value
    CACHE_REQUESTS.labels(tier="l1", result="miss").inc()
    version = catalog_version()
    if version is None:  # Redis is down: serve from the database
        CACHE_REQUESTS.labels(tier="l2", result="error").inc()
        value = build()
        l1.set(key, value)
        return value
    l2_key = f"catalog:{version}:{key}"
    value = cache.get(l2_key)
    if value is None:
        CACHE_REQUESTS.labels(tier="l2", result="miss").inc()
        value = _build_once(l2_key, build)
    else:
        CACHE_REQUESTS.labels(tier="l2", result="hit").inc()
    l1.set(key, value)
    return value


def _build_once(l2_key: str, build: Callable[[], Any]) -> Any:
    lock_key = f"lock:{l2_key}"
    if not cache.add(lock_key, 1, timeout=5):
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while time.monotonic() < deadline:  # another worker is building it
            time.sleep(0.02)
            value = cache.get(l2_key)
            if value is not None:
                CACHE_REQUESTS.labels(tier="l2", result="wait").inc()
                return value
    try:
        value = build()
        cache.set(l2_key, value, settings.INVENTORY_CACHE_L2_TTL)
        return value
    finally:
        cache.delete(lock_key)


def invalidate() -> None:
    """After a catalog or stock write commits: new L2 keys everywhere, this process's L1 emptied."""
    l1.clear()
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or Redis lost it): any new one differs from the cached keys
        cache.add(VERSION_KEY, int(time.time()), timeout=None)
