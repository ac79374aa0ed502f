"""The Vault Agent configurations as Vault composes them: common.hcl, then the ServiceAccount's file.

The parser and Vault's merge rule are retail_dev.deploy.vault_agent (pyhcl, an HCL v1 parser like the one
Vault reads agent files with). This proves the files offline; no Vault server runs here (deploy/README.md,
"Checked offline, and checked only on a cluster").
"""

from __future__ import annotations

import re

from retail_dev.deploy.vault_agent import COMMON, compose, composed_from, destinations, items, kubernetes_login
from retail_dev.paths import ROOT

__all__ = ["COMMON", "compose", "composed_from", "destinations", "items", "kubernetes_login"]

AGENTS = ROOT / "deploy" / "components" / "vault" / "agent"
MOUNT = "/etc/vault-agent"
# What every vault-agent(-init) container passes, in this order: Vault merges later files over earlier ones.
CONFIG_ARGS = [f"-config={MOUNT}/{COMMON}", f"-config={MOUNT}/$(VAULT_ROLE).hcl"]
SECRET_PATH = re.compile(r'with secret "secret/data/retail/([\w-]+)"')


def account_files() -> dict[str, str]:
    """Each ServiceAccount's agent file by account name (common.hcl aside), as in the repository."""
    return {p.stem: p.read_text() for p in sorted(AGENTS.glob("*.hcl")) if p.name != COMMON}
