"""Where the repository and its `.retail/` state are.

The root is found, not assumed: `retail_dev` may be installed outside the checkout (a wheel, a
container), so a fixed `parents[N]` of this file would point anywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

ROOT_VAR = "RETAIL_ROOT"
ROOT_MARKER = "manage_all.py"


class RepositoryNotFound(RuntimeError):
    """No repository root: the message says where it looked and what to set."""


def find_root(*, override: str | None = None, starts: Iterable[Path] = ()) -> Path:
    """$RETAIL_ROOT if set (it must hold manage_all.py), else the nearest directory above a start that holds it."""
    if override:
        root = Path(override).expanduser().resolve()
        if not (root / ROOT_MARKER).is_file():
            raise RepositoryNotFound(f"{ROOT_VAR}={override} holds no {ROOT_MARKER}: point it at the repository root.")
        return root
    starts = [Path(start).resolve() for start in starts]
    for start in starts:
        for candidate in (start, *start.parents):
            if (candidate / ROOT_MARKER).is_file():
                return candidate
    looked = ", ".join(str(start) for start in starts)
    raise RepositoryNotFound(
        f"no {ROOT_MARKER} in {looked} or above: run from the repository checkout or set {ROOT_VAR} to its root."
    )


# This package's own checkout first (an editable install), then the working directory.
ROOT = find_root(override=os.environ.get(ROOT_VAR), starts=(Path(__file__).parent, Path.cwd()))
RETAIL_DIR = ROOT / ".retail"
LOG_DIR = RETAIL_DIR / "logs"
RUN_DIR = RETAIL_DIR / "run"
SECRETS_DIR = RETAIL_DIR / "secrets"
REPORTS_DIR = RETAIL_DIR / "test-reports"
BENCH_DIR = RETAIL_DIR / "bench"


def ensure_dirs() -> None:
    for path in (LOG_DIR, RUN_DIR, REPORTS_DIR):
        path.mkdir(parents=True, exist_ok=True)
    SECRETS_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
