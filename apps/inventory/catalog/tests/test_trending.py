"""Product views are counted off the request's path and reach Redis by a flush: on read, by the flusher
thread, at exit; the figures are those of counting each view at once, bucket by bucket."""

import os
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest
from django_redis import get_redis_connection

from catalog import trending
from catalog.tests.factories import product_make
from catalog.trending import bucket_key, trending_ids, view_record, views

pytestmark = pytest.mark.django_db


def stored_views(product_id: int, moment: datetime | None = None) -> float | None:
    """The count Redis holds for the product in the bucket of `moment` (now by default), without a flush."""
    return get_redis_connection("default").zscore(bucket_key(moment or datetime.now(UTC)), product_id)


def test_a_view_is_not_written_on_the_request_path_and_counts_after_the_flush(api):
    product = product_make(name="Quiet Lamp")
    for _ in range(3):
        assert api.get(f"/api/products/{product.slug}").status_code == 200
    assert stored_views(product.id) is None  # the requests only counted in memory
    assert trending_ids() == [(product.id, 3)]  # reading trending flushes this process's views first
    assert stored_views(product.id) == 3.0


def test_a_view_keeps_the_hour_it_was_made_in(monkeypatch):
    class Clock(datetime):
        moment = datetime(2026, 12, 7, 5, 59, 59, tzinfo=UTC)

        @classmethod
        def now(cls, tz=None):
            return cls.moment

    monkeypatch.setattr(trending, "datetime", Clock)
    view_record(41)
    Clock.moment = datetime(2026, 12, 7, 6, 0, 1, tzinfo=UTC)
    view_record(41)
    views.flush()
    assert stored_views(41, datetime(2026, 12, 7, 5, tzinfo=UTC)) == 1.0
    assert stored_views(41, datetime(2026, 12, 7, 6, tzinfo=UTC)) == 1.0


def test_the_flusher_thread_writes_views_without_a_read(settings):
    settings.INVENTORY_VIEW_FLUSH_SECONDS = 0.05
    view_record(42, 2)
    deadline = time.monotonic() + 10
    while stored_views(42) is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert stored_views(42) == 2.0


def test_views_pending_at_exit_are_written():
    # A process with no flusher thread records a view and exits: atexit writes it.
    code = "import django; django.setup(); from catalog.trending import view_record; view_record(43, 4)"
    env = {**os.environ, "INVENTORY_VIEW_FLUSH_SECONDS": "0"}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=os.getcwd())
    assert stored_views(43) == 4.0


@pytest.mark.parametrize(("sent", "counted"), [("5", 5), ("5000", 1000), ("0", 1), ("five", 1), ("²", 1)])
def test_the_storefront_forwards_the_views_it_served_from_its_copy(api, sent, counted):
    product = product_make(name="Busy Lamp")
    assert api.get(f"/api/products/{product.id}", HTTP_X_STOREFRONT_VIEWS=sent).status_code == 200
    assert trending_ids() == [(product.id, counted)]
