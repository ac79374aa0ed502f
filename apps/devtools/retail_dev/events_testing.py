"""Helpers for tests of services that publish or consume events, against the real broker.

Each test gets topics of its own (a fresh prefix), a consumer running in a thread, and a producer
that already holds its id. (A broker a test may stop and start is `retail_dev.infra.broker.PrivateBroker`.)

confluent-kafka has no test harness, and no library runs this project's ConsumerRunner in a thread;
these few helpers do.
"""

from __future__ import annotations

import threading
import time
import uuid

from django.db import connection

from retail_common.events import kafka
from retail_common.events.consumer.runner import ConsumerRunner
from retail_dev.testing import poll


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
    """Wait (bounded) for the consumer thread to make `predicate` true; then let it settle.

    An error that stopped the consumer's thread is raised at once, not waited out."""

    def reached():
        if consumer.error:
            raise consumer.error
        return predicate()

    poll(reached, timeout=timeout, interval=0.1, message="the consumer brings the condition about")
    time.sleep(settle)


def fresh_bus(settings, *, bootstrap: str | None = None, subscriptions: dict | None = None) -> str:
    """Point the settings at a fresh topic prefix (and broker); returns the prefix."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    settings.RETAIL = {
        **settings.RETAIL,
        "TOPIC_PREFIX": prefix,
        "EXTRA_SUBSCRIPTIONS": subscriptions or {},
        **({"KAFKA_BOOTSTRAP_SERVERS": bootstrap} if bootstrap else {}),
    }
    kafka.reset_clients()
    return prefix


WARM_UP_TOPIC = "producer-warm-up"


def warm_producer() -> None:
    """Send one message nobody consumes, so the idempotent producer has its id before the test publishes."""
    message = {"topic": WARM_UP_TOPIC, "key": "warm-up", "value": b"{}", "headers": {}}
    assert kafka.send_batch([message], timeout=10) == [True]
