import subprocess
import sys
import uuid
import xml.etree.ElementTree as ET

from retail_dev.console import say, step
from retail_dev.environment import Infra, manage_cmd, project_env
from retail_dev.paths import REPORTS_DIR, ROOT
from retail_dev.projects import all_projects, by_name

help = "Run the whole suite: lint, system checks, makemigrations --check, every project's tests, cross-project tests."

NO_TESTS_COLLECTED = 5


def add_arguments(parser) -> None:
    parser.add_argument("--project", help="Only this project's checks and tests.")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument("pytest_args", nargs="*", help="Passed to pytest (after --).")


def junit_totals(path) -> tuple[int, int, int]:
    """(passed, failed, skipped) of one junit report; errors count as failures."""
    if not path.exists():
        return 0, 0, 0
    root = ET.parse(path).getroot()  # noqa: S314 (pytest's own report)
    suites = [root] if root.tag == "testsuite" else list(root)
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return tests - failed - skipped, failed, skipped


class Run:
    def __init__(self):
        self.failures: list[str] = []

    def call(self, name: str, command: list[str], **kwargs) -> int:
        code = subprocess.call(command, **kwargs)
        if code != 0:
            self.failures.append(f"{name} (exit {code})")
        return code


def run(args) -> int:
    projects = [by_name(args.project)] if args.project else all_projects()
    run_id = uuid.uuid4().hex[:8]
    outcome = Run()
    infra = Infra()
    reports = []
    try:
        infra.up(databases=projects)
        if not args.no_lint and not args.project:
            step("lint: ruff check, ruff format --check")
            outcome.call("ruff check", [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT)
            outcome.call("ruff format", [sys.executable, "-m", "ruff", "format", "--check", "."], cwd=ROOT)
        for project in projects:
            env = project_env(project, "test", KAFKA_TOPIC_PREFIX=f"test-{run_id}.")
            step(f"{project.name}: system checks and makemigrations --check")
            outcome.call(
                f"{project.name} check",
                manage_cmd(project, "check", "--fail-level", "WARNING"),
                cwd=project.path,
                env=env,
            )
            outcome.call(
                f"{project.name} makemigrations --check",
                manage_cmd(project, "makemigrations", "--check", "--dry-run"),
                cwd=project.path,
                env=env,
            )
            step(f"{project.name}: tests")
            report = REPORTS_DIR / f"{project.name}.xml"
            report.unlink(missing_ok=True)
            reports.append(report)
            code = subprocess.call(
                [sys.executable, "-m", "pytest", f"--junitxml={report}", *args.pytest_args], cwd=project.path, env=env
            )
            if code != 0:  # exit 5 (no tests collected) is a failure too: every project has tests
                outcome.failures.append(
                    f"{project.name} tests (exit {code}{', no tests' if code == NO_TESTS_COLLECTED else ''})"
                )
        if not args.project:
            step("cross-project tests (tests/)")
            report = REPORTS_DIR / "cross-project.xml"
            report.unlink(missing_ok=True)
            reports.append(report)
            outcome.call(
                "cross-project tests",
                [sys.executable, "-m", "pytest", f"--junitxml={report}", "tests", "--ignore=tests/deploy"],
                cwd=ROOT,
            )
            # deploy/ validated offline; tests/deploy runs inside it, on the YAML it rendered.
            step("deploy check")
            report = REPORTS_DIR / "deploy.xml"
            report.unlink(missing_ok=True)
            reports.append(report)
            outcome.call("deploy check", [sys.executable, str(ROOT / "manage_all.py"), "deploy", "check"], cwd=ROOT)
    finally:
        infra.stop_started()
    passed, failed, skipped = (
        (sum(t) for t in zip(*(junit_totals(r) for r in reports), strict=True)) if reports else (0, 0, 0)
    )
    for failure in outcome.failures:
        say(f"FAILED: {failure}")
    say(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if outcome.failures or failed else 0
