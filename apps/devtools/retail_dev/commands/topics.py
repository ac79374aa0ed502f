"""`manage_all.py topics`: create every registered topic (main, retry, dead-letter) that is missing."""

import subprocess

from retail_dev.console import DevError, step
from retail_dev.environment import Infra, manage_cmd, project_env
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
    command = manage_cmd(project, "provision_topics", *(["--partitions", str(partitions)] if partitions else []))
    if subprocess.call(command, cwd=project.path, env=project_env(project, mode)) != 0:
        raise DevError("topic provisioning failed (see above)")


def run(args) -> int:
    infra = Infra()
    try:
        infra.up()
        provision_topics(args.partitions)
    finally:
        infra.stop_started()
    return 0
