"""Which distributions are runtime and which are dev-only, from requirements/ (images must hold no dev one)."""

import re

from retail_dev.paths import ROOT


def requirement_names(path) -> set[str]:
    """Normalised distribution names a requirements file pins (not its -r/-e lines)."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            names.add(re.sub(r"[-_.]+", "-", re.split(r"[=<>;\s\[]", line, maxsplit=1)[0]).lower())
    return names


def dev_only_distributions() -> set[str]:
    """What requirements/dev.txt adds to the runtime set: none of it may reach an image."""
    requirements = ROOT / "requirements"
    return (requirement_names(requirements / "dev.txt") - requirement_names(requirements / "base.txt")) | {"retail-dev"}
