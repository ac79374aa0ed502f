"""Issue 22 item 7: the pod parts every retail-app workload shares moved into Kustomize components
(deploy/components/{vault-agent,wait-migrations,wait-topics,probes,pod-annotations,pod-defaults}, and the Istio
Sidecars' shared egress into a patch) without changing what the overlays render.

The reference is REFERENCE's deploy/base, deploy/components/vault and deploy/components/istio (the files before
the move) put into a copy of today's deploy/ (so the overlays and the other components are today's on both sides);
each overlay renders to the same objects, keyed by (apiVersion, kind, namespace, name), every field and list order
included (only the order of the documents may differ). A later intended change to an object rendered from those
three directories is named in INTENDED (the object, the fields it changes, why), and only those fields are left out
of the comparison."""

import copy
import shutil
import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import pytest
from deploy_manifests import OVERLAYS, overlay_docs

from retail_dev.deploy import render
from retail_dev.paths import ROOT

# The last commit of main with the pod parts written in each workload.
REFERENCE = "c6cc2e0b9eaa36db376d2998d42d70f90be4a081"
REFERENCE_DIRS = ("deploy/base", "deploy/components/vault", "deploy/components/istio")
# Changes made on purpose since REFERENCE: {(apiVersion, kind, namespace, name): (paths of the fields, why)}.
INTENDED = {
    ("networking.istio.io/v1", "VirtualService", "retail-app", "retail"): (
        [("spec", "http", 2, "headers"), ("spec", "http", 3, "headers")],
        "issue 23: the gateway drops X-Storefront-Views on the inventory routes (only the storefront sends it)",
    ),
    ("batch/v1", "Job", "retail-data", "vault-bootstrap"): (
        [("spec", "template", "spec", "containers", 0, "env", 3, "value")],
        "issue 22: the bootstrap's settings module moved to retail_common.ops.bootstrap_settings",
    ),
}
EXPECTED_NOW = {  # what each INTENDED field holds now
    ("spec", "http", 2, "headers"): {"request": {"remove": ["X-Storefront-Views"]}},
    ("spec", "http", 3, "headers"): {"request": {"remove": ["X-Storefront-Views"]}},
    ("spec", "template", "spec", "containers", 0, "env", 3, "value"): "retail_common.ops.bootstrap_settings",
}


def keyed(docs) -> dict[tuple, dict]:
    def key(doc):
        meta = doc["metadata"]
        return doc["apiVersion"], doc["kind"], meta.get("namespace", ""), meta["name"]

    return {key(doc): doc for doc in docs}


def without_intended(key: tuple, doc: dict) -> dict:
    """The object with the fields INTENDED names for it removed (a deep copy)."""
    doc = copy.deepcopy(doc)
    for path in INTENDED.get(key, ([], ""))[0]:
        *parents, last = path
        holder = doc
        for step in parents:
            holder = holder[step]
        holder.pop(last, None)
    return doc


def reference_archive() -> bytes:
    git = shutil.which("git")
    assert git, "git is not installed: this test renders deploy/ as of a commit (apt-get install git)"
    result = subprocess.run(
        [git, "-C", str(ROOT), "archive", "--format=tar", REFERENCE, *REFERENCE_DIRS], capture_output=True, check=False
    )
    assert result.returncode == 0, f"git archive {REFERENCE[:12]} failed (a full clone is needed): {result.stderr!r}"
    return result.stdout


@pytest.fixture(scope="module")
def reference_deploy():
    """Today's deploy/ with the three directories as REFERENCE had them."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        shutil.copytree(ROOT / "deploy", tree / "deploy")
        for directory in REFERENCE_DIRS:
            shutil.rmtree(tree / directory)
        with tarfile.open(fileobj=BytesIO(reference_archive())) as archive:
            archive.extractall(tree, filter="data")
        yield tree / "deploy"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_as_before_the_pod_parts_moved(overlay, reference_deploy):
    before = keyed(render.load(render.render(overlay, reference_deploy)))
    after = keyed(overlay_docs(overlay))
    assert sorted(after) == sorted(before)
    changed = [
        " ".join(key[1:]) for key in before if without_intended(key, before[key]) != without_intended(key, after[key])
    ]
    assert changed == [], f"{overlay}: rendered differently from {REFERENCE[:12]}: {changed}"


def test_the_intended_changes_are_there(reference_deploy):
    """INTENDED names real differences: each named field holds its new value now and differed at REFERENCE."""
    before = keyed(render.load(render.render("dev", reference_deploy)))
    after = keyed(overlay_docs("dev"))
    for key, (paths, _why) in INTENDED.items():
        for path in paths:
            now, then = after[key], before[key]
            for step in path[:-1]:
                now, then = now[step], then[step]
            assert now[path[-1]] == EXPECTED_NOW[path]
            assert then.get(path[-1]) != EXPECTED_NOW[path]
