"""Vault's one-time set-up for the cluster (docs/architecture.md §9.4), safe to run again: it changes nothing then.

Initialise (one unseal key, kept in a Kubernetes Secret) and unseal; enable Kubernetes auth and KV v2;
one policy and one role per ServiceAccount; each service's secrets generated once at
secret/retail/<service> and never overwritten. The database passwords are also copied, once, to
secret/retail/postgres, the only path the database's agent may read.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import hvac
import requests
from hvac.exceptions import InvalidPath

from retail_common.auth.jwt_keys import generate_key_pair
from retail_common.config.topology import JWT_ISSUER_PROJECT, TOPOLOGY

KV_MOUNT = "secret"
APP_NAMESPACE = "retail-app"
DATA_NAMESPACE = "retail-data"
OBSERVE_NAMESPACE = "retail-observe"
SERVICES = TOPOLOGY.web_names
JWT_VERIFIERS = tuple(TOPOLOGY.jwt_verifiers())  # verify access tokens with the issuer's public key
KUBERNETES_HOST = "https://kubernetes.default.svc"
# The audience of the ServiceAccount tokens the agents log in with (a projected token volume in each pod,
# deploy/base): a role that binds it refuses the pod's default token, which the API server would also take.
TOKEN_AUDIENCE = "vault"
# Storing the unseal key: a failure after `initialize` would lose it, so each attempt is retried with back-off.
STORE_ATTEMPTS = 8
STORE_FIRST_DELAY = 0.5  # seconds; doubles each attempt (about a minute in all)


@dataclass(frozen=True)
class Account:
    name: str  # the ServiceAccount, the Vault role, and the KV path below retail/
    namespace: str
    shared: tuple[str, ...] = ()  # further KV paths below retail/ it may read
    audience: str = TOKEN_AUDIENCE  # the role refuses a token of the account minted for another audience


def accounts(layout=TOPOLOGY) -> tuple[Account, ...]:
    """One per image of the topology, then the data and observability tiers' own.
    Grafana's contact points and Alertmanager's receivers read the same alerting credentials."""
    return (
        *(Account(p.name, APP_NAMESPACE) for p in layout.web_projects()),
        Account("postgres", DATA_NAMESPACE),
        Account("grafana", OBSERVE_NAMESPACE, shared=("alerting",)),
        Account("alertmanager", OBSERVE_NAMESPACE, shared=("alerting",)),
    )


ACCOUNTS = accounts()
# Credentials of outside services cannot be generated: placeholders the operator replaces
# (`vault kv patch secret/retail/alerting ...`, deploy/README.md). Each is a valid value, so Grafana
# provisions its contact points and Alertmanager loads before they are set.
ALERTING_PLACEHOLDERS = {
    "SMTP_PASSWORD": "not-set",
    "ALERT_EMAIL_TO": "oncall@retail.example",
    "TEAMS_WEBHOOK_URL": "http://localhost:9/teams-webhook-not-set",
}


def policy_name(account: Account) -> str:
    return f"retail-{account.name}"


def policy_text(account: Account) -> str:
    return "".join(
        f'path "{KV_MOUNT}/data/retail/{path}" {{\n  capabilities = ["read"]\n}}\n'
        for path in (account.name, *account.shared)
    )


class Bootstrap:
    """Each step reads first and writes only what is missing or different; `changes` says what it wrote."""

    def __init__(self, client: hvac.Client, unseal_store, *, sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.store = unseal_store  # read() -> dict | None, prepare(), write(dict): retail_common.ops.kube_secret
        self.sleep = sleep
        self.changes: list[str] = []

    def run(self) -> list[str]:
        self.unseal()
        self.enable_kubernetes_auth()
        self.enable_kv()
        for account in ACCOUNTS:
            self.ensure_policy(account)
            self.ensure_role(account)
        self.ensure_service_secrets()
        return self.changes

    def unseal(self) -> None:
        """Initialise Vault on first run (keeping the key and root token), unseal it when sealed."""
        if not self.client.sys.is_initialized():
            if self.store.read():
                raise RuntimeError(
                    "Vault is not initialised but the unseal Secret keeps a key: if Vault's storage was reset, "
                    "delete the Secret and run again"
                )
            # Before Vault makes a key that exists nowhere else: the Secret exists and this account may write it.
            self.store.prepare()
            result = self.client.sys.initialize(secret_shares=1, secret_threshold=1)
            self.keep({"unseal-key": result["keys_base64"][0], "root-token": result["root_token"]})
            self.changes.append("initialised Vault; unseal key stored in the Kubernetes Secret")
        kept = self.store.read()
        if not kept:
            raise RuntimeError("Vault is initialised but the unseal Secret is missing: restore it or re-create Vault")
        if self.client.sys.is_sealed():
            self.client.sys.submit_unseal_key(kept["unseal-key"])
            self.changes.append("unsealed Vault")
        self.client.token = kept["root-token"]

    def keep(self, data: dict[str, str]) -> None:
        """Write the unseal key and root token, retrying with back-off; errors never carry the values."""
        delay = STORE_FIRST_DELAY
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                self.store.write(data)
                return
            except (requests.RequestException, OSError) as exc:
                status = getattr(getattr(exc, "response", None), "status_code", "-")
                failure = f"{exc.__class__.__name__} (HTTP {status})"
                if attempt == STORE_ATTEMPTS:
                    raise RuntimeError(
                        f"could not store the unseal key in the Secret after {attempt} attempts ({failure}); "
                        "Vault is initialised with a key no one has: delete Vault's storage and run again"
                    ) from exc
                self.sleep(delay)
                delay *= 2

    def enable_kubernetes_auth(self) -> None:
        if "kubernetes/" not in self.client.sys.list_auth_methods()["data"]:
            self.client.sys.enable_auth_method("kubernetes")
            self.changes.append("enabled auth method kubernetes")
        config = self.client.auth.kubernetes.read_config()
        if config.get("kubernetes_host") != KUBERNETES_HOST:
            # Vault reviews the agents' tokens with its own pod's token (the system:auth-delegator binding).
            self.client.auth.kubernetes.configure(kubernetes_host=KUBERNETES_HOST)
            self.changes.append("configured auth method kubernetes")

    def enable_kv(self) -> None:
        mounts = self.client.sys.list_mounted_secrets_engines()["data"]
        if f"{KV_MOUNT}/" not in mounts:
            self.client.sys.enable_secrets_engine("kv", path=KV_MOUNT, options={"version": "2"})
            self.changes.append(f"enabled KV v2 at {KV_MOUNT}/")

    def ensure_policy(self, account: Account) -> None:
        try:
            current = self.client.sys.read_policy(policy_name(account))["data"]["rules"]
        except InvalidPath:
            current = None
        if current != policy_text(account):
            self.client.sys.create_or_update_policy(policy_name(account), policy_text(account))
            self.changes.append(f"wrote policy {policy_name(account)}")

    def ensure_role(self, account: Account) -> None:
        wanted = {
            "bound_service_account_names": [account.name],
            "bound_service_account_namespaces": [account.namespace],
            "token_policies": [policy_name(account)],
        }
        try:
            current = self.client.auth.kubernetes.read_role(account.name)
        except InvalidPath:
            current = {}
        if current.get("audience") != account.audience or any(
            sorted(current.get(key) or []) != value for key, value in wanted.items()
        ):
            self.client.auth.kubernetes.create_role(
                account.name,
                bound_service_account_names=[account.name],
                bound_service_account_namespaces=[account.namespace],
                policies=[policy_name(account)],
                ttl="1h",
                audience=account.audience,
            )
            self.changes.append(f"wrote role {account.name}")

    def read_secret(self, path: str) -> dict:
        try:
            response = self.client.secrets.kv.v2.read_secret_version(
                path=path, mount_point=KV_MOUNT, raise_on_deleted_version=True
            )
        except InvalidPath:
            return {}
        return response["data"]["data"]

    def ensure_secret(self, path: str, generators: dict) -> dict:
        """Add the keys `path` lacks (each generated once); never change a value that is there."""
        current = self.read_secret(path)
        missing = {key: make() for key, make in generators.items() if key not in current}
        if missing:
            merged = {**current, **missing}
            self.client.secrets.kv.v2.create_or_update_secret(path=path, secret=merged, mount_point=KV_MOUNT)
            self.changes.append(f"generated {', '.join(sorted(missing))} at {KV_MOUNT}/retail/{path.split('/')[-1]}")
            return merged
        return current

    def ensure_service_secrets(self) -> None:
        pair: dict[str, str] = {}

        def from_key_pair(name: str):
            def make() -> str:  # one pair for both keys, made only if one of them is missing
                if not pair:
                    pair.update(zip(("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS"), generate_key_pair(), strict=True))
                return pair[name]

            return make

        stored = {}
        for service in SERVICES:
            generators = {
                "DJANGO_SECRET_KEY": lambda: secrets.token_urlsafe(50),
                # URL-safe: the agent puts it straight into DATABASE_URL.
                "DATABASE_PASSWORD": lambda: secrets.token_urlsafe(32),
            }
            if service == JWT_ISSUER_PROJECT:
                generators |= {name: from_key_pair(name) for name in ("JWT_PRIVATE_KEY", "JWT_PUBLIC_KEYS")}
            if service in JWT_VERIFIERS:
                public_key = stored[JWT_ISSUER_PROJECT]["JWT_PUBLIC_KEYS"]
                generators["JWT_PUBLIC_KEYS"] = lambda key=public_key: key
            stored[service] = self.ensure_secret(f"retail/{service}", generators)
        passwords = {f"{s}_DATABASE_PASSWORD": stored[s]["DATABASE_PASSWORD"] for s in SERVICES}
        copies = {name: (lambda value=value: value) for name, value in passwords.items()}
        self.ensure_secret("retail/postgres", {"POSTGRES_PASSWORD": lambda: secrets.token_urlsafe(32), **copies})
        self.ensure_secret("retail/grafana", {"GRAFANA_ADMIN_PASSWORD": lambda: secrets.token_urlsafe(24)})
        self.ensure_secret("retail/alerting", {k: (lambda v=v: v) for k, v in ALERTING_PLACEHOLDERS.items()})
