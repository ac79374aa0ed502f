"""The metric names a PromQL expression reads, and the expressions of the project's rule files.

A tokenizer, not a full parser (Prometheus 2.42 of Debian has no parse API, and no maintained PromQL
parser is packaged for us): it drops what can never be a metric name (string literals, label
matchers `{...}`, ranges and subqueries `[...]`, grouping clauses `by (...)` and friends, Grafana's
`$variables`) and keeps every identifier that is neither a function or aggregation (followed by `(`)
nor a keyword. Good enough to be strict: a name it reports that nobody exports fails the e2e test.
"""

from __future__ import annotations

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
