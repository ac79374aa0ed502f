"""A local Prometheus against the dev or test stack, with the project's own alert and recording rules.

`manage_all.py dev --observe` and tests/observability start it the same way: a generated
configuration that scrapes every metrics endpoint of the stack (static targets carrying the
`service` and `role` labels that the cluster's relabelling gives the pods), the rule files found
under deploy/components/observability/, a free port and a scratch storage directory.

Prometheus itself (Debian's binary) does the work; what no library does is write its configuration from
the stack's own endpoints and the project's rule files.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import requests
import yaml

from retail_dev.deploy.dashboard_queries import rule_files
from retail_dev.netutil import free_port, wait_http_ok

INSTALL_HINT = "apt-get install --no-install-recommends prometheus"  # without recommends: no node-exporter on :9100


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


def rules_copy(destination: Path, *, for_duration: str | None = None, sources: list[Path] | None = None) -> list[Path]:
    """Copies of the rule files in `destination`; `for_duration` replaces every alert's `for:`."""
    destination.mkdir(parents=True, exist_ok=True)
    copies = []
    for index, source in enumerate(rule_files() if sources is None else sources):
        document = yaml.safe_load(source.read_text())
        for group in document["groups"]:
            for rule in group.get("rules") or ():
                if for_duration is not None and "alert" in rule:
                    rule["for"] = for_duration
        copy = destination / f"{index:02d}-{source.name}"
        copy.write_text(yaml.safe_dump(document, sort_keys=False))
        copies.append(copy)
    return copies


def prometheus_config(targets: list[tuple], rules: list[Path], *, interval: str = "1s") -> dict:
    """Scrape every (service, role, "host:port", path) target with its `service` and `role` labels."""
    by_path: dict[str, list] = {}
    for service, role, address, path in targets:
        by_path.setdefault(path, []).append({"targets": [address], "labels": {"service": service, "role": role}})
    scrape = [
        {"job_name": "retail" if path == "/metrics" else f"retail{path}", "metrics_path": path, "static_configs": s}
        for path, s in by_path.items()
    ]
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval, "scrape_timeout": interval},
        "rule_files": [str(p) for p in rules],
        "scrape_configs": scrape,
    }


@dataclass
class LocalPrometheus:
    """One `prometheus` process on a free port, with its configuration and data in a scratch directory."""

    targets: list[tuple]
    for_duration: str | None = None  # tests shorten the rules' `for:` (see rules_copy)
    interval: str = "1s"
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="retail-prometheus-")))
    process: subprocess.Popen | None = None
    rules: list[Path] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, log=None) -> LocalPrometheus:
        binary = prometheus_binary()
        if binary is None:
            raise FileNotFoundError(f"no prometheus binary on PATH; install it with `{INSTALL_HINT}`")
        self.rules = rules_copy(self.workdir / "rules", for_duration=self.for_duration)
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(prometheus_config(self.targets, self.rules, interval=self.interval)))
        self.port = self.port or free_port()
        command = [binary, f"--config.file={config}", f"--storage.tsdb.path={self.workdir / 'data'}"]
        command += [f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"]
        self.process = subprocess.Popen(
            command, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT if log else subprocess.DEVNULL
        )
        try:
            wait_http_ok(f"{self.url}/-/ready", timeout=60)
        except TimeoutError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- the HTTP API ----------------------------------------------------------------------------
    def api(self, path: str, **params) -> object:
        answer = requests.get(f"{self.url}/api/v1/{path}", params=params, timeout=10).json()
        if answer.get("status") != "success":
            raise RuntimeError(f"Prometheus {path} {params}: {answer}")
        return answer["data"]

    def query(self, expr: str) -> list[dict]:
        return self.api("query", query=expr)["result"]

    def series_names(self) -> set[str]:
        return set(self.api("label/__name__/values"))

    def alerts(self) -> list[dict]:
        return self.api("alerts")["alerts"]
