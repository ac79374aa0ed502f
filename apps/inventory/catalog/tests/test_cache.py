"""The two-tier cache: L1 then L2, eviction on writes, collapsed misses, degraded without Redis."""

import pytest
from django.core.cache import cache as redis_cache

from catalog import cache
from catalog.tests.factories import product_make
from catalog.trending import trending_ids, view_record

pytestmark = pytest.mark.django_db


def counter(tier: str, result: str) -> float:
    return cache.CACHE_REQUESTS.labels(tier=tier, result=result)._value.get()


def test_second_read_is_an_l1_hit_and_l2_serves_other_workers():
    calls = []
    build = lambda: calls.append(1) or {"value": len(calls)}  # noqa: E731
    before = counter("l1", "hit"), counter("l2", "hit")
    assert cache.cached("k", build) == {"value": 1}
    assert cache.cached("k", build) == {"value": 1}
    cache.l1.clear()  # another worker: its own empty L1, the shared L2
    assert cache.cached("k", build) == {"value": 1}
    assert calls == [1]
    assert counter("l1", "hit") - before[0] == 1
    assert counter("l2", "hit") - before[1] == 1


def test_invalidate_makes_every_l2_key_new():
    cache.cached("k", lambda: "old")
    cache.invalidate()
    assert cache.cached("k", lambda: "new") == "new"


def test_concurrent_miss_waits_for_the_builder():
    version = cache.catalog_version()
    redis_cache.add(f"lock:catalog:{version}:k", 1, timeout=5)  # someone else is building it
    redis_cache.set(f"catalog:{version}:k", "built by the other worker", 60)
    assert cache.cached("k", lambda: "built twice") == "built by the other worker"


def test_cache_can_be_switched_off(settings):
    settings.INVENTORY_CACHE_ENABLED = False
    assert cache.cached("k", lambda: 1) == 1
    assert cache.cached("k", lambda: 2) == 2


def test_redis_down_serves_from_the_database(api, settings):
    product = product_make(name="Quartz Lamp")
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"},
    }
    response = api.get(f"/api/products/{product.slug}")
    assert response.status_code == 200
    assert response.json()["name"] == "Quartz Lamp"
    assert trending_ids() == []


def test_views_feed_trending(api):
    hot, warm = product_make(name="Hot One"), product_make(name="Warm One")
    for _ in range(3):
        api.get(f"/api/products/{hot.slug}")
    api.get(f"/api/products/{warm.id}")
    view_record(warm.id)
    assert trending_ids() == [(hot.id, 3), (warm.id, 2)]
    body = api.get("/api/products/trending").json()
    assert [(p["name"], p["views"]) for p in body] == [("Hot One", 3), ("Warm One", 2)]
