"""Dragonfly (docker.dragonflydb.io/dragonflydb/dragonfly) against the rules that stop it at start-up, read in
dragonflydb/dragonfly at tag v1.34.2 (commit 00f52dcd813e5c573c0565bf43197c8e0be460c3) and in the helio
submodule it pins (romange/helio). Dragonfly cannot be installed here: these rules are checked statically.
"""

import math
import re
from decimal import Decimal

from upstream_containers import running, service_link_variables

IMAGE = "docker.dragonflydb.io/dragonflydb/dragonfly"
PINNED = "v1.34.2"
MiB = 2**20
PER_THREAD = 256 * MiB
# Where v1.34.2 defines (ABSL_FLAG) each flag our args pass: absl exits on an unknown flag.
DEFINED_IN = {
    "src/server/main_service.cc": ("port", "maxmemory"),
    "src/server/server_family.cc": ("dbfilename", "dir"),
    "src/server/engine_shard_set.cc": ("cache_mode",),
    "helio util/fibers/proactor_pool.cc": ("proactor_threads",),
    "glog (the image's entrypoint passes it)": ("logtostderr",),
}
FLAGS = {flag for flags in DEFINED_IN.values() for flag in flags}
FLAG = re.compile(r"--(\w+)=(.*)")
SIZE = re.compile(r"(\d+(?:\.\d*)?)([a-zA-Z]?)")
SCALE = {"": 0, "b": 0, "k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6}


def flags(args: list[str]) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in map(FLAG.fullmatch, args) if m}


def human_bytes(text: str) -> int:
    """facade::ParseHumanReadableBytes (src/facade/facade.cc): a number, then only the first letter of
    the unit counts, in powers of 1024 (384mb, 384MiB and 384M are all 384 MiB)."""
    match = SIZE.match(text)
    assert match and (match.end() == len(text) or text[match.end() - 1].isalpha()), f"not a size: {text!r}"
    unit = match.group(2).lower()
    assert unit in SCALE, f"not a size Dragonfly reads: {text!r}"
    return int(Decimal(match.group(1)) * 1024 ** SCALE[unit] + Decimal("0.5"))


def test_human_bytes_reads_sizes_as_dragonfly_does():
    assert human_bytes("384mb") == 384 * MiB
    assert human_bytes("512MiB") == 512 * MiB
    assert human_bytes("1G") == 1024 * MiB
    assert human_bytes("1.25GiB") == 1280 * MiB
    assert human_bytes("300000000") == 300_000_000


def test_the_image_is_the_version_these_rules_were_read_at(docs):
    """A new tag may bring new rules: re-read dragonfly_main.cc and main_service.cc, then move PINNED."""
    for run in running(docs, IMAGE):
        assert run.tag == PINNED, f"{run.where}: {run.container['image']}; these rules were read at {PINNED}"


def test_every_flag_exists_in_the_pinned_version(docs):
    """Args beginning with '-' get `dragonfly --logtostderr` prepended by tools/docker/entrypoint.sh (so glog
    writes no log files under the read-only root); absl rejects an unknown flag and Dragonfly exits."""
    for run in running(docs, IMAGE):
        assert run.args and all(a.startswith("--") for a in run.args), f"{run.where}: args {run.args}"
        unknown = [a for a in run.args if not FLAG.fullmatch(a) or FLAG.fullmatch(a).group(1) not in FLAGS]
        assert not unknown, f"{run.where}: {unknown} are no flags of Dragonfly {PINNED}"


def threads(run) -> int:
    """How many proactor threads Dragonfly starts. dfly_main.cc (UpdateResourceLimitsIfInsideContainer)
    takes ceil(cgroup cpu.max) when the container has a CPU limit, and helio's ProactorPool uses
    --proactor_threads only when that gave 0; without either it starts one per CPU of the node."""
    if run.cpu_limit is not None:
        return math.ceil(run.cpu_limit)
    given = flags(run.args).get("proactor_threads")
    assert given, f"{run.where}: no --proactor_threads and no CPU limit: one thread per node CPU, 256 MiB each"
    return int(given)


def test_maxmemory_is_at_least_256_mib_per_thread(docs):
    """src/server/dfly_main.cc, RunEngine: `maxmemory < pool->size() * 256_MB` logs "There are N threads, so
    X are required. Exiting..." and exits 1. maxmemory 0 lets Dragonfly take 80 % of the cgroup's memory,
    which is no bound a manifest can check, so it must be set."""
    for run in running(docs, IMAGE):
        maxmemory = human_bytes(flags(run.args).get("maxmemory", "0"))
        assert maxmemory, f"{run.where}: set --maxmemory (0 means 80 % of whatever the node gives)"
        needed = threads(run) * PER_THREAD
        assert maxmemory >= needed, (
            f"{run.where}: --maxmemory={maxmemory // MiB}MiB, but {threads(run)} threads need {needed // MiB}MiB;"
            " raise --maxmemory (and the memory limit) or lower --proactor_threads"
        )


def test_maxmemory_fits_the_memory_limit_with_headroom(docs):
    """With no --maxmemory Dragonfly itself takes 0.8 x the memory it finds in its cgroup (dfly_main.cc,
    main): the rest is its own overhead (connections, threads' stacks). An explicit maxmemory keeps that
    headroom below the limit, or the kernel kills it before it evicts."""
    for run in running(docs, IMAGE):
        maxmemory = human_bytes(flags(run.args)["maxmemory"])
        assert run.memory_limit, f"{run.where}: no memory limit"
        assert maxmemory <= Decimal("0.8") * run.memory_limit, (
            f"{run.where}: --maxmemory={maxmemory // MiB}MiB is over 80 % of its limit "
            f"{run.memory_limit / MiB}Mi; raise limits.memory to at least {math.ceil(maxmemory / 0.8 / MiB)}Mi"
        )


def test_it_writes_only_to_volumes(docs):
    """tools/packaging/Dockerfile.ubuntu-prod: WORKDIR /data, where snapshots go (--dir defaults to the working
    directory); --dbfilename= turns them off, and /data stays writable for a SAVE anyway."""
    for run in running(docs, IMAGE):
        assert run.read_only_root, f"{run.where}: expected a read-only root filesystem"
        assert flags(run.args).get("dbfilename") == "", f"{run.where}: snapshots on: {run.args}"
        assert run.writable("/data"), f"{run.where}: /data (its working directory) is not a writable volume"


def test_no_environment_variable_names_an_unknown_flag(docs):
    """dfly_main.cc, ParseFlagsFromEnv: every DFLY_<name> variable must name a flag, else LOG(FATAL) "unknown
    environment variable". Kubernetes adds <SERVICE>_SERVICE_HOST etc. for every Service of the namespace
    (service links): a Service named dfly... would stop Dragonfly."""
    for run in running(docs, IMAGE):
        names = [*run.env, *service_link_variables(docs, run)]
        unknown = [n for n in names if n.startswith("DFLY_") and n.removeprefix("DFLY_") not in FLAGS]
        assert not unknown, f"{run.where}: {unknown} name no flag of Dragonfly {PINNED}"


def test_the_port_flag_is_the_container_port(docs):
    for run in running(docs, IMAGE):
        ports = {p["containerPort"] for p in run.container.get("ports", [])}
        assert int(flags(run.args)["port"]) in ports, f"{run.where}: --port is none of {ports}"
