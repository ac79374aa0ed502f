"""Apache Kafka (apache/kafka, KRaft, every pod broker and controller) against the rules that stop it at
start-up. The manifests pin 4.1.0; the stored snapshot of apache/kafka is trunk at commit
1eb7644349cb07139d6a3c1ad1986979647cac99 (2024-10-25, 4.0.0-SNAPSHOT), the newest this workplace holds:
each rule below is in that commit, under the path named. Kafka cannot be installed here: checked statically.

How the image starts (docker/jvm/Dockerfile, CMD /etc/kafka/docker/run): docker/resources/common-scripts/run
sources configureDefaults, configure, then docker/jvm/launch, which runs KafkaDockerWrapper setup (every
KAFKA_* variable into /opt/kafka/config/server.properties, then kafka-storage format) and
kafka-server-start.sh /opt/kafka/config/server.properties.
"""

import base64
import re
from decimal import Decimal

from deploy_manifests import of_kind
from upstream_containers import running, service_link_variables, undefined_references

IMAGE = "apache/kafka"
PINNED = "4.1.0"
CONFIG_DIR = "/opt/kafka/config"
POD_INDEX = {"fieldRef": {"fieldPath": "metadata.labels['apps.kubernetes.io/pod-index']"}}
# core/src/main/scala/kafka/docker/KafkaDockerWrapper.scala, Constants.ExcludeServerPropsEnv: KAFKA_
# variables that are not broker properties.
NOT_PROPERTIES = {
    "KAFKA_VERSION",
    "KAFKA_HEAP_OPTS",
    "KAFKA_LOG4J_OPTS",
    "KAFKA_OPTS",
    "KAFKA_JMX_OPTS",
    "KAFKA_JVM_PERFORMANCE_OPTS",
    "KAFKA_GC_LOG_OPTS",
    "KAFKA_LOG4J_ROOT_LOGLEVEL",
    "KAFKA_LOG4J_LOGGERS",
    "KAFKA_TOOLS_LOG4J_LOGLEVEL",
    "KAFKA_JMX_HOSTNAME",
}
# The broker properties our variables set, each where the snapshot defines its name.
PROPERTIES = {
    "node.id": "server/src/main/java/org/apache/kafka/server/config/KRaftConfigs.java",
    "process.roles": "server/src/main/java/org/apache/kafka/server/config/KRaftConfigs.java",
    "controller.listener.names": "server/src/main/java/org/apache/kafka/server/config/KRaftConfigs.java",
    "listeners": "server/src/main/java/org/apache/kafka/network/SocketServerConfigs.java",
    "advertised.listeners": "server/src/main/java/org/apache/kafka/network/SocketServerConfigs.java",
    "listener.security.protocol.map": "server/src/main/java/org/apache/kafka/network/SocketServerConfigs.java",
    "inter.broker.listener.name": "server/src/main/java/org/apache/kafka/server/config/ReplicationConfigs.java",
    "default.replication.factor": "server/src/main/java/org/apache/kafka/server/config/ReplicationConfigs.java",
    "controller.quorum.voters": "raft/src/main/java/org/apache/kafka/raft/QuorumConfig.java",
    "log.dirs": "server-common/src/main/java/org/apache/kafka/server/config/ServerLogConfigs.java",
    "auto.create.topics.enable": "server-common/src/main/java/org/apache/kafka/server/config/ServerLogConfigs.java",
    "min.insync.replicas": "clients/src/main/java/org/apache/kafka/common/config/TopicConfig.java",
    "offsets.topic.replication.factor": "group-coordinator/.../GroupCoordinatorConfig.java",
    "transaction.state.log.replication.factor": "transaction-coordinator/.../TransactionLogConfig.java",
    "transaction.state.log.min.isr": "transaction-coordinator/.../TransactionLogConfig.java",
}
LISTENER = re.compile(r"(\w+)://([^:,]*):(\d+)")
VOTER = re.compile(r"(\d+)@([^:,]+):(\d+)")
HEAP = re.compile(r"-Xmx(\d+)([kKmMgG])")
# What a JVM takes beside its heap (metaspace, direct buffers, threads' stacks): a broker's, a CLI's.
NON_HEAP = {"broker": 512 * 2**20, "tool": 128 * 2**20}
DEFAULT_HEAP = {"broker": "-Xmx1G", "tool": "-Xmx256M"}  # kafka-server-start.sh, kafka-run-class.sh


def property_name(variable: str) -> str:
    """KafkaDockerWrapper.getServerConfigsFromEnv: drop KAFKA_, lower-case, '_' -> '.', '___' -> '-',
    '__' -> '_'."""
    return variable.removeprefix("KAFKA_").lower().replace("_", ".").replace("...", "-").replace("..", "_")


def properties(run) -> dict[str, str]:
    """The server.properties the wrapper writes from the container's env (values of literal variables)."""
    return {
        property_name(name): entry.get("value", "")
        for name, entry in run.env.items()
        if name.startswith("KAFKA_") and name not in NOT_PROPERTIES
    }


def brokers(docs):
    """The brokers: the StatefulSet's pods (their node ids are its ordinals)."""
    runs = [r for r in running(docs, IMAGE) if r.workload["kind"] == "StatefulSet"]
    assert runs, "no Kafka StatefulSet"
    return runs


def tools(docs):
    """The other apache/kafka containers: a command of the image's bin/ (kafka-topics.sh), not a broker."""
    return [r for r in running(docs, IMAGE) if r.workload["kind"] != "StatefulSet"]


def listeners(text: str) -> dict[str, tuple[str, int]]:
    return {name: (host, int(port)) for name, host, port in LISTENER.findall(text)}


def test_property_names_as_the_wrapper_writes_them():
    assert property_name("KAFKA_CONTROLLER_QUORUM_VOTERS") == "controller.quorum.voters"
    assert property_name("KAFKA_LISTENER_NAME_INTERNAL_SSL_KEY__PASSWORD") == "listener.name.internal.ssl.key_password"
    assert property_name("KAFKA_CONFLUENT___TOPIC") == "confluent-topic"


def test_the_image_is_the_version_these_rules_were_read_at(docs):
    for run in brokers(docs):
        assert run.tag == PINNED, f"{run.where}: {run.container['image']}; these rules were read for {PINNED}"


def test_it_runs_the_images_own_start_script(docs):
    """common-scripts/run exports every argument as an environment variable: arguments or a command would
    replace the whole start (configure, the wrapper's setup, the storage format)."""
    for run in brokers(docs):
        assert not run.args and not run.container.get("command"), f"{run.where}: overrides the image's start"


def test_every_kafka_variable_is_a_broker_property_of_ours(docs):
    """KafkaDockerWrapper writes every KAFKA_* variable of the process into server.properties. Kubernetes
    adds KAFKA_PORT, KAFKA_SERVICE_HOST, ... for the Service named kafka (service links) unless the pod
    turns them off: they would become `port=tcp://...` and `service.host=...` beside ours."""
    for run in brokers(docs):
        injected = [n for n in service_link_variables(docs, run) if n.startswith("KAFKA_")]
        assert not injected, f"{run.where}: Kubernetes adds {injected[:3]}...; set enableServiceLinks: false"
        unknown = sorted(set(properties(run)) - set(PROPERTIES))
        assert not unknown, f"{run.where}: {unknown} are no broker properties this test knows (see PROPERTIES)"
        assert not undefined_references(run), undefined_references(run)


def test_kraft_needs_a_cluster_id(docs):
    """common-scripts/configure: with KAFKA_PROCESS_ROLES set, `ensure CLUSTER_ID` exits when it is unset;
    KafkaDockerWrapper.formatStorageCmd formats the log dirs with it. It must never change (a formatted
    directory of another cluster id stops the broker), so it is a literal, in the form kafka-storage.sh
    random-uuid prints (Uuid.toString: 16 bytes, base64url without padding)."""
    for run in brokers(docs):
        cluster_id = run.value("CLUSTER_ID")
        assert cluster_id and run.value("KAFKA_PROCESS_ROLES"), f"{run.where}: CLUSTER_ID {cluster_id!r}"
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16, f"{run.where}: CLUSTER_ID {cluster_id}"


def test_it_writes_only_to_volumes(docs):
    """Where the start writes under the read-only root: configure checks `path /opt/kafka/config/ writable`
    and exits; the wrapper writes server.properties and the log4j files there; kafka-storage format writes
    meta.properties into each of log.dirs; bin/kafka-run-class.sh does `mkdir -p $LOG_DIR` (default
    /opt/kafka/logs, in the image) and kafka-server-start.sh's -loggc writes the GC log there."""
    for run in brokers(docs):
        assert run.read_only_root, f"{run.where}: expected a read-only root filesystem"
        paths = {CONFIG_DIR: "its config", run.value("LOG_DIR") or "/opt/kafka/logs": "LOG_DIR"}
        paths |= dict.fromkeys(properties(run)["log.dirs"].split(","), "log.dirs")
        for path, what in paths.items():
            assert run.writable(path), f"{run.where}: {what} {path} is on the read-only root; mount a volume there"


def test_listeners_satisfy_kafka_configs_validation(docs):
    """core/src/main/scala/kafka/server/KafkaConfig.scala, validateValues, combined broker+controller mode:
    controller.listener.names only from listeners; inter.broker.listener.name among the advertised
    listeners; advertised names a subset of listeners, none at 0.0.0.0; each listener name in
    listener.security.protocol.map (EndPoint parsing fails otherwise); each listener a port of its own
    (core/src/main/scala/kafka/utils/CoreUtils.scala, listenerListToEndPoints: "Each listener must have a
    different port" when no host is an IP address, as ours are not)."""
    for run in brokers(docs):
        props = properties(run)
        assert set(props["process.roles"].split(",")) == {"broker", "controller"}, run.where
        own = listeners(props["listeners"])
        advertised = listeners(props["advertised.listeners"])
        own_ports = [port for _, port in own.values()]
        assert len(set(own_ports)) == len(own_ports), f"{run.where}: listeners share a port: {own}"
        protocols = dict(pair.split(":") for pair in props["listener.security.protocol.map"].split(","))
        controllers = props["controller.listener.names"].split(",")
        assert set(controllers) <= set(own), f"{run.where}: controller listeners {controllers} not in {own}"
        assert props["inter.broker.listener.name"] in advertised, f"{run.where}: inter-broker not advertised"
        assert set(advertised) <= set(own), f"{run.where}: advertised {set(advertised)} not in listeners"
        assert all(host not in ("", "0.0.0.0") for host, _ in advertised.values()), f"{run.where}: {advertised}"
        assert set(own) <= set(protocols), f"{run.where}: {set(own) - set(protocols)} have no security protocol"
        ports = {p["containerPort"] for p in run.container.get("ports", [])}
        assert {port for _, port in own.values()} <= ports, f"{run.where}: listener ports are not {ports}"


def test_each_pod_is_a_voter_at_its_own_stable_name(docs):
    """KafkaConfig.validateValues: a controller's node.id must be in controller.quorum.voters. node.id is the
    pod's ordinal; voter N must be pod N's DNS name under the StatefulSet's headless Service (which must
    publish not-ready pods: the quorum forms before any pod is ready) at the controller listener's port,
    and each pod advertises its own such name (but on EXTERNAL, dev's way in from the host at
    localhost:29092: tests/deploy/test_deploy_access_points.py)."""
    services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in of_kind(docs, "Service")}
    for run in brokers(docs):
        sts, ns = run.workload["metadata"]["name"], run.workload["metadata"]["namespace"]
        replicas = run.workload["spec"].get("replicas", 1)
        headless = services[(ns, run.workload["spec"]["serviceName"])]["spec"]
        assert headless.get("clusterIP") == "None" and headless.get("publishNotReadyAddresses"), run.where
        domain = f"{run.workload['spec']['serviceName']}.{ns}.svc.cluster.local"
        props = properties(run)
        assert run.env["KAFKA_NODE_ID"].get("valueFrom") == POD_INDEX, f"{run.where}: node.id is not the ordinal"
        controller_port = listeners(props["listeners"])[props["controller.listener.names"].split(",")[0]][1]
        voters = {int(i): (host, int(port)) for i, host, port in VOTER.findall(props["controller.quorum.voters"])}
        expected = {i: (f"{sts}-{i}.{domain}", controller_port) for i in range(replicas)}
        assert voters == expected, f"{run.where}: voters {voters}, with {replicas} pods expected {expected}"
        assert run.env["POD_NAME"].get("valueFrom") == {"fieldRef": {"fieldPath": "metadata.name"}}, run.where
        for name, (host, _) in listeners(props["advertised.listeners"]).items():
            if name != "EXTERNAL":
                assert host == f"$(POD_NAME).{domain}", f"{run.where}: advertises {host}, not the pod's own name"


def test_replication_fits_the_brokers(docs):
    """Topics and the internal topics (__consumer_offsets, __transaction_state) need as many brokers as
    their replication factor, and writes need min.insync.replicas of them in sync."""
    for run in brokers(docs):
        props = properties(run)
        replicas = run.workload["spec"].get("replicas", 1)
        for key in ("default.replication.factor", "offsets.topic.replication.factor"):
            assert int(props[key]) <= replicas, f"{run.where}: {key}={props[key]} with {replicas} brokers"
        factor = int(props["transaction.state.log.replication.factor"])
        assert factor <= replicas, f"{run.where}: transaction log factor {factor} with {replicas} brokers"
        assert int(props["min.insync.replicas"]) <= int(props["default.replication.factor"]), run.where
        assert int(props["transaction.state.log.min.isr"]) <= factor, run.where


def test_the_heap_fits_the_memory_limit(docs):
    """bin/kafka-server-start.sh sets -Xmx1G -Xms1G and bin/kafka-run-class.sh -Xmx256M unless
    KAFKA_HEAP_OPTS says otherwise; the JVM needs room beside its heap, or the kernel kills it at the
    memory limit."""
    for role, runs in (("broker", brokers(docs)), ("tool", tools(docs))):
        for run in runs:
            heap = HEAP.search(run.value("KAFKA_HEAP_OPTS") or DEFAULT_HEAP[role])
            size = Decimal(heap.group(1)) * 1024 ** ("kmg".index(heap.group(2).lower()) + 1)
            assert size + NON_HEAP[role] <= run.memory_limit, (
                f"{run.where}: heap {size / 2**20}Mi + {NON_HEAP[role] // 2**20}Mi beside it"
                f" > limit {run.memory_limit / 2**20}Mi"
            )


def test_the_tools_log_where_they_can_write(docs):
    """bin/kafka-run-class.sh: `mkdir -p "$LOG_DIR"` (default /opt/kafka/logs, on the image's root) before
    any command; under a read-only root that fails and so does the command."""
    for run in tools(docs):
        log_dir = run.value("LOG_DIR") or "/opt/kafka/logs"
        assert run.writable(log_dir), f"{run.where}: LOG_DIR {log_dir} is not writable; set LOG_DIR=/tmp"
