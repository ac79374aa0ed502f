"""The steps of `manage_all.py deploy check`, each returning (ok, one-line summary, failure lines).

The tools themselves live in render, schemas, checkov_scan and dashboard_queries; this module runs them
in parallel and summarises.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from retail_dev.deploy import checkov_scan, dashboard_queries, render, schemas
from retail_dev.paths import REPORTS_DIR, ROOT

OBSERVABILITY_CONFIG = ROOT / "deploy" / "components" / "observability" / "config"
RULES = dashboard_queries.rule_files()
RULE_TESTS = sorted((OBSERVABILITY_CONFIG / "rules-tests").glob("*.yaml"))
DOCKER_DIR = ROOT / "docker"


class Outcome:
    def __init__(self, ok: bool | None, summary: str, details: list[str] | None = None):
        self.ok = ok  # None: not run (a tool missing outside CI)
        self.summary = summary
        self.details = details or []


def render_all(overlays) -> tuple[dict[str, list[dict]], list[Outcome]]:
    """Render the overlays side by side into .retail/deploy/ and load them."""

    def one(overlay):
        started = time.monotonic()
        path = render.render_to_file(overlay)
        return overlay, render.load(path.read_text()), time.monotonic() - started

    with ThreadPoolExecutor(max_workers=len(overlays)) as pool:
        results = list(pool.map(one, overlays))
    docs = {overlay: loaded for overlay, loaded, _ in results}
    outcomes = [Outcome(True, f"render {o}: {len(d)} objects ({s:.1f} s)") for o, d, s in results]
    return docs, outcomes


def kubernetes_schemas(docs: dict[str, list[dict]]) -> Outcome:
    errors = [f"{o}: {e}" for o, loaded in docs.items() for e in schemas.kubernetes_errors(loaded)]
    count = sum(1 for loaded in docs.values() for d in loaded if not schemas.is_istio(d))
    return Outcome(not errors, f"kubernetes {schemas.KUBERNETES_VERSION} schemas, strict: {count} objects", errors)


def istio_schemas(docs: dict[str, list[dict]]) -> Outcome:
    errors = [f"{o}: {e}" for o, loaded in docs.items() for e in schemas.istio_errors(loaded)]
    count = sum(1 for loaded in docs.values() for d in loaded if schemas.is_istio(d))
    return Outcome(not errors, f"istio schemas: {count} resources", errors)


def missing_promtool(what: str) -> Outcome:
    """Outside CI a missing promtool skips the step (saying so); under CI=true it fails."""
    message = f"{what}: promtool is not installed (apt-get install --no-install-recommends prometheus)"
    return Outcome(False if os.environ.get("CI") == "true" else None, message)


def run_promtool(what: str, arguments: list[str]) -> Outcome:
    promtool = shutil.which("promtool")
    if promtool is None:
        return missing_promtool(what)
    result = subprocess.run([promtool, *arguments], capture_output=True, text=True, check=False)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    return Outcome(result.returncode == 0, what, [] if not result.returncode else lines)


def promtool_rules() -> Outcome:
    return run_promtool(f"promtool check rules: {len(RULES)} file(s)", ["check", "rules", *map(str, RULES)])


def promtool_rule_tests() -> Outcome:
    """Every alert fires and keeps quiet in its unit tests (tests/deploy asserts each alert has both)."""
    if not RULE_TESTS:
        return Outcome(False, "promtool test rules: no test file in rules-tests/")
    what = f"promtool test rules: {len(RULE_TESTS)} file(s)"
    return run_promtool(what, ["test", "rules", *map(str, RULE_TESTS)])


def dashboard_promql() -> Outcome:
    """Every PromQL target of every dashboard panel parsed by promtool; Loki targets checked for shape."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return missing_promtool("dashboard queries")
    count, problems = dashboard_queries.check(promtool)
    files = len(dashboard_queries.dashboard_files())
    return Outcome(not problems and count > 0, f"dashboard queries (promtool): {count} in {files} dashboards", problems)


def start_checkov() -> subprocess.Popen:
    dockerfiles = sorted(p for p in DOCKER_DIR.rglob("*") if p.is_file() and "Dockerfile" in p.name)
    return checkov_scan.start_scan(sorted(render.RENDER_DIR.glob("*.yaml")) + dockerfiles)


def finish_checkov(process: subprocess.Popen) -> Outcome:
    output, errors = process.communicate()
    if process.returncode not in (0, 1):  # 1: some check failed (judged below against the skips)
        return Outcome(False, f"checkov exited {process.returncode}", errors.strip().splitlines()[-5:])
    skips = checkov_scan.load_skips()
    passed, failed = checkov_scan.failures(output, skips)
    summary = (
        f"checkov: {passed} checks passed, {len(failed)} failed beyond deploy/checkov-skips.yaml ({len(skips)} skips)"
    )
    if not passed:  # a scan that checked nothing proves nothing
        return Outcome(False, summary, ["checkov ran no check on the rendered overlays"])
    return Outcome(not failed, summary, failed)


def invariants() -> Outcome:
    """tests/deploy on the YAML just rendered; a junit report for manage_all.py test's totals."""
    report = REPORTS_DIR / "deploy.xml"
    REPORTS_DIR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "RETAIL_DEPLOY_RENDERED": str(render.RENDER_DIR)}
    command = [sys.executable, "-m", "pytest", "tests/deploy", "-q", "--no-header", "--tb=line", f"--junitxml={report}"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else "no output"
    # --tb=line: one "path:line: message" per failure (the message names the resource and the field)
    details = [line for line in lines if line.startswith(("FAILED", "ERROR", "/"))]
    return Outcome(result.returncode == 0, f"invariants (tests/deploy): {summary}", details)
