"""`cluster up` checks its tools before it runs anything: one line per problem naming the tool, the version
found and how to install the right one. Against the stand-ins of cluster_standin.py."""

import pytest
from cluster_fixture import no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)

from retail_dev.console import DevError
from retail_dev.deploy.cluster_preflight import HOW_TO_INSTALL


@pytest.mark.parametrize("version", ["kind v0.23.0 go1.22.2 linux/amd64", "kind v0.28.1 go1.24.0 darwin/arm64"])
def test_an_old_kind_stops_everything_with_one_line(standin, version):
    standin.change(kind_version=version)
    found = version.split()[1].removeprefix("v")
    with pytest.raises(DevError) as failure:
        run("up")
    assert str(failure.value) == f"kind {found} is too old, 0.29.0 or newer is needed: {HOW_TO_INSTALL['kind']}"
    assert standin.calls("kind") == [["kind", "version"]]
    assert standin.calls("kubectl") == []


def test_a_missing_istioctl_stops_everything_with_one_line(standin):
    (standin.bin_dir / "istioctl").unlink()
    with pytest.raises(DevError) as failure:
        run("up")
    assert str(failure.value) == f"istioctl is not installed: {HOW_TO_INSTALL['istioctl']}"
    assert [c for c in standin.calls() if c[:2] != ["kind", "version"] and c[0] != "docker"] == []


def test_an_istioctl_that_does_not_support_the_node_kubernetes_stops(standin):
    # istio.io supported-releases: Istio 1.25 supports Kubernetes 1.29 to 1.32; the node image is 1.33.
    standin.change(istioctl_version="1.25.2")
    with pytest.raises(DevError) as failure:
        run("up")
    assert str(failure.value) == (
        f"istioctl 1.25.2 does not support Kubernetes 1.33 (kind.yaml's node image): {HOW_TO_INSTALL['istioctl']}"
    )


def test_every_problem_gets_its_line(standin):
    standin.change(kind_version="kind v0.24.0 go1.22.6 linux/amd64", arch="s390x")
    (standin.bin_dir / "istioctl").unlink()
    with pytest.raises(DevError) as failure:
        run("up")
    assert str(failure.value).splitlines() == [
        "3 tools are missing or unfit:",
        f"  kind 0.24.0 is too old, 0.29.0 or newer is needed: {HOW_TO_INSTALL['kind']}",
        "  the Docker engine runs s390x: images build only for amd64 (x86_64 wheels) and arm64 (aarch64 wheels);"
        " use an engine of one of those",
        f"  istioctl is not installed: {HOW_TO_INSTALL['istioctl']}",
    ]


def test_little_docker_memory_warns_and_goes_on(standin, capsys):
    standin.change(memory=4_100_000_000, arch="arm64")
    assert run("up") == 0
    assert (
        "    warning: the Docker engine has 4.1 GB of memory, the cluster wants 8 GB"
        " (Docker Desktop: Settings > Resources > Memory)"
    ) in capsys.readouterr().out.splitlines()


def test_deploy_and_status_need_no_istioctl(standin):
    assert run("up") == 0
    (standin.bin_dir / "istioctl").unlink()
    assert run("deploy") == 0
    assert run("status") == 0


def test_a_docker_engine_that_does_not_answer_stops(standin):
    standin.change(fail={"docker version": 1})
    with pytest.raises(DevError) as failure:
        run("deploy")
    assert str(failure.value) == (
        "docker: the engine does not answer (stand-in: docker version fails (exit 1)): start dockerd or Docker Desktop"
    )
