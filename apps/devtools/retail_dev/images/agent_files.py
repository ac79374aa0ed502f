"""What a pod's Vault Agent renders into /vault/secrets, filled with dev values instead of Vault's.

The agent config is the rendered overlay's `vault-agent-*` ConfigMap: common.hcl, then the
ServiceAccount's `<account>.hcl` (Vault appends the `template` blocks of each file in -config order;
tests/deploy/vault_agent_config.py parses them with an HCL parser, and tests/images checks that this
reading gives the same destinations). Each template is `{{ with secret "secret/data/retail/<x>" }}…
{{ .Data.data.KEY }}…{{ end }}`; KEY's dev value comes from `.retail/secrets`, and DATABASE_PASSWORD
from the caller (the smoke's own). A template this module cannot fill is an error, not an empty file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

COMMON = "common.hcl"
AGENT_CONFIG_MAP = "vault-agent-"
TEMPLATE_BLOCK = re.compile(r"^template\s*\{(.*?)\}\s*$", re.S | re.M)
HCL_STRING = r'"((?:[^"\\]|\\.)*)"'
WITH_SECRET = re.compile(r'\{\{\s*with secret "[^"]+"\s*\}\}(.*)\{\{\s*end\s*\}\}', re.S)
DATA_KEY = re.compile(r"\{\{\s*\.Data\.data\.(\w+)\s*\}\}")


@dataclass(frozen=True)
class AgentTemplate:
    destination: str
    perms: int
    contents: str


def hcl_field(block: str, name: str) -> str | None:
    match = re.search(rf"\b{name}\s*=\s*{HCL_STRING}", block)
    return match.group(1).encode().decode("unicode_escape") if match else None


def templates(text: str) -> list[AgentTemplate]:
    """The `template` blocks of one agent file, in file order (comments left out)."""
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    found = []
    for block in TEMPLATE_BLOCK.findall(text):
        destination, contents = hcl_field(block, "destination"), hcl_field(block, "contents")
        if destination is None or contents is None:
            raise ValueError(f"a template block without destination or contents: {block.strip()[:80]}")
        found.append(AgentTemplate(destination, int(hcl_field(block, "perms") or "0644", 8), contents))
    return found


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
    return templates(files.get(COMMON, "")) + templates(files.get(f"{account}.hcl", ""))


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
