"""confluent-kafka clients configured once: idempotent producer, consumer settings, topic provisioning."""

from __future__ import annotations

import logging
import threading
import time

import pybreaker
from confluent_kafka import KafkaError, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic
from django.core.signals import setting_changed

from retail_common.breakers import metered_breaker
from retail_common.config.retail_settings import retail_settings
from retail_common.events import registry

logger = logging.getLogger("retail_common.events")


class BrokerUnavailable(Exception):
    """The broker did not confirm delivery in time; the event stays in the outbox."""


def producer_config() -> dict:
    return {
        "bootstrap.servers": retail_settings().KAFKA_BOOTSTRAP_SERVERS,
        "enable.idempotence": True,
        "acks": "all",
        "linger.ms": 1,
        "message.timeout.ms": 30000,
        "socket.timeout.ms": 5000,
        "reconnect.backoff.max.ms": 2000,
        "allow.auto.create.topics": False,
    }


def consumer_config(group: str) -> dict:
    return {
        "bootstrap.servers": retail_settings().KAFKA_BOOTSTRAP_SERVERS,
        "group.id": f"{retail_settings().TOPIC_PREFIX}{group}",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "allow.auto.create.topics": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 1000,
        # Latency against broker CPU: the local broker holds an empty fetch for the whole wait, and each
        # empty fetch costs it CPU. 20 ms kept the saga's p50 where 10 ms had it and halved the idle
        # broker's CPU (docs/benchmarks.md, saga).
        "fetch.wait.max.ms": retail_settings().CONSUMER_FETCH_WAIT_MS,
        "max.poll.interval.ms": 300000,
    }


_lock = threading.Lock()
_producer: Producer | None = None
_producer_born = 0.0
_breaker: pybreaker.CircuitBreaker | None = None
# librdkafka's idempotent producer waits ~0.5 s for its producer id after the first connection;
# a miss in that window says nothing about the broker's health, so it does not count against the breaker.
PRODUCER_STARTUP_SECONDS = 2.0


def producer() -> Producer:
    global _producer, _producer_born
    with _lock:
        if _producer is None:
            _producer = Producer(producer_config())
            _producer_born = time.monotonic()
        return _producer


def producer_warm_up() -> None:
    """Create the producer now (it connects and gets its id in the background), e.g. when a web worker starts."""
    producer()


def producer_starting() -> bool:
    return _producer is not None and time.monotonic() - _producer_born < PRODUCER_STARTUP_SECONDS


def breaker() -> pybreaker.CircuitBreaker:
    global _breaker
    with _lock:
        if _breaker is None:
            config = retail_settings()
            _breaker = metered_breaker(
                "kafka-producer", fail_max=config.BREAKER_FAIL_MAX, reset_timeout=config.BREAKER_RESET_SECONDS
            )
        return _breaker


def reset_clients() -> None:
    """Forget the cached producer and breaker (after settings change, in tests)."""
    global _producer, _breaker
    with _lock:
        _producer, _breaker = None, None


def _reset_on_settings_change(*, setting, **kwargs) -> None:
    if setting == "RETAIL":
        reset_clients()


setting_changed.connect(_reset_on_settings_change)


# Errors that no retry can cure: the broker (or the client's own limit) will never take this record.
PERMANENT_ERRORS = frozenset(
    {
        KafkaError.MSG_SIZE_TOO_LARGE,
        KafkaError.RECORD_LIST_TOO_LARGE,
        KafkaError.INVALID_RECORD,
        KafkaError._INVALID_ARG,
    }
)
UNDELIVERED = "undelivered"  # no delivery report within the timeout


def send_batch(messages: list[dict], *, timeout: float) -> list[bool]:
    """Produce messages ({topic, key, value, headers}) in order and wait for their delivery reports.

    Returns one flag per message: True when the broker acknowledged it within `timeout`. Never raises
    for a broker problem: a fatal producer error (e.g. a broker that lost its state after a restart
    refuses the idempotent sequence) replaces the producer, and the outbox sends again later.
    """
    return [outcome is None for outcome in deliver(messages, timeout=timeout)]


def deliver(messages: list[dict], *, timeout: float) -> list:
    """send_batch's work, with each message's outcome: None (acknowledged), the KafkaError that refused
    it (see PERMANENT_ERRORS), or UNDELIVERED. A key is str, bytes or None; headers a dict or a list of
    (name, bytes) pairs, so a consumed record can be forwarded exactly as it came."""
    outcomes: list = [UNDELIVERED] * len(messages)
    fatal = []
    client = producer()

    def report(index):
        def on_delivery(err, msg):
            outcomes[index] = err
            if err is not None:
                if err.fatal():
                    fatal.append(err)
                logger.warning("delivery failed", extra={"topic": messages[index]["topic"], "error": str(err)})

        return on_delivery

    try:
        for index, message in enumerate(messages):
            key, headers = message.get("key"), message.get("headers") or {}
            try:
                client.produce(
                    registry.physical(message["topic"]),
                    key=key.encode() if isinstance(key, str) else key,
                    value=message["value"],
                    headers=list(headers.items()) if isinstance(headers, dict) else list(headers),
                    on_delivery=report(index),
                )
            except BufferError:
                client.poll(0.05)
                break
            except KafkaException as exc:
                if exc.args[0].code() not in PERMANENT_ERRORS:
                    raise
                outcomes[index] = exc.args[0]  # refused by the client itself (e.g. too large): this one only
        remaining = client.flush(timeout)
        if remaining:
            # Undelivered messages would be retried by librdkafka behind our back; the outbox retries instead.
            client.purge(in_queue=True, in_flight=False)
            client.poll(0)
    except (KafkaException, SystemError) as exc:  # confluent-kafka surfaces fatal errors either way
        fatal.append(exc)
        logger.warning("producer failed: %s", exc)
    if fatal:
        logger.error("fatal producer error, starting a new producer: %s", fatal[0])
        producer_replace(client)
        return [UNDELIVERED] * len(messages)
    return outcomes


def is_permanent(outcome) -> bool:
    return isinstance(outcome, KafkaError) and outcome.code() in PERMANENT_ERRORS


def producer_replace(broken: Producer) -> None:
    """Drop a producer that hit a fatal error (the next call builds a new one with a new producer id)."""
    global _producer
    with _lock:
        if _producer is broken:
            _producer = None


def send_guarded(messages: list[dict]) -> list[bool]:
    """send_batch behind the circuit breaker: with the broker down, callers return at once."""

    def attempt():
        flags = send_batch(messages, timeout=retail_settings().PUBLISH_TIMEOUT_SECONDS)
        if not any(flags) and not producer_starting():
            raise BrokerUnavailable("no delivery report within the publish timeout")
        return flags

    try:
        return breaker().call(attempt)
    except (pybreaker.CircuitBreakerError, BrokerUnavailable):
        return [False] * len(messages)


def admin_client() -> AdminClient:
    return AdminClient({"bootstrap.servers": retail_settings().KAFKA_BOOTSTRAP_SERVERS, "socket.timeout.ms": 3000})


def topics_ensure(names: list[str] | None = None, *, partitions: int | None = None, timeout: float = 10.0):
    """Create missing topics; returns [(name, "created" | "exists")]. Raises KafkaException on other errors."""
    names = names if names is not None else registry.all_topics()
    config = retail_settings()
    partitions = partitions or config.TOPIC_PARTITIONS

    def partitions_of(name: str) -> int:
        # Retry and dead-letter topics carry a trickle; every partition costs each consumer's fetches.
        return partitions if registry.parse_topic(name)[2] == "main" else config.RETRY_TOPIC_PARTITIONS

    admin = admin_client()  # keep a reference: the futures fail if the client is collected
    futures = admin.create_topics(
        [NewTopic(registry.physical(n), num_partitions=partitions_of(n), replication_factor=-1) for n in names],
        operation_timeout=timeout,
        request_timeout=timeout,
    )
    results = []
    for name in names:
        try:
            futures[registry.physical(name)].result(timeout=timeout)
            results.append((name, "created"))
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise
            results.append((name, "exists"))
    return results


def broker_ping(timeout: float = 1.0) -> None:
    """Raise unless the broker answers a metadata request within `timeout`."""
    admin_client().list_topics(timeout=timeout)
