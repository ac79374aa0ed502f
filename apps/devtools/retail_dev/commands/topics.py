"""`manage_all.py topics`: create every registered topic (main, retry, dead-letter) that is missing."""

from retail_dev.console import step
from retail_dev.environment import Infra, manage_run
from retail_dev.projects import services

help = "Create the Kafka topics of the registry (main, retry-0/1/2 and dlt per consuming group); idempotent."


def add_arguments(parser) -> None:
    parser.add_argument(
        "--partitions",
        type=int,
        help="Partitions of new main topics (default: KAFKA_TOPIC_PARTITIONS, 3); retry and dead-letter topics "
        "get KAFKA_RETRY_TOPIC_PARTITIONS (1).",
    )


def provision_topics(partitions: int | None = None, mode: str = "dev") -> None:
    # The registry lives in retail_common, so any service's project can provision every topic.
    project = services()[0]
    step("topics")
    args = ["provision_topics", *(["--partitions", str(partitions)] if partitions else [])]
    manage_run(project, *args, mode=mode, failure="topic provisioning failed")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        provision_topics(args.partitions)
    finally:
        infra.stop_started()
    return 0
