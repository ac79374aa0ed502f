"""Images: the five projects' ones (docs/architecture.md §9.1), set once per overlay, built from docker/."""

from deploy_manifests import containers, pod_spec, rid, workloads

from retail_common.config.topology import TOPOLOGY
from retail_dev.images.build import DOCKERFILE, image_name
from retail_dev.paths import ROOT
from retail_dev.projects import web_projects

PROJECTS = set(TOPOLOGY.web_names)
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
    """Each retail image the manifests run is one `images build` builds from docker/Dockerfile, by name."""
    assert DOCKERFILE.is_file(), f"{DOCKERFILE.relative_to(ROOT)} is missing"
    built = {image_name(project, "any").partition(":")[0] for project in web_projects()}
    assert {f"retail/{name}" for name in retail_images(docs)} <= built
