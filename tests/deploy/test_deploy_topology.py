"""deploy/ against the topology (retail_common.config.topology): each image's ServiceAccount, one
Deployment per process role of each project (the role is its component label and the entry point's
argument), one migration Job per project, the topics Job and dev's seed Job, and nothing the topology does
not name."""

from deploy_manifests import containers, namespace, of_kind, pod_labels, pod_spec

from retail_common.config.topology import TOPOLOGY

APP_NAMESPACE = "retail-app"


def deployment_name(project: str, role: str) -> str:
    return project if role == "web" else f"{project}-{role}"


def app_args(workload: dict) -> list[str]:
    [app] = [c for c in containers(pod_spec(workload), init=False) if c["name"] == "app"]
    return app["args"]


def test_one_deployment_per_process_role_of_each_project(docs):
    deployed = {
        d["metadata"]["name"]: (pod_labels(d)["app.kubernetes.io/component"], app_args(d))
        for d in of_kind(docs, "Deployment")
        if namespace(d) == APP_NAMESPACE
    }
    assert deployed == {
        deployment_name(p.name, r.name): (r.name, [r.name])
        for p in TOPOLOGY.web_projects()
        for r in TOPOLOGY.processes(p)
    }


def test_one_migration_job_per_project_the_topics_job_and_in_dev_the_seed(overlay, docs):
    """A one-off role of one project (inventory's seed: the demo catalog) runs as a Job in dev only."""
    jobs = {d["metadata"]["name"]: app_args(d) for d in of_kind(docs, "Job") if namespace(d) == APP_NAMESPACE}
    expected = {f"{name}-migrate": ["migrate"] for name in TOPOLOGY.web_names} | {"kafka-topics": ["topics"]}
    if overlay == "dev":
        one_offs = [r.name for r in TOPOLOGY.roles if not r.process and not r.shared]
        expected |= {f"{owner}-{role}": [role] for role in one_offs for owner in TOPOLOGY.owners(role)}
    assert jobs == expected


def test_one_service_account_per_image(docs):
    accounts = {d["metadata"]["name"] for d in of_kind(docs, "ServiceAccount") if namespace(d) == APP_NAMESPACE}
    assert accounts == set(TOPOLOGY.web_names)
