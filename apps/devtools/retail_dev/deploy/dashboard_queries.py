"""The queries of the Grafana dashboards, made checkable offline.

promtool cannot read a dashboard, but it parses PromQL in a rule file: each Prometheus target of
every panel becomes one recording rule (Grafana's variables replaced by concrete values first), and
`promtool check rules` reports each bad one by its record name, which maps back to the dashboard and
panel. Loki targets are LogQL, which promtool cannot parse: they are checked for their datasource and
a stream selector only.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from retail_dev import promql_names
from retail_dev.paths import ROOT

OBSERVABILITY = ROOT / "deploy" / "components" / "observability"
DASHBOARD_DIR = OBSERVABILITY / "dashboards"
DATASOURCES = OBSERVABILITY / "config" / "grafana-datasources.yaml"

# Grafana's built-in variables that stand for durations; any other variable is a label value.
DURATIONS = {
    "__rate_interval": "1m",
    "__interval": "30s",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")


@dataclass(frozen=True)
class Query:
    dashboard: str  # file name
    panel: str  # "<id> <title>"
    ref_id: str
    datasource_uid: str
    expr: str

    @property
    def where(self) -> str:
        return f"{self.dashboard}: panel {self.panel}, query {self.ref_id}"


def dashboard_files() -> list[Path]:
    return sorted(DASHBOARD_DIR.glob("*.json"))


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def panels(dashboard: dict) -> list[dict]:
    """Every panel, including those folded inside rows."""
    found = []
    for panel in dashboard.get("panels", []):
        found.append(panel)
        found.extend(panel.get("panels", []))
    return found


def queries(path: Path) -> list[Query]:
    found = []
    for panel in panels(load(path)):
        default = (panel.get("datasource") or {}).get("uid", "")
        for target in panel.get("targets", []):
            uid = (target.get("datasource") or {}).get("uid", default)
            where = f"{panel.get('id')} {panel.get('title', '')!r}"
            found.append(Query(path.name, where, target.get("refId", "?"), uid, target.get("expr", "")))
    return found


def concrete(expr: str) -> str:
    """The expression as Prometheus would receive it: durations for duration variables, `all` elsewhere."""

    def value(match: re.Match) -> str:
        name = next(group for group in match.groups() if group)
        return DURATIONS.get(name, "all")

    return VARIABLE.sub(value, expr)


def datasource_uids() -> dict[str, str]:
    """uid -> type of the provisioned datasources."""
    sources = yaml.safe_load(DATASOURCES.read_text())["datasources"]
    return {source["uid"]: source["type"] for source in sources}


def promql_rule_file(promql: list[Query]) -> tuple[dict, dict[str, Query]]:
    names = {f"dashboard_query_{index:04d}": query for index, query in enumerate(promql)}
    rules = [{"record": name, "expr": concrete(query.expr)} for name, query in names.items()]
    return {"groups": [{"name": "dashboard-queries", "rules": rules}]}, names


def check(promtool: str, files: list[Path] | None = None) -> tuple[int, list[str]]:
    """(queries checked, problems naming dashboard and panel) over every dashboard (or `files`)."""
    all_queries = [query for path in (dashboard_files() if files is None else files) for query in queries(path)]
    known = datasource_uids()
    problems = [
        f"{q.where}: datasource uid {q.datasource_uid!r} is not provisioned"
        for q in all_queries
        if q.datasource_uid not in known
    ]
    problems += [f"{q.where}: empty expression" for q in all_queries if not q.expr.strip()]
    logql = [q for q in all_queries if known.get(q.datasource_uid) == "loki"]
    problems += [f"{q.where}: LogQL without a stream selector {{...}}" for q in logql if "{" not in q.expr]
    promql = [q for q in all_queries if known.get(q.datasource_uid) == "prometheus" and q.expr.strip()]
    rule_file, names = promql_rule_file(promql)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="dashboard-queries-") as handle:
        yaml.safe_dump(rule_file, handle, sort_keys=False)
        handle.flush()
        result = subprocess.run([promtool, "check", "rules", handle.name], capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    for name, query in names.items():
        # promtool names the failing rule: ... rule 3, "dashboard_query_0002": could not parse expression: ...
        quoted = f'"{name}"'
        problems += [
            f"{query.where}: {line.split(quoted + ':', 1)[-1].strip()}"
            for line in output.splitlines()
            if quoted in line
        ]
    if result.returncode != 0 and not problems:
        problems.append(f"promtool check rules failed: {output.strip()[-300:]}")
    return len(all_queries), problems


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (variables first made concrete)."""
    return promql_names.metric_names(concrete(expr))


def promql_queries(files: list[Path] | None = None) -> list[Query]:
    """Every PromQL query of every dashboard (Loki's LogQL left out)."""
    known = datasource_uids()
    return [
        query
        for path in (dashboard_files() if files is None else files)
        for query in queries(path)
        if known.get(query.datasource_uid) == "prometheus" and query.expr.strip()
    ]


def rule_files() -> list[Path]:
    """The recording rules first: the alerts read them (the order promtool and Prometheus load them in)."""
    return [OBSERVABILITY / "config" / "retail-records.yaml", OBSERVABILITY / "config" / "retail-alerts.yaml"]


def queried_metric_names() -> set[str]:
    """Every metric name the rules and the dashboards' PromQL read, minus the rules' own records:
    what must have series wherever these rules and dashboards run (issue 15's e2e test)."""
    rules = [
        rule for path in rule_files() for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]
    ]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    names = {name for rule in rules for name in metric_names(rule["expr"])}
    names |= {name for query in promql_queries() for name in metric_names(query.expr)}
    return names - recorded
