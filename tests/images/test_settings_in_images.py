"""Every retail container of the dev, staging and prod overlays loads its settings in its image, with
the manifest's own env (ConfigMaps and fieldRefs resolved), user, read-only root, tmpfs and memory
limit, and the files its Vault Agent renders (dev values): `manage check` must exit 0. No exemption.

The image is the one built from this tree (`retail/<project>:dev`, or RETAIL_IMAGES_TAG), whatever
tag the overlay names (its release tag is not built here). Containers with the same image, role, env
and account run once.
Network: none (loading settings must not need one).
"""

from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import IMAGES_TAG
from retail_dev.deploy import render
from retail_dev.images.agent_files import agent_config_files, rendered_files
from retail_dev.images.manifest_stack import dev_secret_values
from retail_dev.images.pod_runner import PodRunner
from retail_dev.images.pod_specs import ContainerRun, retail_pods

PARALLEL = 3


def containers_to_check(tag: str) -> dict[tuple, tuple]:
    """{(image, role, env, account): (overlay, pod, container)}: each distinct set once."""
    found = {}
    for overlay in render.OVERLAYS:
        docs = render.load(render.render(overlay))
        for pod in retail_pods(docs, tag):
            for container in [*pod.init, *pod.containers]:
                if isinstance(container, ContainerRun):
                    key = (container.image, container.args[0], tuple(sorted(container.env.items())), pod.account)
                    found.setdefault(key, (overlay, docs, pod, container))
    return found


def test_every_retail_container_loads_its_settings(engine, images, tmp_path):
    values = dev_secret_values()
    checks = containers_to_check(IMAGES_TAG)
    assert len(checks) >= 30  # three overlays' worth: 21 workloads in dev alone, each with its own env

    def check(numbered) -> str | None:
        number, (overlay, docs, pod, container) = numbered
        runner = PodRunner(
            engine,
            None,
            "settings",
            tmp_path / str(number),
            lambda p: rendered_files(agent_config_files(docs, p.namespace), p.account, values),
            None,
            print,
        )
        runner.prepare(pod)
        result = engine.run("run", "--rm", *runner.run_args(pod, container, ["manage", "check"]), check=False)
        if result.returncode == 0:
            return None
        said = (result.stdout + result.stderr).decode(errors="replace").strip().splitlines()
        return f"{overlay} {pod.key} {container.name} ({' '.join(container.args)}): exit {result.returncode}: " + (
            said[-1] if said else "no output"
        )

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        failures = [f for f in pool.map(check, enumerate(checks.values())) if f]
    for failure in failures:
        print(failure)
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("overlay", render.OVERLAYS)
def test_each_overlay_has_retail_containers_to_check(overlay):
    pods = retail_pods(render.load(render.render(overlay)), "dev")
    assert {p.name for p in pods} >= {"vault-bootstrap", "orders", "users-migrate", "kafka-topics"}
