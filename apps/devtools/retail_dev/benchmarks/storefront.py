"""bench storefront: the catalog page and a product page under gunicorn (2 workers) against a running
inventory service, warm (the storefront's catalog and product copies and inventory's cache at their
defaults) and cold (all off: every page asks inventory and inventory asks PostgreSQL).

With --against REF, REF's code (checked out under .retail/bench/) and this tree's are measured in one
run: --rounds rounds, the two trees alternating (which goes first alternates too), each on its own
freshly seeded databases, the same Redis database flushed before each start, the same load; the report
has each round's requests per second, the median per tree and this tree's median over REF's.
"""

from __future__ import annotations

import contextlib
import statistics
import subprocess
import uuid

import redis

from retail_dev.benchmarks.servers import gunicorn
from retail_dev.benchmarks.source_tree import SourceTree, ref_tree, this_tree
from retail_dev.console import DevError, say
from retail_dev.environment import REDIS_DB, project_env
from retail_dev.infra import Postgres, Redis
from retail_dev.loadgen import Request, run_load
from retail_dev.netutil import http_ok
from retail_dev.projects import by_name

PRODUCT_SLUG = "aurora-candle-set"  # one of the seeded demo products
PAGES = (("catalog_page", "/products/"), ("product_page", f"/products/{PRODUCT_SLUG}/"))
STATES = {"warm": True, "cold": False}


def manage(tree: SourceTree, project, database: str, *args: str) -> None:
    env = project_env(
        project, "bench", DATABASE_URL=Postgres().url_of(database), LOG_LEVEL="WARNING", **tree.env(project)
    )
    result = subprocess.run(
        tree.manage_cmd(project, *args), cwd=tree.path(project), env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise DevError(f"{tree.label}: {project.name} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


@contextlib.contextmanager
def bench_databases(tree: SourceTree):
    """Fresh inventory (seeded) and storefront databases migrated by `tree`'s code; dropped afterwards."""
    inventory, storefront = by_name("inventory"), by_name("storefront")
    run = uuid.uuid4().hex[:8]
    databases = {"inventory": f"bench_inventory_{run}", "storefront": f"bench_storefront_{run}"}
    Postgres().ensure_databases(list(databases.values()))
    try:
        manage(tree, inventory, databases["inventory"], "migrate", "--noinput")
        manage(tree, inventory, databases["inventory"], "seed_catalog")
        manage(tree, storefront, databases["storefront"], "migrate", "--noinput")
        yield databases
    finally:
        for database in databases.values():
            Postgres().drop_database(database)


@contextlib.contextmanager
def shop(tree: SourceTree, databases: dict, *, cached: bool):
    """inventory (gunicorn, 2 workers) and the storefront (gunicorn, 2 workers) of `tree` on `databases`."""
    inventory, storefront = by_name("inventory"), by_name("storefront")
    off = {} if cached else {"CATALOG_FRESH_SECONDS": "0", "PRODUCT_FRESH_SECONDS": "0"}
    with contextlib.ExitStack() as servers:
        api = servers.enter_context(
            gunicorn(
                inventory,
                workers=2,
                cwd=tree.path(inventory),
                config=tree.gunicorn_config,
                INVENTORY_CACHE_ENABLED="1" if cached else "0",
                DATABASE_URL=Postgres().url_of(databases["inventory"]),
                LOG_LEVEL="WARNING",
                **tree.env(inventory),
            )
        )
        yield servers.enter_context(
            gunicorn(
                storefront,
                workers=2,
                cwd=tree.path(storefront),
                config=tree.gunicorn_config,
                DATABASE_URL=Postgres().url_of(databases["storefront"]),
                INVENTORY_URL=api,
                **off,
                LOG_LEVEL="WARNING",
                **tree.env(storefront),
            )
        )


def page_load(base: str, path: str, duration: float) -> dict:
    # A first cold page can take longer than a second on a loaded machine.
    if not http_ok(f"{base}{path}", timeout=30):
        raise DevError(f"{path} does not answer 200 within 30 s")
    request = Request(f"{base}{path}")
    run_load(request, duration=1.0, connections=2, processes=1, warmup=0)  # fill the caches, warm the workers
    return run_load(request, duration=duration, connections=4, processes=1).summary()


def measure(tree: SourceTree, databases: dict, state: str, duration: float) -> dict:
    """{page: load summary} of both pages, `tree`'s servers started afresh on an empty bench Redis."""
    redis.Redis.from_url(Redis().url(REDIS_DB["bench"])).flushdb()  # no copy left by the other tree
    figures = {}
    with shop(tree, databases, cached=STATES[state]) as base:
        for name, path in PAGES:
            say(f"    {tree.label}: {name} {path}, {state} cache, gunicorn 2 workers, {duration:.0f}s …")
            figures[name] = page_load(base, path, duration)
    return figures


def run(args) -> dict:
    if args.against:
        return run_against(args)
    figures: dict = {}
    tree = this_tree()
    with bench_databases(tree) as databases:
        for state in STATES:
            for name, summary in measure(tree, databases, state, args.duration).items():
                figures[f"{name}_{state}"] = summary
    figures["goals"] = {"catalog_page_warm": "p50 <= 30 ms and >= 200 req/s"}
    return figures


def run_against(args) -> dict:
    """Both trees, alternating, args.rounds rounds; medians of requests per second and their ratio."""
    if args.rounds < 1:
        raise DevError("--rounds must be at least 1.")
    ours, theirs = this_tree(), ref_tree(args.against)
    for tree in (ours, theirs):
        for project in (by_name("inventory"), by_name("storefront")):
            tree.check_imports(project)
    rps: dict = {tree.label: {} for tree in (ours, theirs)}  # tree -> "page_state" -> [req/s per round]
    with bench_databases(ours) as our_databases, bench_databases(theirs) as their_databases:
        databases = {ours.label: our_databases, theirs.label: their_databases}
        for round_number in range(args.rounds):
            order = (theirs, ours) if round_number % 2 == 0 else (ours, theirs)
            say(f"  round {round_number + 1}/{args.rounds}: {order[0].label} first")
            for state in STATES:
                for tree in order:
                    for name, summary in measure(tree, databases[tree.label], state, args.duration).items():
                        if summary["errors"]:
                            raise DevError(f"{tree.label}: {name} ({state}) had {summary['errors']} errors")
                        rps[tree.label].setdefault(f"{name}_{state}", []).append(summary["req_per_s"])
    medians = {label: {page: statistics.median(runs) for page, runs in pages.items()} for label, pages in rps.items()}
    return {
        "against": args.against,
        "rounds": args.rounds,
        "note": "req/s; the ratio between the trees in one run is what counts on a shared machine",
        "req_per_s_per_round": rps,
        "median_req_per_s": medians,
        "ratio_this_over_against": {
            page: round(medians[ours.label][page] / medians[theirs.label][page], 2) for page in medians[ours.label]
        },
        "goals": {"product_page_warm": ">= 1.5x against main", "every page": ">= 1.0x"},
    }
