"""hashicorp/vault: the server (components/vault/vault.yaml, vault.hcl) and every Vault Agent container
(`agent -config=... -config=...`) against the rules that stop them at start-up. The manifests pin 1.20.4;
hashicorp/vault is larger than this workplace can fetch whole, so the rules were read in the stored files
of its index: .release/docker/docker-entrypoint.sh (commit 1d04c5e2762f15a2d53e19836208adfb038abc14),
Dockerfile (024c09b6651c8f1f568915ad01411862af89aaca), command/server/config.go
(00406de1d09ec5926eaadaa4a5741911a7bde719), vault/core.go (ErrMlockFailedTemplate), command/agent.go
(the version whose loadConfig(paths) merges every -config file). No Vault server runs
here: checked statically, the HCL with pyhcl (HCL v1, the parser Vault reads it with).
"""

import hcl
from deploy_manifests import namespace, of_kind, selector_matches
from upstream_containers import mounted_file, running, service_link_variables, undefined_references
from upstream_images import flag_names
from vault_agent_config import composed_from, destinations

IMAGE = "hashicorp/vault"
PINNED = "1.20.4"
# The image's directories the entrypoint chowns unless SKIP_CHOWN is set (when they are not the vault user's,
# i.e. when a volume is mounted there): as a non-root user chown fails and `set -e` ends the script.
CHOWNED = ("/vault/config", "/vault/logs", "/vault/file")
# The variables docker-entrypoint.sh reads besides SKIP_*: Kubernetes' service links must not set them.
ENTRYPOINT_VARS = {
    "VAULT_REDIRECT_INTERFACE",
    "VAULT_REDIRECT_ADDR",
    "VAULT_CLUSTER_INTERFACE",
    "VAULT_CLUSTER_ADDR",
    "VAULT_LOCAL_CONFIG",
    "VAULT_DEV_ROOT_TOKEN_ID",
    "VAULT_DEV_LISTEN_ADDRESS",
}
# The keys vault.hcl may use: command/server/config.go (Config's hcl tags, storage and listener stanzas)
# and internalshared/configutil (SharedConfig: disable_mlock, listener). Vault only warns on others.
SERVER_KEYS = {"ui", "disable_mlock", "api_addr", "cluster_addr", "listener", "storage", "log_level", "telemetry"}
LISTENER_KEYS = {"address", "tls_disable", "cluster_address", "tls_cert_file", "tls_key_file"}
FILE_STORAGE_KEYS = {"path"}
# The flags each subcommand's FlagSet defines that our args use: command/agent.go (-config repeats: its
# loadConfig(paths) merges the files in order; -exit-after-auth) and command/server.go (-config).
FLAGS = {"agent": {"config", "exit-after-auth"}, "server": {"config"}}


def servers(docs):
    runs = [r for r in running(docs, IMAGE) if r.args[:1] == ["server"]]
    assert runs, "no Vault server"
    return runs


def agents(docs):
    runs = [r for r in running(docs, IMAGE) if r.args[:1] == ["agent"]]
    assert runs, "no Vault Agent"
    return runs


def server_config(docs, run) -> tuple[str, dict]:
    (path,) = [a.removeprefix("-config=") for a in run.args if a.startswith("-config=")]
    text = mounted_file(docs, run, path)
    assert text is not None, f"{run.where}: -config={path} is no file of a mounted ConfigMap"
    return path, hcl.loads(text)


def test_the_image_is_the_version_these_rules_were_read_at(docs):
    for run in running(docs, IMAGE):
        assert run.tag == PINNED, f"{run.where}: {run.container['image']}; these rules were read for {PINNED}"


def test_every_vault_container_starts_as_a_non_root_user(docs):
    """docker-entrypoint.sh (`#!/usr/bin/dumb-init /bin/sh`, `set -e`) for any vault subcommand: unless
    SKIP_SETCAP is set it runs `setcap cap_ipc_lock=+ep` on the binary, which a non-root user with every
    capability dropped cannot (the script exits); unless SKIP_CHOWN is set it chowns whichever of /vault/config,
    /vault/logs, /vault/file is a mounted volume; VAULT_LOCAL_CONFIG is written to /vault/config/local.json."""
    for run in running(docs, IMAGE):
        assert run.security("runAsNonRoot") and run.read_only_root, f"{run.where}: expected non-root, read-only"
        assert run.value("SKIP_SETCAP"), f"{run.where}: set SKIP_SETCAP=true (setcap fails as a non-root user)"
        if not run.value("SKIP_CHOWN"):
            mounted = [p for p in CHOWNED if run.mount_of(p)]
            assert not mounted, f"{run.where}: {mounted} are mounted: set SKIP_CHOWN=true (chown fails)"
        assert "VAULT_LOCAL_CONFIG" not in run.env or run.writable("/vault/config"), run.where
        injected = ENTRYPOINT_VARS & set(service_link_variables(docs, run))
        assert not injected, f"{run.where}: Kubernetes' service links set {injected}"
        assert not undefined_references(run), undefined_references(run)


def test_every_flag_exists_for_its_subcommand(docs):
    """The entrypoint runs `vault <subcommand> <args>` for a subcommand `vault --help` knows; an unknown flag
    ends the command with a usage error."""
    for run in running(docs, IMAGE):
        subcommand, *flags = run.args
        names = flag_names(flags)
        assert subcommand in FLAGS and all(f.startswith("-") for f in flags), f"{run.where}: args {run.args}"
        assert set(names) <= FLAGS[subcommand], f"{run.where}: {set(names) - FLAGS[subcommand]} unknown"


def test_the_server_config_has_only_keys_vault_reads(docs):
    for run in servers(docs):
        path, config = server_config(docs, run)
        assert set(config) <= SERVER_KEYS, f"{path}: {set(config) - SERVER_KEYS} are no server keys"
        assert set(config["listener"]) == {"tcp"}, f"{path}: listeners {set(config['listener'])}"
        listener = config["listener"]["tcp"]
        assert set(listener) <= LISTENER_KEYS, f"{path}: listener {set(listener) - LISTENER_KEYS}"
        assert set(config["storage"]) == {"file"}, f"{path}: storage {set(config['storage'])}"
        assert set(config["storage"]["file"]) <= FILE_STORAGE_KEYS, f"{path}: file storage {config['storage']}"


def test_the_server_locks_no_memory_without_ipc_lock(docs):
    """vault/core.go: unless disable_mlock, Vault calls mlock at start and exits with ErrMlockFailedTemplate
    ("Failed to lock memory") where it may not: every capability is dropped, IPC_LOCK too."""
    for run in servers(docs):
        path, config = server_config(docs, run)
        added = run.container.get("securityContext", {}).get("capabilities", {}).get("add", [])
        if "IPC_LOCK" not in added:
            assert config.get("disable_mlock") is True, f"{path}: set disable_mlock = true (no IPC_LOCK here)"


def test_the_server_stores_and_listens_where_the_manifest_says(docs):
    """Its file storage on a writable volume (the root is read-only), its listener on the container port,
    plain HTTP (tls_disable) as the probes and VAULT_ADDR speak it, and api_addr the Service's name."""
    for run in servers(docs):
        path, config = server_config(docs, run)
        storage = config["storage"]["file"]["path"]
        assert run.writable(storage), f"{run.where}: file storage {storage} is not on a writable volume"
        listener = config["listener"]["tcp"]
        port = int(listener["address"].rsplit(":", 1)[1])
        assert port in {p["containerPort"] for p in run.container["ports"]}, f"{path}: listens on {port}"
        assert str(listener.get("tls_disable")) in ("1", "True", "true"), f"{path}: TLS on, but probes speak http"
        assert run.value("VAULT_ADDR") == f"http://127.0.0.1:{port}", f"{run.where}: VAULT_ADDR"
        ns = namespace(run.workload)
        labels = run.workload["spec"]["template"]["metadata"]["labels"]
        (service,) = [
            s
            for s in of_kind(docs, "Service")
            if namespace(s) == ns
            and s["spec"].get("selector")
            and selector_matches({"matchLabels": s["spec"]["selector"]}, labels)
        ]
        (service_port,) = service["spec"]["ports"]
        expected = f"http://{service['metadata']['name']}.{ns}.svc.cluster.local:{service_port['port']}"
        assert config["api_addr"] == expected, f"{path}: api_addr {config['api_addr']}, its Service is {expected}"


def test_each_agent_writes_its_files_to_a_writable_volume(docs):
    """Vault Agent renders each template to its destination (consul-template writes a temporary file beside
    it, then renames it): the destination's directory must be writable under the read-only root, and the
    files the pod's other containers read come from the same volume."""
    for run in agents(docs):
        files = {}
        for arg in run.args:
            if arg.startswith("-config="):
                path = arg.removeprefix("-config=").replace("$(VAULT_ROLE)", run.spec["serviceAccountName"])
                text = mounted_file(docs, run, path)
                assert text is not None, f"{run.where}: {arg} is no file of a mounted ConfigMap"
                files[path.rsplit("/", 1)[1]] = text
        rendered = destinations(composed_from(files, run.spec["serviceAccountName"]))
        assert rendered, f"{run.where}: renders nothing"
        for destination in rendered:
            directory = destination.rsplit("/", 1)[0]
            assert run.writable(directory), f"{run.where}: cannot write {destination}"
            volume = run.mount_of(directory)["name"]
            for other in run.spec["containers"]:
                mount = next((m for m in other.get("volumeMounts", []) if m["mountPath"] == directory), None)
                assert mount is None or mount["name"] == volume, (
                    f"{run.where}: {other['name']} reads another {directory}"
                )
