"""Images: the retail ones are the five projects' (DEPLOY.md §1), set once per overlay, built from docker/."""

import re

import pytest
from deploy_manifests import containers, pod_spec, rid, workloads

from retail_dev.paths import ROOT

PROJECTS = {"users", "inventory", "orders", "payments", "storefront"}
OVERLAY_TAGS = {"dev": "dev", "staging": "staging", "prod": "1.0.0"}


def retail_images(docs) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for w in workloads(docs):
        for c in containers(pod_spec(w)):
            name, _, tag = c["image"].partition(":")
            if name.startswith("retail/"):
                found.setdefault(name.removeprefix("retail/"), set()).add(tag)
    return found


def test_retail_images_are_the_projects_with_the_overlay_tag(overlay, docs):
    images = retail_images(docs)
    assert set(images) == PROJECTS
    assert all(tags == {OVERLAY_TAGS[overlay]} for tags in images.values()), images


def test_every_image_is_pinned(docs):
    problems = [
        f"{rid(w)}: container {c['name']}: image {c['image']} has no tag"
        for w in workloads(docs)
        for c in containers(pod_spec(w))
        if ":" not in c["image"].rsplit("/", 1)[-1] or c["image"].endswith(":latest")
    ]
    assert not problems, "\n".join(problems)


def test_image_names_exist_in_docker(docs):
    """Each retail image the manifests run is built by docker/ (checked once docker/ is merged)."""
    docker = ROOT / "docker"
    if not docker.is_dir():
        pytest.skip("docker/ is not on this branch yet (the images branch adds it)")
    # The images branch names its files freely: a project counts as built when docker/ names it, in a
    # path (docker/users/Dockerfile, Dockerfile.users) or in the text (retail/users, PROJECT=users).
    files = [p for p in docker.rglob("*") if p.is_file()]
    text = "\n".join([str(p.relative_to(docker)) for p in files] + [p.read_text(errors="replace") for p in files])
    missing = [p for p in sorted(retail_images(docs)) if not re.search(rf"\b{p}\b", text)]
    assert not missing, f"images without a build in docker/: {missing}"
