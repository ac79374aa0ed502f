"""`images build`: the wheelhouse on the host, then one `docker build` per project from docker/Dockerfile.

Nothing is downloaded inside a build: the host fetches the pinned runtime requirements as wheels for
the image's platform (CPython 3.11, glibc of bookworm) into .retail/images/wheels/deps, and builds
the shared library's wheel into .retail/images/wheels/common. Both are rebuilt only when their
inputs change, so unchanged layers stay cached.

pip and `docker build` do the work; this module only decides what to rebuild.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

from retail_dev.console import DevError, say, step
from retail_dev.images.base import IMAGES_DIR
from retail_dev.images.engine import Engine
from retail_dev.paths import LOG_DIR, ROOT
from retail_dev.projects import Project, web_projects

DEFAULT_BASE = "python:3.11-slim-bookworm"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
VENDOR_LABEL = "org.opencontainers.image.vendor=Retail Platform"  # set by the Dockerfile
WHEELS = IMAGES_DIR / "wheels"
# CPython 3.11 (bookworm's and the python image's), glibc 2.36 (bookworm).
PYTHON_VERSION = "3.11"
GLIBC_MINOR = 36
# The engine's architecture (`docker version --format {{.Server.Arch}}`, Go's GOARCH names) -> the machine
# name in Linux wheel tags. Not the host's platform.machine(): macOS says arm64 where wheels say aarch64,
# and the engine (Docker Desktop's VM) is what runs the image.
WHEEL_MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}


@dataclass
class Built:
    image: str
    seconds: float
    size: int
    layers: int


def image_name(project: Project, tag: str) -> str:
    return f"retail/{project.name}:{tag}"


def runtime_requirements() -> str:
    """requirements/base.txt without the editable shared library (the image installs its wheel)."""
    lines = (ROOT / "requirements" / "base.txt").read_text().splitlines()
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith(("-e", "#"))) + "\n"


def _fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def _pip(*args: str, log_name: str) -> None:
    log = LOG_DIR / log_name
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        code = subprocess.call([sys.executable, "-m", "pip", *args], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    if code:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise DevError(f"pip {args[0]} failed (full log {log}):\n" + "\n".join(tail))


def platform_tags(machine: str) -> list[str]:
    """Every manylinux tag bookworm's glibc runs (pip does not widen an explicit --platform itself)."""
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 16, -1)]
    return [*tags, f"manylinux2014_{machine}", f"manylinux2010_{machine}", f"manylinux1_{machine}"]


def wheel_machine(engine_arch: str) -> str:
    """The wheel tags' machine for an engine architecture; DevError for one we do not build for."""
    if engine_arch not in WHEEL_MACHINES:
        raise DevError(
            f"the Docker engine runs {engine_arch or 'an unknown architecture'}: images build only for "
            + " and ".join(f"{arch} ({machine} wheels)" for arch, machine in WHEEL_MACHINES.items())
            + "; use an engine of one of those"
        )
    return WHEEL_MACHINES[engine_arch]


def engine_machine(engine: Engine) -> str:
    """The wheel machine of the engine's architecture: the images run where the engine runs them."""
    return wheel_machine(engine.out("version", "--format", "{{.Server.Arch}}"))


def dependency_wheels(machine: str) -> None:
    deps = WHEELS / "deps"
    requirements = runtime_requirements()
    stamp = _fingerprint(requirements.encode(), machine.encode(), str(GLIBC_MINOR).encode())
    if (deps / ".stamp").exists() and (deps / ".stamp").read_text() == stamp:
        return
    say(f"    wheelhouse: the runtime requirements for CPython {PYTHON_VERSION}, manylinux {machine} …")
    shutil.rmtree(deps, ignore_errors=True)
    deps.mkdir(parents=True)
    (deps / "requirements.txt").write_text(requirements)  # what the image installs, markers and all
    # pip evaluates environment markers with the host's Python, whatever --python-version says: fetch
    # every pinned wheel, and let the image's Python skip what its markers exclude.
    (deps / "download.txt").write_text("".join(line.split(";")[0].strip() + "\n" for line in requirements.splitlines()))
    _pip(
        "download",
        "--disable-pip-version-check",
        "--only-binary=:all:",
        "--implementation=cp",
        f"--python-version={PYTHON_VERSION}",
        f"--abi=cp{PYTHON_VERSION.replace('.', '')}",
        "--abi=abi3",
        "--abi=none",
        *(f"--platform={tag}" for tag in platform_tags(machine)),
        "--dest",
        str(deps),
        "--requirement",
        str(deps / "download.txt"),
        log_name="images-wheelhouse.log",
    )
    (deps / ".stamp").write_text(stamp)


def common_wheel() -> None:
    common = WHEELS / "common"
    source = ROOT / "apps" / "common"
    files = sorted(
        p
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc" and "egg-info" not in str(p)
    )
    stamp = _fingerprint(*(str(p.relative_to(source)).encode() + p.read_bytes() for p in files))
    if (common / ".stamp").exists() and (common / ".stamp").read_text() == stamp:
        return
    say("    wheelhouse: retail-common (the runtime library, non-editable) …")
    shutil.rmtree(common, ignore_errors=True)
    common.mkdir(parents=True)
    build_dir = IMAGES_DIR / "common-build"
    shutil.rmtree(build_dir, ignore_errors=True)
    # A copy: setuptools writes build/ and egg-info next to the sources it builds.
    shutil.copytree(source, build_dir, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    try:
        _pip(
            "wheel",
            "--disable-pip-version-check",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(common),
            str(build_dir),
            log_name="images-common-wheel.log",
        )
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    (common / ".stamp").write_text(stamp)


def git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def labels() -> dict[str, str]:
    revision = git("rev-parse", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=no"):
        revision += "-dirty"
    return {
        "REVISION": revision,
        "VERSION": git("describe", "--tags", "--always", "--dirty") or "dev",
        "SOURCE": git("config", "--get", "remote.origin.url") or "unknown (no git remote)",
    }


def build_image(engine: Engine, project: Project, *, base: str, tag: str, no_cache: bool = False) -> Built:
    image = image_name(project, tag)
    args = {
        "PYTHON_IMAGE": base,
        "PROJECT": project.name,
        "PROJECT_DIR": project.directory,
        "SETTINGS_MODULE": project.settings,
        **labels(),
    }
    # --network none: nothing is fetched during a build (and no bridge network exists on our machines).
    command = [engine.client, "build", "--network", "none", "--progress", "plain"]
    command += ["--file", str(DOCKERFILE), "--tag", image]
    command += [f"--build-arg={key}={value}" for key, value in args.items()]
    command += ["--no-cache"] if no_cache else []
    log = LOG_DIR / f"images-build-{project.name}.log"
    began = time.monotonic()
    with log.open("wb") as out:
        code = subprocess.call([*command, str(ROOT)], stdout=out, stderr=subprocess.STDOUT, env=engine.env)
    seconds = time.monotonic() - began
    if code:
        tail = log.read_text(errors="replace").splitlines()[-25:]
        raise DevError(f"building {image} failed (full log {log}):\n" + "\n".join(tail))
    size = int(engine.out("image", "inspect", "--format", "{{.Size}}", image))
    layers = int(engine.out("image", "inspect", "--format", "{{len .RootFS.Layers}}", image))
    return Built(image, seconds, size, layers)


def build_all(
    engine: Engine, *, base: str, tag: str, only: list[str] | None = None, no_cache: bool = False
) -> list[Built]:
    if not engine.image_exists(base):
        hint = (
            ""
            if base != DEFAULT_BASE
            else " (no registry here? run `images base` and pass --base retail/python-base:bookworm)"
        )
        say(f"    base {base} is not on this engine: the build will try to pull it{hint}")
    machine = engine_machine(engine)
    step(f"wheelhouse ({machine})")
    dependency_wheels(machine)
    common_wheel()
    base_size = int(engine.out("image", "inspect", "--format", "{{.Size}}", base)) if engine.image_exists(base) else 0
    built = []
    projects = [p for p in web_projects() if not only or p.name in only]
    for number, project in enumerate(projects, 1):
        step(f"[{number}/{len(projects)}] building {image_name(project, tag)} on {base} …")
        result = build_image(engine, project, base=base, tag=tag, no_cache=no_cache)
        over = f" (base +{(result.size - base_size) / 1e6:.0f} MB)" if base_size else ""
        say(f"    {result.image}: {result.size / 1e6:.0f} MB{over}, {result.seconds:.1f} s, {result.layers} layers")
        built.append(result)
    # Each build with a new revision label leaves the previous image untagged: drop ours (layers stay cached).
    engine.run("image", "prune", "--force", "--filter", f"label={VENDOR_LABEL}", check=False)
    return built
