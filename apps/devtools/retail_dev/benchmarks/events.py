"""bench events: outbox -> broker -> consumer (with the inbox write) throughput, and publish-to-handled latency.

Runs in the library's own project against a fresh database and fresh topics (prefix bench-<id>.):
`relay_outbox` and `run_consumers --group bench` as real processes, the trivial handler of
retail_common_tests.event_handlers, 3 partitions.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid

import psycopg

from retail_dev.console import DevError, say
from retail_dev.environment import manage_cmd, project_env
from retail_dev.infra import Postgres
from retail_dev.loadgen import latency_summary
from retail_dev.projects import LIBRARY
from retail_dev.supervisor import Supervisor

THROUGHPUT_EVENTS = 50000
LATENCY_RATES = (100, 500)


class Bench:
    def __init__(self, consumers: int):
        self.prefix = f"bench-{uuid.uuid4().hex[:8]}."
        self.database = f"bench_events_{uuid.uuid4().hex[:8]}"
        self.consumers = consumers

    def env(self) -> dict:
        postgres = Postgres()
        return project_env(
            LIBRARY,
            "bench",
            KAFKA_TOPIC_PREFIX=self.prefix,
            DATABASE_URL=postgres.url_of(self.database),
            LOG_LEVEL="WARNING",
        )

    def manage(self, *args: str) -> None:
        result = subprocess.run(manage_cmd(LIBRARY, *args), cwd=LIBRARY.path, env=self.env(), capture_output=True)
        if result.returncode:
            raise DevError(f"{' '.join(args)} failed:\n{result.stdout.decode()}{result.stderr.decode()}")

    def probe(self, *args) -> dict:
        output = subprocess.run(
            [sys.executable, "-m", "retail_dev.benchmarks.events_probe", *map(str, args)],
            cwd=LIBRARY.path,
            env=self.env(),
            capture_output=True,
            text=True,
        )
        if output.returncode:
            raise DevError(f"events probe {args[0]} failed:\n{output.stderr}")
        return json.loads(output.stdout.strip().splitlines()[-1])

    def progress(self) -> tuple[int, int]:
        """(outbox pending, handled by the bench group), read directly: a probe process would cost CPU."""
        with psycopg.connect(self.env()["DATABASE_URL"], autocommit=True) as conn:
            pending = conn.execute("SELECT count(*) FROM retail_common_outboxevent WHERE published_at IS NULL")
            handled = conn.execute('SELECT count(*) FROM retail_common_processedevent WHERE "group" = %s', ["bench"])
            return pending.fetchone()[0], handled.fetchone()[0]

    def wait_handled(self, count: int, timeout: float = 300.0) -> dict:
        """Wait until `count` events are handled; returns when the outbox drained and when the last was handled."""
        deadline = time.monotonic() + timeout
        drained_at = None
        while time.monotonic() < deadline:
            pending, handled = self.progress()
            if not pending and drained_at is None:
                drained_at = time.monotonic()
            if handled >= count:
                return {"drained_at": drained_at or time.monotonic(), "handled_at": time.monotonic()}
            time.sleep(0.05)
        raise DevError(f"the consumers did not handle {count} events within {timeout:.0f}s")


def run(args) -> dict:
    bench = Bench(consumers=3)
    Postgres().ensure_databases([bench.database])
    say(f"    database {bench.database}, topics {bench.prefix}*")
    bench.manage("migrate", "--noinput")
    bench.manage("provision_topics")
    supervisor = Supervisor(quiet=True)
    figures: dict = {"consumers": f"{bench.consumers} run_consumers processes, group bench, 3 partitions"}
    try:
        for n in range(bench.consumers):
            consume = manage_cmd(LIBRARY, "run_consumers", "--group", "bench")
            supervisor.spawn(f"consumer-{n}", consume, env=bench.env(), cwd=LIBRARY.path)
        supervisor.spawn("relay", manage_cmd(LIBRARY, "relay_outbox"), env=bench.env(), cwd=LIBRARY.path)
        say("    warming up (consumer group join, producer id) …")
        bench.probe("publish", 20, 1, "warm-up")
        bench.wait_handled(20, timeout=60)

        for rate in LATENCY_RATES:
            before = bench.progress()[1]
            say(f"    latency: publishing {rate}/s for {args.duration:.0f}s through publish() …")
            label = f"latency{rate}"
            published = bench.probe("publish", rate, args.duration, label)["published"]
            bench.wait_handled(before + published)
            samples = bench.probe("latency", label)["latencies_ms"]
            figures[f"latency_at_{rate}_per_s"] = {"events": len(samples), **latency_summary(samples)}

        before = bench.progress()[1]
        say(f"    throughput: {THROUGHPUT_EVENTS} events written to the outbox, relay + consumers …")
        bench.probe("fill", THROUGHPUT_EVENTS)
        started = time.monotonic()
        moments = bench.wait_handled(before + THROUGHPUT_EVENTS)
        seconds = moments["handled_at"] - started
        figures["throughput"] = {
            "events": THROUGHPUT_EVENTS,
            "seconds": round(seconds, 2),
            "events_per_s": round(THROUGHPUT_EVENTS / seconds, 1),
            "relay_events_per_s": round(THROUGHPUT_EVENTS / (moments["drained_at"] - started), 1),
        }
    except DevError:
        for child in supervisor.children:
            say(f"    last output of {child.label}: {' | '.join(child.tail) or '(none)'}")
        raise
    finally:
        for child in supervisor.dead():
            say(f"    {child.label} exited early with {child.process.returncode}: {' | '.join(child.tail)}")
        supervisor.stop_all()
        Postgres().drop_database(bench.database)
    figures["goals"] = {"throughput_events_per_s": ">= 2000", "latency_at_100_per_s": "p50 <= 15 ms, p99 <= 50 ms"}
    return figures
