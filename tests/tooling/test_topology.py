"""The topology (retail_common.config.topology) is the one list: what reads it follows it, what cannot
(tox.ini) is compared with it, and a service added there shows up everywhere."""

from __future__ import annotations

import configparser
import json
import subprocess
import sys
import textwrap

from retail_common.config.topology import JWT_AUDIENCE, JWT_ISSUER, TOPOLOGY
from retail_dev.paths import ROOT


def test_the_topology_names_the_platform():
    """The values every derived place relies on, pinned once here."""
    assert TOPOLOGY.service_names == ("users", "inventory", "orders", "payments")
    assert TOPOLOGY.web_names == ("users", "inventory", "orders", "payments", "storefront")
    assert [p.name for p in TOPOLOGY.all_projects()] == ["common", *TOPOLOGY.web_names]
    assert {p.name: [r.name for r in TOPOLOGY.processes(p)] for p in TOPOLOGY.web_projects()} == {
        "users": ["web"],
        "inventory": ["web", "grpc", "consumers", "relay"],
        "orders": ["web", "consumers", "relay", "sweeper"],
        "payments": ["web", "consumers", "relay"],
        "storefront": ["web"],
    }
    assert TOPOLOGY.owners("seed") == ["inventory"]
    assert TOPOLOGY.consumer_groups() == ["inventory", "orders", "payments"]
    assert TOPOLOGY.jwt_verifiers() == ["inventory", "orders", "payments"]
    assert (JWT_ISSUER, JWT_AUDIENCE) == ("retail-users", "retail")


def test_every_consumer_group_is_a_service_that_runs_consumers():
    assert TOPOLOGY.consumer_groups() == sorted(TOPOLOGY.with_role("consumers"))


def tox_environments() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tox.ini")
    return parser


def test_tox_has_one_environment_per_project_of_the_topology():
    tox = tox_environments()
    envlist = [name.strip() for name in tox["tox"]["envlist"].split(",")]
    assert envlist == ["lint", *(p.name for p in TOPOLOGY.all_projects()), "cross-project"]
    for project in TOPOLOGY.all_projects():
        section = tox[f"testenv:{project.name}"]
        assert section["changedir"] == project.directory
        database_url = [line for line in section["setenv"].splitlines() if line.strip().startswith("DATABASE_URL")]
        assert [line.rsplit("/", 1)[1] for line in database_url] == [project.database]


# The entry point's roles today (tests/images/test_entrypoint.py pins their message).
ENTRYPOINT_ROLES = [
    *("web", "consumers", "relay", "migrate", "topics", "grpc", "sweeper", "seed"),
    *("manage", "healthcheck"),
]

# Run in a fresh interpreter: the modules read the topology when imported, so the extended one is put in
# place first; nothing else is changed.
DERIVED = textwrap.dedent(
    """
    import dataclasses, json, runpy, sys
    from retail_common.config import topology as t

    returns = t.Project("returns", "apps/returns", "returns_service.settings", "returns_db", 8005,
                        roles=("web", "consumers", "relay", "refunder"), verifies_jwt=True)
    refunder = t.Role("refunder", ("run_refunds",), heartbeat="REFUNDER_HEARTBEAT_FILE")
    topic = t.Topic("return-requested", ("returns",))
    t.TOPOLOGY = dataclasses.replace(t.TOPOLOGY, services=(*t.SERVICES, returns), roles=(*t.ROLES, refunder),
                                     topics=(*t.TOPICS, topic))

    from retail_common.observability import tracing
    from retail_common.ops import vault_setup
    from retail_common.events import registry
    from retail_dev import projects, stack
    from retail_dev.deploy import cluster_steps

    entrypoint = runpy.run_path(sys.argv[1])  # a script in the image, not a package
    print(json.dumps({
        "projects": [p.name for p in projects.all_projects()],
        "dev": [list(projects.by_name("returns").extra_processes)],
        "stack": [stack.SERVICES, stack.SAGA_SERVICES],
        "cluster": cluster_steps.PROJECTS,
        "vault": [[a.name for a in vault_setup.ACCOUNTS], vault_setup.JWT_VERIFIERS],
        "entrypoint": [entrypoint["ROLES"], *(entrypoint[t]["refunder"] for t in ("PROJECT_ROLES", "HEARTBEATS"))],
        "tracing": tracing.COMMAND_ROLES["run_refunds"],
        "topics": [registry.MAIN_TOPICS[-1], registry.SUBSCRIPTIONS["return-requested"]],
    }))
    """
)


def test_a_service_added_to_the_topology_appears_in_every_derived_place():
    """One entry (a `returns` service with a role of its own and a topic) and nothing else changed."""
    ran = subprocess.run(
        [sys.executable, "-c", DERIVED, str(ROOT / "docker" / "entrypoint.py")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    derived = json.loads(ran.stdout)
    services = ["users", "inventory", "orders", "payments", "returns"]
    assert derived == {
        "projects": ["common", *services, "storefront"],
        "dev": [[["consumers", ["run_consumers"]], ["relay", ["relay_outbox"]], ["refunder", ["run_refunds"]]]],
        "stack": [services, ["inventory", "orders", "payments", "returns"]],
        "cluster": [*services, "storefront"],
        "vault": [
            [*services, "storefront", "postgres", "grafana", "alertmanager"],
            ["inventory", "orders", "payments", "returns"],
        ],
        "entrypoint": [
            [*ENTRYPOINT_ROLES[:-2], "refunder", *ENTRYPOINT_ROLES[-2:]],
            [["returns"], ["run_refunds"]],
            ["REFUNDER_HEARTBEAT_FILE", "/tmp/refunder.heartbeat"],
        ],
        "tracing": "refunder",
        "topics": ["return-requested", ["returns"]],
    }
