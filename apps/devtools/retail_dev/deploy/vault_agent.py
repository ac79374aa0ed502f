"""Vault Agent configurations as Vault composes them: common.hcl, then the ServiceAccount's file.

Parsed with pyhcl, an HCL v1 parser like the one Vault reads agent files with (hashicorp/hcl). Used by
`images smoke` (what each pod's agent renders) and by tests/deploy (the files against the roles).
"""

from __future__ import annotations

import functools

from hcl.parser import HclParser

COMMON = "common.hcl"


class _ItemsParser(HclParser):
    """pyhcl folds repeated top-level blocks (one `template` per key) into one dict and drops fields; this
    keeps the items in file order, as Vault's parser does (ast.ObjectList.Filter("template"))."""

    def p_top(self, p):
        """
        top : empty
            | objectlist
        """
        p[0] = p[1]


@functools.cache
def _parser() -> _ItemsParser:
    return _ItemsParser()  # building ply's tables takes ~0.1 s; a parser parses any number of texts


def items(text: str) -> list[tuple[str, dict]]:
    """The top-level blocks of one agent file, in order."""
    return [(key, value) for key, value in _parser().parse(text)]


def compose(*texts: str) -> dict:
    """Vault's agent config merge (command/agent/config Config.Merge), file by file in -config order:
    a `template` block is appended, any other block replaces the one an earlier file set."""
    config: dict = {"template": []}
    for text in texts:
        for key, value in items(text):
            if key == "template":
                config["template"].append(value)
            else:
                config[key] = value
    return config


def composed_from(files: dict[str, str], account: str) -> dict:
    """The config a pod of `account` runs with, given the files of its mounted ConfigMap (name -> text)."""
    return compose(files.get(COMMON, ""), files.get(f"{account}.hcl", ""))


def kubernetes_login(config: dict) -> dict:
    """The kubernetes auth method of auto_auth ({} if the config has none)."""
    return config.get("auto_auth", {}).get("method", {}).get("kubernetes", {})


def destinations(config: dict) -> set[str]:
    return {t.get("destination", "") for t in config["template"]}
