"""The web role warms the catalog cache when it starts (the seed's CacheWarmer), once per start, and counts it;
with Redis down it still starts and serves. Real gunicorn (2 workers, metrics in multiprocess mode), real
PostgreSQL and Redis."""

import os
import re
import socket
import subprocess
import sys
import urllib.request

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from catalog.cache import VERSION_KEY
from catalog.tests.factories import category_make, product_make
from retail_dev.environment import GUNICORN_METRICS_CONFIG
from retail_dev.netutil import free_port, wait_http_ok
from retail_dev.testing import poll

WARM_HOST = "inventory.retail-app.svc.cluster.local"


@pytest.fixture
def start_inventory(transactional_db, tmp_path):
    """Start the web role as the image does (gunicorn, 2 workers); yields (base URL, log file)."""
    servers = []

    def start(**env: str) -> tuple[str, object]:
        db = connection.settings_dict
        port = free_port()
        log = tmp_path / f"gunicorn-{port}.log"
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": django_settings.CACHES["default"]["LOCATION"],
            "DJANGO_SETTINGS_MODULE": "inventory_service.settings",
            "INVENTORY_URL": f"http://{WARM_HOST}",
            "DJANGO_ALLOWED_HOSTS": f"127.0.0.1,{WARM_HOST}",
            **env,
        }
        environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
        command = [sys.executable, "-m", "gunicorn", "inventory_service.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"]
        command += ["-c", GUNICORN_METRICS_CONFIG, "--no-control-socket"]
        with open(log, "wb") as out:
            servers.append(subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT))
        wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        return f"http://127.0.0.1:{port}", log

    yield start
    for server in servers:
        server.terminate()
        server.wait(timeout=30)


def metric(base: str, name: str) -> float:
    with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_starting_the_web_role_warms_the_cache_once_and_counts_it(start_inventory):
    kitchen, garden = category_make("kitchen", "Kitchen"), category_make("garden", "Garden")
    products = [product_make(category=kitchen) for _ in range(3)] + [product_make(category=garden)]
    base, _ = start_inventory()
    # 4 products, 3 list pages (all, kitchen, garden) and the categories: once, by one of the two workers.
    assert poll(lambda: metric(base, "retail_cache_warm_items_total"), until=lambda n: n >= 8, timeout=60) == 8.0
    assert metric(base, "retail_cache_warm_seconds_count") == 1.0
    assert metric(base, "retail_cache_warm_seconds_sum") > 0
    version = cache.get(VERSION_KEY)
    for product in products:
        assert cache.get(f"catalog:{version}:product:{WARM_HOST}:/api/products/{product.id}?") is not None
    assert cache.get(f"catalog:{version}:products:{WARM_HOST}:/api/products?category=garden") is not None


def test_with_redis_down_the_web_role_starts_and_serves_cold(start_inventory):
    product_make()
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        base, log = start_inventory(REDIS_URL=f"redis://127.0.0.1:{closed.getsockname()[1]}/0")
        skipped = "cache warm-up skipped: Redis did not answer"
        assert skipped in poll(lambda: log.read_text(), until=lambda text: skipped in text, timeout=60)
        assert metric(base, "retail_cache_warm_items_total") == 0.0
        with urllib.request.urlopen(f"{base}/api/products", timeout=10) as response:
            assert response.status == 200
