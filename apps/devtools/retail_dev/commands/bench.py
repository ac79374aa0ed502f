"""`manage_all.py bench <suite>`: run one benchmark suite, print its figures, keep them as JSON."""

import importlib
import json
import pkgutil
import platform
from datetime import UTC, datetime

from retail_dev import benchmarks
from retail_dev.console import say, step
from retail_dev.environment import Infra
from retail_dev.paths import BENCH_DIR

help = "Run a benchmark suite (auth, events, …) on this machine and save its figures under .retail/bench/."

HELPERS = {"servers", "source_tree"}


def suites() -> dict:
    return {
        info.name: info.name
        for info in pkgutil.iter_modules(benchmarks.__path__)
        if info.name not in HELPERS and not info.name.startswith("_") and not info.name.endswith("_probe")
    }


def add_arguments(parser) -> None:
    parser.add_argument("suite", choices=sorted(suites()), help="Which benchmark to run.")
    parser.add_argument("--duration", type=float, default=10.0, help="Seconds of each measured load phase.")
    parser.add_argument(
        "--tracing",
        action="store_true",
        help="saga, auth: the measured phase with tracing off, then exported to a local OTLP receiver.",
    )
    parser.add_argument(
        "--ratio",
        type=float,
        help="saga --tracing: the share of traces kept when on (parentbased_traceidratio, as the overlays set it).",
    )
    parser.add_argument(
        "--against",
        metavar="REF",
        help="storefront: also measure REF's code (e.g. main) in the same run, alternating with this tree.",
    )
    parser.add_argument("--rounds", type=int, default=5, help="storefront --against: rounds per tree (median).")


def machine() -> dict:
    import os

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def run(args) -> int:
    suite = importlib.import_module(f"retail_dev.benchmarks.{args.suite}")
    infra = Infra()
    try:
        if getattr(suite, "NEEDS_INFRA", True):
            infra.up()
        step(f"bench {args.suite}")
        figures = suite.run(args)
    finally:
        infra.stop_started()
    report = {
        "suite": args.suite,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "figures": figures,
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"{args.suite}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2) + "\n")
    step(f"results of bench {args.suite}")
    say(json.dumps(figures, indent=2))
    say(f"saved to {path}")
    return 0
