"""otel/opentelemetry-collector-contrib against its upstream image (issue 20, checks item 3).

Read in open-telemetry/opentelemetry-collector-releases at tag v0.136.0 (ff8d64f8bbdb45270cde7289bf39218514bbfd2d):
- distributions/otelcol-contrib/Dockerfile: FROM scratch, `USER 10001:10001`, ENTRYPOINT `/otelcol-contrib`,
  CMD `--config /etc/otelcol-contrib/config.yaml` (our args replace the CMD, so they name our file);
- distributions/otelcol-contrib/manifest.yaml: the components built into the distribution; a configuration
  naming any other type stops the collector at start ("unknown type"). CONTRIB_COMPONENTS lists their types
  (the module names without the kind suffix).
Since collector v0.104 a server endpoint left at its default listens on localhost only, so every port the
Service and the probes reach is given as 0.0.0.0 in our file.
"""

from upstream_images import (
    app_container,
    app_with_config,
    component_problems,
    container_ports,
    image_problems,
    listening_ports,
    names,
    probe_ports,
    unknown_components,
)

IMAGE = "otel/opentelemetry-collector-contrib:0.136.0"
IMAGE_USER = "10001:10001"
CONTRIB_COMPONENTS = {
    "receivers": names(
        "activedirectoryds aerospike apache apachespark awscloudwatch awscontainerinsight "
        "awsecscontainermetrics awsfirehose awss3 awsxray azureblob azureeventhub azuremonitor bigip carbon "
        "chrony cloudflare cloudfoundry collectd couchdb datadog dockerstats elasticsearch envoyals expvar "
        "faro filelog filestats flinkmetrics fluentforward github googlecloudmonitoring googlecloudpubsub "
        "googlecloudspanner haproxy hostmetrics httpcheck iis influxdb jaeger jmx journald k8scluster "
        "k8sevents k8sobjects kafka kafkametrics kubeletstats libhoney loki memcached mongodb mongodbatlas "
        "mysql namedpipe netflow nginx nop nsxt ntp oracledb otelarrow otlp otlpjsonfile podman postgresql "
        "prometheus prometheusremotewrite pulsar purefa purefb rabbitmq receivercreator redis riak saphana "
        "signalfx simpleprometheus skywalking snmp snowflake solace splunkenterprise splunkhec sqlquery "
        "sqlserver sshcheck statsd stef syslog tcpcheck tcplog tlscheck udplog vcenter wavefront webhookevent "
        "windowseventlog windowsperfcounters zipkin zookeeper"
    ),
    "processors": names(
        "attributes batch coralogix cumulativetodelta deltatocumulative deltatorate filter geoip groupbyattrs "
        "groupbytrace interval isolationforest k8sattributes logdedup memorylimiter metricsgeneration "
        "metricstarttime metricstransform probabilisticsampler redaction remotetap resource resourcedetection "
        "schema span sumologic tailsampling transform"
    ),
    "exporters": names(
        "alibabacloudlogservice awscloudwatchlogs awsemf awskinesis awss3 awsxray azureblob azuredataexplorer "
        "azuremonitor bmchelix carbon cassandra clickhouse coralogix datadog dataset debug doris "
        "elasticsearch faro file googlecloud googlecloudpubsub googlemanagedprometheus honeycombmarker "
        "influxdb kafka loadbalancing logicmonitor logzio mezmo nop opensearch otelarrow otlp otlphttp "
        "prometheus prometheusremotewrite pulsar rabbitmq sapm sentry signalfx splunkhec stef sumologic "
        "syslog tencentcloudlogservice tinybird zipkin"
    ),
    "extensions": names(
        "ack asapauth awscloudwatchmetricstreamsencoding awslogsencoding awsproxy azureauth basicauth "
        "bearertokenauth cgroupruntime datadog dbstorage dockerobserver ecsobserver ecstaskobserver "
        "filestorage googleclientauth googlecloudlogentryencoding headerssetter healthcheck hostobserver "
        "httpforwarder jaegerencoding jaegerremotesampling jsonlogencoding k8sleaderelector k8sobserver "
        "kafkatopicsobserver oauth2clientauth oidcauth opamp otlpencoding pprof redisstorage sigv4auth "
        "skywalkingencoding sumologic textencoding zipkinencoding zpages"
    ),
    "connectors": names(
        "count datadog exceptions failover forward grafanacloud otlpjson roundrobin routing servicegraph "
        "signaltometrics spanmetrics sum"
    ),
}
# components that write to disk: none may be used unless its directory is a writable mount
WRITING_COMPONENTS = {("extensions", "filestorage"), ("exporters", "file")}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "otel-collector", IMAGE, IMAGE_USER) == []


def test_every_component_is_in_the_pinned_contrib_distribution(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    assert component_problems(config, CONTRIB_COMPONENTS) == []


def test_the_unknown_component_check_catches_a_type_of_another_distribution():
    config = {"receivers": {"otlp": {}}, "processors": {"healthcheckv2": {}}, "exporters": {"otlp/jaeger": {}}}
    assert unknown_components(config, CONTRIB_COMPONENTS) == ["processors: healthcheckv2"]


def test_the_args_name_a_mounted_config_and_nothing_else(docs):
    _, app = app_container(docs, "otel-collector")
    assert app["args"] == ["--config=/etc/otelcol/config.yaml"]


def test_every_port_the_service_and_probes_reach_listens_on_all_interfaces(docs):
    _, app, config = app_with_config(docs, "otel-collector", "config")
    listening = listening_ports(config)
    assert set(container_ports(app).values()) == set(listening) == {4317, 4318, 8889, 9411, 13133}
    assert set(listening.values()) == {"0.0.0.0"}
    assert probe_ports(app) == {int(config["extensions"]["health_check"]["endpoint"].rpartition(":")[2])}


def test_nothing_writes_under_the_read_only_root(docs):
    _, _, config = app_with_config(docs, "otel-collector", "config")
    used = {(kind, cid.split("/")[0].replace("_", "")) for kind in CONTRIB_COMPONENTS for cid in config.get(kind) or {}}
    assert used & WRITING_COMPONENTS == set()
