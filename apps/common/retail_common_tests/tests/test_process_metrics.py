"""The per-process metrics every role exports, the worker roles' metrics server, and the published
events counter (real PostgreSQL; /proc and the cgroup files of this machine)."""

import os
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import connection, transaction
from prometheus_client import REGISTRY

from retail_common.events.outbox.sender import outbox_mark
from retail_common.events.outbox.write import envelope_build, outbox_insert
from retail_common.observability.metrics import process_gauges as process_metrics
from retail_common.observability.metrics.exposition import serve_role_metrics
from retail_common_tests.events_support import TOPIC
from retail_dev.factories import order_created_payload
from retail_dev.netutil import free_port


def value(name: str, **labels) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_the_memory_limit_is_the_cgroups_else_the_hosts_memory(tmp_path):
    proc, cgroup = tmp_path / "proc", tmp_path / "cgroup"
    (proc / "self").mkdir(parents=True)
    (proc / "self" / "cgroup").write_text("0::/kubepods/pod1/app\n")
    (proc / "meminfo").write_text("MemTotal:        8000000 kB\nMemFree: 1 kB\n")
    limited = cgroup / "kubepods" / "pod1" / "app"
    limited.mkdir(parents=True)
    (limited / "memory.max").write_text("536870912\n")
    assert process_metrics.memory_limit_bytes(cgroup, proc) == 536870912
    (limited / "memory.max").write_text("max\n")  # no limit on the cgroup: the host's memory
    assert process_metrics.memory_limit_bytes(cgroup, proc) == 8000000 * 1024
    (limited / "memory.max").unlink()  # a cgroup v1 host: neither file
    assert process_metrics.memory_limit_bytes(cgroup, proc) == 8000000 * 1024


def test_a_sample_reads_this_process():
    process_metrics.sample()
    cpu = value("retail_process_cpu_seconds_total")
    resident = value("retail_process_resident_memory_bytes")
    statm_pages = int(Path("/proc/self/statm").read_text().split()[1])
    # Read a moment apart: the same pages give or take what the interpreter allocated in between.
    assert abs(resident - statm_pages * os.sysconf("SC_PAGE_SIZE")) < 16 * 1024 * 1024
    assert abs(value("retail_process_threads") - len(os.listdir("/proc/self/task"))) <= 2
    assert value("retail_process_memory_limit_bytes") == process_metrics.memory_limit_bytes()
    assert {value("retail_python_gc_collections_total", generation=str(g)) is not None for g in range(3)} == {True}
    sum(range(3_000_000))  # some CPU
    process_metrics.sample()
    assert value("retail_process_cpu_seconds_total") > cpu


@pytest.mark.django_db(transaction=True)
def test_database_connections_are_counted_open_and_in_use():
    def counts() -> tuple[float, float]:
        process_metrics.sample()
        return value("retail_db_connections", alias="default", state="open"), value(
            "retail_db_connections", alias="default", state="in_use"
        )

    connection.close()
    opened, in_use = counts()  # other threads' connections (an earlier test's sender) count too
    connection.ensure_connection()
    assert counts() == (opened + 1, in_use)
    with transaction.atomic():
        assert counts() == (opened + 1, in_use + 1)
    connection.close()
    assert counts() == (opened, in_use)


def test_a_worker_role_serves_its_metrics_on_metrics_port(monkeypatch):
    port = free_port()
    monkeypatch.setenv("METRICS_PORT", str(port))
    monkeypatch.setenv("METRICS_ADDR", "127.0.0.1")
    assert serve_role_metrics("relay") == port
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    assert "\nretail_process_threads " in text and "retail_outbox_pending" in text
    # The same port again is taken: the command stops with a message naming the variable.
    with pytest.raises(CommandError, match="set METRICS_PORT"):
        serve_role_metrics("relay")
    monkeypatch.setenv("METRICS_PORT", "0")
    assert serve_role_metrics("consumers") == 0


@pytest.mark.django_db(transaction=True)
def test_published_events_are_counted_by_topic_once_the_broker_confirmed_them():
    def published() -> float:
        return value("retail_events_published_total", topic=TOPIC) or 0.0

    envelopes = [envelope_build(event_type=TOPIC, payload=order_created_payload(str(uuid.uuid4()))) for _ in range(3)]
    with transaction.atomic():
        events = [outbox_insert(topic=TOPIC, key="k", envelope=e, headers={}, send_now=False) for e in envelopes]
    before = published()
    outbox_mark(events, [True, False, True])
    assert published() == before + 2
