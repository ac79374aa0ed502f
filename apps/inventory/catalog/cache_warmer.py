"""The seed's CacheWarmer: the hottest products (trending, else the first page by name), the list pages and
the categories put in the cache when the web role starts, so the first shoppers after a rollout do not all
miss. `manage_all.py dev` and `manage warm_cache` call `warm` directly; the web role (inventory_service.wsgi)
calls `warm_at_start`, which warms in a background thread: readiness never waits for it, and with Redis
or PostgreSQL down it logs one line and the service serves cold.

The answers are cached under the Host they were asked with (catalog.api.cache_key): the cluster warms the
one the storefront uses (INVENTORY_URL's), which is what the shop's pages read.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import RequestFactory
from prometheus_client import Counter, Histogram
from rest_framework.request import Request

from catalog import api, selectors
from catalog.trending import trending_ids

log = logging.getLogger(__name__)

WARM_SECONDS = Histogram(
    "retail_cache_warm_seconds",
    "Duration of a catalog cache warm-up (at the web role's start, or `manage warm_cache`).",
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
WARM_ITEMS = Counter("retail_cache_warm_items_total", "Answers a warm-up put in the cache: products, list pages.")
# One warm-up per web role start: the first of a pod's gunicorn workers takes this key, the others skip.
START_KEY_SECONDS = 60


@dataclass(frozen=True)
class Warmed:
    products: int
    pages: int  # the list pages and the categories


def warm(host: str, limit: int = 50) -> Warmed:
    """Fill both tiers with what shoppers read first; not through the views' visit counting."""
    with WARM_SECONDS.time():
        factory = RequestFactory(HTTP_HOST=host)
        # Trending ids of products that still exist (a deleted one may still have views).
        ids = [p.id for p in selectors.products_by_ids([pid for pid, _ in trending_ids(limit)])]
        if not ids:
            ids = list(selectors.product_queryset().order_by("name").values_list("id", flat=True)[:limit])
        for product_id in ids:
            api.product_detail_cached(Request(factory.get(f"/api/products/{product_id}")), str(product_id))
        listing = api.ProductListView.as_view()
        pages = [{}, *({"category": c.slug} for c in selectors.category_list())]
        for params in pages:
            listing(factory.get("/api/products", params))
        api.CategoryListView.as_view()(factory.get("/api/categories"))
    warmed = Warmed(products=len(ids), pages=len(pages) + 1)  # + the categories
    WARM_ITEMS.inc(warmed.products + warmed.pages)
    return warmed


def start_key() -> str:
    # The pod (hostname) and its gunicorn master (every worker's parent): one warm-up per start.
    return f"cache-warm:{socket.gethostname()}:{os.getppid()}"


def warm_once() -> Warmed | None:
    try:
        taken = cache.add(start_key(), os.getpid(), timeout=START_KEY_SECONDS)
        if taken is None:  # django-redis answers None when Redis is down (DJANGO_REDIS_IGNORE_EXCEPTIONS)
            log.warning("cache warm-up skipped: Redis did not answer; serving from the database")
            return None
        if not taken:
            return None  # another worker of this start warms
        warmed = warm(settings.INVENTORY_CACHE_WARM_HOST, settings.INVENTORY_CACHE_WARM_LIMIT)
        log.info(
            "cache warmed: %d products and %d list pages for %s",
            warmed.products,
            warmed.pages,
            settings.INVENTORY_CACHE_WARM_HOST,
        )
        return warmed
    except Exception:  # a cold cache is not fatal: the first requests fill it
        log.warning("cache warm-up failed; serving cold", exc_info=True)
        return None
    finally:
        connections.close_all()  # this thread's connections


def warm_at_start() -> threading.Thread | None:
    """Warm in the background (settings.INVENTORY_CACHE_WARM_AT_START); the caller does not wait."""
    if not (settings.INVENTORY_CACHE_ENABLED and settings.INVENTORY_CACHE_WARM_AT_START):
        return None
    thread = threading.Thread(target=warm_once, name="cache-warmer", daemon=True)
    thread.start()
    return thread
