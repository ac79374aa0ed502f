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
    app_with_config,
    flag_names,
    image_problems,
    key_paths,
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


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "loki", LOKI_IMAGE, "10001") == []


def test_every_loki_key_exists_in_the_pinned_version(docs):
    _, app, config = app_with_config(docs, "loki", "config.file")
    assert flag_names(app["args"]) == ["config.file"]
    assert sorted(key_paths(config) - LOKI_IMAGE_CONFIG_KEYS) == []


def test_every_directory_loki_writes_is_a_writable_mount(docs):
    spec, app, config = app_with_config(docs, "loki", "config.file")
    prefix = config["common"]["path_prefix"]
    written = [posixpath.join(prefix, d) for d in PATH_PREFIX_DIRECTORIES]
    written += list(config["common"]["storage"]["filesystem"].values())
    assert unwritable(spec, app, written) == []


def test_the_newest_schema_allows_structured_metadata(docs):
    _, _, config = app_with_config(docs, "loki", "config.file")
    newest = max(config["schema_config"]["configs"], key=lambda c: str(c["from"]))
    assert (newest["store"], newest["schema"]) == ("tsdb", "v13")
    assert "limits_config" not in config  # allow_structured_metadata keeps its default, true
