"""bench storefront: the catalog page and a product page under gunicorn (2 workers) against a running
inventory service, warm (the storefront's catalog copies and inventory's cache at their defaults) and
cold (both off: every page asks inventory and inventory asks PostgreSQL)."""

from __future__ import annotations

import contextlib
import subprocess
import uuid

from retail_dev.benchmarks.servers import gunicorn
from retail_dev.console import DevError, say
from retail_dev.environment import manage_cmd, project_env
from retail_dev.infra import Postgres
from retail_dev.loadgen import Request, run_load
from retail_dev.netutil import http_ok
from retail_dev.projects import by_name

PRODUCT_SLUG = "aurora-candle-set"  # one of the seeded demo products


def manage(project, database: str, *args: str) -> None:
    env = project_env(project, "bench", DATABASE_URL=Postgres().url_of(database), LOG_LEVEL="WARNING")
    result = subprocess.run(manage_cmd(project, *args), cwd=project.path, env=env, capture_output=True, text=True)
    if result.returncode:
        raise DevError(f"{project.name} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


@contextlib.contextmanager
def shop(*, cached: bool):
    """inventory (gunicorn, 2 workers) and the storefront (gunicorn, 2 workers) on fresh databases."""
    inventory, storefront = by_name("inventory"), by_name("storefront")
    run = uuid.uuid4().hex[:8]
    databases = {"inventory": f"bench_inventory_{run}", "storefront": f"bench_storefront_{run}"}
    Postgres().ensure_databases(list(databases.values()))
    try:
        manage(inventory, databases["inventory"], "migrate", "--noinput")
        manage(inventory, databases["inventory"], "seed_catalog")
        manage(storefront, databases["storefront"], "migrate", "--noinput")
        inventory_env = {"DATABASE_URL": Postgres().url_of(databases["inventory"]), "LOG_LEVEL": "WARNING"}
        with contextlib.ExitStack() as servers:
            api = servers.enter_context(
                gunicorn(inventory, workers=2, INVENTORY_CACHE_ENABLED="1" if cached else "0", **inventory_env)
            )
            yield servers.enter_context(
                gunicorn(
                    storefront,
                    workers=2,
                    DATABASE_URL=Postgres().url_of(databases["storefront"]),
                    INVENTORY_URL=api,
                    **({} if cached else {"CATALOG_FRESH_SECONDS": "0"}),
                    LOG_LEVEL="WARNING",
                )
            )
    finally:
        for database in databases.values():
            Postgres().drop_database(database)


def page_load(base: str, path: str, duration: float) -> dict:
    if not http_ok(f"{base}{path}"):
        raise DevError(f"{path} does not answer 200")
    request = Request(f"{base}{path}")
    run_load(request, duration=1.0, connections=2, processes=1, warmup=0)  # fill the caches, warm the workers
    return run_load(request, duration=duration, connections=4, processes=1).summary()


def run(args) -> dict:
    figures: dict = {}
    for cached in (True, False):
        state = "warm" if cached else "cold"
        with shop(cached=cached) as base:
            for name, path in (("catalog_page", "/products/"), ("product_page", f"/products/{PRODUCT_SLUG}/")):
                say(f"    {name} {path}, {state} cache, gunicorn 2 workers, {args.duration:.0f}s …")
                figures[f"{name}_{state}"] = page_load(base, path, args.duration)
    figures["goals"] = {"catalog_page_warm": "p50 <= 30 ms and >= 200 req/s"}
    return figures
