#!/usr/bin/env python3
"""The one entry point of the Retail Platform: `python3 manage_all.py <command>`.

This top part uses the standard library only, so it runs on a bare Python >= 3.11:
it creates `.venv/` from requirements/ on first use (or uses an already-active
virtualenv), then re-runs itself there and hands over to `retail_dev`.
"""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements" / "dev.txt"
MARKER_NAME = ".retail-requirements.sha256"


def requirements_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "requirements").glob("*.txt")):
        digest.update(path.name.encode() + path.read_bytes())
    for project in ("common", "devtools"):
        digest.update((ROOT / "apps" / project / "pyproject.toml").read_bytes())
    return digest.hexdigest()


def in_virtualenv() -> bool:
    return sys.prefix != sys.base_prefix or bool(os.environ.get("VIRTUAL_ENV"))


def ensure_requirements(python: str, env_dir: Path) -> None:
    marker = env_dir / MARKER_NAME
    wanted = requirements_digest()
    if marker.exists() and marker.read_text().strip() == wanted:
        return
    print(f"==> installing requirements/{REQUIREMENTS.name} into {env_dir}", flush=True)
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
    if subprocess.call([*pip, "-r", str(REQUIREMENTS)], cwd=ROOT) != 0:
        sys.exit("manage_all: installing the requirements failed (see pip's output above).")
    marker.write_text(wanted)


def bootstrap() -> None:
    if in_virtualenv():
        ensure_requirements(sys.executable, Path(sys.prefix))
        return
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"==> creating {VENV.relative_to(ROOT)}/ (first run)", flush=True)
        if subprocess.call([sys.executable, "-m", "venv", str(VENV)]) != 0:
            sys.exit("manage_all: could not create .venv (on Debian/Ubuntu: apt-get install python3-venv).")
    ensure_requirements(str(python), VENV)
    env = {**os.environ, "VIRTUAL_ENV": str(VENV), "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    os.execve(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]], env)  # noqa: S606


if __name__ == "__main__":
    bootstrap()
    from retail_dev.cli import main

    sys.exit(main(sys.argv[1:]))
