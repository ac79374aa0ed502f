"""prom/prometheus against its upstream image (issue 20, checks item 3).

Read in prometheus/prometheus at tag v3.6.0 (491734606591ef8c188f5489c70380805bc868c0):
- Dockerfile: `USER nobody` (a name: with runAsNonRoot the kubelet needs a numeric runAsUser),
  `WORKDIR /prometheus`, `VOLUME ["/prometheus"]`, CMD `--config.file=... --storage.tsdb.path=/prometheus`
  (our args replace the CMD); the TSDB (blocks, WAL, the lock file, queries.active) is written under
  --storage.tsdb.path;
- cmd/prometheus/main.go: the server's flags (PROMETHEUS_FLAGS; log.* come from prometheus/common's
  promslog/flag); an unknown flag stops it ("unknown long flag");
- discovery/kubernetes/kubernetes.go: the keys of `kubernetes_sd_configs` (SDConfig, NamespaceDiscovery) and
  its roles (Debian's Prometheus, started with the rest of our configuration and the rules in
  tests/observability/test_upstream_binaries.py, has no Kubernetes discovery).
The kubelet job authenticates with the ServiceAccount's token and checks the kubelets against its CA: without
them mounted every cAdvisor scrape fails.
"""

import fnmatch
import posixpath

import upstream_images as upstream

IMAGE = "prom/prometheus:v3.6.0"
IMAGE_USER = "nobody"
PROMETHEUS_FLAGS = upstream.names(
    "agent alertmanager.drain-notification-queue-on-shutdown alertmanager.notification-batch-size "
    "alertmanager.notification-queue-capacity auto-gomaxprocs auto-gomemlimit auto-gomemlimit.ratio "
    "config.auto-reload-interval config.file enable-feature query.lookback-delta query.max-concurrency "
    "query.max-samples query.timeout rules.alert.for-grace-period rules.alert.for-outage-tolerance "
    "rules.alert.resend-delay rules.max-concurrent-evals scrape.adjust-timestamps scrape.discovery-reload- "
    "interval scrape.timestamp-tolerance storage.agent.no-lockfile storage.agent.path "
    "storage.agent.retention.max-time storage.agent.retention.min-time storage.agent.wal-compression "
    "storage.agent.wal-compression-type storage.agent.wal-segment-size storage.agent.wal-truncate-frequency "
    "storage.remote.flush-deadline storage.remote.read-concurrent-limit storage.remote.read-max-bytes-in- "
    "frame storage.remote.read-sample-limit storage.tsdb.allow-overlapping-compaction storage.tsdb.delayed- "
    "compaction.max-percent storage.tsdb.head-chunks-write-queue-size storage.tsdb.max-block-chunk-segment- "
    "size storage.tsdb.max-block-duration storage.tsdb.min-block-duration storage.tsdb.no-lockfile "
    "storage.tsdb.path storage.tsdb.retention.size storage.tsdb.retention.time storage.tsdb.samples-per-chunk "
    "storage.tsdb.wal-compression storage.tsdb.wal-compression-type storage.tsdb.wal-segment-size "
    "web.console.libraries web.console.templates web.cors.origin web.enable-admin-api web.enable-lifecycle "
    "web.enable-otlp-receiver web.enable-remote-write-receiver web.external-url web.listen-address web.max- "
    "connections web.max-notifications-subscribers web.page-title web.read-timeout web.remote-write- "
    "receiver.accepted-protobuf-messages web.route-prefix web.user-assets write-documentation log.level "
    "log.format"
)
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
KUBERNETES_SD_KEYS = {"api_server", "role", "kubeconfig_file", "namespaces", "selectors", "attach_metadata"}
KUBERNETES_SD_NAMESPACE_KEYS = {"names", "own_namespace"}
KUBERNETES_SD_ROLES = {"endpoints", "endpointslice", "node", "pod", "service", "ingress"}


def test_the_pinned_image_and_its_user(docs):
    assert upstream.image_problems(docs, "prometheus", IMAGE, IMAGE_USER) == []


def test_every_flag_exists_in_the_pinned_version(docs):
    _, app = upstream.app_container(docs, "prometheus")
    assert [f for f in upstream.flag_names(app["args"]) if f not in PROMETHEUS_FLAGS] == []
    assert upstream.flag_names(app["args"]) == ["config.file", "storage.tsdb.path", "storage.tsdb.retention.time"]


def test_the_tsdb_is_a_writable_mount(docs):
    spec, app = upstream.app_container(docs, "prometheus")
    assert upstream.unwritable(spec, app, [upstream.arg_value(app["args"], "storage.tsdb.path")]) == []


def test_the_rule_files_glob_matches_the_mounted_rules(docs):
    spec, app, config = upstream.app_with_config(docs, "prometheus", "config.file")
    (pattern,) = config["rule_files"]
    (mount,) = [m for m in app["volumeMounts"] if m["mountPath"] == posixpath.dirname(pattern)]
    rules = upstream.config_map(docs, upstream.volume(spec, mount["name"])["configMap"]["name"])
    assert sorted(fnmatch.filter(rules["data"], posixpath.basename(pattern))) == [
        "retail-alerts.yaml",
        "retail-records.yaml",
    ]


def test_the_files_the_configuration_reads_are_in_the_pod(docs):
    spec, _, config = upstream.app_with_config(docs, "prometheus", "config.file")
    read = {
        path
        for job in config["scrape_configs"]
        for path in (job.get("tls_config", {}).get("ca_file"), job.get("authorization", {}).get("credentials_file"))
        if path
    }
    assert read == {f"{SERVICE_ACCOUNT_DIR}/ca.crt", f"{SERVICE_ACCOUNT_DIR}/token"}
    assert spec["automountServiceAccountToken"] is True, "Prometheus reads the ServiceAccount's CA and token"


def test_kubernetes_discovery_keys_exist_in_the_pinned_version(docs):
    _, _, config = upstream.app_with_config(docs, "prometheus", "config.file")
    discovery = [sd for job in config["scrape_configs"] for sd in job.get("kubernetes_sd_configs", [])]
    assert len(discovery) == 4  # retail-app, exporters, kubelet-cadvisor, kubelet (issue 21: PVC usage)
    for sd in discovery:
        assert set(sd) <= KUBERNETES_SD_KEYS and sd["role"] in KUBERNETES_SD_ROLES
        assert set(sd.get("namespaces", {})) <= KUBERNETES_SD_NAMESPACE_KEYS
