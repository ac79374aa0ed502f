"""A second `cluster deploy`: after a config change it applies (no immutable Job template), new images roll
out and unchanged ones do not. Against the stand-ins of cluster_standin.py, whose API server refuses to
change a Job's pod template as the real one does."""

import shutil

import pytest
from cluster_fixture import CONTEXT, content_ref, no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)

from retail_dev.deploy import render
from retail_dev.paths import ROOT

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet")


@pytest.fixture
def deploy_copy(tmp_path, monkeypatch):
    """A copy of deploy/ the test may change, rendered instead of the repository's."""
    copy = tmp_path / "deploy"
    shutil.copytree(ROOT / "deploy", copy)
    monkeypatch.setattr(render, "DEPLOY_DIR", copy)
    return copy


def jobs_of(docs: list[dict]) -> dict[str, dict]:
    return {f"{d['metadata']['namespace']}/{d['metadata']['name']}": d["spec"] for d in docs if d["kind"] == "Job"}


def using(docs: list[dict], image_prefix: str, kinds: tuple[str, ...]) -> set[str]:
    found = set()
    for doc in docs:
        if doc["kind"] in kinds:
            spec = doc["spec"]["template"]["spec"]
            if any(c["image"].startswith(image_prefix) for c in [*spec.get("initContainers", []), *spec["containers"]]):
                found.add(f"{doc['kind']} {doc['metadata']['namespace']}/{doc['metadata']['name']}")
    return found


def deleted_jobs(calls: list[list[str]]) -> list[str]:
    return [f"{c[4]}/{c[7]}" for c in calls if c[0] == "kubectl" and c[5:7] == ["delete", "job"]]


def test_a_second_deploy_after_a_config_change_deletes_the_changed_jobs_before_applying(standin, deploy_copy):
    assert run("up") == 0
    before = render.load(render.render("dev"))
    kustomization = deploy_copy / "overlays" / "dev" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("GUNICORN_WORKERS=1", "GUNICORN_WORKERS=2"))
    after = render.load(render.render("dev"))
    changed = sorted(name for name, spec in jobs_of(after).items() if jobs_of(before)[name] != spec)
    assert changed == [  # every retail-app Job reads the hashed retail-config; vault-bootstrap does not
        "retail-app/inventory-migrate", "retail-app/inventory-seed", "retail-app/kafka-topics",
        "retail-app/orders-migrate", "retail-app/payments-migrate", "retail-app/storefront-migrate",
        "retail-app/users-migrate",
    ]  # fmt: skip
    standin.forget_calls()

    assert run("deploy", skip_build=True) == 0  # the stand-in API server refuses a changed Job template

    calls = standin.calls("kubectl")
    apply = calls.index(["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"])
    assert sorted(deleted_jobs(calls[:apply])) == changed and deleted_jobs(calls[apply:]) == []
    [_, applied] = standin.state["applied"]
    assert {name: job["spec"] for name, job in standin.state["jobs"].items()} == jobs_of(applied)


def test_a_failed_job_is_deleted_and_runs_again_though_unchanged(standin):
    assert run("up") == 0
    jobs = standin.state["jobs"]
    jobs["retail-app/orders-migrate"]["status"] = {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}
    standin.change(jobs=jobs)
    standin.forget_calls()
    assert run("deploy", skip_build=True) == 0
    assert deleted_jobs(standin.calls()) == ["retail-app/orders-migrate"]
    assert standin.state["jobs"]["retail-app/orders-migrate"]["status"]["succeeded"] == 1


def test_new_images_roll_out_and_unchanged_ones_do_not(standin):
    assert run("up") == 0
    old_users, old_orders = content_ref(standin, "users", "dev"), content_ref(standin, "orders", "dev")
    standin.change(changes={"retail/orders:dev": "orders, new code"}, rolled=[])
    standin.forget_calls()

    assert run("deploy") == 0

    new_orders = content_ref(standin, "orders", "dev")
    assert new_orders != old_orders and content_ref(standin, "users", "dev") == old_users
    [_, applied] = standin.state["applied"]
    assert sorted(standin.state["rolled"]) == sorted(using(applied, new_orders, WORKLOADS)) == [
        "Deployment retail-app/orders", "Deployment retail-app/orders-consumers",
        "Deployment retail-app/orders-relay", "Deployment retail-app/orders-sweeper",
    ]  # fmt: skip
    assert ["kind", "load", "docker-image", new_orders, "--name", "retail"] in standin.calls()
    # The Jobs that run the orders image run it again: the new code's migrations and topics.
    assert sorted(deleted_jobs(standin.calls())) == [
        "retail-app/kafka-topics", "retail-app/orders-migrate", "retail-data/vault-bootstrap",
    ]  # fmt: skip
