"""vault_bootstrap (the vault-bootstrap Job) against a local server speaking Vault's HTTP API.

A real Vault binary cannot be obtained here (see retail_common_tests.vault_server): hvac's real
client runs over a socket against the endpoints it calls; the Kubernetes Secret that keeps the
unseal key is served by the same server.
"""

import io
import subprocess
import sys
from pathlib import Path

import hvac
import pytest
from django.core.management import CommandError, call_command

from retail_common.auth.jwt_keys import load_public_keys
from retail_common.config.topology import TOPOLOGY
from retail_common.ops.kube_secret import KubeSecret
from retail_common.ops.vault_setup import Bootstrap
from retail_common_tests.vault_server import ROOT_TOKEN, UNSEAL_KEY, FakeVaultServer
from retail_dev.deploy import render
from retail_dev.paths import ROOT

SERVICES = TOPOLOGY.web_names
OBSERVERS = ("grafana", "alertmanager")


@pytest.fixture
def vault(tmp_path, monkeypatch):
    server = FakeVaultServer()
    account = tmp_path / "account"
    account.mkdir()
    (account / "token").write_text("job-token\n")
    monkeypatch.setenv("VAULT_ADDR", server.url)
    monkeypatch.setenv("KUBERNETES_API_URL", server.url)
    monkeypatch.setenv("KUBERNETES_ACCOUNT_DIR", str(account))
    monkeypatch.setenv("VAULT_UNSEAL_NAMESPACE", "retail-data")
    monkeypatch.setenv("VAULT_UNSEAL_SECRET", "vault-unseal")
    yield server
    server.close()


def bootstrap() -> str:
    out = io.StringIO()
    call_command("vault_bootstrap", stdout=out)
    return out.getvalue()


def login(vault, role: str, account: str) -> hvac.Client:
    client = hvac.Client(url=vault.url)
    client.auth.kubernetes.login(role=role, jwt=account)
    return client


def read(client: hvac.Client, path: str) -> dict:
    return client.secrets.kv.v2.read_secret_version(path=path, mount_point="secret", raise_on_deleted_version=True)[
        "data"
    ]["data"]


def test_first_run_initialises_unseals_and_configures_everything(vault):
    output = bootstrap()
    state = vault.state
    assert state.initialized and not state.sealed
    assert set(state.kube_secrets) == {("retail-data", "vault-unseal")}
    assert state.auth["kubernetes/"] == {"type": "kubernetes"}
    # disable_local_ca_jwt False: Vault reviews tokens with its own pod's token and CA
    assert state.kubernetes_config == {
        "kubernetes_host": "https://kubernetes.default.svc",
        "disable_local_ca_jwt": False,
    }
    assert state.mounts["secret/"] == {"type": "kv", "options": {"version": "2"}}
    assert set(state.policies) == {f"retail-{n}" for n in (*SERVICES, "postgres", *OBSERVERS)}
    assert state.roles["orders"]["bound_service_account_names"] == ["orders"]
    assert state.roles["orders"]["bound_service_account_namespaces"] == ["retail-app"]
    assert state.roles["postgres"]["bound_service_account_namespaces"] == ["retail-data"]
    assert state.roles["grafana"]["bound_service_account_namespaces"] == ["retail-observe"]
    # Every agent logs in with a projected token of audience "vault" (tests/deploy checks the pods).
    assert {name: role["audience"] for name, role in state.roles.items()} == dict.fromkeys(
        (*SERVICES, "postgres", *OBSERVERS), "vault"
    )
    assert set(state.kv) == {f"retail/{n}" for n in (*SERVICES, "postgres", "grafana", "alerting")}
    assert "vault_bootstrap: 29 change(s)" in output


def test_each_service_gets_its_secrets_and_the_shared_public_key(vault):
    bootstrap()
    kv = vault.state.kv
    assert set(kv["retail/users"]) == {"DJANGO_SECRET_KEY", "DATABASE_PASSWORD", "JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS"}
    for service in TOPOLOGY.jwt_verifiers():
        assert set(kv[f"retail/{service}"]) == {"DJANGO_SECRET_KEY", "DATABASE_PASSWORD", "JWT_PUBLIC_KEYS"}
        assert kv[f"retail/{service}"]["JWT_PUBLIC_KEYS"] == kv["retail/users"]["JWT_PUBLIC_KEYS"]
    assert set(kv["retail/storefront"]) == {"DJANGO_SECRET_KEY", "DATABASE_PASSWORD"}
    assert len(load_public_keys(kv["retail/users"]["JWT_PUBLIC_KEYS"])) == 1
    assert len({kv[f"retail/{s}"]["DJANGO_SECRET_KEY"] for s in SERVICES}) == len(SERVICES)
    assert kv["retail/postgres"] == {
        "POSTGRES_PASSWORD": kv["retail/postgres"]["POSTGRES_PASSWORD"],
        **{f"{s}_DATABASE_PASSWORD": kv[f"retail/{s}"]["DATABASE_PASSWORD"] for s in SERVICES},
    }


def test_running_again_changes_nothing(vault):
    bootstrap()
    before = {path: dict(values) for path, values in vault.state.kv.items()}
    writes = len(vault.state.writes)
    output = bootstrap()
    assert vault.state.writes[writes:] == []
    assert vault.state.kv == before
    assert "vault_bootstrap: no change(s)" in output


def test_after_a_restart_it_only_unseals(vault):
    bootstrap()
    before = {path: dict(values) for path, values in vault.state.kv.items()}
    vault.restart_sealed()
    writes = len(vault.state.writes)
    output = bootstrap()
    assert vault.state.writes[writes:] == [("PUT", "/v1/sys/unseal")]
    assert not vault.state.sealed and vault.state.kv == before
    assert "unsealed Vault" in output


def test_a_missing_key_is_added_and_existing_values_are_kept(vault):
    bootstrap()
    kept = vault.state.kv["retail/orders"]["DJANGO_SECRET_KEY"]
    del vault.state.kv["retail/orders"]["DATABASE_PASSWORD"]
    bootstrap()
    assert vault.state.kv["retail/orders"]["DJANGO_SECRET_KEY"] == kept
    assert vault.state.kv["retail/orders"]["DATABASE_PASSWORD"]


def test_a_role_reads_its_own_secret_and_nothing_else(vault):
    bootstrap()
    orders = login(vault, "orders", "retail-app:orders:vault")
    assert read(orders, "retail/orders") == vault.state.kv["retail/orders"]
    with pytest.raises(hvac.exceptions.Forbidden):
        read(orders, "retail/users")
    with pytest.raises(hvac.exceptions.Forbidden):
        login(vault, "orders", "retail-app:payments:vault")  # another account cannot take the role
    with pytest.raises(hvac.exceptions.Forbidden):
        login(vault, "orders", "retail-app:orders")  # the pod's default token: no audience "vault"
    database = login(vault, "postgres", "retail-data:postgres:vault")
    assert (
        read(database, "retail/postgres")["orders_DATABASE_PASSWORD"]
        == vault.state.kv["retail/orders"]["DATABASE_PASSWORD"]
    )
    with pytest.raises(hvac.exceptions.Forbidden):
        read(database, "retail/users")


def test_grafana_and_alertmanager_share_the_alerting_credentials_only(vault):
    bootstrap()
    grafana = login(vault, "grafana", "retail-observe:grafana:vault")
    alertmanager = login(vault, "alertmanager", "retail-observe:alertmanager:vault")
    assert (
        read(grafana, "retail/alerting")
        == read(alertmanager, "retail/alerting")
        == {
            "SMTP_PASSWORD": "not-set",
            "ALERT_EMAIL_TO": "oncall@retail.example",
            "TEAMS_WEBHOOK_URL": "http://localhost:9/teams-webhook-not-set",
        }
    )
    assert len(read(grafana, "retail/grafana")["GRAFANA_ADMIN_PASSWORD"]) >= 24
    with pytest.raises(hvac.exceptions.Forbidden):
        read(alertmanager, "retail/grafana")
    with pytest.raises(hvac.exceptions.Forbidden):
        read(grafana, "retail/orders")


def test_an_operators_alerting_credentials_are_never_overwritten(vault):
    bootstrap()
    vault.state.kv["retail/alerting"]["TEAMS_WEBHOOK_URL"] = "https://example.webhook.office.com/webhookb2/abc"
    bootstrap()
    assert vault.state.kv["retail/alerting"]["TEAMS_WEBHOOK_URL"] == "https://example.webhook.office.com/webhookb2/abc"


def test_lost_unseal_secret_is_a_clear_error(vault):
    bootstrap()
    vault.state.kube_secrets.clear()
    vault.restart_sealed()
    with pytest.raises(CommandError, match="unseal Secret is missing"):
        bootstrap()
    assert vault.state.sealed


def test_without_vault_addr_it_says_what_to_set(vault, monkeypatch):
    monkeypatch.delenv("VAULT_ADDR")
    with pytest.raises(CommandError, match="Set VAULT_ADDR"):
        bootstrap()
    assert vault.state.writes == []


def test_root_token_is_only_in_the_kubernetes_secret(vault):
    bootstrap()
    stored = vault.state.kube_secrets[("retail-data", "vault-unseal")]
    assert stored["type"] == "Opaque" and set(stored["data"]) == {"unseal-key", "root-token"}
    assert all(ROOT_TOKEN not in str(values) for values in vault.state.kv.values())


def test_a_role_without_the_audience_is_rewritten(vault):
    bootstrap()
    vault.state.roles["orders"]["audience"] = ""  # as an earlier bootstrap wrote it
    output = bootstrap()
    assert vault.state.roles["orders"]["audience"] == "vault"
    assert "wrote role orders" in output and "vault_bootstrap: 1 change(s)" in output


def bootstrap_directly(vault, sleeps: list) -> Bootstrap:
    """The command's Bootstrap, with its back-off recorded instead of slept."""
    store = KubeSecret(namespace="retail-data", name="vault-unseal", api_url=vault.url)
    return Bootstrap(hvac.Client(url=vault.url), store, sleep=sleeps.append)


def test_a_store_failing_right_after_initialise_is_retried_and_the_key_kept(vault, capsys):
    vault.state.secret_failures_after_init = 1  # the first write of the key answers 500
    output = bootstrap()
    kept = KubeSecret(namespace="retail-data", name="vault-unseal", api_url=vault.url).read()
    assert kept == {"unseal-key": UNSEAL_KEY, "root-token": ROOT_TOKEN}
    assert vault.state.initialized and not vault.state.sealed
    assert output.splitlines()[:2] == [
        "  initialised Vault; unseal key stored in the Kubernetes Secret",
        "  unsealed Vault",
    ]
    out = capsys.readouterr()
    assert UNSEAL_KEY not in output + out.out + out.err


def test_when_every_store_fails_the_error_says_so_without_the_key(vault):
    vault.state.secret_failures_after_init = 100
    sleeps = []
    with pytest.raises(RuntimeError) as error:
        bootstrap_directly(vault, sleeps).run()
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    assert str(error.value) == (
        "could not store the unseal key in the Secret after 8 attempts (HTTPError (HTTP 500)); "
        "Vault is initialised with a key no one has: delete Vault's storage and run again"
    )
    assert UNSEAL_KEY not in str(error.value) and UNSEAL_KEY not in repr(error.value.__cause__)


def test_vault_is_not_initialised_while_the_secret_cannot_be_written(vault):
    vault.state.kube_secrets_forbidden = True
    with pytest.raises(CommandError, match=r"^vault_bootstrap failed: HTTPError: 403 Client Error"):
        bootstrap()
    assert not vault.state.initialized and vault.state.kube_secrets == {}


def test_a_kept_key_is_never_replaced_by_a_new_initialise(vault):
    bootstrap()
    kept = dict(vault.state.kube_secrets[("retail-data", "vault-unseal")])
    vault.state.initialized = False  # Vault's storage was reset
    with pytest.raises(CommandError, match="Vault is not initialised but the unseal Secret keeps a key"):
        bootstrap()
    assert vault.state.kube_secrets[("retail-data", "vault-unseal")] == kept


def vault_bootstrap_job() -> dict:
    docs = render.load(render.render("dev"))
    (job,) = [d for d in docs if d["kind"] == "Job" and d["metadata"]["name"] == "vault-bootstrap"]
    return job


def test_the_command_runs_as_the_job_runs_it(vault, tmp_path):
    """`manage vault_bootstrap` in its own process, with the rendered Job's args and env (settings not loaded yet).

    Translated: the Vault Service's address to the stand-in's, and what the kubelet mounts (the
    ServiceAccount token) and the API server address to a directory and the stand-in.
    """
    (container,) = vault_bootstrap_job()["spec"]["template"]["spec"]["containers"]
    env = {v["name"]: v["value"] for v in container["env"]}
    assert env["VAULT_ADDR"] == "http://vault.retail-data.svc.cluster.local:8200"
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("retail-data:vault-bootstrap\n")
    env |= {
        "VAULT_ADDR": vault.url,
        "KUBERNETES_API_URL": vault.url,
        "KUBERNETES_ACCOUNT_DIR": str(account),
        "KUBERNETES_SERVICE_HOST": "10.96.0.1",
        "KUBERNETES_SERVICE_PORT": "443",
        "HOME": str(tmp_path),
        "PATH": str(Path(sys.executable).parent),
    }
    assert container["args"][0] == "manage"
    done = subprocess.run(
        [sys.executable, "manage.py", *container["args"][1:]],
        cwd=ROOT / "apps/orders", env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "vault_bootstrap: 29 change(s)"
    assert vault.state.initialized and not vault.state.sealed
    assert UNSEAL_KEY not in done.stdout + done.stderr
