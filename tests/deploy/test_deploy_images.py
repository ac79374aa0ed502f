"""Images: the retail ones are the five projects' (DEPLOY.md §1), set once per overlay, built from docker/."""

import re

import pytest
from deploy_manifests import containers, pod_spec, rid, workloads

from retail_dev.paths import ROOT
from retail_dev.projects import by_name

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
    """Each retail image the manifests run is a project that docker/ builds under that name.

    Checked once docker/ is on the branch (the images branch adds it): its files, or the
    `images` command that drives them, must name `retail/<project>` for every project.
    """
    docker = ROOT / "docker"
    if not docker.is_dir():
        pytest.skip("docker/ is not on this branch yet (the images branch adds it)")
    assert (docker / "Dockerfile").is_file() or list(docker.rglob("Dockerfile*")), "docker/ holds no Dockerfile"
    sources = [p for p in docker.rglob("*") if p.is_file()] + [ROOT / "apps/devtools/retail_dev/commands/images.py"]
    text = "\n".join(p.read_text(errors="replace") for p in sources if p.is_file())
    problems = []
    for project in sorted(retail_images(docs)):
        if not (by_name(project).path / "manage.py").is_file():
            problems.append(f"retail/{project}: no project {project} with a manage.py")
        if not re.search(rf"retail/{project}\b", text) and "retail/{project.name}" not in text:
            problems.append(f"retail/{project}: neither docker/ nor the images command names it")
    assert not problems, "\n".join(problems)
