"""Issue 22 item 7: the pod parts every retail-app workload shares moved into Kustomize components
(deploy/components/{vault-agent,wait-migrations,wait-topics,probes,pod-annotations,pod-defaults}, and the Istio
Sidecars' shared egress into a patch) without changing what the overlays render.

The reference is REFERENCE's deploy/base, deploy/components/vault and deploy/components/istio (the files before
the move) put into a copy of today's deploy/ (so the overlays and the other components are today's on both sides);
each overlay renders to the same objects, keyed by (apiVersion, kind, namespace, name), every field and list order
included (only the order of the documents may differ). An intended change to those three directories later moves
REFERENCE to the commit that makes it."""

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


def keyed(docs) -> dict[tuple, dict]:
    def key(doc):
        meta = doc["metadata"]
        return doc["apiVersion"], doc["kind"], meta.get("namespace", ""), meta["name"]

    return {key(doc): doc for doc in docs}


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
        copy = Path(tmp)
        shutil.copytree(ROOT / "deploy", copy / "deploy")
        for directory in REFERENCE_DIRS:
            shutil.rmtree(copy / directory)
        with tarfile.open(fileobj=BytesIO(reference_archive())) as archive:
            archive.extractall(copy, filter="data")
        yield copy / "deploy"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_as_before_the_pod_parts_moved(overlay, reference_deploy):
    before = keyed(render.load(render.render(overlay, reference_deploy)))
    after = keyed(overlay_docs(overlay))
    assert sorted(after) == sorted(before)
    changed = [" ".join(key[1:]) for key in before if before[key] != after[key]]
    assert changed == [], f"{overlay}: rendered differently from {REFERENCE[:12]}: {changed}"
