"""The retail images on the kind nodes: built with the tag the overlay names, loaded under a content tag.

Each overlay names its image tags (deploy/overlays/<o>/kustomization.yaml `images:`: dev, staging,
1.0.0). A cluster gets `<that tag>-<12 hex of the image id>`: an unchanged image keeps its tag, so its
pods' template does not change and they are not restarted; a rebuilt one gets a new tag, so its pods
roll. `kind load` skips an image a node already holds, so loading what did not change costs nothing.

`kind load` moves the images; the content tag is ours.
"""

from __future__ import annotations

import yaml

from retail_dev.console import DevError, say, step
from retail_dev.deploy import cluster_steps, render
from retail_dev.deploy.cluster_steps import CLUSTER, PROJECTS, sh

POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "Job")


def overlay_tags(overlay: str) -> dict[str, str]:
    """`retail/<project>` -> the tag the overlay's kustomization names for it."""
    kustomization = yaml.safe_load((render.DEPLOY_DIR / "overlays" / overlay / "kustomization.yaml").read_text())
    tags = {entry["name"]: str(entry["newTag"]) for entry in kustomization.get("images", [])}
    missing = [f"retail/{p}" for p in PROJECTS if f"retail/{p}" not in tags]
    if missing:
        raise DevError(f"deploy/overlays/{overlay}/kustomization.yaml names no tag for {', '.join(missing)}")
    return {f"retail/{p}": tags[f"retail/{p}"] for p in PROJECTS}


def build(overlay: str) -> None:
    """`images build` once per tag the overlay names (all five share one in every overlay today)."""
    by_tag: dict[str, list[str]] = {}
    for repository, tag in overlay_tags(overlay).items():
        by_tag.setdefault(tag, []).append(repository.removeprefix("retail/"))
    for tag, projects in by_tag.items():
        only = [] if len(projects) == len(PROJECTS) else [a for p in projects for a in ("--project", p)]
        step(f"building the images with tag {tag} (deploy/overlays/{overlay} names it)")
        sh(*cluster_steps.IMAGES_BUILD, "--tag", tag, *only)


def content_refs(overlay: str) -> dict[str, str]:
    """`retail/<p>:<overlay tag>` -> `retail/<p>:<overlay tag>-<12 hex of its image id>` (tagged in docker)."""
    refs = {}
    for repository, tag in overlay_tags(overlay).items():
        ref = f"{repository}:{tag}"
        result = sh("docker", "image", "inspect", "--format", "{{.Id}}", ref, capture=True, ok=(0, 1))
        image_id = result.strip().removeprefix("sha256:")
        if not image_id:
            raise DevError(f"{ref} is not on this Docker engine: run without --skip-build (it builds it)")
        refs[ref] = f"{ref}-{image_id[:12]}"
        sh("docker", "tag", ref, refs[ref])
    return refs


def load(refs: dict[str, str]) -> None:
    for content_ref in refs.values():
        say(f"    kind load {content_ref} (skipped by kind when the nodes hold it)")
        sh("kind", "load", "docker-image", content_ref, "--name", CLUSTER)


def pod_spec(doc: dict) -> dict | None:
    return doc["spec"]["template"]["spec"] if doc.get("kind") in POD_OWNERS else None


def rewrite(docs: list[dict], refs: dict[str, str]) -> list[dict]:
    """Point every container of the rendered overlay at the content tag of its image (in place)."""
    for doc in docs:
        spec = pod_spec(doc)
        for container in [*spec.get("initContainers", []), *spec["containers"]] if spec else []:
            container["image"] = refs.get(container["image"], container["image"])
    return docs


def retail_images() -> list[str]:
    """Every tag of the five retail repositories in docker (what `cluster down --prune-images` removes)."""
    names = []
    for project in PROJECTS:
        listed = sh("docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}}", f"retail/{project}", capture=True)
        names += [line for line in listed.split() if not line.endswith(":<none>")]
    return names


def prune() -> None:
    names = retail_images()
    step(f"removing {len(names)} retail image tag(s) from docker")
    if names:
        sh("docker", "image", "rm", *names)
