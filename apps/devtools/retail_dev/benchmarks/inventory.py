"""bench inventory: cached vs uncached product list under gunicorn, ReserveStock over gRPC vs HTTP,
and hot-product contention. Runs on a fresh copy of the demo catalog in its own database."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid

from retail_dev.benchmarks.servers import gunicorn
from retail_dev.console import DevError, say
from retail_dev.environment import manage_cmd, project_env
from retail_dev.infra import Postgres
from retail_dev.loadgen import Request, latency_summary, run_load
from retail_dev.netutil import free_port, wait_for_port
from retail_dev.projects import by_name
from retail_dev.shop_client import token
from retail_dev.supervisor import Supervisor

RESERVATIONS = 1000
CONTENTION_CALLERS = 16


class InventoryBench:
    def __init__(self):
        self.project = by_name("inventory")
        self.database = f"bench_inventory_{uuid.uuid4().hex[:8]}"

    def env(self, **extra) -> dict:
        url = Postgres().url_of(self.database)
        return {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", **extra}

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            manage_cmd(self.project, *args),
            cwd=self.project.path,
            env=project_env(self.project, "bench", **self.env()),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise DevError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def bench_products(self) -> dict:
        return json.loads(self.manage("bench_products").strip().splitlines()[-1])


def catalog_load(bench: InventoryBench, duration: float, *, cached: bool) -> dict:
    env = bench.env(INVENTORY_CACHE_ENABLED="1" if cached else "0")
    with gunicorn(bench.project, workers=2, **env) as base:
        listing = Request(f"{base}/api/products?page_size=20")
        run_load(listing, duration=1.0, connections=2, processes=1, warmup=0)  # fill the caches
        return run_load(listing, duration=duration, connections=4, processes=1).summary()


def grpc_reserve_latencies(port: int, products: list[int], count: int) -> list[float]:
    import grpc

    from retail_protos.inventory.v1 import inventory_pb2 as pb
    from retail_protos.inventory.v1 import inventory_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = inventory_pb2_grpc.InventoryServiceStub(channel)
        samples = []
        for n in range(count + 50):
            request = pb.ReserveStockRequest(
                order_id=str(uuid.uuid4()), items=[pb.Item(product_id=products[n % len(products)], quantity=1)]
            )
            began = time.perf_counter()
            answer = stub.ReserveStock(request, timeout=5)
            if not answer.success:
                raise DevError(f"bench reservation failed: {answer}")
            if n >= 50:  # the first calls warm connections and code paths
                samples.append((time.perf_counter() - began) * 1000)
    return samples


def http_reserve_latencies(base: str, products: list[int], count: int) -> list[float]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    headers = {"Authorization": f"Bearer {token(role='ADMIN')}", "Content-Type": "application/json"}
    samples = []
    for n in range(count + 50):
        body = json.dumps(
            {"order_id": str(uuid.uuid4()), "items": [{"product_id": products[n % len(products)], "quantity": 1}]}
        )
        began = time.perf_counter()
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        conn.request("POST", "/api/reservations", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise DevError(f"bench reservation over HTTP failed: {response.status}")
        if n >= 50:
            samples.append((time.perf_counter() - began) * 1000)
    return samples


def contention(port: int, product: int, duration: float) -> dict:
    import grpc

    from retail_protos.inventory.v1 import inventory_pb2 as pb
    from retail_protos.inventory.v1 import inventory_pb2_grpc

    done, errors = [], []
    deadline = time.monotonic() + duration

    def caller():
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = inventory_pb2_grpc.InventoryServiceStub(channel)
            while time.monotonic() < deadline:
                request = pb.ReserveStockRequest(
                    order_id=str(uuid.uuid4()), items=[pb.Item(product_id=product, quantity=1)]
                )
                began = time.perf_counter()
                try:
                    ok = stub.ReserveStock(request, timeout=10).success
                except grpc.RpcError as exc:
                    errors.append(exc.code().name)
                    continue
                (done if ok else errors).append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=caller) for _ in range(CONTENTION_CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "callers": CONTENTION_CALLERS,
        "reservations": len(done),
        "errors": len(errors),
        "reservations_per_s": round(len(done) / duration, 1),
        **latency_summary(done),
    }


def run(args) -> dict:
    bench = InventoryBench()
    Postgres().ensure_databases([bench.database])
    figures: dict = {}
    supervisor = Supervisor(quiet=True)
    try:
        say(f"    database {bench.database}: migrate and seed the demo catalog …")
        bench.manage("migrate", "--noinput")
        bench.manage("seed_catalog")
        bench.manage("provision_topics")  # ReserveStock publishes inventory-reserved right after commit
        ids = bench.bench_products()

        say(f"    product list, gunicorn 2 workers, cached, {args.duration:.0f}s …")
        figures["product_list_cached"] = catalog_load(bench, args.duration, cached=True)
        say(f"    product list, gunicorn 2 workers, uncached, {args.duration:.0f}s …")
        figures["product_list_uncached"] = catalog_load(bench, args.duration, cached=False)
        cached_rps = figures["product_list_cached"]["req_per_s"]
        uncached_rps = figures["product_list_uncached"]["req_per_s"] or 1
        figures["cache_speedup"] = round(cached_rps / uncached_rps, 1)

        port = free_port()
        serve = manage_cmd(bench.project, "run_grpc", "--host", "127.0.0.1", "--port", str(port))
        supervisor.spawn("grpc", serve, env=project_env(bench.project, "bench", **bench.env()), cwd=bench.project.path)
        relay = manage_cmd(bench.project, "relay_outbox")
        supervisor.spawn("relay", relay, env=project_env(bench.project, "bench", **bench.env()), cwd=bench.project.path)
        wait_for_port(port, timeout=30)
        say(f"    ReserveStock over gRPC, {RESERVATIONS} sequential calls …")
        grpc_ms = grpc_reserve_latencies(port, ids["products"], RESERVATIONS)
        with gunicorn(bench.project, workers=2, **bench.env()) as base:
            say(f"    the same over HTTP (POST /api/reservations, gunicorn), {RESERVATIONS} calls …")
            http_ms = http_reserve_latencies(base, ids["products"], RESERVATIONS)
        figures["reserve_grpc"] = latency_summary(grpc_ms)
        figures["reserve_http"] = latency_summary(http_ms)
        figures["reserve_http_over_grpc"] = {
            "p50": round(figures["reserve_http"]["p50_ms"] / figures["reserve_grpc"]["p50_ms"], 2),
            "p99": round(figures["reserve_http"]["p99_ms"] / figures["reserve_grpc"]["p99_ms"], 2),
        }
        say(f"    hot product: {CONTENTION_CALLERS} concurrent callers on one product, {args.duration:.0f}s …")
        figures["hot_product_contention"] = contention(port, ids["hot"], args.duration)
    finally:
        for child in supervisor.dead():
            say(f"    {child.label} exited early: {' | '.join(child.tail)}")
        supervisor.stop_all()
        Postgres().drop_database(bench.database)
    figures["goals"] = {
        "product_list_cached": ">= 1000 req/s and >= 5x uncached",
        "reserve_grpc_p50_ms": "<= 3",
    }
    return figures
