"""Faults: the broker stopped during publishing, and SIGTERM in the middle of a handler."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pybreaker
import pytest
from django.db import connection

from retail_common.events import kafka
from retail_common.events.consumer.runner import ConsumerRunner
from retail_common.events.outbox.sender import outbox_wait_sent
from retail_common.events.relay import OutboxRelay
from retail_common.models import OutboxEvent
from retail_common_tests.events_support import GROUP, TOPIC, effects, fresh_bus, provision, publish_order
from retail_dev.events_testing import ConsumerThread, run_until
from retail_dev.infra.broker import PrivateBroker
from retail_dev.netutil import free_port
from retail_dev.testing import poll

pytestmark = pytest.mark.django_db(transaction=True)


class BrokerCalls(pybreaker.CircuitBreakerListener):
    """Counts publishes that really waited for the broker (the breaker lets them through)."""

    def __init__(self):
        self.failures = 0

    def failure(self, cb, exc):
        self.failures += 1


@pytest.fixture
def private_broker():
    broker = PrivateBroker(free_port())
    broker.start()
    yield broker
    broker.stop()


def test_broker_outage_delays_events_but_loses_none(api, settings, private_broker, behaviour):
    fresh_bus(settings, bootstrap=private_broker.bootstrap)
    settings.RETAIL = {**settings.RETAIL, "BREAKER_FAIL_MAX": 2, "BREAKER_RESET_SECONDS": 600}
    provision()
    calls = BrokerCalls()
    kafka.breaker().add_listener(calls)
    private_broker.stop()

    keys = [f"outage-{n}" for n in range(6)]
    for key in keys:
        response = api.post("/t/publish", {"key": key}, format="json")
        assert response.status_code == 201, "the web request succeeds with the broker down"
        # Requests do not wait for the broker; the sender thread does. Waiting for it here makes each
        # event its own send (events queued behind a send in flight would share the next batch).
        assert outbox_wait_sent()

    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 6
    assert kafka.breaker().current_state == "open"
    # Only the first BREAKER_FAIL_MAX sends waited for the broker (each at most PUBLISH_TIMEOUT_SECONDS);
    # every later one was turned away by the open breaker without touching the broker.
    assert calls.failures == 2

    private_broker.start()  # in-memory broker: it comes back empty, like a fresh cluster
    provision()
    consumer = ConsumerThread(ConsumerRunner(GROUP, handlers={TOPIC: behaviour}))
    consumer.start()
    try:
        OutboxRelay(send_timeout=10).run(once=True)
        assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
        run_until(consumer, lambda: sorted(effects()) == sorted(keys), settle=1.5)
    finally:
        consumer.stop()
    assert sorted(effects()) == sorted(keys), "every event delivered exactly once"


def consumer_process(prefix: str, marker: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "KAFKA_TOPIC_PREFIX": prefix,
        "SLOW_HANDLER_MARKER": str(marker),
        "DJANGO_SETTINGS_MODULE": "retail_common_tests.settings",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "django", "run_consumers", "--group", GROUP],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_sigterm_mid_handler_loses_nothing_and_applies_nothing_twice(bus, tmp_path):
    marker = tmp_path / "handler-started"
    publish_order("slow-1", "a", "b")

    first = consumer_process(bus, marker)
    poll(marker.exists, interval=0.1, message="the slow handler starts")
    first.send_signal(signal.SIGTERM)
    output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output
    assert "run_consumers: stopped cleanly" in output
    assert effects().count("slow-1") == 1, "the handler in progress finished and committed"

    publish_order("c")
    second = consumer_process(bus, tmp_path / "unused")
    try:
        poll(lambda: sorted(set(effects())) == ["a", "b", "c", "slow-1"], interval=0.1, message="every key handled")
        time.sleep(2)  # time for any redelivery to show up as a double effect
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output
    assert sorted(effects()) == ["a", "b", "c", "slow-1"]
