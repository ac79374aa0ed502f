"""jaegertracing/jaeger (v2, an OpenTelemetry Collector build) against its upstream image (issue 20, checks item 3).

Read in jaegertracing/jaeger at tag v2.10.0 (7f883c9866012026b5751592700e07ede50dbd9b):
- cmd/jaeger/Dockerfile: `USER 10001`, ENTRYPOINT `/cmd/jaeger/jaeger-linux` (our args give `--config`),
  `VOLUME ["/tmp"]` (its scratch space), `ENV JAEGER_LISTEN_HOST=0.0.0.0` (read only by its built-in config:
  ours names every listening address itself);
- cmd/jaeger/internal/components.go: the components built in (JAEGER_COMPONENTS); any other type stops it;
- cmd/jaeger/internal/extension/jaegerquery/config.go and cmd/query/app/flags.go (QueryOptions),
  cmd/jaeger/internal/extension/jaegerstorage/config.go, internal/storage/v1/memory/config.go,
  cmd/jaeger/internal/exporters/storageexporter/config.go: the keys each of our components may set (an
  unknown key stops the collector's config unmarshalling), and that `storage.traces` / `trace_storage`
  name a backend of jaeger_storage ("cannot find definition of storage" at start otherwise);
- the memory backend writes nothing; badger would write its directories (which then must be mounted).
"""

from upstream_images import (
    app_with_config,
    component_problems,
    container_ports,
    image_problems,
    listening_ports,
    mount_for,
    probe_ports,
    unwritable,
)

IMAGE = "jaegertracing/jaeger:2.10.0"
IMAGE_USER = "10001"
JAEGER_COMPONENTS = {
    "extensions": {"healthcheckv2", "pprof", "zpages", "jaegerquery", "jaegerstorage", "remotesampling", "expvar"}
    | {"storagecleaner", "remotestorage"},
    "receivers": {"otlp", "nop", "jaeger", "kafka", "zipkin"},
    "exporters": {"debug", "otlp", "otlphttp", "nop", "jaegerstorageexporter", "kafka", "prometheus"},
    "processors": {"batch", "memorylimiter", "tailsampling", "attributes", "filter", "adaptivesampling"},
    "connectors": {"forward", "spanmetrics"},
}
QUERY_KEYS = {"storage", "ui", "base_path", "bearer_token_propagation", "multi_tenancy", "max_clock_skew_adjust"}
QUERY_KEYS |= {"enable_tracing", "http", "grpc"}
QUERY_STORAGE_KEYS = {"traces", "traces_archive", "metrics"}
BACKEND_KINDS = {"memory", "badger", "grpc", "cassandra", "elasticsearch", "opensearch"}
MEMORY_KEYS = {"max_traces"}
STORAGE_EXPORTER_KEYS = {"trace_storage", "queue", "retry_on_failure"}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "jaeger", IMAGE, IMAGE_USER) == []


def test_every_component_is_built_into_jaeger_and_defined(docs):
    _, _, config = app_with_config(docs, "jaeger", "config")
    assert component_problems(config, JAEGER_COMPONENTS) == []


def test_the_component_keys_exist_in_the_pinned_version(docs):
    _, _, config = app_with_config(docs, "jaeger", "config")
    query = config["extensions"]["jaeger_query"]
    assert set(query) <= QUERY_KEYS and set(query["storage"]) <= QUERY_STORAGE_KEYS
    backends = config["extensions"]["jaeger_storage"]["backends"]
    for backend in backends.values():
        assert len(backend) == 1 and set(backend) <= BACKEND_KINDS
        assert set(backend.get("memory", {})) <= MEMORY_KEYS
    assert set(config["exporters"]["jaeger_storage_exporter"]) <= STORAGE_EXPORTER_KEYS


def test_query_and_exporter_name_a_defined_backend(docs):
    _, _, config = app_with_config(docs, "jaeger", "config")
    backends = set(config["extensions"]["jaeger_storage"]["backends"])
    assert config["extensions"]["jaeger_query"]["storage"]["traces"] in backends
    assert config["exporters"]["jaeger_storage_exporter"]["trace_storage"] in backends


def test_every_port_the_service_and_probes_reach_listens_on_all_interfaces(docs):
    _, app, config = app_with_config(docs, "jaeger", "config")
    listening = listening_ports(config)
    # jaeger_query's UI keeps its default, ":16686" (every interface: ports.PortToHostPort in ports/ports.go)
    assert "http" not in config["extensions"]["jaeger_query"]
    assert set(container_ports(app).values()) == set(listening) | {16686} == {4317, 13133, 16686}
    assert set(listening.values()) == {"0.0.0.0"}
    assert probe_ports(app) == {13133} and config["extensions"]["healthcheckv2"]["use_v2"] is True


def test_what_it_writes_is_mounted(docs):
    spec, app, config = app_with_config(docs, "jaeger", "config")
    directories = ["/tmp"]  # the image's VOLUME
    for backend in config["extensions"]["jaeger_storage"]["backends"].values():
        directories += list(backend.get("badger", {}).get("directories", {}).values())
    assert unwritable(spec, app, directories) == []
    assert mount_for(spec, app, "/tmp")["name"] == "tmp"
