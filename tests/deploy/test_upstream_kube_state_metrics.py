"""kube-state-metrics against its upstream image (issue 20, checks item 3).

Read in kubernetes/kube-state-metrics at tag v2.16.0 (291a9628407643cc8ef134e1f877709aad012fdd):
- Dockerfile: distroless, `USER nobody` (a name: with runAsNonRoot the kubelet needs a numeric runAsUser),
  ENTRYPOINT `/kube-state-metrics --port=8080 --telemetry-port=8081` (our args follow; the last value wins);
- pkg/options/options.go: its flags (KSM_FLAGS); an unknown flag stops it;
- pkg/options/resource.go: DefaultResources, what it watches without `--resources`; a resource its
  ServiceAccount may not list and watch is a watch failing "forbidden" forever, so `--resources` names exactly
  what our ClusterRole grants;
- pkg/app/server.go: /livez on the metrics port (buildMetricsServer, it asks the API server), /readyz on the
  telemetry port (buildTelemetryServer). It writes nothing; it reads the cluster with the in-cluster
  ServiceAccount token.
"""

from upstream_images import (
    app_container,
    arg_value,
    container_ports,
    flag_names,
    image_problems,
    names,
    probe_endpoints,
)

IMAGE = "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.16.0"
KSM_FLAGS = names(
    "apiserver auth-filter auto-gomemlimit config custom-resource-state-config custom-resource-state-config- "
    "file custom-resource-state-only enable-gzip-encoding help host kubeconfig metric-allowlist metric- "
    "annotations-allowlist metric-denylist metric-labels-allowlist metric-opt-in-list namespaces namespaces- "
    "denylist node pod pod-namespace port resources server-idle-timeout server-read-header-timeout server- "
    "read-timeout server-write-timeout telemetry-host telemetry-port tls-config total-shards track- "
    "unscheduled-pods use-apiserver-cache"
)


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "kube-state-metrics", IMAGE, "nobody") == []


DEFAULT_RESOURCES = names(
    "certificatesigningrequests configmaps cronjobs daemonsets deployments endpoints horizontalpodautoscalers "
    "ingresses jobs leases limitranges mutatingwebhookconfigurations namespaces networkpolicies nodes "
    "persistentvolumes persistentvolumeclaims poddisruptionbudgets pods replicasets replicationcontrollers "
    "resourcequotas secrets services statefulsets storageclasses validatingwebhookconfigurations volumeattachments"
)


def granted_resources(docs, service_account: str) -> set[str]:
    """The resources the ClusterRoles bound to the ServiceAccount allow to list and watch."""
    roles = {
        b["roleRef"]["name"]
        for b in docs
        if b["kind"] == "ClusterRoleBinding"
        and {"kind": "ServiceAccount", "name": service_account, "namespace": "retail-observe"} in b["subjects"]
    }
    return {
        resource
        for role in docs
        if role["kind"] == "ClusterRole" and role["metadata"]["name"] in roles
        for rule in role["rules"]
        if {"list", "watch"} <= set(rule["verbs"])
        for resource in rule["resources"]
    }


def test_it_watches_exactly_what_its_cluster_role_grants(docs):
    spec, app = app_container(docs, "kube-state-metrics")
    granted = granted_resources(docs, spec["serviceAccountName"])
    assert "resources" in flag_names(app["args"]), (
        f"it watches every default resource: pass --resources={sorted(granted)}"
    )
    watched = set(arg_value(app["args"], "resources").split(","))
    assert watched <= DEFAULT_RESOURCES
    assert watched == granted


def test_the_flags_exist_and_the_probes_reach_the_servers_that_serve_them(docs):
    spec, app = app_container(docs, "kube-state-metrics")
    assert [f for f in flag_names(app["args"]) if f not in KSM_FLAGS] == []
    port, telemetry = int(arg_value(app["args"], "port")), int(arg_value(app["args"], "telemetry-port"))
    assert container_ports(app) == {"metrics": port, "telemetry": telemetry}
    assert probe_endpoints(app) == {("/livez", port), ("/readyz", telemetry)}
    assert spec["automountServiceAccountToken"] is True
