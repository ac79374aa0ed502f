"""A price change reaches every gunicorn worker within L1's TTL (real processes, shared Redis)."""

import json
import os
import subprocess
import sys
import time
import urllib.request
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connection

from catalog.services import product_update
from catalog.tests.factories import product_make
from retail_dev.netutil import free_port, wait_http_ok

L1_TTL = 1.0


@pytest.fixture
def gunicorn_url(transactional_db):
    db = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": django_settings.CACHES["default"]["LOCATION"],
        "INVENTORY_CACHE_L1_TTL": str(L1_TTL),
        "DJANGO_SETTINGS_MODULE": "inventory_service.settings",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "inventory_service.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def prices(url: str, count: int = 40) -> set[str]:
    seen = set()
    for _ in range(count):
        with urllib.request.urlopen(url, timeout=5) as response:
            seen.add(json.loads(response.read())["price"])
    return seen


def test_price_change_is_visible_on_every_worker_within_l1_ttl(gunicorn_url):
    product = product_make(price="10.00")
    url = f"{gunicorn_url}/api/products/{product.slug}"
    assert prices(url) == {"10.00"}  # now in both tiers, in whichever workers answered

    product_update(product=product, price=Decimal("12.50"))  # commits, then bumps the catalog version
    time.sleep(L1_TTL + 0.5)
    assert prices(url) == {"12.50"}
