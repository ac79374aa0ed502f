"""`images build` fetches wheels for the Docker engine's architecture, not the host's `platform.machine()`
(arm64 on macOS, where Linux wheels say aarch64)."""

import os

import pytest

from retail_dev.console import DevError
from retail_dev.images import build
from retail_dev.images.engine import Engine


class ArmEngine(Engine):
    """Docker Desktop on Apple silicon, which cannot run here: its engine reports arm64 (Go's GOARCH)."""

    def out(self, *args: str) -> str:
        assert args == ("version", "--format", "{{.Server.Arch}}")
        return "arm64"


@pytest.mark.parametrize(("engine_arch", "machine"), [("amd64", "x86_64"), ("arm64", "aarch64")])
def test_the_engine_architecture_maps_to_the_wheel_machine(engine_arch, machine):
    assert build.wheel_machine(engine_arch) == machine
    assert build.platform_tags(machine)[:2] == [f"manylinux_2_36_{machine}", f"manylinux_2_35_{machine}"]


def test_an_unknown_architecture_is_a_clear_error():
    with pytest.raises(DevError) as failure:
        build.wheel_machine("s390x")
    assert str(failure.value) == (
        "the Docker engine runs s390x: images build only for amd64 (x86_64 wheels) and arm64 (aarch64 wheels);"
        " use an engine of one of those"
    )


def test_an_arm64_engine_gets_aarch64_wheels(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(build, "WHEELS", tmp_path)
    monkeypatch.setattr(build, "_pip", lambda *args, log_name: calls.append(args))
    build.dependency_wheels(build.engine_machine(ArmEngine(client="docker")))
    [download] = calls
    platforms = [a.removeprefix("--platform=") for a in download if a.startswith("--platform=")]
    assert platforms[0] == "manylinux_2_36_aarch64" and platforms[-1] == "manylinux1_aarch64"
    assert all(p.endswith("_aarch64") for p in platforms)


def test_this_machine_engine_reports_its_architecture():
    engine = Engine()
    if not engine.reachable():
        missing = "no Docker engine answers here (CI's .ci/run starts one)"
        pytest.fail(missing) if os.environ.get("CI") == "true" else pytest.skip(missing)
    assert build.engine_machine(engine) in ("x86_64", "aarch64")
