"""`manage_all.py cluster`: the command lines it runs, with kind, docker, istioctl and kubectl replaced by
recorders on PATH (no Kubernetes API or kind can run here; the real path is listed in deploy/README.md
under "checked only on a cluster")."""

import argparse
import json
import os
import socket
import stat
import sys
from pathlib import Path

import pytest
from fake_grafana import FakeGrafana

from retail_dev.commands import cluster
from retail_dev.console import DevError
from retail_dev.deploy import cluster_steps, render
from retail_dev.paths import ROOT

TOOLS = ("kind", "docker", "istioctl", "kubectl")
RECORDER = """#!{python}
import json, os, sys
name = os.path.basename(sys.argv[0])
with open(os.environ["RECORDER_LOG"], "a") as log:
    log.write(json.dumps([name, *sys.argv[1:]]) + "\\n")
rules = json.loads(os.environ.get("RECORDER_RULES", "{{}}"))
rule = rules.get(" ".join([name, *sys.argv[1:]]), {{}})
sys.stdout.write(rule.get("stdout", ""))
sys.exit(rule.get("exit", 0))
"""


@pytest.fixture(autouse=True)
def no_grafana(monkeypatch):
    """No Grafana answers: the deployment window is skipped (test_deploy_mutes_alerts... runs one)."""
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("RETAIL_GRAFANA_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
        yield


@pytest.fixture
def recorders(tmp_path, monkeypatch):
    """Recorder scripts named like the tools, alone on PATH; returns a function reading what ran."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.jsonl"
    for name in (*TOOLS, "images-build"):
        script = bin_dir / name
        script.write_text(RECORDER.format(python=sys.executable))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("RECORDER_LOG", str(log))
    monkeypatch.setattr(cluster_steps, "IMAGES_BUILD", [str(bin_dir / "images-build")])

    def calls() -> list[list[str]]:
        return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []

    calls.bin_dir = bin_dir
    return calls


def run(action, **options) -> int:
    args = argparse.Namespace(action=action, overlay="dev", tag="dev", no_build=False, **options)
    return cluster.run(args)


def waits_of(overlay: str) -> list[list[str]]:
    docs = render.load(render.render(overlay))
    jobs = [d for d in docs if d["kind"] == "Job"]
    rollouts = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment", "DaemonSet")]
    waits = [
        ["kubectl", "-n", j["metadata"]["namespace"], "wait", "--for=condition=complete",
         f"job/{j['metadata']['name']}", "--timeout=900s"]
        for j in jobs
    ]  # fmt: skip
    waits += [
        ["kubectl", "-n", r["metadata"]["namespace"], "rollout", "status",
         f"{r['kind'].lower()}/{r['metadata']['name']}", "--timeout=900s"]
        for r in rollouts
    ]  # fmt: skip
    return waits


def test_up_runs_the_whole_path_in_order(recorders, capsys):
    assert run("up") == 0
    images = [f"retail/{p}:dev" for p in ("users", "inventory", "orders", "payments", "storefront")]
    expected = [
        ["kind", "get", "clusters"],
        ["kind", "create", "cluster", "--config", str(ROOT / "kind.yaml"), "--wait", "120s"],
        ["images-build", "--tag", "dev"],
        *[["kind", "load", "docker-image", image, "--name", "retail"] for image in images],
        ["istioctl", "install", "-y", "-f", str(ROOT / "deploy/components/istio/istio-install.yaml")],
        ["kubectl", "apply", "--server-side", "-k", str(ROOT / "deploy/overlays/dev")],
        *waits_of("dev"),
    ]
    assert recorders() == expected
    out = capsys.readouterr().out
    assert "waiting for job/vault-bootstrap in retail-data" in out
    assert "http://localhost:30080/" in out and "http://localhost:30300/" in out


def test_up_keeps_an_existing_cluster_and_can_skip_the_build(recorders, monkeypatch):
    monkeypatch.setenv("RECORDER_RULES", json.dumps({"kind get clusters": {"stdout": "other\nretail\n"}}))
    args = argparse.Namespace(action="up", overlay="dev", tag="dev", no_build=True)
    assert cluster.run(args) == 0
    calls = recorders()
    assert calls[0] == ["kind", "get", "clusters"]
    assert not [c for c in calls if c[:3] == ["kind", "create", "cluster"] or c[0] == "images-build"]
    assert calls[1] == ["kind", "load", "docker-image", "retail/users:dev", "--name", "retail"]


def test_deploy_applies_the_chosen_overlay_and_waits(recorders):
    args = argparse.Namespace(action="deploy", overlay="prod", tag="dev", no_build=True)
    assert cluster.run(args) == 0
    assert recorders() == [
        ["kubectl", "apply", "--server-side", "-k", str(ROOT / "deploy/overlays/prod")],
        *waits_of("prod"),
    ]


def test_a_failing_step_stops_the_path_and_names_the_command(recorders, monkeypatch):
    monkeypatch.setenv(
        "RECORDER_RULES",
        json.dumps({"istioctl install -y -f " + str(ROOT / "deploy/components/istio/istio-install.yaml"): {"exit": 3}}),
    )
    with pytest.raises(DevError, match=r"istioctl install -y -f .* failed with exit 3"):
        run("up")
    assert not [c for c in recorders() if c[0] == "kubectl"]


def test_a_missing_tool_gives_one_line_naming_it_and_runs_nothing(recorders, capsys):
    (recorders.bin_dir / "istioctl").unlink()
    with pytest.raises(DevError, match="missing istioctl"):
        run("up")
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "istioctl" in line] == [
        f"cluster: istioctl is not installed: {cluster_steps.HOW_TO_INSTALL['istioctl']}"
    ]
    assert recorders() == []


def test_status_and_down(recorders, capsys):
    assert run("status") == 0
    assert run("down") == 0
    assert recorders() == [
        ["kubectl", "get", "pods", "--all-namespaces", "-l", "app.kubernetes.io/part-of=retail", "-o", "wide"],
        ["kubectl", "get", "jobs", "--all-namespaces", "-l", "app.kubernetes.io/part-of=retail"],
        ["kind", "delete", "cluster", "--name", "retail"],
    ]
    assert "http://localhost:30686/" in capsys.readouterr().out


def test_recorders_alone_are_on_path(recorders):
    assert os.environ["PATH"] == str(recorders.bin_dir)
    assert Path(os.environ["RECORDER_LOG"]).parent == recorders.bin_dir.parent


def test_deploy_mutes_alerts_from_before_the_apply_until_after_the_rollouts(recorders, monkeypatch, tmp_path):
    with FakeGrafana(tmp_path / "calls.jsonl") as grafana:
        monkeypatch.setenv("RETAIL_GRAFANA_URL", grafana.url)
        monkeypatch.setenv("RETAIL_GRAFANA_PASSWORD", "secret")
        args = argparse.Namespace(action="deploy", overlay="dev", tag="dev", no_build=True)
        assert cluster.run(args) == 0
    calls = recorders()
    apply = calls.index(["kubectl", "apply", "--server-side", "-k", str(ROOT / "deploy/overlays/dev")])
    muted = calls.index(["grafana", "POST", "/api/alertmanager/alertmanager/api/v2/silences"])
    unmuted = calls.index(["grafana", "DELETE", "/api/alertmanager/alertmanager/api/v2/silence/silence-1"])
    assert muted < apply < calls.index(waits_of("dev")[-1]) < unmuted
    assert grafana.mute_timings["deployment-window"]["time_intervals"] == []


def test_a_failed_rollout_unmutes_too(recorders, monkeypatch, tmp_path):
    monkeypatch.setenv(
        "RECORDER_RULES",
        json.dumps({"kubectl apply --server-side -k " + str(ROOT / "deploy/overlays/dev"): {"exit": 1}}),
    )
    with FakeGrafana(tmp_path / "calls.jsonl") as grafana:
        monkeypatch.setenv("RETAIL_GRAFANA_URL", grafana.url)
        monkeypatch.setenv("RETAIL_GRAFANA_PASSWORD", "secret")
        with pytest.raises(DevError, match="kubectl apply"):
            run("deploy")
    assert grafana.mute_timings["deployment-window"]["time_intervals"] == []
    assert grafana.silences["silence-1"]["state"] == "expired"
