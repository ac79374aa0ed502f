"""`images base`: retail/python-base:bookworm from Debian packages, for machines that reach no registry.

debootstrap (minbase) + python3 + python3-venv from the mirror apt already uses; the root filesystem
is trimmed, cached as a tarball under .retail/images/ and imported into the engine. A second run
imports the cached tarball (seconds) unless --refresh asks for a new one.

No base image can be pulled here (no registry); debootstrap from the apt mirror builds one.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

from retail_dev.console import DevError, say, step
from retail_dev.images.engine import Engine
from retail_dev.paths import LOG_DIR, RETAIL_DIR

BASE_IMAGE = "retail/python-base:bookworm"
SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
IMAGES_DIR = RETAIL_DIR / "images"
CACHE = IMAGES_DIR / f"python-base-{SUITE}.tar"
# What no container needs: package lists, caches, documentation, manuals, translations.
TRIM = (
    "var/lib/apt/lists",
    "var/cache/apt",
    "var/cache/debconf/templates.dat-old",
    "var/log",
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "usr/share/lintian",
)


def apt_mirror(sources: list[Path] | None = None) -> str:
    """The Debian mirror apt uses for the main suite (deb822 `.sources` or one-line `.list` files)."""
    if sources is None:
        apt = Path("/etc/apt")
        sources = [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*"))]
    for path in sources:
        try:
            text = path.read_text()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:(.*)$", stanza, re.M)
            if uris and suites and SUITE in suites.group(1).split() and "/debian" in uris.group(1):
                return uris.group(1).rstrip("/")
        for line in text.splitlines():
            match = re.match(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+(\S+)", line.strip())
            if match and match.group(2) == SUITE and "/debian" in match.group(1):
                return match.group(1).rstrip("/")
    return DEFAULT_MIRROR


def bootstrap_rootfs(target: Path, mirror: str) -> None:
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    if not Path(debootstrap).exists():
        raise DevError("debootstrap is missing: apt-get install -y debootstrap")
    log = LOG_DIR / "debootstrap.log"
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    say(f"    debootstrap --variant=minbase {SUITE} from {mirror} (a few minutes; log: {log})")
    command = [debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}", SUITE, str(target), mirror]
    with log.open("wb") as out:
        if subprocess.call(command, stdout=out, stderr=subprocess.STDOUT):
            tail = log.read_text(errors="replace").splitlines()[-15:]
            raise DevError("debootstrap failed:\n" + "\n".join(tail))
    for relative in TRIM:
        path = target / relative
        if path.is_dir():
            shutil.rmtree(path)
            path.mkdir()
    (target / "etc" / "hostname").unlink(missing_ok=True)  # the engine sets it per container
    (target / "etc" / "resolv.conf").unlink(missing_ok=True)  # the host's; the engine mounts its own


def build_base(engine: Engine, *, refresh: bool = False) -> float:
    """Build (or re-import) the base image; returns the seconds it took."""
    began = time.monotonic()
    IMAGES_DIR.mkdir(parents=True, exist_ok=True)
    if refresh or not CACHE.exists():
        target = IMAGES_DIR / "rootfs-build"
        shutil.rmtree(target, ignore_errors=True)
        try:
            bootstrap_rootfs(target, apt_mirror())
            partial = CACHE.with_suffix(".partial")
            subprocess.run(["tar", "--numeric-owner", "-C", str(target), "-cf", str(partial), "."], check=True)
            partial.replace(CACHE)
        finally:
            shutil.rmtree(target, ignore_errors=True)
    else:
        say(f"    root filesystem cached in {CACHE.relative_to(RETAIL_DIR.parent)} (--refresh builds it again)")
    step(f"import {BASE_IMAGE}")
    with CACHE.open("rb") as tarball:
        result = subprocess.run(
            [
                engine.client,
                "import",
                "--change",
                "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8",
                "--change",
                'CMD ["python3"]',
                "-",
                BASE_IMAGE,
            ],
            stdin=tarball,
            capture_output=True,
            env=engine.env,
        )
    if result.returncode:
        raise DevError(f"docker import failed: {result.stderr.decode(errors='replace').strip()}")
    python = engine.out("run", "--rm", "--network", "none", BASE_IMAGE, "python3", "--version")
    size = int(engine.out("image", "inspect", "--format", "{{.Size}}", BASE_IMAGE))
    say(f"    {BASE_IMAGE}: {python}, {size / 1e6:.0f} MB, {time.monotonic() - began:.0f} s")
    return time.monotonic() - began
