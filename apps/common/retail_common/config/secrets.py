"""Secret resolution: environment variable -> file in SECRETS_DIR -> Vault KV v2 (only if SECRETS_VAULT_ADDR is set).

A required secret that none of the three provides stops start-up with an
ImproperlyConfigured error naming it and the three places it was looked for.

The Vault lookup is opt-in by its own variable, SECRETS_VAULT_ADDR, not by VAULT_ADDR: VAULT_ADDR is the
variable of Vault's own tools and of `manage vault_bootstrap`, which talks to a Vault that has no roles
or secrets yet. Reading secrets at start-up is a decision of its own, and once taken, a Vault that
cannot answer stops start-up even for an optional secret: its fallback (the embedded servers at
127.0.0.1) would only move the failure to the first query, under a misleading address.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from retail_common.config.environment import env

DEFAULT_SECRETS_DIR = "/vault/secrets"
K8S_TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"
VAULT_SWITCH = "SECRETS_VAULT_ADDR"


def secrets_dir() -> Path:
    return Path(env.str("SECRETS_DIR", default=DEFAULT_SECRETS_DIR))


def resolve_secret(name: str, *, required: bool = True) -> str | None:
    """Return secret `name` from the first source that has it, in the documented order."""
    value = os.environ.get(name)  # verbatim (config/environment.py): a secret may start with "$"
    if value:
        return value
    path = secrets_dir() / name
    if path.is_file():
        value = path.read_text().strip()
        if value:
            return value
    if env.str(VAULT_SWITCH, default=""):
        value = _vault_secrets().get(name)
        if value:
            return str(value)
    if required:
        raise ImproperlyConfigured(
            f"Missing secret {name}: set the environment variable {name}, "
            f"or write it to the file {path} (SECRETS_DIR), "
            f"or provide it in Vault ({VAULT_SWITCH}, VAULT_SECRET_PATH)."
        )
    return None


@cache
def _vault_secrets() -> dict:
    """Read the service's KV v2 secret once, logging in with the pod's service-account token."""
    import hvac

    client = hvac.Client(url=env.str(VAULT_SWITCH), timeout=5)
    token_path = Path(env.str("VAULT_K8S_TOKEN_PATH", default=K8S_TOKEN_PATH))
    role = env.str("VAULT_ROLE", default=env.str("SERVICE_NAME", default="retail"))
    try:
        hvac.api.auth_methods.Kubernetes(client.adapter).login(role=role, jwt=token_path.read_text().strip())
        response = client.secrets.kv.v2.read_secret_version(
            path=env.str("VAULT_SECRET_PATH", default=f"retail/{role}"),
            mount_point=env.str("VAULT_KV_MOUNT", default="secret"),
            raise_on_deleted_version=True,
        )
    except (OSError, hvac.exceptions.VaultError) as exc:
        raise ImproperlyConfigured(
            f"Vault at {env.str(VAULT_SWITCH)} ({VAULT_SWITCH}) could not provide secrets "
            f"(role {role!r}): {exc.__class__.__name__}: {exc}"
        ) from exc
    return response["data"]["data"]


def clear_vault_cache() -> None:
    _vault_secrets.cache_clear()
