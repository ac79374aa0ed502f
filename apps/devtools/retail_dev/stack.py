"""The shop brought up on fresh databases and topics of its own (e2e, browser and storefront tests,
bench saga and storefront, bench images): users, inventory (web, gRPC, consumers, relay), orders (web,
consumers, relay, sweeper), payments (web, consumers, relay) and, when asked, the storefront, against
the embedded PostgreSQL, Redis and broker that `manage_all.py test` started.

`Stack` is the orchestration (the order things start in, ports, environment, topics, databases); each
process is started by its launcher: retail_dev.process_launcher (processes on free ports, the default)
or retail_dev.images.containers (a container of its image each). `stack.shop` is the HTTP client a
test calls (retail_dev.shop_client).
"""

from __future__ import annotations

import json
import signal
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from retail_common.config.topology import TOPOLOGY
from retail_dev.environment import project_env
from retail_dev.infra import Broker, Postgres
from retail_dev.infra.broker import PrivateBroker
from retail_dev.netutil import free_port, wait_for_port, wait_http_ok
from retail_dev.process_launcher import ProcessLauncher
from retail_dev.projects import by_name
from retail_dev.shop_client import ShopClient

SERVICES = TOPOLOGY.service_names
SAGA_SERVICES = tuple(TOPOLOGY.with_role("consumers"))  # with consumers and an outbox relay
STAFF = ("admin@retail.test", "retail-admin-pass")


class Launcher(Protocol):
    """Starts the shop's processes one way (ProcessLauncher, ContainerLauncher); the Stack says which and when."""

    metrics: dict  # {label: (service, role, "host:port", path)} of what serves metrics, to wait for and scrape

    def grpc_port(self) -> int: ...
    def manage(self, name: str, args: tuple[str, ...], env: dict) -> str: ...
    def worker(self, name: str, label: str, args: tuple[str, ...], env: dict) -> None: ...
    def web(self, name: str, workers: int, env: dict) -> str: ...  # its base URL
    def grpc(self, port: int, env: dict) -> None: ...
    def stop(self, label: str, sig: int) -> None: ...  # for good: not restarted
    def report(self) -> None: ...  # what each process last said, when something failed
    def down(self) -> None: ...


@dataclass
class Stack:
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    launcher: Launcher = field(default_factory=ProcessLauncher)
    database_prefix: str = "e2e"
    urls: dict = field(default_factory=dict)
    grpc_port: int = 0
    # A broker of the stack's own, which a test may stop and start (in-memory: it comes back empty).
    broker: PrivateBroker | None = None
    topic_layout: dict = field(default_factory=dict)  # {topic: partitions} on that broker, to recreate them
    with_storefront: bool = False
    # Environment every process of this stack gets on top of the test settings (e.g. a looser rate limit).
    overrides: dict = field(default_factory=dict)
    shop: ShopClient = field(init=False)

    def __post_init__(self) -> None:
        self.shop = ShopClient(self.urls, on_timeout=self.launcher.report)

    @property
    def projects(self) -> tuple[str, ...]:
        return (*SERVICES, TOPOLOGY.storefront.name) if self.with_storefront else SERVICES

    @property
    def metrics_targets(self) -> list[tuple]:
        return list(self.launcher.metrics.values())

    def database(self, name: str) -> str:
        return f"{self.database_prefix}_{name}_{self.run_id}"

    def env(self, name: str, **extra) -> dict:
        project = by_name(name)
        url = Postgres().url_of(self.database(name))
        return project_env(
            project,
            "test",
            DATABASE_URL=url,
            KAFKA_TOPIC_PREFIX=f"e2e-{self.run_id}.",
            INVENTORY_GRPC_TARGET=f"127.0.0.1:{self.grpc_port}",
            INVENTORY_GRPC_DEADLINE_SECONDS="3",
            **({"KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap} if self.broker else {}),
            LOG_LEVEL="WARNING",
            # Every test shopper signs in from 127.0.0.1: keep the per-address limits out of the way
            # (the per-address-and-email login limit stays as in production).
            USERS_RATE_LOGIN_PER_IP="10000/m",
            USERS_RATE_REGISTER_PER_IP="10000/h",
            SECURE_COOKIES="0",  # the browser reaches the storefront over plain http
            **{f"{n.upper()}_URL": self.urls[n] for n in SERVICES if n in self.urls},
            **{**self.overrides, **extra},
        )

    # -- the processes, by the launcher ---------------------------------------------------------
    def manage(self, name: str, *args: str) -> str:
        return self.launcher.manage(name, args, self.env(name))

    def spawn(self, name: str, label: str, *args: str) -> None:
        """A worker role of a service (its label, e.g. "consumers"; its management command and arguments)."""
        self.launcher.worker(name, label, args, self.env(name))

    def spawn_web(self, name: str, *, workers: int | None = None) -> None:
        if workers is None:
            workers = 2 if name in ("orders", "storefront") else 1  # they take every checkout; the rest mostly read
        self.urls[name] = self.launcher.web(name, workers, self.env(name))

    def start_grpc(self) -> None:
        self.launcher.grpc(self.grpc_port, self.env("inventory"))

    def stop(self, label: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process for good (it is not restarted): SIGTERM as Kubernetes would, SIGKILL as a crash would."""
        self.launcher.stop(label, sig)

    def up(self, *, own_broker: bool = False, storefront: bool = False) -> Stack:
        try:
            self._up(own_broker=own_broker, storefront=storefront)
        except Exception:
            self.launcher.report()
            raise
        return self

    def _up(self, *, own_broker: bool, storefront: bool) -> None:
        self.grpc_port = self.launcher.grpc_port()
        self.with_storefront = storefront
        if own_broker:
            self.broker = PrivateBroker(free_port())
            self.broker.start()
        Postgres().ensure_databases([self.database(n) for n in self.projects])
        for name in self.projects:
            self.manage(name, "migrate", "--noinput")
        self.manage("inventory", "seed_catalog")
        self.manage("inventory", "provision_topics")
        if own_broker:
            from confluent_kafka.admin import AdminClient

            self.topic_layout = self.topics_on(AdminClient({"bootstrap.servers": self.broker.bootstrap}))
        email, password = STAFF
        self.manage(
            "users",
            "ensure_account",
            "--email",
            email,
            "--password",
            password,
            "--role",
            "ADMIN",
            "--skip-password-validation",
        )
        self.start_grpc()
        for name in SERVICES:
            self.spawn_web(name)
        for name in SAGA_SERVICES:
            self.spawn(name, "consumers", "run_consumers")
            self.spawn(name, "relay", "relay_outbox")
        self.spawn("orders", "sweeper", "sweep_orders")
        if storefront:
            self.spawn_web("storefront")  # after the others: its environment carries their URLs
        for name in self.projects:
            wait_http_ok(f"{self.urls[name]}/healthz", timeout=60)
        for _service, _role, host_port, _path in self.metrics_targets:
            # Every worker serves metrics once it is set up: a worker that cannot start fails here,
            # not later as a saga that never finishes.
            wait_for_port(int(host_port.rsplit(":", 1)[1]), timeout=60)

    def drop_topics(self) -> None:
        """Delete this stack's topics from the shared broker: it keeps them in memory, and every topic
        left behind makes each later fetch cost it more (repeated benchmark runs slowed down)."""
        from confluent_kafka.admin import AdminClient

        admin = AdminClient({"bootstrap.servers": Broker().bootstrap, "socket.timeout.ms": 3000})
        try:
            names = list(self.topics_on(admin, timeout=5))
            for future in admin.delete_topics(names, operation_timeout=10).values() if names else ():
                future.result(timeout=10)
        except Exception as exc:  # a broker already gone has nothing left to delete
            print(f"    could not delete the stack's topics: {exc}", file=sys.stderr)

    def topics_on(self, admin, timeout: float = 10) -> dict[str, int]:
        """{topic: partitions} of this stack on the broker `admin` talks to."""
        topics = admin.list_topics(timeout=timeout).topics
        return {name: len(meta.partitions) for name, meta in topics.items() if name.startswith(f"e2e-{self.run_id}.")}

    def broker_restart_after(self, seconds: float) -> None:
        """Bring the stopped broker back after `seconds` and recreate the topics at once, as an operator would.

        The broker keeps topics in memory, so it comes back without them. They are created from here
        the moment it listens, not by a management command seconds later: a consumer that rejoins its
        group before its topics exist gets no partitions, and the client does not rejoin when they
        reappear with the same partition count (its saga would stall).
        """
        from confluent_kafka.admin import AdminClient, NewTopic

        time.sleep(seconds)
        self.broker.start()
        admin = AdminClient({"bootstrap.servers": self.broker.bootstrap})
        layout = [NewTopic(name, count, replication_factor=-1) for name, count in self.topic_layout.items()]
        for future in admin.create_topics(layout, operation_timeout=10).values():
            future.result(timeout=10)

    def down(self) -> None:
        self.launcher.down()
        if self.broker:
            self.broker.stop()
        else:
            self.drop_topics()
        for name in self.projects:
            Postgres().drop_database(self.database(name))

    def bad_event(self, topic: str, key: str) -> str:
        """Publish a well-formed envelope whose payload breaks the schema (a buggy producer's event).

        Its consumer files it as a failed event that staff can retry; returns the event id.
        """
        from confluent_kafka import Producer

        event_id = str(uuid.uuid4())
        envelope = {"event_id": event_id, "event_type": topic, "schema_version": 1, "source": "e2e"}
        envelope |= {"occurred_at": "2026-01-01T00:00:00Z", "payload": {"order_id": key}}
        bootstrap = self.broker.bootstrap if self.broker else Broker().bootstrap
        producer = Producer({"bootstrap.servers": bootstrap, "allow.auto.create.topics": False})
        producer.produce(f"e2e-{self.run_id}.{topic}", key=key.encode(), value=json.dumps(envelope).encode())
        if producer.flush(10):
            raise RuntimeError(f"the event for {topic} was not delivered")
        return event_id
