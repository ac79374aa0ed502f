import importlib.util
import os

import pytest

from retail_dev.paths import ROOT
from retail_dev.projects import web_projects

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


# The tag the session builds and runs: dev, or RETAIL_IMAGES_TAG to leave a shared engine's :dev images alone.
IMAGES_TAG = os.environ.get("RETAIL_IMAGES_TAG", "dev")


@pytest.fixture(scope="session")
def images(engine):
    """The five images of this tree, tagged IMAGES_TAG (cached layers make the build quick when nothing changed)."""
    from retail_dev.console import DevError
    from retail_dev.images.base import BASE_IMAGE, build_base
    from retail_dev.images.build import build_all

    if not engine.image_exists(BASE_IMAGE):
        try:
            build_base(engine)
        except DevError as exc:  # e.g. debootstrap not installed: a missing tool, as for the engine
            if os.environ.get("CI") == "true":
                pytest.fail(f"CI needs the base image: {exc}")
            pytest.skip(f"cannot build {BASE_IMAGE} here: {exc}")
    build_all(engine, base=BASE_IMAGE, tag=IMAGES_TAG)
    return {p.name: f"retail/{p.name}:{IMAGES_TAG}" for p in web_projects()}
