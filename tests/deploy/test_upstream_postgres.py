"""PostgreSQL (postgres:17.6-bookworm) and its postgres-exporter sidecar against the rules that stop them,
and the first start of the manifest's container replayed on a real PostgreSQL: the image's entrypoint steps
(postgres_entrypoint.py names the upstream file and what it translates) with our env, args and
init-databases.sh, then each service logs in as its DATABASE_URL says.

The database's rules: docker-library/postgres, 17/bookworm/docker-entrypoint.sh and Dockerfile at commit
5ec89312491bdaa2c42377a65ec0af2ecb774480 (the last with PG_VERSION 17.6-2.pgdg12+1).
The exporter's rules: prometheus-community/postgres_exporter at tag v0.17.1 (commit
1e574cf4fd2a75a8a707d424eafcaa0b88cb7af4), cmd/postgres_exporter/datasource.go and main.go, Dockerfile.
"""

import functools
import json
import re
import secrets
import subprocess

import psycopg
import pytest
from deploy_manifests import SECRETS_MOUNT, namespace, of_kind
from postgres_entrypoint import EntrypointRun
from upstream_containers import config_map, running, service_link_variables
from vault_agent_config import composed_from, destinations

from retail_common.ops.vault_setup import SERVICES
from retail_dev.paths import ROOT

IMAGE, PINNED = "postgres", "17.6-bookworm"
EXPORTER, EXPORTER_PINNED = "quay.io/prometheuscommunity/postgres-exporter", "v0.17.1"
INITDB_D = "/docker-entrypoint-initdb.d"
# docker-entrypoint.sh reads these (file_env and plain); Kubernetes' service links must not set any of them.
ENTRYPOINT_VARS = {
    "POSTGRES_PASSWORD",
    "POSTGRES_PASSWORD_FILE",
    "POSTGRES_USER",
    "POSTGRES_USER_FILE",
    "POSTGRES_DB",
    "POSTGRES_DB_FILE",
    "POSTGRES_INITDB_ARGS",
    "POSTGRES_INITDB_ARGS_FILE",
    "POSTGRES_INITDB_WALDIR",
    "POSTGRES_HOST_AUTH_METHOD",
    "PGDATA",
    "PGPORT",
}
# datasource.go, getDataSources: DATA_SOURCE_NAME, else DATA_SOURCE_{USER,PASS,URI}[_FILE].
EXPORTER_VARS = {f"DATA_SOURCE_{n}{f}" for n in ("USER", "PASS", "URI") for f in ("", "_FILE")} | {"DATA_SOURCE_NAME"}
EXPORTER_PORT = 9187  # main.go: kingpinflag.AddFlags(kingpin.CommandLine, ":9187")
DATABASE_URL = re.compile(r"postgres://(\w+):\{\{[^@]*\}\}@([\w.-]+):(\d+)/(\w+)")


def database(docs):
    (run,) = [r for r in running(docs, IMAGE) if r.container["name"] == "app"]
    return run


def literal_env(run) -> dict[str, str]:
    assert all("value" in e for e in run.env.values()), f"{run.where}: env from elsewhere: {run.env}"
    return {name: e["value"] for name, e in run.env.items()}


def rendered_by_agent(docs, run) -> set[str]:
    """The files the pod's Vault agent renders (its ServiceAccount's config, as the agent composes it)."""
    volume = next(v for v in run.spec["volumes"] if v["name"] == "vault-agent-config")
    files = config_map(docs, namespace(run.workload), volume["configMap"]["name"])
    return destinations(composed_from(files, run.spec["serviceAccountName"]))


def init_files(docs, run) -> dict[str, tuple[str, int]]:
    volume = run.volume_of(INITDB_D)
    assert volume and "configMap" in volume, f"{run.where}: {INITDB_D} is no ConfigMap"
    data = config_map(docs, namespace(run.workload), volume["configMap"]["name"])
    return {name: (text, volume["configMap"].get("defaultMode", 0o644)) for name, text in data.items()}


def service_urls(docs) -> dict[str, tuple[str, str, int, str]]:
    """Each service's DATABASE_URL as its agent renders it: (role, host, port, database)."""
    urls = {}
    for service in SERVICES:
        maps = [m for m in of_kind(docs, "ConfigMap") if m["metadata"]["name"].startswith("vault-agent")]
        files = next(m["data"] for m in maps if f"{service}.hcl" in m.get("data", {}))
        template = next(
            t for t in composed_from(files, service)["template"] if t["destination"] == f"{SECRETS_MOUNT}/DATABASE_URL"
        )
        role, host, port, db = DATABASE_URL.fullmatch(
            template["contents"].split("}}", 1)[1].rsplit("{{", 1)[0]
        ).groups()
        urls[service] = (role, host, int(port), db)
    return urls


def test_the_images_are_the_versions_these_rules_were_read_at(docs):
    for repository, pinned in ((IMAGE, PINNED), (EXPORTER, EXPORTER_PINNED)):
        for run in running(docs, repository):
            assert run.tag == pinned, f"{run.where}: {run.container['image']}; these rules were read for {pinned}"


def test_the_entrypoint_gets_what_an_empty_data_directory_needs(docs):
    """docker-entrypoint.sh: args beginning with '-' are postgres's; on an empty PGDATA a superuser password
    (POSTGRES_PASSWORD or _FILE, not both) or it exits; the _FILE one rendered by the pod's agent."""
    run = database(docs)
    env = literal_env(run)
    assert run.args and run.args[0].startswith("-"), f"{run.where}: args {run.args} are not postgres options"
    assert bool(env.get("POSTGRES_PASSWORD")) != bool(env.get("POSTGRES_PASSWORD_FILE")), run.where
    assert env["POSTGRES_PASSWORD_FILE"] in rendered_by_agent(docs, run), f"{run.where}: no agent renders it"
    injected = ENTRYPOINT_VARS & set(service_link_variables(docs, run))
    assert not injected, f"{run.where}: Kubernetes' service links set {injected}"


def test_it_writes_only_to_volumes(docs):
    """Where the entrypoint and PostgreSQL write under the read-only root: PGDATA (mkdir -p, chmod 700,
    initdb, which refuses a non-empty directory such as a volume's root with lost+found: a subdirectory),
    /var/run/postgresql (the socket and its lock), /tmp (mktemp for nss_wrapper: the pod's user has no
    /etc/passwd entry, which initdb needs)."""
    run = database(docs)
    pgdata = literal_env(run)["PGDATA"]
    assert run.writable(pgdata) and run.mount_of(pgdata)["mountPath"] != pgdata, f"{run.where}: PGDATA {pgdata}"
    for path in ("/var/run/postgresql", "/tmp"):
        assert run.writable(path), f"{run.where}: {path} is not a writable volume"


def test_the_init_script_reads_only_what_the_agent_renders(docs):
    """init-databases.sh is run (executable: the volume's defaultMode) and reads one password file per service,
    each of them rendered into the pod by its Vault agent before the database starts."""
    run = database(docs)
    files = init_files(docs, run)
    assert all(mode & 0o100 for _, mode in files.values()), f"{run.where}: init files not executable: sourced"
    script = files["init-databases.sh"][0]
    read = {f"{SECRETS_MOUNT}/{service}_DATABASE_PASSWORD" for service in SERVICES}
    assert re.search(r"for service in (.*); do", script).group(1).split() == list(SERVICES)
    assert read <= rendered_by_agent(docs, run), f"{run.where}: {read - rendered_by_agent(docs, run)} not rendered"


def test_the_exporter_reads_variables_it_knows(docs):
    """postgres-exporter: only DATA_SOURCE_* names getDataSources reads, the password from the file the agent
    renders, the superuser over the loopback at the database's port, serving on :9187 (its default)."""
    (exporter,) = running(docs, EXPORTER)
    env = literal_env(exporter)
    assert set(env) <= EXPORTER_VARS, f"{exporter.where}: {set(env) - EXPORTER_VARS} are not read"
    assert env["DATA_SOURCE_PASS_FILE"] == literal_env(database(docs))["POSTGRES_PASSWORD_FILE"], exporter.where
    assert env["DATA_SOURCE_USER"] == literal_env(database(docs))["POSTGRES_USER"], exporter.where
    port = {p["containerPort"] for p in database(docs).container["ports"]}
    assert re.fullmatch(r"127\.0\.0\.1:(\d+)/\w+\?sslmode=disable", env["DATA_SOURCE_URI"]).group(1) in map(str, port)
    assert {p["containerPort"] for p in exporter.container["ports"]} == {EXPORTER_PORT}, exporter.where


def test_the_init_script_stops_on_a_missing_password(tmp_path):
    result = subprocess.run(
        ["bash", str(ROOT / "deploy/components/data/init-databases.sh")],
        env={"PATH": "/usr/bin:/bin", "SECRETS_DIR": str(tmp_path), "POSTGRES_USER": "postgres"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert (
        result.stderr == f"init-databases: {tmp_path}/users_DATABASE_PASSWORD is missing (has vault-bootstrap run?)\n"
    )


@functools.cache
def _first_start(container: str, init: str, rendered: str, urls: str) -> dict:
    """The outcome of a first start (cached per distinct container: the overlays share one)."""
    container, urls = json.loads(container), json.loads(urls)
    passwords = {path.rsplit("/", 1)[1]: secrets.token_urlsafe(32) for path in json.loads(rendered)}
    start = EntrypointRun(
        container["env"], container["args"], {k: tuple(v) for k, v in json.loads(init).items()}, passwords
    )
    try:
        init_result = start.initialise()
        outcome = {"init": (init_result.returncode, init_result.stderr), "logins": {}, "foreign": {}}
        if init_result.returncode:
            return outcome
        start.start()

        def connect(user, password, dbname):
            return psycopg.connect(host=str(start.socket), port=5432, user=user, password=password, dbname=dbname)

        with connect("postgres", passwords["POSTGRES_PASSWORD"], "postgres") as conn:
            outcome["superuser"] = conn.execute("SELECT current_user, current_database()").fetchone()
        for service, (role, _, _, db) in urls.items():
            password = passwords[f"{service}_DATABASE_PASSWORD"]
            with connect(role, password, db) as conn:
                conn.execute("CREATE TABLE migrated (id int)")  # what its migrations do first
                outcome["logins"][service] = conn.execute("SELECT current_user, current_database()").fetchone()
            other = next(u for s, u in urls.items() if s != service)[3]
            try:
                connect(role, password, other).close()
                outcome["foreign"][service] = "connected"
            except psycopg.OperationalError as exc:
                outcome["foreign"][service] = str(exc)
        return outcome
    finally:
        start.close()


@pytest.fixture
def first_start(docs):
    run = database(docs)
    container = {"env": literal_env(run), "args": run.args}
    urls = service_urls(docs)
    return _first_start(
        json.dumps(container, sort_keys=True),
        json.dumps(init_files(docs, run), sort_keys=True),
        json.dumps(sorted(rendered_by_agent(docs, run))),
        json.dumps(urls, sort_keys=True),
    ), urls


def test_the_first_start_creates_each_services_role_and_database(first_start):
    """The manifest's container started as the image would on an empty volume: initdb with its
    POSTGRES_INITDB_ARGS (SCRAM for local and host logins), init-databases.sh with the agent's files; then
    each service logs in with its password as the role and to the database its DATABASE_URL names, may
    create tables there, and may not connect to another service's database."""
    outcome, urls = first_start
    assert outcome["init"] == (0, ""), f"init-databases.sh failed: {outcome['init'][1]}"
    assert outcome["superuser"] == ("postgres", "postgres")
    assert outcome["logins"] == {service: (role, db) for service, (role, _, _, db) in urls.items()}
    for service, error in outcome["foreign"].items():
        assert "User does not have CONNECT privilege." in error, f"{service} reaches another database: {error}"


def test_each_database_url_names_the_postgres_service(docs):
    run = database(docs)
    service = next(s for s in of_kind(docs, "Service") if s["metadata"]["name"] == run.workload["spec"]["serviceName"])
    host = f"{service['metadata']['name']}.{namespace(service)}.svc.cluster.local"
    (port,) = [p["port"] for p in service["spec"]["ports"]]
    for name, (_, url_host, url_port, _) in service_urls(docs).items():
        assert (url_host, url_port) == (host, port), f"{name}'s DATABASE_URL points at {url_host}:{url_port}"
