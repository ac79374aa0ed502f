"""The alerting wiring: receivers read only files their pod's Vault agent renders, scrape jobs the
"down" alerts name exist, and Prometheus sets the contract's `service` and `role` target labels."""

import re

import yaml
from deploy_manifests import containers, namespace, pod_labels, pod_spec, workloads
from observability_files import alerts
from vault_agent_config import AGENTS, COMMON, compose, destinations

from retail_common.config.topology import TOPOLOGY
from retail_dev.deploy.checks import OBSERVABILITY_CONFIG

ROLES = {"web", "consumers", "relay", "grpc", "sweeper"}
SERVICES = set(TOPOLOGY.web_names)


def rendered_by_agent(account: str) -> set[str]:
    return destinations(compose((AGENTS / COMMON).read_text(), (AGENTS / f"{account}.hcl").read_text()))


def config(name: str) -> dict:
    return yaml.safe_load((OBSERVABILITY_CONFIG / name).read_text())


def test_alertmanager_reads_only_files_its_agent_renders():
    text = (OBSERVABILITY_CONFIG / "alertmanager.yml").read_text()
    files = set(re.findall(r"_file:\s*(\S+)", text))
    assert files == {"/vault/secrets/SMTP_PASSWORD", "/vault/secrets/TEAMS_WEBHOOK_URL"}
    assert files <= rendered_by_agent("alertmanager")
    receivers = {r["name"] for r in config("alertmanager.yml")["receivers"]}
    routes = [config("alertmanager.yml")["route"], *config("alertmanager.yml")["route"].get("routes", [])]
    assert {r["receiver"] for r in routes} <= receivers


def test_grafana_reads_only_files_its_agent_renders(docs):
    provisioned = set(re.findall(r"\$__file\{([^}]+)\}", (OBSERVABILITY_CONFIG / "grafana-alerting.yaml").read_text()))
    (grafana,) = [w for w in workloads(docs) if w["metadata"]["name"] == "grafana"]
    (app,) = [c for c in containers(pod_spec(grafana), init=False) if c["name"] == "app"]
    from_env = {e["value"] for e in app["env"] if e["name"].endswith("__FILE")}
    assert provisioned and from_env
    assert provisioned | from_env <= rendered_by_agent("grafana")


def test_the_jobs_the_alerts_name_are_scraped(docs):
    jobs = {job["job_name"] for job in config("prometheus.yml")["scrape_configs"]}
    # the `exporters` job names each target after its pod's app.kubernetes.io/name
    jobs |= {
        pod_labels(w)["app.kubernetes.io/name"]
        for w in workloads(docs)
        if any(p.get("name") == "metrics" for c in containers(pod_spec(w), init=False) for p in c.get("ports", []))
    }
    named = {job for rule in alerts() for job in re.findall(r'job="([^"]+)"', rule["expr"])}
    assert named and named <= jobs, named - jobs


def test_every_scraped_app_pod_gets_the_contracts_service_and_role(docs):
    (job,) = [j for j in config("prometheus.yml")["scrape_configs"] if j["job_name"] == "retail-app"]
    targets = {r["target_label"]: r["source_labels"] for r in job["relabel_configs"] if "target_label" in r}
    label_of = {name: sources[0].removeprefix("__meta_kubernetes_pod_label_") for name, sources in targets.items()}
    scraped = [
        w
        for w in workloads(docs)
        if namespace(w) == "retail-app"
        and w["spec"]["template"]["metadata"].get("annotations", {}).get("prometheus.io/scrape") == "true"
    ]
    assert scraped
    for w in scraped:
        labels = {k.replace(".", "_").replace("/", "_").replace("-", "_"): v for k, v in pod_labels(w).items()}
        assert labels[label_of["service"]] in SERVICES, w["metadata"]["name"]
        assert labels[label_of["role"]] in ROLES, w["metadata"]["name"]
