"""The `standin` fixture (cluster_standin.py's kind, kubectl, istioctl and docker alone on PATH) and the
helpers the test_cluster_* modules share."""

from __future__ import annotations

import argparse
import json
import socket
import stat
import sys
from pathlib import Path

import pytest
from cluster_standin import HERE, SCRIPT, TOOLS, State, fresh_state

from retail_dev.commands import cluster
from retail_dev.deploy import cluster_steps, cluster_tls, cluster_waits, render

CONTEXT = ["--context", "kind-retail"]


class Standin:
    """What the fixture gives a test: the state to arrange and inspect, and the calls made."""

    def __init__(self, tmp_path: Path):
        self.bin_dir = tmp_path / "bin"
        self.log = tmp_path / "calls.jsonl"
        self.store = State(tmp_path / "standin.json")
        self.store.save(fresh_state())

    @property
    def state(self) -> dict:
        return self.store.load()

    def change(self, **values) -> None:
        state = self.store.load()
        state.update(values)
        self.store.save(state)

    def calls(self, tool: str | None = None) -> list[list[str]]:
        calls = [json.loads(line) for line in self.log.read_text().splitlines()] if self.log.exists() else []
        return [c for c in calls if tool is None or c[0] == tool]

    def forget_calls(self) -> None:
        self.log.unlink(missing_ok=True)


@pytest.fixture(name="standin")
def standin_fixture(tmp_path, monkeypatch):
    """The stand-ins alone on PATH (the pinned kubectl still renders the overlays: render.kubectl)."""
    tools = Standin(tmp_path)
    tools.bin_dir.mkdir()
    for name in TOOLS:
        script = tools.bin_dir / name
        script.write_text(SCRIPT.format(python=sys.executable, here=str(HERE)))
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tools.bin_dir))
    monkeypatch.setenv("RECORDER_LOG", str(tools.log))
    monkeypatch.setenv("STANDIN_STATE", str(tools.store.path))
    monkeypatch.setattr(cluster_steps, "IMAGES_BUILD", [str(tools.bin_dir / "images-build")])
    monkeypatch.setattr(cluster_waits, "POLL_SECONDS", 0)
    monkeypatch.setattr(cluster_waits, "RECOVER_SECONDS", 0)
    monkeypatch.setattr(cluster_tls, "CERT_DIR", tmp_path / "tls")  # not the worktree's .retail/tls
    return tools


@pytest.fixture(name="no_grafana", autouse=True)
def no_grafana_fixture(monkeypatch):
    """No Grafana answers: the deployment window is skipped (test_deploy_mutes_alerts... runs one)."""
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv("RETAIL_GRAFANA_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
        yield


def run(action, **options) -> int:
    values = {"overlay": "dev", "skip_build": False, "from_step": None, "prune_images": False, "switch": None}
    values = {**values, "hours": 2.0, **options}
    return cluster.run(argparse.Namespace(action=action, **values))


def content_ref(standin, project: str, tag: str) -> str:
    return f"retail/{project}:{tag}-{standin.state['images'][f'retail/{project}:{tag}'].removeprefix('sha256:')[:12]}"


def waits_of(overlay: str) -> list[list[str]]:
    """vault-bootstrap first, the other Jobs, then every rollout, in the rendered order."""
    docs = render.load(render.render(overlay))
    jobs = sorted((d for d in docs if d["kind"] == "Job"), key=lambda d: d["metadata"]["name"] != "vault-bootstrap")
    rollouts = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment", "DaemonSet")]
    waits = [
        ["kubectl", *CONTEXT, "-n", j["metadata"]["namespace"], "wait", "--for=condition=complete",
         f"job/{j['metadata']['name']}", "--timeout=900s"]
        for j in jobs
    ]  # fmt: skip
    waits += [
        ["kubectl", *CONTEXT, "-n", r["metadata"]["namespace"], "rollout", "status",
         f"{r['kind'].lower()}/{r['metadata']['name']}", "--timeout=900s"]
        for r in rollouts
    ]  # fmt: skip
    return waits
