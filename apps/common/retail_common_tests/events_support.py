"""Helpers of the event-backbone tests: fresh topics per test on the real broker, a consumer thread."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid

import pytest
from django.db import connection

from retail_common.events import kafka, registry
from retail_common.events.consumer import ConsumerRunner
from retail_common_tests.models import Effect
from retail_dev.infra.broker import broker_command
from retail_dev.netutil import wait_for_port

GROUP = "common-tests"
TOPIC = "order-created"


def order_created(order_id: str) -> dict:
    return {
        "order_id": order_id,
        "user_id": str(uuid.uuid4()),
        "items": [{"product_id": 7, "quantity": 2, "sku": "SKU-7", "unit_price": "5.00"}],
        "total": "10.00",
        "currency": "USD",
        "payment_method": {"brand": "visa", "last4": "4242"},
    }


def effects() -> list[str]:
    return list(Effect.objects.order_by("id").values_list("key", flat=True))


class Behaviour:
    """What the test handler does: fail N times per key (or forever), optionally slowly."""

    def __init__(self):
        self.failures: dict[str, int] = {}
        self.attempts: dict[str, list[str]] = {}

    def __call__(self, event) -> None:
        self.attempts.setdefault(event.key, []).append(event.headers.get("retry-attempt", "0"))
        left = self.failures.get(event.key, 0)
        if left:
            self.failures[event.key] = left - 1
            raise RuntimeError(f"handler failure, {left - 1} left")
        Effect.objects.create(key=event.key, event_id=event.event_id)


class ConsumerThread:
    def __init__(self, runner: ConsumerRunner):
        self.runner = runner
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        try:
            self.runner.run()
        except BaseException as exc:  # surfaced by run_until
            self.error = exc
        finally:
            connection.close()

    def start(self):
        self.thread.start()

    def stop(self):
        self.runner.stop()
        self.thread.join(timeout=15)


def run_until(consumer: ConsumerThread, predicate, *, timeout: float = 40.0, settle: float = 0.0) -> None:
    """Wait (bounded) for the consumer thread to make `predicate` true; then let it settle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if consumer.error:
            raise consumer.error
        if predicate():
            time.sleep(settle)
            return
        time.sleep(0.1)
    pytest.fail(f"condition not reached within {timeout}s")


def fresh_bus(settings, *, bootstrap: str | None = None) -> str:
    prefix = f"t{uuid.uuid4().hex[:10]}."
    settings.RETAIL = {
        **settings.RETAIL,
        "TOPIC_PREFIX": prefix,
        "EXTRA_SUBSCRIPTIONS": {TOPIC: [GROUP]},
        **({"KAFKA_BOOTSTRAP_SERVERS": bootstrap} if bootstrap else {}),
    }
    kafka.reset_clients()
    return prefix


WARM_UP_TOPIC = "producer-warm-up"


def provision() -> None:
    kafka.topics_ensure([TOPIC, *registry.group_topics(TOPIC, GROUP), WARM_UP_TOPIC])


def warm_producer() -> None:
    """Send one message nobody consumes, so the idempotent producer has its id before the test publishes."""
    message = {"topic": WARM_UP_TOPIC, "key": "warm-up", "value": b"{}", "headers": {}}
    assert kafka.send_batch([message], timeout=10) == [True]


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
