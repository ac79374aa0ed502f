"""`cluster status`: Vault sealed or not, the Jobs, each pod that is not ready with the container it waits
on and that container's last log line. Against the stand-ins of cluster_standin.py."""

from cluster_fixture import no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)

AGENT_WAITING = {
    "metadata": {"namespace": "retail-app", "name": "orders-5f9c-abcde"},
    "status": {
        "phase": "Pending",
        "conditions": [{"type": "Ready", "status": "False"}],
        "initContainerStatuses": [
            {"name": "vault-agent-init", "ready": False, "state": {"running": {}}},
            {"name": "wait-migrations", "ready": False, "state": {"waiting": {"reason": "PodInitializing"}}},
        ],
    },
}
IMAGE_MISSING = {
    "metadata": {"namespace": "retail-app", "name": "users-77d4-fghij"},
    "status": {
        "phase": "Pending",
        "conditions": [{"type": "Ready", "status": "False"}],
        "initContainerStatuses": [
            {"name": "istio-proxy", "ready": True, "state": {"running": {}}},  # a native sidecar: not waited on
            {"name": "vault-agent-init", "ready": False, "state": {"terminated": {"exitCode": 0}}},
        ],
        "containerStatuses": [
            {"name": "app", "ready": False, "state": {"waiting": {"reason": "ErrImagePull",
             "message": "failed to pull retail/users:staging"}}},
        ],
    },
}  # fmt: skip
READY = {
    "metadata": {"namespace": "retail-app", "name": "payments-1a2b-klmno"},
    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
}
UNSCHEDULED = {
    "metadata": {"namespace": "retail-app", "name": "storefront-3c4d-pqrst"},
    "status": {
        "phase": "Pending",
        "conditions": [{"type": "PodScheduled", "status": "False", "message": "0/3 nodes are available"}],
    },
}
AGENT_LOG = (
    "2026-12-07T02:01:00Z [INFO] agent.auth.handler: authenticating\n"
    "2026-12-07T02:01:05Z [ERROR] agent.auth.handler: error authenticating: Code: 503. Errors: * Vault is sealed"
)


def test_status_shows_sealed_vault_jobs_and_why_pods_are_not_ready(standin, capsys):
    jobs = {
        "retail-data/vault-bootstrap": {
            "metadata": {"namespace": "retail-data", "name": "vault-bootstrap"},
            "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]},
        },
        "retail-app/orders-migrate": {
            "metadata": {"namespace": "retail-app", "name": "orders-migrate"},
            "status": {"active": 1},
        },
        "retail-app/users-migrate": {
            "metadata": {"namespace": "retail-app", "name": "users-migrate"},
            "status": {"failed": 6, "conditions": [{"type": "Failed", "status": "True"}]},
        },
    }
    standin.change(
        vault={"initialized": True, "sealed": True},
        jobs=jobs,
        pods=[AGENT_WAITING, IMAGE_MISSING, READY, UNSCHEDULED],
        logs={"retail-app/orders-5f9c-abcde/vault-agent-init": AGENT_LOG},
    )
    assert run("status") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[: out.index("==> URLs")] == [
        "==> Vault",
        "    Vault: sealed: run `python3 manage_all.py cluster up` (vault-bootstrap runs again and unseals it)",
        "==> Jobs",
        "    job/vault-bootstrap in retail-data: Complete",
        "    job/orders-migrate in retail-app: Running (1 active)",
        "    job/users-migrate in retail-app: Failed",
        "==> pods not ready",
        "    retail-app/orders-5f9c-abcde: vault-agent-init running, not ready; last log: 2026-12-07T02:01:05Z"
        " [ERROR] agent.auth.handler: error authenticating: Code: 503. Errors: * Vault is sealed",
        "    retail-app/users-77d4-fghij: app waiting: ErrImagePull (failed to pull retail/users:staging);"
        " last log: (no log yet)",
        "    retail-app/storefront-3c4d-pqrst: Pending (PodScheduled: 0/3 nodes are available)",
    ]
    assert "    Grafana              http://localhost:30030/" in out
    assert "    shop (HTTPS)         https://localhost:30443/" in out


def test_status_says_unsealed_and_all_ready(standin, capsys):
    standin.change(vault={"initialized": True, "sealed": False}, pods=[READY])
    assert run("status") == 0
    out = capsys.readouterr().out.splitlines()
    assert "    Vault: unsealed" in out
    assert "    none: all 1 pods are ready or completed" in out
