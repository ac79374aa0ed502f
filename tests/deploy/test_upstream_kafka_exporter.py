"""kafka-exporter against its upstream image (issue 20, checks item 3).

Read in danielqsj/kafka_exporter at tag v1.9.0 (8ec24078707d4d3b349e71522ebd7f179746072d):
- Dockerfile: busybox, `USER nobody` (a name: with runAsNonRoot the kubelet needs a numeric runAsUser),
  ENTRYPOINT `/bin/kafka_exporter`;
- kafka_exporter.go: the flags we pass (`--kafka.server`, `--web.listen-address`, default :9308) and the
  `/healthz` handler the probes call. It writes nothing.
"""

from upstream_images import app_container, arg_value, container_ports, flag_names, image_problems, probe_endpoints

IMAGE = "danielqsj/kafka-exporter:v1.9.0"
KNOWN_FLAGS = {"kafka.server", "web.listen-address"}


def test_the_pinned_image_and_its_user(docs):
    assert image_problems(docs, "kafka-exporter", IMAGE, "nobody") == []


def test_the_flags_exist_and_the_probes_reach_its_listener(docs):
    _, app = app_container(docs, "kafka-exporter")
    assert [f for f in flag_names(app["args"]) if f not in KNOWN_FLAGS] == []
    port = int(arg_value(app["args"], "web.listen-address").rpartition(":")[2])
    assert container_ports(app) == {"metrics": port}
    assert probe_endpoints(app) == {("/healthz", port)}
    assert arg_value(app["args"], "kafka.server") == "kafka.retail-data.svc.cluster.local:9092"
