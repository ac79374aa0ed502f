import os
import shutil

import pytest

from retail_dev.observe import INSTALL_HINT


def required_binary(name: str, install_hint: str = INSTALL_HINT) -> str:
    """A binary of a Debian package (prometheus by default): a developer machine without it skips (with the
    install line); under CI=true its absence is a failure, never a silent skip."""
    binary = shutil.which(name)
    if binary is None:
        message = f"{name} comes with a Debian package: {install_hint}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture(scope="session")
def prometheus_installed() -> str:
    return required_binary("prometheus")


@pytest.fixture(scope="session")
def promtool() -> str:
    return required_binary("promtool")
