"""The shop as real processes on free ports, on fresh databases and topics of its own (e2e, browser and
storefront tests, bench saga and storefront).

users (gunicorn), inventory (gunicorn, run_grpc, run_consumers, relay_outbox), orders (gunicorn,
run_consumers, relay_outbox, sweep_orders), payments (gunicorn, run_consumers, relay_outbox) and, when asked,
the storefront (gunicorn) against the embedded PostgreSQL, Redis and broker that
`manage_all.py test` started. Tokens are minted with the dev key, as the users service would sign
them (the users service itself accepts only tokens of its own accounts).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

import jwt

from retail_common.cards import luhn_valid
from retail_common.jwt_keys import key_id, load_private_key
from retail_dev.environment import GUNICORN_METRICS_CONFIG, manage_cmd, project_env
from retail_dev.factories import address
from retail_dev.infra import Broker, Postgres
from retail_dev.infra.broker import PrivateBroker
from retail_dev.netutil import free_port, wait_for_port, wait_http_ok
from retail_dev.paths import SECRETS_DIR
from retail_dev.projects import by_name
from retail_dev.supervisor import RestartPolicy, Supervisor
from retail_dev.testing import poll

SERVICES = ("users", "inventory", "orders", "payments")
SAGA_SERVICES = ("inventory", "orders", "payments")  # with consumers and an outbox relay
STAFF = ("admin@retail.test", "retail-admin-pass")


def _say_on_stderr(line: str) -> None:
    print(f"[stack] {line}", file=sys.stderr, flush=True)


def card_ending(last4: str) -> str:
    """A 16-digit Visa-looking number that passes Luhn and ends with last4."""
    for middle in range(100):
        number = f"4000000000{middle:02d}{last4}"
        if luhn_valid(number):
            return number
    raise AssertionError(f"no Luhn-valid number ends with {last4}")


def token(user_id: uuid.UUID | None = None, role: str = "CUSTOMER") -> str:
    key = load_private_key((SECRETS_DIR / "JWT_PRIVATE_KEY").read_text())
    now = int(time.time())
    claims = {"sub": str(user_id or uuid.uuid4()), "email": "e2e@retail.test", "role": role, "iss": "retail-users"}
    claims |= {"aud": "retail", "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": key_id(key.public_key())})


def order_body(items: list[tuple[int, int]], *, card: str = "4242424242424242", extra=None) -> dict:
    """The body of POST /api/orders; `extra` adds fields to the body and to every item."""
    extra = extra or {}
    return {
        **extra,
        "items": [{**extra, "product_id": p, "quantity": q} for p, q in items],
        "shipping_address": address(),
        "payment_method": {"card_number": card},
    }


@dataclass
class Answer:
    status: int
    body: object


def call(method: str, url: str, body=None, *, bearer: str | None = None, headers: dict | None = None) -> Answer:
    request = urllib.request.Request(  # noqa: S310 (local servers of this stack)
        url,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {bearer}"} if bearer else {}),
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            raw = response.read()
            return Answer(response.status, json.loads(raw) if raw else None)
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            return Answer(error.code, json.loads(raw))
        except ValueError:
            return Answer(error.code, raw.decode(errors="replace"))


@dataclass
class Stack:
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    urls: dict = field(default_factory=dict)
    grpc_port: int = 0
    # Restarts what dies, as `manage_all.py dev` and Kubernetes do (a test's own `stop` is not a death).
    # Its exits go to stderr with the child's last lines, so a test that fails after one shows why.
    supervisor: Supervisor = field(
        default_factory=lambda: Supervisor(quiet=True, restart=RestartPolicy(), log=_say_on_stderr)
    )
    admin: str = field(default_factory=lambda: token(role="ADMIN"))
    # A broker of the stack's own, which a test may stop and start (in-memory: it comes back empty).
    broker: PrivateBroker | None = None
    topic_layout: dict = field(default_factory=dict)  # {topic: partitions} on that broker, to recreate them
    with_storefront: bool = False
    # Environment every process of this stack gets on top of the test settings (e.g. a looser rate limit).
    overrides: dict = field(default_factory=dict)
    # Every metrics endpoint by process label, as Prometheus scrapes it: (service, role, "host:port", path).
    metrics: dict = field(default_factory=dict)

    @property
    def projects(self) -> tuple[str, ...]:
        return (*SERVICES, "storefront") if self.with_storefront else SERVICES

    @property
    def metrics_targets(self) -> list[tuple]:
        return list(self.metrics.values())

    def database(self, name: str) -> str:
        return f"e2e_{name}_{self.run_id}"

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

    def manage(self, name: str, *args: str) -> str:
        project = by_name(name)
        result = subprocess.run(
            manage_cmd(project, *args), cwd=project.path, env=self.env(name), capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"{name} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def spawn(self, name: str, label: str, *args: str) -> None:
        """A worker role of a service, with its metrics server on a free port (kept across restarts)."""
        project = by_name(name)
        port = free_port()
        env = self.env(name, METRICS_PORT=str(port), METRICS_ADDR="127.0.0.1")
        self.supervisor.spawn(f"{name}-{label}", manage_cmd(project, *args), env=env, cwd=project.path)
        self.metrics[f"{name}-{label}"] = (name, label, f"127.0.0.1:{port}", "/metrics")

    def spawn_web(self, name: str, *, workers: int | None = None) -> None:
        project = by_name(name)
        port = free_port()
        wsgi = project.settings.replace(".settings", ".wsgi")
        if workers is None:
            workers = 2 if name in ("orders", "storefront") else 1  # they take every checkout; the rest mostly read
        command = [sys.executable, "-m", "gunicorn", wsgi, "-k", "gthread", "-w", str(workers), "--threads", "8"]
        command += ["-c", GUNICORN_METRICS_CONFIG]
        command += ["-b", f"127.0.0.1:{port}", "--graceful-timeout", "5", "--no-control-socket"]
        self.supervisor.spawn(f"{name}-web", command, env=self.env(name), cwd=project.path)
        self.urls[name] = f"http://127.0.0.1:{port}"
        self.metrics[f"{name}-web"] = (name, "web", f"127.0.0.1:{port}", "/metrics")

    def start_grpc(self) -> None:
        self.spawn("inventory", "grpc", "run_grpc", "--host", "127.0.0.1", "--port", str(self.grpc_port))
        wait_for_port(self.grpc_port, timeout=30)

    def stop(self, label: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process for good (the supervisor does not restart it): SIGTERM as Kubernetes would,
        or SIGKILL as a crash would."""
        self.supervisor.stop_child(label, sig)
        self.metrics.pop(label, None)

    def up(self, *, own_broker: bool = False, storefront: bool = False) -> Stack:
        self.grpc_port = free_port()
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
        self.supervisor.watch()
        for name in self.projects:
            wait_http_ok(f"{self.urls[name]}/healthz", timeout=60)
        for _service, _role, host_port, _path in self.metrics_targets:
            # Every worker serves metrics once it is set up: a worker that cannot start fails here,
            # not later as a saga that never finishes.
            wait_for_port(int(host_port.rsplit(":", 1)[1]), timeout=60)
        return self

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
        self.supervisor.stop_all()
        if self.broker:
            self.broker.stop()
        else:
            self.drop_topics()
        for name in self.projects:
            Postgres().drop_database(self.database(name))

    # -- helpers the tests read like prose -----------------------------------------------------
    def product(self, *, on_hand: int, price: str = "12.50", category: str = "kitchen") -> dict:
        n = uuid.uuid4().hex[:8]
        body = {"sku": f"E2E-{n}", "slug": f"e2e-{n}", "name": f"E2E {n}", "price": price, "category": category}
        answer = call("POST", f"{self.urls['inventory']}/api/products", {**body, "on_hand": on_hand}, bearer=self.admin)
        assert answer.status == 201, answer.body
        return answer.body

    def stock(self, sku: str) -> dict:
        return call("GET", f"{self.urls['inventory']}/api/inventory/{sku}", bearer=self.admin).body

    def order(
        self, bearer: str, items: list[tuple[int, int]], *, card: str = "4242424242424242", key=None, extra=None
    ) -> Answer:
        """POST /api/orders; `extra` adds fields to the body and to every item (e.g. prices a client made up)."""
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        body = order_body(items, card=card, extra=extra)
        return call("POST", f"{self.urls['orders']}/api/orders", body, bearer=bearer, headers=headers)

    def wait(self, fetch, predicate, *, timeout: float = 60.0, message: str = "the shop reaches the state awaited"):
        """fetch() once predicate(value) holds (bounded). When it never does, every process's last lines
        go to stderr (the failing test's report shows them) and AssertionError names the last value."""
        try:
            return poll(fetch, until=predicate, timeout=timeout, message=message)
        except AssertionError:
            self.report_processes()
            raise

    def report_processes(self, lines: int = 15) -> None:
        """Each process of the stack, running or not, with the last lines it printed (on stderr)."""
        for child in self.supervisor.children:
            code = child.process.poll()
            state = "running" if code is None else f"exited {code}"
            _say_on_stderr(f"{child.label} (pid {child.process.pid}, {state}), its last lines:")
            for line in list(child.tail)[-lines:]:
                print(f"    {line}", file=sys.stderr, flush=True)

    def order_status(self, bearer: str, order_id: str) -> dict:
        return call("GET", f"{self.urls['orders']}/api/orders/{order_id}", bearer=bearer).body

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

    def payments_of(self, order_id: str) -> list[dict]:
        url = f"{self.urls['payments']}/api/admin/payments?order_id={order_id}"
        return call("GET", url, bearer=self.admin).body["results"]
