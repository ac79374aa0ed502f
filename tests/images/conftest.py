import importlib.util
import os

import pytest

from retail_dev.paths import ROOT

DOCKER_DIR = ROOT / "docker"


def load_module(name: str, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def entrypoint():
    """docker/entrypoint.py as a module (it is a script in the image, not a package)."""
    return load_module("retail_entrypoint", DOCKER_DIR / "entrypoint.py")


@pytest.fixture(scope="session")
def engine():
    """A running Docker engine (started for the session when installed but stopped).

    Without one a developer machine skips what needs it; under CI=true that is a failure.
    """
    from retail_dev.images.engine import Engine, EngineMissing

    running = Engine()
    try:
        running.ensure_running()
    except EngineMissing as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs a container engine: {exc}")
        pytest.skip(f"no container engine here: {exc}")
    try:
        yield running
    finally:
        running.stop_started()
