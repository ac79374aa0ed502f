"""Catalog answers kept twice: a short in-process copy and a Redis copy served stale while inventory is down.

A fresh copy (younger than `fresh_seconds`) is used as is; an older one is refreshed from the
backend and, when the backend is unavailable, served anyway, with the request marked degraded
so the page can say its information may be out of date.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time
from collections.abc import Callable
from typing import Any

from cachetools import TTLCache
from django.core.cache import cache

from backends.http import BackendUnavailable

L1_SECONDS = 2.0  # bounds how long one worker's copy can lag another's
L1_MAX_ENTRIES = 1024
KEEP_SECONDS = 7 * 24 * 3600  # how long a stale copy stays usable in an outage

_l1: TTLCache[str, tuple[float, Any]] = TTLCache(L1_MAX_ENTRIES, ttl=L1_SECONDS)  # key -> (fetched at, value)
_l1_lock = threading.Lock()
_degraded: contextvars.ContextVar[frozenset] = contextvars.ContextVar("degraded", default=frozenset())


def cache_key(*parts: object) -> str:
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"sf:{parts[0]}:{digest}"


def degraded_services() -> frozenset:
    """Backends whose stale copies this request used."""
    return _degraded.get()


def reset_degraded() -> None:
    _degraded.set(frozenset())


def _remember(key: str, fetched_at: float, value: Any) -> None:
    with _l1_lock:
        _l1[key] = (fetched_at, value)


def cached(
    key: str, fresh_seconds: float, fetch: Callable[[], Any], *, service: str, keep_seconds: int = KEEP_SECONDS
) -> Any:
    """`fetch()`'s answer, reused while younger than fresh_seconds (0: always fetch, keep only the outage copy)."""
    now = time.time()
    with _l1_lock:  # cachetools caches are not thread-safe; a read may evict
        local = _l1.get(key)
    entry = None
    if fresh_seconds > 0:
        if local and now - local[0] < fresh_seconds:
            return local[1]
        entry = cache.get(key)  # None as well when Redis is down: then the backend answers every time
        if entry and now - entry["at"] < fresh_seconds:
            _remember(key, entry["at"], entry["value"])
            return entry["value"]
    try:
        value = fetch()
    except BackendUnavailable:
        stale = entry or cache.get(key) or (local and {"value": local[1]})
        if not stale:
            raise
        _degraded.set(_degraded.get() | {service})
        return stale["value"]
    cache.set(key, {"at": now, "value": value}, keep_seconds)
    _remember(key, now, value)
    return value


def clear_local() -> None:
    with _l1_lock:
        _l1.clear()
