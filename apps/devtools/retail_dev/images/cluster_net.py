"""What the cluster's network gives pods, on one docker bridge network the smoke creates.

- Pod network: `docker network create --internal` (no route out); the host reaches every container by
  its address on the bridge, as the kubelet reaches pods for their probes.
- Services: each gets a ClusterIP, an address of the network's subnet added to the bridge on the host
  (the top of the subnet: docker hands containers the lowest free addresses); a relay in this process
  listens on ClusterIP:port and forwards each connection to an endpoint's targetPort, as kube-proxy does
  (endpoints: the containers of the selected pods once Ready, or a server of the smoke's data tier).
- Service environment variables (enableServiceLinks, on by default): `<SVC>_SERVICE_HOST`, `<SVC>_PORT`, …
  of every Service of the pod's namespace and of `kubernetes`, as the kubelet sets them.
- Cluster DNS: every container gets `--add-host` for each Service's names (`<svc>` in its own namespace,
  `<svc>.<ns>`, `<svc>.<ns>.svc`, `<svc>.<ns>.svc.cluster.local`) pointing at the ClusterIP.

It stands in for kube-proxy and cluster DNS, which cannot run here without a cluster.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from retail_dev.console import DevError
from retail_dev.images.engine import Engine

CLUSTER_DOMAIN = "svc.cluster.local"
Endpoint = Callable[[], tuple[str, int] | None]  # where a connection goes now (None: no ready endpoint)


def service_names(name: str, namespace: str, client_namespace: str) -> list[str]:
    names = [f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.{CLUSTER_DOMAIN}"]
    return ([name] if namespace == client_namespace else []) + names


@dataclass
class ClusterNetwork:
    engine: Engine
    name: str
    bridge: str = ""
    subnet: ipaddress.IPv4Network | None = None
    cluster_ips: dict[tuple[str, str], str] = field(default_factory=dict)  # (namespace, service) -> ip
    ports: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (namespace, service) -> its ports
    loop: asyncio.AbstractEventLoop | None = None
    servers: list = field(default_factory=list)

    def create(self) -> ClusterNetwork:
        self.engine.run("network", "create", "--internal", "--label", "retail.smoke=1", self.name)
        info = json.loads(self.engine.out("network", "inspect", self.name))[0]
        self.subnet = ipaddress.ip_network(info["IPAM"]["Config"][0]["Subnet"])
        self.bridge = f"br-{info['Id'][:12]}"
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="kube-proxy", daemon=True).start()
        return self

    @property
    def gateway(self) -> str:
        return str(self.subnet.network_address + 1)

    def add_service(self, namespace: str, name: str, ports: list[dict]) -> str:
        """A ClusterIP for the Service: the next free address from the top of the subnet, on the bridge."""
        ip = str(self.subnet.broadcast_address - 1 - len(self.cluster_ips))
        result = subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", self.bridge], capture_output=True, text=True)
        if result.returncode:
            raise DevError(
                f"cannot add ClusterIP {ip} to {self.bridge} (`ip addr add` needs root): {result.stderr.strip()}"
            )
        self.cluster_ips[(namespace, name)] = ip
        self.ports[(namespace, name)] = ports
        return ip

    def forward(self, ip: str, port: int, endpoint: Endpoint) -> None:
        """Relay ip:port to endpoint() for every connection (kube-proxy's job for one Service port)."""

        async def relay(reader, writer):
            target = endpoint()
            if target is None:  # no Ready endpoint: the connection is refused, as kube-proxy's REJECT does
                writer.close()
                return
            try:
                upstream_reader, upstream_writer = await asyncio.open_connection(*target)
            except OSError:
                writer.close()
                return
            await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

        async def start():
            return await asyncio.start_server(relay, ip, port, reuse_address=True)

        self.servers.append(asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=10))

    def hosts(self, client_namespace: str) -> list[str]:
        """`--add-host` arguments: the cluster DNS answers a pod of `client_namespace` would get."""
        args = []
        for (namespace, name), ip in sorted(self.cluster_ips.items()):
            for host in service_names(name, namespace, client_namespace):
                args += ["--add-host", f"{host}:{ip}"]
        return args

    def service_env(self, client_namespace: str) -> dict[str, str]:
        """The Service variables the kubelet gives a pod of `client_namespace` (container env overrides them)."""
        env = {}
        for (namespace, name), ip in sorted(self.cluster_ips.items()):
            if namespace == client_namespace or (namespace, name) == ("default", "kubernetes"):
                env |= service_links(name, ip, self.ports[(namespace, name)])
        return env

    def address_of(self, container: str) -> str:
        return self.engine.out(
            "inspect", "--format", f'{{{{(index .NetworkSettings.Networks "{self.name}").IPAddress}}}}', container
        )

    def remove(self) -> None:
        if self.loop:
            for server in self.servers:
                self.loop.call_soon_threadsafe(server.close)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.servers.clear()
        self.engine.run("network", "rm", self.name, check=False)  # the bridge goes, and its ClusterIPs with it


def service_links(name: str, ip: str, ports: list[dict]) -> dict[str, str]:
    """One Service's variables, as kubernetes/kubernetes pkg/kubelet/envvars/envvars.go FromServices makes them."""
    prefix = name.upper().replace("-", "_")
    env = {f"{prefix}_SERVICE_HOST": ip, f"{prefix}_SERVICE_PORT": str(ports[0]["port"])}
    for port in ports:
        if port.get("name"):
            env[f"{prefix}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = str(port["port"])
    first = ports[0]
    env[f"{prefix}_PORT"] = f"{first.get('protocol', 'TCP').lower()}://{ip}:{first['port']}"
    for port in ports:
        protocol = port.get("protocol", "TCP")
        key = f"{prefix}_PORT_{port['port']}_{protocol.upper()}"
        env |= {key: f"{protocol.lower()}://{ip}:{port['port']}", f"{key}_PROTO": protocol.lower()}
        env |= {f"{key}_PORT": str(port["port"]), f"{key}_ADDR": ip}
    return env


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(RuntimeError):  # the loop is closing
            writer.close()
