"""The translation `images smoke` and the settings test run: the rendered overlays' retail pods as run
specs (retail_dev.images.pod_specs) and the Vault Agent's files (retail_dev.images.agent_files).

Exact values from the rendered dev overlay (deploy/overlays/dev over deploy/base); the `$(VAR)`
rules are Kubernetes' (kubernetes/kubernetes third_party/forked/golang/expansion/expand.go).
"""

import functools

import pytest

from retail_dev.deploy import render
from retail_dev.images.agent_files import agent_config_files, rendered_files
from retail_dev.images.pod_specs import ContainerRun, ThirdParty, expand, pod_run, quantity, retail_pods, stages

MiB = 2**20


@functools.cache
def docs(overlay: str = "dev") -> tuple[dict, ...]:
    return tuple(render.load(render.render(overlay)))


@functools.cache
def pods(overlay: str = "dev") -> dict[str, object]:
    return {p.key: p for p in retail_pods(list(docs(overlay)), "smoke")}


def test_the_orders_web_container_runs_as_the_dev_overlay_says():
    pod = pods()["Deployment retail-app/orders"]
    (web,) = pod.containers
    assert (web.name, web.image, web.args) == ("app", "retail/orders:smoke", ["web"])
    assert web.env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka.retail-data.svc.cluster.local:9092"
    assert web.env["USERS_URL"] == "http://users.retail-app.svc.cluster.local"
    assert (web.env["SERVICE_NAME"], web.env["GUNICORN_WORKERS"], web.env["SECURE_COOKIES"]) == ("orders", "1", "false")
    assert (web.user, web.groups, web.read_only) == ("10001:10001", [10001], True)
    assert web.tmpfs == {"/tmp": 256 * MiB}
    assert (web.secrets_mount, web.memory) == ("/vault/secrets", 384 * MiB)
    assert (web.cap_drop, web.no_new_privileges, web.ports) == (["ALL"], True, {"http": 8000})
    startup = web.probes["startup"]
    assert (startup.kind, startup.target, startup.period, startup.failures) == (
        "httpGet",
        ("http", "/healthz", (("Host", "localhost"),)),
        2,
        60,
    )
    readiness = web.probes["readiness"]
    assert (readiness.target[1], readiness.period, readiness.timeout, readiness.failures) == ("/readyz", 5, 3, 3)
    assert [s.image for s in pod.sidecars] == ["hashicorp/vault:1.20.4"]
    assert (pod.account, pod.automount_token, pod.termination_grace) == ("orders", True, 40)


def test_init_containers_keep_their_order_and_third_party_ones_are_marked():
    pod = pods()["Deployment retail-app/orders-consumers"]
    assert [(type(c).__name__, c.name) for c in pod.init] == [
        ("ThirdParty", "vault-agent-init"),
        ("ContainerRun", "wait-migrations"),
        ("ThirdParty", "wait-topics"),
    ]
    assert pod.init[1].args == ["manage", "migrate", "--check"]
    assert pod.init[1].memory == 256 * MiB
    assert pod.init[2].command[:2] == ["/bin/sh", "-c"]
    assert "--describe --topic payment-refunded" in pod.init[2].command[2]
    assert pod.waits_for() == {"migrations", "topics"}
    assert pod.containers[0].env["CONSUMER_HEARTBEAT_FILE"] == "/tmp/consumer-heartbeat"
    assert pod.containers[0].probes["startup"].kind == "exec"


def test_vault_bootstrap_runs_its_command_with_its_own_env_only():
    """Its env is the Job's own list (no ConfigMap): what it needs to reach Vault and keep the unseal key."""
    pod = pods()["Job retail-data/vault-bootstrap"]
    (job,) = pod.containers
    assert (job.image, job.args) == ("retail/orders:smoke", ["manage", "vault_bootstrap"])
    workload = next(d for d in docs() if d["kind"] == "Job" and d["metadata"]["name"] == "vault-bootstrap")
    (listed,) = workload["spec"]["template"]["spec"]["containers"]
    assert job.env == {item["name"]: item["value"] for item in listed["env"]}
    assert job.env["VAULT_ADDR"] == "http://vault.retail-data.svc.cluster.local:8200"
    assert (job.env["VAULT_UNSEAL_SECRET"], job.env["VAULT_UNSEAL_NAMESPACE"]) == ("vault-unseal", "retail-data")
    assert "KAFKA_BOOTSTRAP_SERVERS" not in job.env
    assert (job.secrets_mount, job.tmpfs, job.memory) == (None, {"/tmp": 64 * MiB}, 256 * MiB)
    assert (pod.init, pod.automount_token, pod.account) == ([], True, "vault-bootstrap")


def test_jobs_start_before_the_deployments_that_wait_for_them():
    names = [[p.name for p in stage] for stage in stages(list(pods().values()))]
    assert names[:3] == [
        ["vault-bootstrap"],
        ["inventory-migrate", "orders-migrate", "payments-migrate", "storefront-migrate", "users-migrate"],
        ["inventory-seed", "kafka-topics"],
    ]
    assert names[3] == sorted(names[3]) and len(names[3]) == 13 and len(names) == 4
    assert all(p.kind == "Deployment" for p in stages(list(pods().values()))[3])


def test_every_retail_workload_of_the_dev_overlay_is_played():
    assert len(pods()) == 21  # 13 Deployments, 7 Jobs of retail-app, vault-bootstrap
    assert {p.namespace for p in pods().values()} == {"retail-app", "retail-data"}


def test_expansion_follows_kubernetes():
    env = {"ROLE": "orders", "EMPTY": ""}
    assert expand("-config=/etc/$(ROLE).hcl", env) == "-config=/etc/orders.hcl"
    assert expand("$(MISSING) stays, $$(ROLE) escapes, $(EMPTY)|", env) == "$(MISSING) stays, $(ROLE) escapes, |"
    assert (quantity("384Mi"), quantity("1G"), quantity(512)) == (384 * MiB, 10**9, 512)
    with pytest.raises(ValueError, match=r"0\.5Gi"):
        quantity("0.5Gi")


def test_env_is_built_as_the_kubelet_builds_it():
    """envFrom first, then env in order; a value sees only what is defined before it; refs resolved."""
    workload = {
        "kind": "Job",
        "metadata": {"name": "probe", "namespace": "ns"},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": "probe"}},
                "spec": {
                    "serviceAccountName": "acct",
                    "containers": [
                        {
                            "name": "app",
                            "image": "retail/users:dev",
                            "args": ["$(ROLE)-$(LATER)"],
                            "envFrom": [
                                {"configMapRef": {"name": "cm"}},
                                {"configMapRef": {"name": "cm"}, "prefix": "P_"},
                            ],
                            "env": [
                                {"name": "A", "value": "from-env"},
                                {"name": "ROLE", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
                                {"name": "B", "value": "$(A)/$(LATER)/$(ROLE)"},
                                {"name": "K", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "A"}}},
                                {"name": "LATER", "value": "x"},
                            ],
                        }
                    ],
                },
            }
        },
    }
    maps = {("ns", "cm"): {"A": "from-map", "C": "c"}}
    (container,) = pod_run(workload, maps, "t").containers
    assert container.env == {
        "A": "from-env",
        "C": "c",
        "P_A": "from-map",
        "P_C": "c",
        "ROLE": "acct",
        "B": "from-env/$(LATER)/acct",
        "K": "from-map",
        "LATER": "x",
    }
    assert container.args == ["acct-x"]  # args see the whole env
    assert isinstance(container, ContainerRun) and not isinstance(container, ThirdParty)


def test_the_orders_agent_files_filled_with_dev_values():
    files = agent_config_files(list(docs()), "retail-app")
    values = {"DJANGO_SECRET_KEY": "k", "JWT_PUBLIC_KEYS": "pub", "JWT_PRIVATE_KEY": "priv", "DATABASE_PASSWORD": "pw"}
    assert rendered_files(files, "orders", values) == {
        "/vault/secrets/DJANGO_SECRET_KEY": ("k", 0o400),
        "/vault/secrets/JWT_PUBLIC_KEYS": ("pub", 0o400),
        "/vault/secrets/DATABASE_URL": (
            "postgres://orders:pw@postgres.retail-data.svc.cluster.local:5432/orders_db",
            0o400,
        ),
    }
    assert set(rendered_files(files, "users", values)) == {
        f"/vault/secrets/{k}" for k in ("DJANGO_SECRET_KEY", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS", "DATABASE_URL")
    }
    with pytest.raises(ValueError, match="no dev value for DATABASE_PASSWORD"):
        rendered_files(files, "orders", {"DJANGO_SECRET_KEY": "k", "JWT_PUBLIC_KEYS": "pub"})
