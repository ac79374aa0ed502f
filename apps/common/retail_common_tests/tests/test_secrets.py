"""Secret resolution order: environment, then SECRETS_DIR file, then Vault (Kubernetes auth, KV v2).

Vault itself is not installable here; a local HTTP server speaking the two Vault
API calls hvac makes (login, KV v2 read) stands in for it, so hvac's real client
code runs over a socket.
"""

import json
import os
from http.server import ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from retail_common.config.secrets import clear_vault_cache, resolve_secret
from retail_common.service_settings import database_config
from retail_dev.stub_http import StubHandler, serving


@pytest.fixture
def secrets_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path))
    monkeypatch.delenv("SECRETS_VAULT_ADDR", raising=False)
    monkeypatch.delenv("RETAIL_TEST_SECRET", raising=False)
    return tmp_path


def test_environment_wins_over_file(secrets_dir, monkeypatch):
    (secrets_dir / "RETAIL_TEST_SECRET").write_text("from-file\n")
    monkeypatch.setenv("RETAIL_TEST_SECRET", "from-env")
    assert resolve_secret("RETAIL_TEST_SECRET") == "from-env"


def test_file_is_read_and_stripped(secrets_dir):
    (secrets_dir / "RETAIL_TEST_SECRET").write_text("from-file\n")
    assert resolve_secret("RETAIL_TEST_SECRET") == "from-file"


def test_missing_secret_names_it_and_where_it_was_looked_for(secrets_dir):
    with pytest.raises(ImproperlyConfigured) as error:
        resolve_secret("RETAIL_TEST_SECRET")
    message = str(error.value)
    assert "Missing secret RETAIL_TEST_SECRET" in message
    assert str(secrets_dir / "RETAIL_TEST_SECRET") in message
    assert "SECRETS_VAULT_ADDR" in message


def test_optional_secret_is_none(secrets_dir):
    assert resolve_secret("RETAIL_TEST_SECRET", required=False) is None


class FakeVault(ThreadingHTTPServer):
    def __init__(self, data: dict, role: str):
        self.data, self.role, self.logins, self.reads = data, role, [], []
        super().__init__(("127.0.0.1", 0), FakeVaultHandler)


class FakeVaultHandler(StubHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.logins.append((self.path, body))
        if self.path == "/v1/auth/kubernetes/login" and body == {"role": self.server.role, "jwt": "sa-token"}:
            self.reply(200, {"auth": {"client_token": "s.vault-token", "lease_duration": 60}})
        else:
            self.reply(403, {"errors": ["permission denied"]})

    def do_GET(self):
        self.server.reads.append((self.path, self.headers.get("X-Vault-Token")))
        if self.headers.get("X-Vault-Token") != "s.vault-token":
            return self.reply(403, {"errors": ["permission denied"]})
        if self.path == f"/v1/secret/data/retail/{self.server.role}":
            return self.reply(200, {"data": {"data": self.server.data, "metadata": {"deletion_time": ""}}})
        return self.reply(404, {"errors": []})


@pytest.fixture
def vault(secrets_dir, tmp_path, monkeypatch):
    server = FakeVault({"RETAIL_TEST_SECRET": "from-vault"}, role="orders")
    token_file = tmp_path / "sa-token"
    token_file.write_text("sa-token\n")
    with serving(server) as url:
        monkeypatch.setenv("SECRETS_VAULT_ADDR", url)
        monkeypatch.setenv("VAULT_K8S_TOKEN_PATH", str(token_file))
        monkeypatch.setenv("VAULT_ROLE", "orders")
        clear_vault_cache()
        yield server
        clear_vault_cache()


def test_vault_is_used_when_env_and_file_are_missing(vault):
    assert resolve_secret("RETAIL_TEST_SECRET") == "from-vault"
    assert resolve_secret("RETAIL_TEST_SECRET") == "from-vault"
    assert len(vault.logins) == 1, "Vault is read once per process"
    assert vault.reads == [("/v1/secret/data/retail/orders", "s.vault-token")]


def test_file_wins_over_vault(vault, secrets_dir):
    (secrets_dir / "RETAIL_TEST_SECRET").write_text("from-file")
    assert resolve_secret("RETAIL_TEST_SECRET") == "from-file"
    assert vault.logins == []


def test_vault_refusal_stops_startup_with_a_clear_message(vault, monkeypatch):
    monkeypatch.setenv("VAULT_ROLE", "intruder")
    with pytest.raises(ImproperlyConfigured, match=r"could not provide secrets \(role 'intruder'\)"):
        resolve_secret("RETAIL_TEST_SECRET")


def test_vault_addr_alone_reads_nothing_from_vault(vault, monkeypatch):
    """VAULT_ADDR is Vault's own tools' variable (vault-bootstrap sets it): it does not switch the lookup on."""
    monkeypatch.setenv("VAULT_ADDR", os.environ["SECRETS_VAULT_ADDR"])
    monkeypatch.delenv("SECRETS_VAULT_ADDR")
    assert resolve_secret("RETAIL_TEST_SECRET", required=False) is None
    assert vault.logins == []


def test_database_url_from_the_secrets_file(secrets_dir, monkeypatch):
    """In the cluster the URL carries the role's password, so the Vault agent renders it as a file."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (secrets_dir / "DATABASE_URL").write_text(
        "postgres://users:s3cret@postgres.retail-data.svc.cluster.local:5432/users_db\n"
    )
    config = database_config("users")
    assert (config["NAME"], config["USER"], config["PASSWORD"], config["HOST"], config["PORT"]) == (
        "users_db", "users", "s3cret", "postgres.retail-data.svc.cluster.local", 5432,
    )  # fmt: skip


def test_database_url_variable_wins_over_the_file(secrets_dir, monkeypatch):
    (secrets_dir / "DATABASE_URL").write_text("postgres://users:file@db:5432/users_db")
    monkeypatch.setenv("DATABASE_URL", "postgres://users:env@127.0.0.1:5999/other_db")
    config = database_config("users")
    assert (config["NAME"], config["PASSWORD"], config["PORT"]) == ("other_db", "env", 5999)


def test_database_url_defaults_to_the_embedded_server(secrets_dir, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_config("orders")
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("orders_db", "127.0.0.1", 55432)
