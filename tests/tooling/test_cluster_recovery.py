"""`cluster up` on a cluster that survived a Docker restart (a laptop slept or rebooted): Vault came back
sealed and the pods' memory volumes empty, so every pod waits in vault-agent-init. `up` runs vault-bootstrap
again (it unseals Vault, the agents render again) and recreates the pods that stay stuck. Against the
stand-ins of cluster_standin.py."""

from cluster_fixture import CONTEXT, no_grafana_fixture, run, standin_fixture  # noqa: F401 (fixtures)


def pod(name: str, agent_state: dict, *, phase: str = "Pending") -> dict:
    return {
        "metadata": {"namespace": "retail-app", "name": name},
        "status": {"phase": phase, "initContainerStatuses": [{"name": "vault-agent-init", "state": agent_state}]},
    }


STUCK = pod("orders-5f9c-abcde", {"running": {"startedAt": "2026-12-07T02:00:00Z"}})
# Docker's restart recreated this pod's sandbox: the phase stays Running while its init containers run again.
RESTARTED = pod("payments-8e1f-vwxyz", {"waiting": {"reason": "CrashLoopBackOff"}}, phase="Running")
RENDERED = pod("users-77d4-fghij", {"terminated": {"exitCode": 0}}, phase="Running")


def test_up_on_an_existing_cluster_reruns_vault_bootstrap_and_restarts_the_stuck_pods(standin, capsys):
    assert run("up") == 0
    assert standin.state["vault"] == {"initialized": True, "sealed": False}
    # Docker restarted: Vault is sealed again, one pod waits in vault-agent-init, one got its secrets.
    standin.change(vault={"initialized": True, "sealed": True}, pods=[STUCK, RESTARTED, RENDERED])
    standin.forget_calls()

    assert run("up") == 0

    calls = standin.calls("kubectl")
    delete = ["kubectl", *CONTEXT, "-n", "retail-data", "delete", "job", "vault-bootstrap", "--ignore-not-found"]
    apply = ["kubectl", *CONTEXT, "apply", "--server-side", "-f", "-"]
    bootstrap = ["kubectl", *CONTEXT, "-n", "retail-data", "wait", "--for=condition=complete",
                 "job/vault-bootstrap", "--timeout=900s"]  # fmt: skip
    restart = [
        ["kubectl", *CONTEXT, "-n", "retail-app", "delete", "pod", name, "--wait=false"]
        for name in ("orders-5f9c-abcde", "payments-8e1f-vwxyz")
    ]
    assert calls.index(delete) < calls.index(apply) < calls.index(bootstrap) < calls.index(restart[0])
    assert [c for c in calls if c[5:7] == ["delete", "job"]] == [delete]  # the other Jobs are unchanged
    assert [c for c in calls if c[5:7] == ["delete", "pod"]] == restart
    assert standin.state["vault"] == {"initialized": True, "sealed": False}
    assert standin.state["pods"] == [RENDERED]
    out = capsys.readouterr().out
    assert "2 pod(s) still in vault-agent-init after" in out
    assert "restarting pod/orders-5f9c-abcde in retail-app (its controller recreates it)" in out


def test_a_new_cluster_deletes_nothing(standin):
    assert run("up") == 0
    assert [c for c in standin.calls("kubectl") if "delete" in c] == []
