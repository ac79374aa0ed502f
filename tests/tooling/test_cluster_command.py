"""`manage_all.py cluster`: the command lines it runs, against the stand-ins of cluster_standin.py on PATH
(no Kubernetes API or kind can run here; the real path is listed in deploy/README.md under "checked only
on a cluster")."""

import re

import pytest
from cluster_fixture import CONTEXT, content_ref, no_grafana_fixture, run, standin_fixture, waits_of  # noqa: F401 (fixtures)
from fake_grafana import FakeGrafana

from retail_dev.console import DevError
from retail_dev.paths import ROOT
from retail_dev.projects import web_projects

PROJECTS = tuple(p.name for p in web_projects())


def applied_images(docs: list[dict]) -> set[str]:
    images = set()
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            spec = doc["spec"]["template"]["spec"]
            images |= {c["image"] for c in [*spec.get("initContainers", []), *spec["containers"]]}
    return {i for i in images if i.startswith("retail/")}


def test_up_runs_the_whole_path_in_order(standin, capsys, tmp_path):
    assert run("up") == 0
    tls_dir = tmp_path / "tls"  # cluster_fixture's cluster_tls.CERT_DIR
    refs = [content_ref(standin, p, "dev") for p in PROJECTS]
    expected = [
        ["kind", "version"],
        ["docker", "version", "--format", "{{.Server.Arch}}"],
        ["docker", "info", "--format", "{{.MemTotal}}"],
        ["istioctl", "version", "--remote=false", "-o", "json"],
        ["kind", "get", "clusters"],
        ["kind", "create", "cluster", "--config", str(ROOT / "kind.yaml"), "--wait", "120s"],
        ["istioctl", "install", *CONTEXT, "-y", "-f", str(ROOT / "deploy/components/istio/istio-install.yaml")],
        ["kubectl", *CONTEXT, "apply", "--server-side", "-f", str(ROOT / "deploy/addons/metrics-server.yaml")],
        [
            "kubectl",
            *CONTEXT,
            "-n",
            "istio-system",
            "create",
            "secret",
            "tls",
            "retail-gateway-tls",
            f"--cert={tls_dir / 'gateway.crt'}",
            f"--key={tls_dir / 'gateway.key'}",
            "--dry-run=client",
            "-o",
            "yaml",
        ],
        ["kubectl", *CONTEXT, "apply", "-f", "-"],
        ["images-build", "--tag", "dev"],
        *[
            call
            for p in PROJECTS
            for call in (
                ["docker", "image", "inspect", "--format", "{{.Id}}", f"retail/{p}:dev"],
                ["docker", "tag", f"retail/{p}:dev", content_ref(standin, p, "dev")],
            )
        ],
        *[["kind", "load", "docker-image", ref, "--name", "retail"] for ref in refs],
        [
            "kubectl",
            *CONTEXT,
            "get",
            "jobs",
            "--all-namespaces",
            "-l",
            "app.kubernetes.io/part-of=retail",
            "-o",
            "json",
        ],
        ["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"],
        *waits_of("dev"),
    ]
    assert standin.calls() == expected
    [applied] = standin.state["applied"]
    assert applied_images(applied) == set(refs)
    out = capsys.readouterr().out
    assert f"[1/{len(waits_of('dev'))}] waiting for job/vault-bootstrap in retail-data" in out
    assert re.search(r"job/vault-bootstrap: done after \d+\.\d s", out)
    assert re.search(r"step wait took \d+\.\d s", out)
    assert "http://localhost:30080/" in out and "https://localhost:30443/" in out
    assert "http://localhost:30030/" in out and "http://localhost:30086/" in out and "http://localhost:30090/" in out


@pytest.mark.parametrize(("overlay", "tag"), [("staging", "staging"), ("prod", "1.0.0")])
def test_up_builds_loads_and_applies_the_tag_the_overlay_names(standin, overlay, tag):
    assert run("up", overlay=overlay) == 0
    refs = {content_ref(standin, p, tag) for p in PROJECTS}
    assert ["images-build", "--tag", tag] in standin.calls()
    assert set(standin.state["loaded"]) == refs
    [applied] = standin.state["applied"]
    assert applied_images(applied) == refs


def test_every_kubectl_and_istioctl_call_pins_the_kind_context(standin):
    assert run("up") == 0
    assert run("deploy") == 0
    assert run("status") == 0
    context_calls = [c for c in standin.calls() if c[0] == "kubectl" or c[:2] == ["istioctl", "install"]]
    assert len(context_calls) > 40
    assert [c for c in context_calls if c[1:3] != CONTEXT and c[2:4] != CONTEXT] == []


def test_a_failing_step_stops_the_path_and_names_the_command_and_how_to_resume(standin):
    standin.change(fail={"istioctl install": 3})
    with pytest.raises(DevError) as failure:
        run("up")
    install = f"istioctl install --context kind-retail -y -f {ROOT / 'deploy/components/istio/istio-install.yaml'}"
    assert str(failure.value) == (
        f"step istio failed: `{install}` failed with exit 3; "
        "after fixing it, resume with `python3 manage_all.py cluster up --overlay dev --from istio`"
    )
    assert standin.calls("kubectl") == []


def test_from_skips_the_steps_before_it(standin, capsys):
    assert run("up") == 0
    standin.forget_calls()
    assert run("deploy", from_step="apply") == 0
    calls = standin.calls()
    assert [c for c in calls if c[0] == "images-build" or c[:2] == ["kind", "load"]] == []
    apply = ["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"]
    assert [c for c in calls if c[0] == "kubectl"] == [apply, *waits_of("dev")]
    [_, applied] = standin.state["applied"]  # still at the content tags the skipped load step loaded
    assert applied_images(applied) == {content_ref(standin, p, "dev") for p in PROJECTS}
    out = capsys.readouterr().out
    assert "--from apply: skipping build, load, jobs" in out
    assert "[4/5] apply" in out


def test_from_names_a_step_of_the_action(standin):
    with pytest.raises(DevError, match=r"^--from istio: cluster deploy has the steps build, load, jobs, apply, wait$"):
        run("deploy", from_step="istio")
    assert standin.calls() == []


def test_skip_build_loads_what_is_built_and_says_what_is_missing(standin):
    assert run("up", skip_build=True) == 0
    assert not standin.calls("images-build")
    state = standin.state
    del state["images"]["retail/payments:dev"]
    standin.change(images=state["images"])
    with pytest.raises(DevError, match=r"retail/payments:dev is not on this Docker engine: run without --skip-build"):
        run("deploy", skip_build=True)


def test_down_prunes_the_retail_images_when_asked(standin):
    assert run("up") == 0
    assert run("down") == 0
    assert standin.calls("kind")[-1] == ["kind", "delete", "cluster", "--name", "retail"]
    assert standin.state["clusters"] == []
    assert any(ref.startswith("retail/") for ref in standin.state["images"])
    assert run("down", prune_images=True) == 0
    assert standin.state["images"] == {}


def test_deploy_mutes_alerts_from_before_the_apply_until_after_the_rollouts(standin, monkeypatch):
    with FakeGrafana(standin.log) as grafana:
        monkeypatch.setenv("RETAIL_GRAFANA_URL", grafana.url)
        monkeypatch.setenv("RETAIL_GRAFANA_PASSWORD", "secret")
        assert run("deploy") == 0
    calls = standin.calls()
    apply = calls.index(["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"])
    muted = calls.index(["grafana", "POST", "/api/alertmanager/alertmanager/api/v2/silences"])
    unmuted = calls.index(["grafana", "DELETE", "/api/alertmanager/alertmanager/api/v2/silence/silence-1"])
    assert muted < apply < calls.index(waits_of("dev")[-1]) < unmuted
    assert grafana.mute_timings["deployment-window"]["time_intervals"] == []


def test_a_failed_rollout_unmutes_too(standin, monkeypatch):
    standin.change(fail={"kubectl --context kind-retail apply": 1})
    with FakeGrafana(standin.log) as grafana:
        monkeypatch.setenv("RETAIL_GRAFANA_URL", grafana.url)
        monkeypatch.setenv("RETAIL_GRAFANA_PASSWORD", "secret")
        with pytest.raises(DevError, match="step apply failed: `kubectl --context kind-retail apply"):
            run("deploy")
    assert grafana.mute_timings["deployment-window"]["time_intervals"] == []
    assert grafana.silences["silence-1"]["state"] == "expired"
