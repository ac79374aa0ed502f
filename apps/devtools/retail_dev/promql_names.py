"""The metric names a PromQL expression reads, and the PromQL of the project's rules and dashboards.

A tokenizer, not a full parser (Prometheus 2.42 of Debian has no parse API, and no maintained PromQL
parser is packaged for us): it drops what can never be a metric name (string literals, label
matchers `{...}`, ranges and subqueries `[...]`, grouping clauses `by (...)` and friends, Grafana's
`$variables`) and keeps every identifier that is neither a function or aggregation (followed by `(`)
nor a keyword. Good enough to be strict: a name it reports that nobody exports fails the e2e test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

KEYWORDS = {
    *("and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right"),
    *("offset", "bool", "inf", "nan", "atan2"),
}
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_GRAFANA_VARIABLE = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE)
_IDENTIFIER = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Every metric name `expr` selects."""
    text = _STRING.sub('""', expr)
    text = _COMMENT.sub(" ", text)
    text = _GRAFANA_VARIABLE.sub(" ", text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGE.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.groups()
        if call or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


def _rules(paths: list[Path]):
    for path in paths:
        for group in yaml.safe_load(path.read_text()).get("groups") or ():
            for rule in group.get("rules") or ():
                yield path, rule


def rule_expressions(paths: list[Path]) -> dict[str, str]:
    """{"file: rule name": expr} of every alerting and recording rule."""
    return {
        f"{path.name}: {rule.get('alert') or rule.get('record')}": str(rule["expr"]) for path, rule in _rules(paths)
    }


def alert_expressions(paths: list[Path]) -> dict[str, str]:
    """{alert name: expr} of every alerting rule."""
    return {rule["alert"]: str(rule["expr"]) for _, rule in _rules(paths) if "alert" in rule}


def _panels(container: dict):
    for panel in container.get("panels") or ():
        yield panel
        yield from _panels(panel)  # rows hold panels of their own
    for row in container.get("rows") or ():  # the older schema
        yield from _panels(row)


def _is_loki(*datasources) -> bool:
    return any("loki" in json.dumps(d).lower() for d in datasources if d)


def dashboard_expressions(paths: list[Path]) -> dict[str, str]:
    """{"file: panel title #n": expr} of every PromQL target (Loki targets are LogQL, left out)."""
    found = {}
    for path in paths:
        document = json.loads(path.read_text())
        dashboard = document.get("dashboard", document)
        for panel in _panels(dashboard):
            for index, target in enumerate(panel.get("targets") or ()):
                expr = target.get("expr")
                if expr and not _is_loki(target.get("datasource"), panel.get("datasource")):
                    found[f"{path.name}: {panel.get('title', '?')} #{index}"] = expr
    return found
