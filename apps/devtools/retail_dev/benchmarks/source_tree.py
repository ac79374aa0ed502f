"""The code a benchmark's servers run: this checkout, or a git ref checked out under .retail/bench/<ref>/ so
both can be measured in one run (same machine, same infrastructure, same load).

A ref's tree runs on this checkout's virtualenv: its project directory and its retail_common come first
on PYTHONPATH, ahead of the editable install of this checkout's. Its dependencies are this checkout's.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from retail_dev.console import DevError, say
from retail_dev.environment import GUNICORN_METRICS_CONFIG
from retail_dev.paths import BENCH_DIR, ROOT
from retail_dev.projects import LIBRARY, Project


@dataclass(frozen=True)
class SourceTree:
    label: str
    root: Path

    def path(self, project: Project) -> Path:
        return self.root / project.directory

    def env(self, project: Project) -> dict[str, str]:
        """The environment overrides that make `project`'s processes import this tree's code."""
        if self.root == ROOT:
            return {}
        return {"PYTHONPATH": os.pathsep.join([str(self.path(project)), str(self.root / LIBRARY.directory)])}

    @property
    def gunicorn_config(self) -> str:
        """gunicorn's `-c` for this tree's metrics hooks: the module moved with retail_common's layout (issue 22)."""
        if (self.root / LIBRARY.directory / "retail_common" / "gunicorn_metrics.py").exists():
            return "python:retail_common.gunicorn_metrics"
        return GUNICORN_METRICS_CONFIG

    def manage_cmd(self, project: Project, *args: str) -> list[str]:
        return [sys.executable, str(self.path(project) / "manage.py"), *args]

    def check_imports(self, project: Project) -> None:
        """Fail unless `project`'s processes would import retail_common from this tree."""
        env = {**os.environ, **self.env(project)}
        found = subprocess.run(
            [sys.executable, "-c", "import retail_common; print(retail_common.__file__)"],
            cwd=self.path(project),
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not Path(found).is_relative_to(self.root):
            raise DevError(f"{self.label}: retail_common comes from {found}, not {self.root}; check PYTHONPATH.")


def this_tree() -> SourceTree:
    return SourceTree("this tree", ROOT)


def ref_tree(ref: str) -> SourceTree:
    """`ref` checked out (detached) at .retail/bench/<ref>/, made or moved there by `git worktree`."""
    commit = git("rev-parse", "--verify", f"{ref}^{{commit}}", failure=f"no commit named {ref!r}: pass a branch or sha")
    path = BENCH_DIR / re.sub(r"[^A-Za-z0-9_.-]", "-", ref)
    if (path / ".git").exists():
        git("-C", str(path), "checkout", "--quiet", "--detach", commit, failure=f"could not check out {ref} in {path}")
    else:
        git("worktree", "prune", failure="git worktree prune failed")
        git("worktree", "add", "--detach", str(path), commit, failure=f"could not add a worktree of {ref} at {path}")
    say(f"    {ref} ({commit[:10]}) checked out at {path}")
    return SourceTree(ref, path)


def git(*args: str, failure: str) -> str:
    result = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if result.returncode:
        raise DevError(f"{failure}: {result.stderr.strip()}")
    return result.stdout.strip()
