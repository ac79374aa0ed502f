"""checkov --skip-download on the rendered overlays and the Dockerfiles, in its own virtualenv.

checkov pins an old `packaging` that the project's requirements cannot share, so it lives in
.retail/checkov-venv, installed from requirements/checkov.txt (fully pinned, --no-deps) on first use.
A failed check passes only when deploy/checkov-skips.yaml lists it for that resource, with a reason.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import yaml

from retail_dev.console import DevError, say
from retail_dev.paths import RETAIL_DIR, ROOT

VENV = RETAIL_DIR / "checkov-venv"
REQUIREMENTS = ROOT / "requirements" / "checkov.txt"
SKIPS = ROOT / "deploy" / "checkov-skips.yaml"
MARKER = VENV / ".retail-requirements.sha256"


def checkov_bin() -> Path:
    return VENV / "bin" / "checkov"


def ensure_checkov() -> Path:
    """Create or refresh the checkov virtualenv when requirements/checkov.txt changed."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if checkov_bin().exists() and MARKER.exists() and MARKER.read_text().strip() == wanted:
        return checkov_bin()
    say(f"    installing checkov into {VENV.relative_to(ROOT)} (first use; from PyPI)")
    if not (VENV / "bin" / "python").exists() and subprocess.call([sys.executable, "-m", "venv", str(VENV)]) != 0:
        raise DevError(f"could not create {VENV} (python3 -m venv)")
    pip = [
        str(VENV / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
    ]
    if subprocess.call([*pip, "-r", str(REQUIREMENTS)]) != 0:
        raise DevError(f"installing checkov from {REQUIREMENTS.relative_to(ROOT)} failed (see pip's output above)")
    MARKER.write_text(wanted)
    return checkov_bin()


def load_skips(path: Path = SKIPS) -> list[dict]:
    skips = yaml.safe_load(path.read_text()) or []
    for entry in skips:
        if not entry.get("reason") or not entry.get("resources") or not entry.get("check"):
            raise DevError(f"{path.relative_to(ROOT)}: every skip needs check, resources and a reason: {entry}")
    return skips


def is_skipped(check_id: str, resource: str, skips: list[dict]) -> bool:
    return any(
        entry["check"] == check_id and any(fnmatch.fnmatchcase(resource, p) for p in entry["resources"])
        for entry in skips
    )


def start_scan(files: list[Path]) -> subprocess.Popen:
    """Start checkov on `files` (kubernetes and dockerfile frameworks) in the background.

    Files, not directories: checkov passes over directories whose name starts with a dot (.retail/).
    """
    command = [str(ensure_checkov()), "--skip-download", "--quiet", "--compact", "-o", "json"]
    command += ["--framework", "kubernetes", "dockerfile"]
    for path in files:
        command += ["-f", str(path)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def failures(output: str, skips: list[dict]) -> tuple[int, list[str]]:
    """(passed checks, failures not covered by a skip) from checkov's JSON report."""
    try:
        reports = json.loads(output) if output.strip() else []
    except json.JSONDecodeError as exc:
        raise DevError(f"checkov printed no JSON report: {output[:300]}") from exc
    reports = reports if isinstance(reports, list) else [reports]
    passed, failed = 0, []
    for report in reports:
        if "results" not in report:  # a framework with nothing to scan reports only a summary
            continue
        passed += report["summary"]["passed"]
        for check in report["results"]["failed_checks"]:
            if not is_skipped(check["check_id"], check["resource"], skips):
                failed.append(
                    f"{check['resource']} ({Path(check['file_path']).name}): {check['check_id']} {check['check_name']}"
                )
    return passed, failed
