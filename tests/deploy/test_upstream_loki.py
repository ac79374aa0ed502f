"""grafana/loki against its upstream image (issue 20, checks item 3).

Read in grafana/loki at tag v3.5.5 (5aa8bd27946a1ce5267790ebe9210f93cd7111b2):
- cmd/loki/Dockerfile: `USER 10001`, ENTRYPOINT `/usr/bin/loki`, CMD `-config.file=/etc/loki/local-config.yaml`
  (our args replace the CMD), /loki owned by 10001 (our emptyDir replaces it);
- cmd/loki/loki-docker-config.yaml: the configuration that image starts with; every key of ours is one of its
  keys (LOKI_IMAGE_CONFIG_KEYS), so exists in this version (Loki parses strictly: an unknown key stops it);
- pkg/loki/config_wrapper.go (applyPathPrefixDefaults, betterTSDBShipperDefaults): the directories Loki
  derives from common.path_prefix and writes (rules-temp, wal, compactor, blooms, tsdb-shipper-active,
  tsdb-shipper-cache), besides the filesystem store's chunks and rules directories;
- pkg/loki/validation.go: structured metadata (on by default) needs the newest schema to be `v13` with
  store `tsdb`, else "CONFIG ERROR" at start.
"""

import posixpath

from upstream_images import (
    app_container,
    arg_value,
    flag_names,
    key_paths,
    mounted_yaml,
    non_root_verifiable,
    unwritable,
)

LOKI_IMAGE = "grafana/loki:3.5.5"
LOKI_IMAGE_CONFIG_KEYS = {
    "auth_enabled", "server", "server.http_listen_port", "common", "common.instance_addr", "common.path_prefix",
    "common.storage", "common.storage.filesystem", "common.storage.filesystem.chunks_directory",
    "common.storage.filesystem.rules_directory", "common.replication_factor", "common.ring", "common.ring.kvstore",
    "common.ring.kvstore.store", "schema_config", "schema_config.configs", "schema_config.configs[].from",
    "schema_config.configs[].store", "schema_config.configs[].object_store", "schema_config.configs[].schema",
    "schema_config.configs[].index", "schema_config.configs[].index.prefix", "schema_config.configs[].index.period",
    "ruler", "ruler.alertmanager_url",
}  # fmt: skip
PATH_PREFIX_DIRECTORIES = ("rules-temp", "wal", "compactor", "blooms", "tsdb-shipper-active", "tsdb-shipper-cache")


def loki(docs):
    spec, app = app_container(docs, "loki")
    return spec, app, mounted_yaml(docs, spec, app, arg_value(app["args"], "config.file"))


def test_the_image_is_the_one_whose_rules_were_read(docs):
    assert app_container(docs, "loki")[1]["image"] == LOKI_IMAGE


def test_every_loki_key_exists_in_the_pinned_version(docs):
    _, app, config = loki(docs)
    assert flag_names(app["args"]) == ["config.file"]
    assert sorted(key_paths(config) - LOKI_IMAGE_CONFIG_KEYS) == []


def test_every_directory_loki_writes_is_a_writable_mount(docs):
    spec, app, config = loki(docs)
    prefix = config["common"]["path_prefix"]
    written = [posixpath.join(prefix, d) for d in PATH_PREFIX_DIRECTORIES]
    written += list(config["common"]["storage"]["filesystem"].values())
    assert unwritable(spec, app, written) == []


def test_the_newest_schema_allows_structured_metadata(docs):
    _, _, config = loki(docs)
    newest = max(config["schema_config"]["configs"], key=lambda c: str(c["from"]))
    assert (newest["store"], newest["schema"]) == ("tsdb", "v13")
    assert "limits_config" not in config  # allow_structured_metadata keeps its default, true


def test_loki_runs_as_a_verifiable_non_root_user(docs):
    spec, app = app_container(docs, "loki")
    assert non_root_verifiable(spec, app, "10001")
