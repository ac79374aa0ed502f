"""The built images on a real engine: what they hold, how they are configured, and the smoke run
(the dev overlay's 21 retail workloads as containers, an order paid through the storefront, SIGTERM to all).

The session builds the images first (cached layers make that quick when nothing changed), on the
Debian base `images base` makes (built here too when missing). Needs the embedded infrastructure
(`manage_all.py test` starts it) and a Docker engine: see the `engine` fixture.
"""

import json
from pathlib import Path

import pytest
from requirement_sets import dev_only_distributions

from conftest import IMAGES_TAG
from retail_dev.images.image_facts import configuration, contents
from retail_dev.images.smoke import smoke
from retail_dev.projects import web_projects

PROJECTS = list(web_projects())
PROXY_CAS = Path("/usr/local/share/ca-certificates")
# What must stay out of every layer: tests and tooling of the tree, keys, and the certificates of
# the build machine's proxy (sys.argv[1]: a base64 line of each). Public bundles (certifi's) may stay.
FORBIDDEN_PROBE = """
import json, os, sys
proxy_lines = json.loads(sys.argv[1])
found = []
for top in ("/app", "/opt", "/etc", "/usr", "/root", "/tmp", "/vault"):
    for root, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(root, name)
            if top == "/app" and name in ("tests", "conftest.py", ".git", ".retail", ".env"):
                found.append(path)
            elif name in ("retail_dev", "retail_common_tests") or name.endswith((".key", ".retail")):
                found.append(path)
            elif name.endswith((".crt", ".pem")) and os.path.isfile(path):
                with open(path, errors="replace") as f:
                    text = f.read()
                found += [f"{path} holds the proxy CA" for line in proxy_lines if line in text]
print(json.dumps(found))
"""


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_configuration(engine, images, project):
    config = configuration(engine, images[project.name])["Config"]
    assert (config["User"], config["WorkingDir"]) == ("10001:10001", "/app")
    assert config["Entrypoint"] == ["/opt/venv/bin/python", "/opt/retail/entrypoint.py"]
    assert config["Cmd"] == ["web"]
    assert config["Healthcheck"]["Test"] == ["CMD", "/opt/venv/bin/python", "/opt/retail/entrypoint.py", "healthcheck"]
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["DJANGO_SETTINGS_MODULE"] == project.settings
    assert (env["RETAIL_PROJECT"], env["PORT"], env["GRPC_PORT"], env["HOME"]) == (
        project.name,
        "8000",
        "50051",
        "/tmp",
    )
    labels = config["Labels"]
    assert labels["org.opencontainers.image.title"] == f"retail-{project.name}"
    assert len(labels["org.opencontainers.image.revision"].removesuffix("-dirty")) == 40
    assert labels["org.opencontainers.image.source"] and labels["org.opencontainers.image.version"]


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_no_dev_package_no_compiler_and_uid_10001(engine, images, project):
    found = contents(engine, images[project.name])
    names = {name.lower().replace("_", "-") for name in found["distributions"]}
    assert not names & dev_only_distributions()
    assert not names & {"pip", "setuptools"}  # nothing installs anything at run time
    assert {"retail-common", "django", "gunicorn"} <= names
    assert (found["compilers"], found["uid"], found["gid"]) == ([], 10001, 10001)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_no_tests_dev_tooling_secrets_or_certificates_in_any_path(engine, images, project):
    proxy_lines = [cert.read_text().splitlines()[2] for cert in sorted(PROXY_CAS.glob("*.crt"))]
    probe = [
        "--entrypoint",
        "/opt/venv/bin/python",
        images[project.name],
        "-c",
        FORBIDDEN_PROBE,
        json.dumps(proxy_lines),
    ]
    assert json.loads(engine.out("run", "--rm", "--network", "none", *probe)) == []


def test_a_role_the_image_lacks_exits_2_with_the_reason(engine, images):
    result = engine.run("run", "--rm", "--network", "none", "--read-only", images["users"], "grpc", check=False)
    assert result.returncode == 2
    assert result.stderr.decode() == "entrypoint: role grpc runs in the inventory image; this is the users image\n"


def test_smoke_the_stack_as_containers_pays_an_order_and_stops_cleanly(engine, images):
    outcome = smoke(engine, tag=IMAGES_TAG)
    assert len(outcome["order"]) == 36
    assert len(outcome["stopped"]) == 13  # every Deployment's app container (the Jobs ran to completion)
