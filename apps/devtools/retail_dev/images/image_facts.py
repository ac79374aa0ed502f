"""What an image holds: its configuration, its Python distributions by size, any compiler on its PATH.

No library reports this from inside an image; a probe script run in the image's own Python does.
"""

from __future__ import annotations

import json

from retail_dev.images.engine import Engine

# Run inside the image (its own Python, no network, read-only): JSON of what it finds.
PROBE = """
import importlib.metadata, json, os, shutil
sizes = {}
for dist in importlib.metadata.distributions():
    total = 0
    for f in dist.files or ():
        try:
            total += f.locate().stat().st_size
        except OSError:
            pass
    sizes[dist.metadata["Name"]] = total
compilers = [c for c in ("gcc", "cc", "c++", "g++", "clang", "make") if shutil.which(c)]
print(json.dumps({"distributions": sizes, "compilers": compilers, "uid": os.getuid(), "gid": os.getgid()}))
"""


def configuration(engine: Engine, image: str) -> dict:
    return json.loads(engine.out("image", "inspect", "--format", "{{json .}}", image))


def contents(engine: Engine, image: str) -> dict:
    """Distributions (name -> bytes), compilers found, and the uid/gid the image runs as."""
    output = engine.out(
        "run", "--rm", "--network", "none", "--read-only", "--entrypoint", "/opt/venv/bin/python", image, "-c", PROBE
    )
    return json.loads(output.splitlines()[-1])


def largest(distributions: dict[str, int], count: int = 5) -> list[tuple[str, int]]:
    return sorted(distributions.items(), key=lambda item: -item[1])[:count]


def describe(engine: Engine, image: str) -> str:
    if not engine.image_exists(image):
        return f"{image}: not built (python3 manage_all.py images build)"
    config = configuration(engine, image)
    found = contents(engine, image)
    revision = (config["Config"].get("Labels") or {}).get("org.opencontainers.image.revision", "?")
    top = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in largest(found["distributions"]))
    return f"{image}: {config['Size'] / 1e6:.0f} MB, revision {revision[:12]}; largest packages: {top}"
