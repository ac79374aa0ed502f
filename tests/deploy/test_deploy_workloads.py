"""docs/architecture.md §9.2: the workloads of retail-app, their labels, and the hardening of every container."""

from deploy_manifests import containers, namespace, of_kind, pod_labels, pod_spec, pod_template, rid, workloads

DEPLOYMENTS = {
    "users": "web", "inventory": "web", "inventory-grpc": "grpc", "inventory-consumers": "consumers",
    "inventory-relay": "relay", "orders": "web", "orders-consumers": "consumers", "orders-relay": "relay",
    "orders-sweeper": "sweeper", "payments": "web", "payments-consumers": "consumers", "payments-relay": "relay",
    "storefront": "web",
}  # fmt: skip
JOBS = {
    "users-migrate",
    "inventory-migrate",
    "orders-migrate",
    "payments-migrate",
    "storefront-migrate",
    "kafka-topics",
}
ROLE_GRACE_SECONDS = 25  # the image contract: every role stops within 25 s of SIGTERM


def test_retail_app_deployments_and_labels(docs):
    found = {d["metadata"]["name"]: pod_labels(d) for d in of_kind(docs, "Deployment") if namespace(d) == "retail-app"}
    assert set(found) == set(DEPLOYMENTS)
    for name, labels in found.items():
        assert labels["app.kubernetes.io/name"] == name, f"Deployment retail-app/{name}: label name"
        assert labels["app.kubernetes.io/part-of"] == "retail", f"Deployment retail-app/{name}: label part-of"
        assert labels["app.kubernetes.io/component"] == DEPLOYMENTS[name], f"Deployment retail-app/{name}: component"


def test_jobs(overlay, docs):
    found = {j["metadata"]["name"] for j in of_kind(docs, "Job") if namespace(j) == "retail-app"}
    assert found == JOBS | ({"inventory-seed"} if overlay == "dev" else set())
    assert "vault-bootstrap" in {j["metadata"]["name"] for j in of_kind(docs, "Job")}


def test_only_args_never_command_for_retail_images(docs):
    """The image contract: the role is the first argument; the entry point is the image's."""
    problems = [
        f"{rid(w)}: container {c['name']}: command is set"
        for w in workloads(docs)
        for c in containers(pod_spec(w))
        if c["image"].startswith("retail/") and "command" in c
    ]
    assert not problems, "\n".join(problems)


def test_every_container_is_hardened(docs):
    problems = []
    for w in workloads(docs):
        spec = pod_spec(w)
        pod_security = spec.get("securityContext", {})
        if pod_security.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            problems.append(f"{rid(w)}: spec.template.spec.securityContext.seccompProfile is not RuntimeDefault")
        for c in containers(spec):
            where = f"{rid(w)}: container {c['name']}"
            security = c.get("securityContext", {})
            if security.get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: securityContext.readOnlyRootFilesystem is not true")
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: securityContext.allowPrivilegeEscalation is not false")
            if security.get("capabilities", {}).get("drop") != ["ALL"]:
                problems.append(f"{where}: securityContext.capabilities.drop is not [ALL]")
            root_allowed = w["metadata"]["name"] == "promtail"  # reads root's log files (checkov-skips.yaml)
            if not root_allowed and not (security.get("runAsNonRoot") or pod_security.get("runAsNonRoot")):
                problems.append(f"{where}: runAsNonRoot is not set")
            resources = c.get("resources", {})
            for field in ("requests.memory", "requests.cpu", "limits.memory"):
                section, key = field.split(".")
                if key not in resources.get(section, {}):
                    problems.append(f"{where}: resources.{field} is missing")
            if "cpu" in resources.get("limits", {}):
                problems.append(f"{where}: resources.limits.cpu is set (no CPU limits, docs/architecture.md §9.2)")
    assert not problems, "\n".join(problems)


def test_long_running_containers_have_three_probes(docs):
    problems = [
        f"{rid(w)}: container {c['name']}: {probe} is missing"
        for w in workloads(docs)
        if w["kind"] != "Job"
        for c in containers(pod_spec(w), init=False)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe")
        if probe not in c
    ]
    assert not problems, "\n".join(problems)


def test_graceful_termination_outlasts_the_roles(docs):
    grace = {
        rid(w): pod_spec(w).get("terminationGracePeriodSeconds", 30)
        for w in workloads(docs)
        if namespace(w) == "retail-app"
    }
    problems = [
        f"{name}: spec.template.spec.terminationGracePeriodSeconds is {seconds}, not above {ROLE_GRACE_SECONDS}"
        for name, seconds in grace.items()
        if seconds <= ROLE_GRACE_SECONDS
    ]
    assert not problems, "\n".join(problems)


def test_service_account_per_group_and_tokens_only_for_vault(docs):
    """One ServiceAccount per group (the Vault role, the Istio identity); a token only where an agent logs in."""
    problems = []
    for w in workloads(docs):
        spec = pod_spec(w)
        labels = pod_labels(w)
        if namespace(w) == "retail-app" and spec.get("serviceAccountName") != labels.get("retail.io/group"):
            problems.append(
                f"{rid(w)}: spec.template.spec.serviceAccountName is not its group {labels.get('retail.io/group')}"
            )
        needs_token = any(c["name"].startswith("vault-agent") for c in containers(spec)) or w["metadata"]["name"] in {
            "vault", "vault-bootstrap", "prometheus", "promtail", "kube-state-metrics",
        }  # fmt: skip
        if spec.get("automountServiceAccountToken") is not needs_token:
            problems.append(f"{rid(w)}: spec.template.spec.automountServiceAccountToken should be {needs_token}")
    assert not problems, "\n".join(problems)


def test_prod_spreads_pods_over_nodes(overlay, docs):
    deployments = [d for d in of_kind(docs, "Deployment") if namespace(d) == "retail-app"]
    spread = [d for d in deployments if any(
        t["topologyKey"] == "kubernetes.io/hostname" for t in pod_spec(d).get("topologySpreadConstraints", [])
    )]  # fmt: skip
    assert len(spread) == (len(deployments) if overlay == "prod" else 0)


def test_generated_config_maps_are_hashed(docs):
    """A changed ConfigMap gets a new name, so every pod that reads it rolls."""
    names = [c["metadata"]["name"] for c in of_kind(docs, "ConfigMap")]
    assert names and all(n.rsplit("-", 1)[-1].isalnum() and len(n.rsplit("-", 1)[-1]) == 10 for n in names), names


def test_sidecar_sizes_are_declared(docs):
    problems = [
        f"{rid(w)}: annotation sidecar.istio.io/{key} is missing"
        for w in workloads(docs)
        if namespace(w) == "retail-app"
        for key in ("proxyCPU", "proxyMemory", "proxyMemoryLimit")
        if f"sidecar.istio.io/{key}" not in pod_template(w)["metadata"].get("annotations", {})
    ]
    assert not problems, "\n".join(problems)
