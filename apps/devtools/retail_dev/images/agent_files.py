"""What a pod's Vault Agent renders into /vault/secrets, filled with dev values instead of Vault's.

The agent config is the rendered overlay's `vault-agent-*` ConfigMap: common.hcl, then the
ServiceAccount's `<account>.hcl`, composed as Vault composes them (retail_dev.deploy.vault_agent).
Each template is `{{ with secret "secret/data/retail/<x>" }}…{{ .Data.data.KEY }}…{{ end }}`: KEY's
dev value comes from `.retail/secrets`, and DATABASE_PASSWORD from the caller (the smoke's own).
A template this module cannot fill is an error, not an empty file.

The Vault Agent binary cannot be obtained here; this fills its templates with dev values instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retail_dev.deploy.vault_agent import composed_from

AGENT_CONFIG_MAP = "vault-agent-"
WITH_SECRET = re.compile(r'\{\{\s*with secret "[^"]+"\s*\}\}(.*)\{\{\s*end\s*\}\}', re.S)
DATA_KEY = re.compile(r"\{\{\s*\.Data\.data\.(\w+)\s*\}\}")


@dataclass(frozen=True)
class AgentTemplate:
    destination: str
    perms: int
    contents: str


def agent_config_files(docs: list[dict], namespace: str) -> dict[str, str]:
    """The files of the namespace's vault-agent ConfigMap (name -> text)."""
    for doc in docs:
        meta = doc["metadata"]
        if (
            doc["kind"] == "ConfigMap"
            and meta.get("namespace") == namespace
            and meta["name"].startswith(AGENT_CONFIG_MAP)
        ):
            return dict(doc.get("data") or {})
    return {}


def account_templates(files: dict[str, str], account: str) -> list[AgentTemplate]:
    """What the agent of `account` renders: common.hcl's templates, then the account file's."""
    return [
        AgentTemplate(t["destination"], int(t.get("perms") or "0644", 8), t["contents"])
        for t in composed_from(files, account)["template"]
    ]


def fill(template: AgentTemplate, values: dict[str, str]) -> str:
    body = WITH_SECRET.fullmatch(template.contents.strip())
    if not body:
        raise ValueError(f"{template.destination}: not a `with secret` template: {template.contents[:80]}")

    def value(match: re.Match) -> str:
        if match.group(1) not in values:
            raise ValueError(f"{template.destination}: no dev value for {match.group(1)}")
        return values[match.group(1)]

    text = DATA_KEY.sub(value, body.group(1))
    if "{{" in text:
        raise ValueError(f"{template.destination}: a template action this translation cannot fill: {text[:80]}")
    return text


def rendered_files(files: dict[str, str], account: str, values: dict[str, str]) -> dict[str, tuple[str, int]]:
    """{destination: (contents, mode)} as the agent of `account` writes them, with `values` for Vault's data."""
    return {t.destination: (fill(t, values), t.perms) for t in account_templates(files, account)}
