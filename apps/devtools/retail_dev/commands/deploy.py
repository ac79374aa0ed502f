"""`manage_all.py deploy check`: render every overlay and validate it offline (docs/architecture.md §9.5)."""

import time

from retail_dev.console import say, step
from retail_dev.deploy import checks, render

help = "Offline checks of deploy/: render the overlays, validate schemas, scan with checkov, run tests/deploy."


def add_arguments(parser) -> None:
    parser.add_argument("action", choices=["check"], help="check: every offline validation of deploy/")


def report(outcome: checks.Outcome) -> bool:
    mark = {True: "ok  ", False: "FAIL", None: "skip"}[outcome.ok]
    say(f"{mark}  {outcome.summary}")
    for line in outcome.details:
        say(f"      {line}")
    return outcome.ok is not False


def run(args) -> int:
    started = time.monotonic()
    step("deploy check")
    docs, outcomes = checks.render_all(render.OVERLAYS)
    results = [report(o) for o in outcomes]
    # checkov is the slowest step (its start-up alone is seconds): it scans while the rest runs.
    scan = checks.start_checkov()
    for check in (checks.kubernetes_schemas, checks.istio_schemas):
        results.append(report(check(docs)))
    for check in (checks.promtool_rules, checks.promtool_rule_tests, checks.dashboard_promql):
        results.append(report(check()))
    results.append(report(checks.invariants()))
    results.append(report(checks.finish_checkov(scan)))
    failed = results.count(False)
    say(f"deploy check: {len(results) - failed} of {len(results)} checks passed in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0
