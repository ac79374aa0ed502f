"""`retail_process_*`, `retail_python_gc_collections_total` and `retail_db_connections` of this process.

prometheus_client's ProcessCollector reads the process that answers the scrape, which in gunicorn's
multiprocess mode is one worker of several; these gauges and counters are written by every process
instead (each pid its own file), so /metrics lists or sums them over the live workers. `sample()`
reads /proc/self once (a few microseconds); `start_sampler()` repeats it in a daemon thread so a
worker that never answers a scrape is still current. Nothing here runs per request.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
import weakref
from pathlib import Path

from prometheus_client import Counter, Gauge

RESIDENT = Gauge("retail_process_resident_memory_bytes", "Resident memory of the process.", multiprocess_mode="liveall")
CPU = Counter("retail_process_cpu_seconds", "User and system CPU time of the process.")
MEMORY_LIMIT = Gauge(
    "retail_process_memory_limit_bytes",
    "The container's cgroup memory limit (the host's memory when the cgroup sets none).",
    # Per pid like the resident memory, so `resident / limit` matches label for label in gunicorn too.
    multiprocess_mode="liveall",
)
THREADS = Gauge("retail_process_threads", "OS threads of the process.", multiprocess_mode="liveall")
GC_COLLECTIONS = Counter("retail_python_gc_collections", "Garbage collector runs.", ["generation"])
WORKERS = Gauge("retail_gunicorn_workers", "Live workers of this gunicorn.", multiprocess_mode="livesum")
# livesum: the connections of every live worker add up to what the database sees from this pod.
DB_CONNECTIONS = Gauge(
    "retail_db_connections",
    "Database connections of the process: open, and in_use (inside a transaction now).",
    ["alias", "state"],
    multiprocess_mode="livesum",
)

logger = logging.getLogger("retail_common.metrics")
SAMPLE_EVERY_SECONDS = 5.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
_lock = threading.Lock()
_last = {"pid": 0, "cpu": 0.0, "gc": [0, 0, 0]}
_connections: weakref.WeakSet = weakref.WeakSet()  # every DatabaseWrapper of this process, of any thread
_connections_lock = threading.Lock()  # request threads add while the sampler copies
_sampler_pid = 0


def memory_limit_bytes(cgroup_root: Path = Path("/sys/fs/cgroup"), proc: Path = Path("/proc")) -> int:
    """cgroup v2 `memory.max` of this process's cgroup, else the host's MemTotal."""
    candidates = []
    try:
        for line in (proc / "self" / "cgroup").read_text().splitlines():
            if line.startswith("0::"):  # the v2 hierarchy
                candidates.append(cgroup_root / line[3:].lstrip("/") / "memory.max")
    except OSError:
        pass
    candidates.append(cgroup_root / "memory.max")  # inside a container the namespace root is ours
    for path in candidates:
        try:
            value = path.read_text().strip()
        except OSError:
            continue
        if value.isdigit():
            return int(value)
        break  # "max": no limit on this cgroup
    for line in (proc / "meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def track_connection(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: remember the wrapper (weakly) so a scrape can count it."""
    with _connections_lock:
        _connections.add(connection)


def sample() -> None:
    """Bring this process's gauges and counters up to date."""
    with _lock:
        pid = os.getpid()
        if _last["pid"] != pid:  # a forked worker: the parent's totals are not ours
            _last.update(pid=pid, cpu=0.0, gc=[s["collections"] for s in gc.get_stats()])
            MEMORY_LIMIT.set(memory_limit_bytes())
        # /proc/self/stat: the command name may hold spaces, so split after its closing parenthesis.
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS  # utime, stime
        CPU.inc(max(0.0, cpu - _last["cpu"]))
        _last["cpu"] = max(cpu, _last["cpu"])
        THREADS.set(int(fields[17]))
        RESIDENT.set(int(fields[21]) * _PAGE_SIZE)
        for generation, stats in enumerate(gc.get_stats()):
            GC_COLLECTIONS.labels(generation=str(generation)).inc(stats["collections"] - _last["gc"][generation])
            _last["gc"][generation] = stats["collections"]
        _sample_connections()


def _sample_connections() -> None:
    from django.conf import settings

    if not settings.configured:  # gunicorn's post_fork, before the worker loads the app: no connection yet
        return
    counts = {alias: [0, 0] for alias in getattr(settings, "DATABASES", {})}
    with _connections_lock:
        wrappers = list(_connections)
    for wrapper in wrappers:
        if wrapper.connection is not None and wrapper.alias in counts:
            counts[wrapper.alias][0] += 1
            counts[wrapper.alias][1] += bool(wrapper.in_atomic_block)
    for alias, (open_, in_use) in counts.items():
        DB_CONNECTIONS.labels(alias=alias, state="open").set(open_)
        DB_CONNECTIONS.labels(alias=alias, state="in_use").set(in_use)


def start_sampler(every: float = SAMPLE_EVERY_SECONDS) -> None:
    """Sample now and then every `every` seconds in a daemon thread (once per process)."""
    global _sampler_pid
    if _sampler_pid == os.getpid():
        return
    _sampler_pid = os.getpid()
    sample()

    def loop() -> None:
        while True:
            time.sleep(every)
            try:
                sample()
            except Exception:  # a metric must never take the process down; the next round tries again
                logger.exception("sampling the process metrics failed")

    threading.Thread(target=loop, name="process-metrics", daemon=True).start()
